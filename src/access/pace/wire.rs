//! PACE APDU encodings (Part 11 §4.4.4–4.4.5): MSE:Set AT, GENERAL AUTHENTICATE with its
//! Dynamic Authentication Data '7C', and the public key data object '7F49' of the tokens.

use super::{PaceError, PaceParams, malformed};
use crate::access::AccessError;
use crate::apdu::Command;
use crate::crypto::keys::PasswordKind;
use crate::tlv::{self, Tlv};

/// Short-APDU Le of 256 (`00`), as in the Appendix G examples.
const LE: usize = 256;

/// One primitive data object `tag ‖ len ‖ value` (single-byte tag).
pub(crate) fn tlv(tag: u8, value: &[u8]) -> Result<Vec<u8>, AccessError> {
    let mut out = vec![tag];
    tlv::encode_length(value.len(), &mut out).map_err(|e| malformed("encoding", e.to_string()))?;
    out.extend_from_slice(value);
    Ok(out)
}

/// MSE:Set AT `00 22 C1 A4`: DO'80' OID, DO'83' password reference, DO'84' parameter ID.
pub(crate) fn mse_set_at(
    params: &PaceParams,
    password: PasswordKind,
) -> Result<Command, AccessError> {
    let mut data = tlv(0x80, &params.protocol.oid_bytes())?;
    data.extend_from_slice(&tlv(0x83, &[password.reference()])?);
    if params.send_parameter_id {
        data.extend_from_slice(&tlv(0x84, &[params.group.id()])?);
    }
    Ok(Command::new(0x00, 0x22, 0xC1, 0xA4).with_data(data))
}

/// GENERAL AUTHENTICATE `x0 86 00 00` with `7C { inner }`; CLA 10 when `chained`.
pub(crate) fn general_authenticate(inner: &[u8], chained: bool) -> Result<Command, AccessError> {
    let cla = if chained { 0x10 } else { 0x00 };
    Ok(Command::new(cla, 0x86, 0x00, 0x00)
        .with_data(tlv(0x7C, inner)?)
        .with_le(LE))
}

/// The data objects inside `7C { … }`, in order.
pub(crate) fn dynamic_objects<'a>(
    data: &'a [u8],
    command: &'static str,
) -> Result<Vec<Tlv<'a>>, AccessError> {
    let outer = Tlv::parse_exact(data).map_err(|e| malformed(command, e.to_string()))?;
    if outer.tag.number() != 0x7C {
        return Err(malformed(
            command,
            format!("tag {:X}, expected 7C", outer.tag.number()),
        ));
    }
    tlv::parse_all(outer.value)
        .map(|r| r.map_err(|e| malformed(command, e.to_string())))
        .collect()
}

/// The value of DO `tag` in `7C { … }`, if present.
pub(crate) fn optional<'a>(
    data: &'a [u8],
    tag: u32,
    command: &'static str,
) -> Result<Option<&'a [u8]>, AccessError> {
    Ok(dynamic_objects(data, command)?
        .into_iter()
        .find(|t| t.tag.number() == tag)
        .map(|t| t.value))
}

/// The value of DO `tag` in `7C { … }`, which must be present.
pub(crate) fn single<'a>(
    data: &'a [u8],
    tag: u32,
    command: &'static str,
) -> Result<&'a [u8], AccessError> {
    optional(data, tag, command)?.ok_or_else(|| {
        malformed(
            command,
            format!("no DO'{tag:02X}' in the dynamic authentication data"),
        )
    })
}

/// The public key data object `7F49 { 06 OID, tag PK }` of the authentication tokens
/// (Part 11 §4.4.3.4, §9.4: the ephemeral key only, no domain parameters).
pub(crate) fn public_key_object(
    params: &PaceParams,
    key_tag: u8,
    public_key: &[u8],
) -> Result<Vec<u8>, PaceError> {
    let encode = |tag: u8, value: &[u8]| -> Result<Vec<u8>, PaceError> {
        let mut out = vec![tag];
        tlv::encode_length(value.len(), &mut out).map_err(|_| PaceError::DegenerateGenerator)?;
        out.extend_from_slice(value);
        Ok(out)
    };
    let mut inner = encode(0x06, &params.protocol.oid_bytes())?;
    inner.extend_from_slice(&encode(key_tag, public_key)?);
    let mut out = vec![0x7F, 0x49];
    tlv::encode_length(inner.len(), &mut out).map_err(|_| PaceError::DegenerateGenerator)?;
    out.extend_from_slice(&inner);
    Ok(out)
}
