//! The key-bearing files: DG14 (SecurityInfos for chip authentication, ICAO 9303 Part 10 §4.7.14),
//! DG15 (active-authentication public key, §4.7.15: an RSA or EC SubjectPublicKeyInfo) and
//! EF.CardAccess (SecurityInfos for PACE, Part 10 §3.11.3; no outer tag).

use super::security_info::{SecurityInfo, parse_security_infos};
use super::{LdsError, MAX_FILE_LEN, outer};
use crate::crypto::signature::{PublicKey, SignatureError};

/// The parsed DG14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg14 {
    /// The SecurityInfos.
    pub security_infos: Vec<SecurityInfo>,
}

impl Dg14 {
    /// Parse DG14 as read (`6E` { SecurityInfos }).
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        const FILE: &str = "DG14";
        let top = outer(FILE, bytes, 0x6E)?;
        let security_infos = parse_security_infos(top.value)
            .map_err(|source| LdsError::SecurityInfo { file: FILE, source })?;
        Ok(Self { security_infos })
    }

    /// The chip-authentication public keys (DER SubjectPublicKeyInfo) with their key ids.
    pub fn chip_authentication_keys(&self) -> Vec<(&[u8], Option<u64>)> {
        self.security_infos
            .iter()
            .filter_map(|i| match i {
                SecurityInfo::ChipAuthenticationPublicKey {
                    public_key, key_id, ..
                } => Some((public_key.as_slice(), *key_id)),
                _ => None,
            })
            .collect()
    }
}

/// The parsed DG15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg15 {
    /// The DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
}

impl Dg15 {
    /// Parse DG15 as read (`6F` { SubjectPublicKeyInfo }); the key must decode as RSA or EC.
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        const FILE: &str = "DG15";
        let top = outer(FILE, bytes, 0x6F)?;
        let (spki, _) = crate::tlv::Tlv::parse(top.value)
            .map_err(|source| LdsError::Tlv { file: FILE, source })?;
        let d = Self {
            spki: spki.raw.to_vec(),
        };
        d.public_key().map_err(|e| LdsError::Invalid {
            file: FILE,
            what: "SubjectPublicKeyInfo",
            message: e.to_string(),
        })?;
        Ok(d)
    }

    /// The active-authentication public key.
    pub fn public_key(&self) -> Result<PublicKey, SignatureError> {
        PublicKey::from_spki_der(&self.spki)
    }
}

/// Parse EF.CardAccess (a bare DER SecurityInfos).
pub fn parse_card_access(bytes: &[u8]) -> Result<Vec<SecurityInfo>, LdsError> {
    const FILE: &str = "EF.CardAccess";
    if bytes.len() > MAX_FILE_LEN {
        return Err(LdsError::TooLarge {
            file: FILE,
            len: bytes.len(),
        });
    }
    parse_security_infos(bytes).map_err(|source| LdsError::SecurityInfo { file: FILE, source })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
