//! EF.CardAccess for PACE (Part 11 §9.2.11): choosing [`PaceParams`] from the chip's
//! SecurityInfos (parsed by [`crate::lds::security_info`]) and building a matching
//! EF.CardAccess for the software chip.
//!
//! Explicit domain parameters (PACEDomainParameterInfo) are accepted when they are one of the
//! standardized sets written out (some chips do that); other explicit groups are reported as
//! [`PaceError::ExplicitDomainParameters`].

use crate::lds::security_info::SecurityInfo;
use crate::tlv::{self, Tlv};

use super::groups::{DhConstants, EcConstants};
use super::{PaceError, PaceParams, PaceProtocol, StandardGroup};

/// The PACE variants EF.CardAccess offers, in file order, with why any cannot be run.
pub fn offered(infos: &[SecurityInfo]) -> Vec<Result<PaceParams, PaceError>> {
    infos
        .iter()
        .filter_map(|info| match info {
            SecurityInfo::Pace {
                protocol,
                parameter_id,
                ..
            } => Some(params_of(infos, protocol, *parameter_id)),
            _ => None,
        })
        .collect()
}

fn params_of(
    infos: &[SecurityInfo],
    protocol: &der::asn1::ObjectIdentifier,
    parameter_id: Option<u64>,
) -> Result<PaceParams, PaceError> {
    let protocol = PaceProtocol::from_oid(protocol)?;
    let standard = parameter_id.and_then(StandardGroup::from_id);
    let (group, send_parameter_id) = match (standard, parameter_id) {
        (Some(group), _) => (group, true),
        // IDs 0–31 are reserved for standardized sets; 3–7 and 19–31 are undefined.
        (None, Some(id)) if id < 32 => return Err(PaceError::UnknownParameterId(id)),
        // No ID or a proprietary one: the explicit parameters of the matching
        // PACEDomainParameterInfo, which must be a standardized set written out.
        (None, _) => (explicit_group(infos, parameter_id)?, parameter_id.is_some()),
    };
    let mut params = PaceParams::from_protocol(protocol, group)?;
    params.check_supported()?;
    // DO'84' carries the chip's own (proprietary) ID, not the standardized one, so only a
    // standardized ID is sent; a proprietary one cannot be expressed here.
    params.send_parameter_id = send_parameter_id && standard.is_some();
    Ok(params)
}

/// The standardized group that the PACEDomainParameterInfo for `parameter_id` writes out.
fn explicit_group(
    infos: &[SecurityInfo],
    parameter_id: Option<u64>,
) -> Result<StandardGroup, PaceError> {
    let mut candidates = infos.iter().filter_map(|info| match info {
        SecurityInfo::PaceDomainParameters {
            domain_parameter,
            parameter_id: id,
            ..
        } if parameter_id.is_none() || *id == parameter_id => Some(domain_parameter),
        _ => None,
    });
    let der = candidates
        .next()
        .ok_or(PaceError::ExplicitDomainParameters)?;
    standard_group_of(der).ok_or(PaceError::ExplicitDomainParameters)
}

/// id-ecPublicKey (1.2.840.10045.2.1), content octets.
const ID_EC_PUBLIC_KEY: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// dhpublicnumber (1.2.840.10046.2.1), content octets.
const DH_PUBLIC_NUMBER: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3E, 0x02, 0x01];

/// Which standardized set an explicit `AlgorithmIdentifier` (DER) describes, if any.
pub fn standard_group_of(algorithm_identifier: &[u8]) -> Option<StandardGroup> {
    let outer = Tlv::parse_exact(algorithm_identifier).ok()?;
    let mut fields = tlv::parse_all(outer.value);
    let oid = fields.next()?.ok()?;
    let parameters = fields.next()?.ok()?;
    let items: Vec<Tlv<'_>> = tlv::parse_all(parameters.value)
        .collect::<Result<_, _>>()
        .ok()?;
    if oid.value == ID_EC_PUBLIC_KEY {
        // ECParameters: version, fieldID { prime-field, p }, curve { a, b, [seed] }, base, order, [cofactor]
        let [_version, field, curve, base, order, rest @ ..] = items.as_slice() else {
            return None;
        };
        if rest.len() > 1 {
            return None;
        }
        let field_items: Vec<Tlv<'_>> =
            tlv::parse_all(field.value).collect::<Result<_, _>>().ok()?;
        let p = field_items.get(1)?.value;
        let curve_items: Vec<Tlv<'_>> =
            tlv::parse_all(curve.value).collect::<Result<_, _>>().ok()?;
        let (a, b) = (curve_items.first()?.value, curve_items.get(1)?.value);
        StandardGroup::ALL.into_iter().find(|g| {
            ec_constants(*g).is_some_and(|c| {
                same(p, c.p)
                    && same(a, c.a)
                    && same(b, c.b)
                    && same(order.value, c.n)
                    && base_matches(base.value, c)
            })
        })
    } else if oid.value == DH_PUBLIC_NUMBER {
        // DomainParameters: p, g, q, [j], [validationParms]
        let [p, g, q, ..] = items.as_slice() else {
            return None;
        };
        StandardGroup::ALL.into_iter().find(|group| {
            dh_constants(*group)
                .is_some_and(|c| same(p.value, c.p) && same(g.value, c.g) && same(q.value, c.q))
        })
    } else {
        None
    }
}

fn ec_constants(group: StandardGroup) -> Option<&'static EcConstants> {
    use super::groups::*;
    Some(match group {
        StandardGroup::P192 => &SECP192R1,
        StandardGroup::BrainpoolP192r1 => &BRAINPOOLP192R1,
        StandardGroup::P224 => &SECP224R1,
        StandardGroup::BrainpoolP224r1 => &BRAINPOOLP224R1,
        StandardGroup::P256 => &SECP256R1,
        StandardGroup::BrainpoolP256r1 => &BRAINPOOLP256R1,
        StandardGroup::BrainpoolP320r1 => &BRAINPOOLP320R1,
        StandardGroup::P384 => &SECP384R1,
        StandardGroup::BrainpoolP384r1 => &BRAINPOOLP384R1,
        StandardGroup::BrainpoolP512r1 => &BRAINPOOLP512R1,
        StandardGroup::P521 => &SECP521R1,
        _ => return None,
    })
}

fn dh_constants(group: StandardGroup) -> Option<&'static DhConstants> {
    use super::groups::*;
    Some(match group {
        StandardGroup::Modp1024_160 => &MODP_1024_160,
        StandardGroup::Modp2048_224 => &MODP_2048_224,
        StandardGroup::Modp2048_256 => &MODP_2048_256,
        _ => return None,
    })
}

/// Equal as unsigned integers (leading zero bytes ignored).
fn same(bytes: &[u8], hex_constant: &str) -> bool {
    let constant = hex::decode(hex_constant).unwrap_or_default();
    strip(bytes) == strip(&constant)
}

fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or(&[])
}

/// The base point `04 ‖ X ‖ Y` (or compressed `02|03 ‖ X`) is the set's generator.
fn base_matches(base: &[u8], c: &EcConstants) -> bool {
    let gx = hex::decode(c.gx).unwrap_or_default();
    let gy = hex::decode(c.gy).unwrap_or_default();
    let Some((tag, coords)) = base.split_first() else {
        return false;
    };
    match tag {
        0x04 => {
            let (x, y) = coords.split_at(coords.len() / 2);
            coords.len() % 2 == 0 && strip(x) == strip(&gx) && strip(y) == strip(&gy)
        }
        0x02 | 0x03 => {
            let odd = gy.last().is_some_and(|b| b & 1 == 1);
            strip(coords) == strip(&gx) && (*tag == 0x03) == odd
        }
        _ => false,
    }
}

/// The PACE parameters to run: the first PACEInfo we support. `Ok(None)` when EF.CardAccess
/// has no PACEInfo at all (BAC is then the only option); an error when it has PACEInfos but
/// none we can run, so the caller does not silently fall back to BAC.
pub fn select(infos: &[SecurityInfo]) -> Result<Option<PaceParams>, PaceError> {
    let offered = offered(infos);
    if offered.is_empty() {
        return Ok(None);
    }
    let mut reasons = Vec::new();
    for candidate in offered {
        match candidate {
            Ok(params) => return Ok(Some(params)),
            Err(e) => reasons.push(e.to_string()),
        }
    }
    Err(PaceError::NoSupportedVariant(reasons.join("; ")))
}

/// A DER `SecurityInfos` with one PACEInfo (version 2, standardized parameter ID) for
/// `params`: what the software chip serves as EF.CardAccess.
pub fn build(params: &PaceParams) -> Vec<u8> {
    let oid = params.protocol.oid_bytes();
    // PACEInfo ::= SEQUENCE { protocol OID, version INTEGER (2), parameterId INTEGER }
    let mut info = vec![0x06, oid.len() as u8];
    info.extend_from_slice(&oid);
    info.extend_from_slice(&[0x02, 0x01, 0x02]);
    info.extend_from_slice(&[0x02, 0x01, params.group.id()]);
    let mut sequence = vec![0x30, info.len() as u8];
    sequence.extend_from_slice(&info);
    let mut set = vec![0x31, sequence.len() as u8];
    set.extend_from_slice(&sequence);
    set
}
