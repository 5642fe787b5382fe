//! EF.CardAccess for PACE (Part 11 §9.2.11): choosing [`PaceParams`] from the chip's
//! SecurityInfos (parsed by [`crate::lds::security_info`]) and building a matching
//! EF.CardAccess for the software chip.

use crate::lds::security_info::SecurityInfo;

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
            } => Some(params_of(protocol, *parameter_id)),
            _ => None,
        })
        .collect()
}

fn params_of(
    protocol: &der::asn1::ObjectIdentifier,
    parameter_id: Option<u64>,
) -> Result<PaceParams, PaceError> {
    let protocol = PaceProtocol::from_oid(protocol)?;
    let id = parameter_id.ok_or(PaceError::ExplicitDomainParameters)?;
    let group = StandardGroup::from_id(id).ok_or(PaceError::UnknownParameterId(id))?;
    let params = PaceParams::from_protocol(protocol, group)?;
    params.check_supported()?;
    Ok(params)
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
