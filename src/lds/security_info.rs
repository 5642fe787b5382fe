//! SecurityInfos (ICAO 9303 Part 11 §9.2; BSI TR-03110-3 §A.1): the DER `SET OF SecurityInfo` in
//! EF.CardAccess (PACE) and DG14 (chip authentication), typed by protocol OID. Unknown protocols are kept.

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Encode, Reader, SliceReader, Tag};

/// Most SecurityInfo entries accepted in one file (real files have 1–10).
pub const MAX_SECURITY_INFOS: usize = 64;

/// id-PACE (BSI TR-03110-3 §A.1.1.1): `0.4.0.127.0.7.2.2.4`.
pub const ID_PACE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4");
/// id-CA: `0.4.0.127.0.7.2.2.3`.
pub const ID_CA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3");
/// id-PK (chip authentication public keys): `0.4.0.127.0.7.2.2.1`.
pub const ID_PK: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1");
/// id-TA: `0.4.0.127.0.7.2.2.2`.
pub const ID_TA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.2");
/// id-icao-mrtd-security-aaProtocolObject (ICAO 9303 Part 11 §6.1): `2.23.136.1.1.5`.
pub const ID_AA: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.5");

/// Why SecurityInfos could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityInfoError {
    /// The DER does not decode (what, and the decoder's message with position).
    #[error("SecurityInfos: {0}")]
    Der(String),
    /// The outer object is not a SET.
    #[error("SecurityInfos: expected a SET, found {0}")]
    NotASet(String),
    /// More entries than [`MAX_SECURITY_INFOS`].
    #[error("SecurityInfos: more than {MAX_SECURITY_INFOS} entries")]
    TooMany,
    /// An entry of a known protocol has the wrong shape.
    #[error("SecurityInfo {protocol}: {message}")]
    Malformed {
        /// The protocol OID.
        protocol: String,
        /// What is wrong.
        message: String,
    },
}

/// One SecurityInfo, typed by its protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityInfo {
    /// PACEInfo: protocol (mapping + cipher), version, standardized domain parameter id.
    Pace {
        /// e.g. id-PACE-ECDH-GM-AES-CBC-CMAC-128.
        protocol: ObjectIdentifier,
        /// Protocol version (2).
        version: u64,
        /// Standardized domain parameters (BSI TR-03110-3 Table 4: 13 = brainpoolP256r1, …).
        parameter_id: Option<u64>,
    },
    /// PACEDomainParameterInfo: explicit domain parameters (DER AlgorithmIdentifier).
    PaceDomainParameters {
        /// id-PACE-DH-GM, id-PACE-ECDH-GM, …
        protocol: ObjectIdentifier,
        /// The DER `AlgorithmIdentifier` of the domain parameters.
        domain_parameter: Vec<u8>,
        /// Which PACEInfo these belong to.
        parameter_id: Option<u64>,
    },
    /// ChipAuthenticationInfo.
    ChipAuthentication {
        /// e.g. id-CA-ECDH-AES-CBC-CMAC-128.
        protocol: ObjectIdentifier,
        /// Version (1 or 2).
        version: u64,
        /// Key identifier when there are several keys.
        key_id: Option<u64>,
    },
    /// ChipAuthenticationDomainParameterInfo.
    ChipAuthenticationDomainParameters {
        /// id-CA-DH or id-CA-ECDH.
        protocol: ObjectIdentifier,
        /// The DER `AlgorithmIdentifier` of the domain parameters.
        domain_parameter: Vec<u8>,
        /// Key identifier.
        key_id: Option<u64>,
    },
    /// ChipAuthenticationPublicKeyInfo: the chip's static (EC)DH key.
    ChipAuthenticationPublicKey {
        /// id-PK-DH or id-PK-ECDH.
        protocol: ObjectIdentifier,
        /// The DER `SubjectPublicKeyInfo`.
        public_key: Vec<u8>,
        /// Key identifier.
        key_id: Option<u64>,
    },
    /// TerminalAuthenticationInfo.
    TerminalAuthentication {
        /// id-TA.
        protocol: ObjectIdentifier,
        /// Version.
        version: u64,
    },
    /// ActiveAuthenticationInfo (ICAO 9303 Part 11 §6.1): the signature algorithm for ECDSA AA.
    ActiveAuthentication {
        /// id-icao-mrtd-security-aaProtocolObject.
        protocol: ObjectIdentifier,
        /// Version (1).
        version: u64,
        /// e.g. ecdsa-with-SHA256.
        signature_algorithm: ObjectIdentifier,
    },
    /// Any other protocol, kept as DER.
    Other {
        /// The protocol OID.
        protocol: ObjectIdentifier,
        /// DER of requiredData.
        required_data: Vec<u8>,
        /// DER of optionalData.
        optional_data: Option<Vec<u8>>,
    },
}

impl SecurityInfo {
    /// The protocol OID.
    pub fn protocol(&self) -> &ObjectIdentifier {
        match self {
            Self::Pace { protocol, .. }
            | Self::PaceDomainParameters { protocol, .. }
            | Self::ChipAuthentication { protocol, .. }
            | Self::ChipAuthenticationDomainParameters { protocol, .. }
            | Self::ChipAuthenticationPublicKey { protocol, .. }
            | Self::TerminalAuthentication { protocol, .. }
            | Self::ActiveAuthentication { protocol, .. }
            | Self::Other { protocol, .. } => protocol,
        }
    }
}

fn der_err(e: der::Error) -> SecurityInfoError {
    SecurityInfoError::Der(e.to_string())
}

/// Whether `oid` lies under `arc` (strictly).
fn under(oid: &ObjectIdentifier, arc: &ObjectIdentifier) -> bool {
    oid.as_bytes().len() > arc.as_bytes().len() && oid.as_bytes().starts_with(arc.as_bytes())
}

fn int(any: AnyRef<'_>, protocol: &ObjectIdentifier, what: &str) -> Result<u64, SecurityInfoError> {
    any.decode_as::<u64>()
        .map_err(|e| SecurityInfoError::Malformed {
            protocol: protocol.to_string(),
            message: format!("{what}: {e}"),
        })
}

fn opt_int(
    any: Option<AnyRef<'_>>,
    protocol: &ObjectIdentifier,
    what: &str,
) -> Result<Option<u64>, SecurityInfoError> {
    any.map(|a| int(a, protocol, what)).transpose()
}

fn to_der(any: AnyRef<'_>) -> Result<Vec<u8>, SecurityInfoError> {
    any.to_der().map_err(der_err)
}

fn classify(
    protocol: ObjectIdentifier,
    required: AnyRef<'_>,
    optional: Option<AnyRef<'_>>,
) -> Result<SecurityInfo, SecurityInfoError> {
    let is_int = required.header().tag() == Tag::Integer;
    let is_seq = required.header().tag() == Tag::Sequence;
    Ok(if under(&protocol, &ID_PACE) && is_int {
        SecurityInfo::Pace {
            version: int(required, &protocol, "version")?,
            parameter_id: opt_int(optional, &protocol, "parameterId")?,
            protocol,
        }
    } else if under(&protocol, &ID_PACE) && is_seq {
        SecurityInfo::PaceDomainParameters {
            domain_parameter: to_der(required)?,
            parameter_id: opt_int(optional, &protocol, "parameterId")?,
            protocol,
        }
    } else if under(&protocol, &ID_CA) && is_int {
        SecurityInfo::ChipAuthentication {
            version: int(required, &protocol, "version")?,
            key_id: opt_int(optional, &protocol, "keyId")?,
            protocol,
        }
    } else if under(&protocol, &ID_CA) && is_seq {
        SecurityInfo::ChipAuthenticationDomainParameters {
            domain_parameter: to_der(required)?,
            key_id: opt_int(optional, &protocol, "keyId")?,
            protocol,
        }
    } else if under(&protocol, &ID_PK) && is_seq {
        SecurityInfo::ChipAuthenticationPublicKey {
            public_key: to_der(required)?,
            key_id: opt_int(optional, &protocol, "keyId")?,
            protocol,
        }
    } else if (protocol == ID_TA || under(&protocol, &ID_TA)) && is_int {
        SecurityInfo::TerminalAuthentication {
            version: int(required, &protocol, "version")?,
            protocol,
        }
    } else if protocol == ID_AA && is_int {
        let alg = optional
            .ok_or_else(|| SecurityInfoError::Malformed {
                protocol: protocol.to_string(),
                message: "no signatureAlgorithm".into(),
            })?
            .decode_as::<ObjectIdentifier>()
            .map_err(|e| SecurityInfoError::Malformed {
                protocol: protocol.to_string(),
                message: format!("signatureAlgorithm: {e}"),
            })?;
        SecurityInfo::ActiveAuthentication {
            version: int(required, &protocol, "version")?,
            signature_algorithm: alg,
            protocol,
        }
    } else {
        SecurityInfo::Other {
            required_data: to_der(required)?,
            optional_data: optional.map(to_der).transpose()?,
            protocol,
        }
    })
}

/// Parse a DER `SecurityInfos` (`SET OF SecurityInfo`). Element order is not required to be sorted,
/// as chips do not always sort their SETs, and bytes after the SET are ignored (a file read to its full
/// size may be padded after the object).
pub fn parse_security_infos(der_bytes: &[u8]) -> Result<Vec<SecurityInfo>, SecurityInfoError> {
    let set: AnyRef<'_> = SliceReader::new(der_bytes)
        .map_err(der_err)?
        .decode()
        .map_err(der_err)?;
    if set.header().tag() != Tag::Set {
        return Err(SecurityInfoError::NotASet(set.header().tag().to_string()));
    }
    let mut reader = SliceReader::new(set.value()).map_err(der_err)?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        if out.len() >= MAX_SECURITY_INFOS {
            return Err(SecurityInfoError::TooMany);
        }
        let entry: AnyRef<'_> = reader.decode().map_err(der_err)?;
        if entry.header().tag() != Tag::Sequence {
            return Err(SecurityInfoError::Der(format!(
                "SecurityInfo is a {}, not a SEQUENCE",
                entry.header().tag()
            )));
        }
        let mut fields = SliceReader::new(entry.value()).map_err(der_err)?;
        let protocol: ObjectIdentifier = fields.decode().map_err(der_err)?;
        let required: AnyRef<'_> = fields.decode().map_err(der_err)?;
        let optional: Option<AnyRef<'_>> = if fields.is_finished() {
            None
        } else {
            Some(fields.decode().map_err(der_err)?)
        };
        if !fields.is_finished() {
            return Err(SecurityInfoError::Malformed {
                protocol: protocol.to_string(),
                message: "more than three fields".into(),
            });
        }
        out.push(classify(protocol, required, optional)?);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
