//! What the reader authenticates with ([`Credentials`]: the MRZ information or a CAN) and which
//! access protocol it may use ([`Access`]).
//!
//! Credentials keep the password itself, not derived keys: BAC derives 3DES keys from the MRZ
//! information, PACE derives `K_π` for the cipher suite EF.CardAccess names, so the keys are made
//! only once the protocol is chosen.

use std::fmt;

use zeroize::Zeroizing;

use super::ReadError;
use crate::crypto::kdf;
use crate::crypto::keys::{BacKeys, CipherSuite, PaceKey};
use crate::mrz;

/// The document's access password.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// The MRZ information: document number ‖ check digit ‖ birth date ‖ check digit ‖ expiry
    /// date ‖ check digit (ICAO 9303 Part 11 §9.7.2). Works with BAC and PACE.
    Mrz(Zeroizing<String>),
    /// The card access number printed on the document (PACE only).
    Can(Zeroizing<String>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Mrz(_) => f.write_str("Credentials::Mrz(<redacted>)"),
            Credentials::Can(_) => f.write_str("Credentials::Can(<redacted>)"),
        }
    }
}

impl Credentials {
    /// From the MRZ lines as printed (2 or 3 lines of any ICAO layout).
    pub fn from_mrz_lines<S: AsRef<str>>(lines: &[S]) -> Result<Self, ReadError> {
        let parsed = mrz::Mrz::parse_lines(lines)
            .map_err(|e| ReadError::InvalidCredentials(format!("MRZ: {e}")))?;
        Self::from_mrz_information(&parsed.mrz_information())
    }

    /// From the MRZ as one text, lines separated by line breaks or other whitespace.
    pub fn from_mrz_text(text: &str) -> Result<Self, ReadError> {
        let parsed = mrz::Mrz::parse_text(text)
            .map_err(|e| ReadError::InvalidCredentials(format!("MRZ: {e}")))?;
        Self::from_mrz_information(&parsed.mrz_information())
    }

    /// From the document number and the dates of birth and expiry (`YYMMDD`); the check
    /// digits are computed.
    pub fn from_document(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<Self, ReadError> {
        let info = kdf::mrz_information(document_number, birth_date, expiry_date)
            .map_err(|e| ReadError::InvalidCredentials(e.to_string()))?;
        Ok(Credentials::Mrz(info))
    }

    /// From the MRZ information string (see [`Credentials::Mrz`]).
    pub fn from_mrz_information(mrz_information: &str) -> Result<Self, ReadError> {
        // Derive once to validate the characters now rather than at the chip.
        BacKeys::from_mrz_information(mrz_information)
            .map_err(|e| ReadError::InvalidCredentials(e.to_string()))?;
        Ok(Credentials::Mrz(Zeroizing::new(mrz_information.to_owned())))
    }

    /// From a card access number (decimal digits).
    pub fn from_can(can: &str) -> Result<Self, ReadError> {
        PaceKey::from_can(can, CipherSuite::Aes128)
            .map_err(|e| ReadError::InvalidCredentials(e.to_string()))?;
        Ok(Credentials::Can(Zeroizing::new(can.to_owned())))
    }

    /// The BAC keys; `None` for a CAN (BAC needs the MRZ).
    pub fn bac_keys(&self) -> Option<Result<BacKeys, ReadError>> {
        match self {
            Credentials::Mrz(info) => Some(
                BacKeys::from_mrz_information(info)
                    .map_err(|e| ReadError::InvalidCredentials(e.to_string())),
            ),
            Credentials::Can(_) => None,
        }
    }

    /// The PACE password key for `suite` (the suite EF.CardAccess names).
    pub fn pace_key(&self, suite: CipherSuite) -> Result<PaceKey, ReadError> {
        match self {
            Credentials::Mrz(info) => PaceKey::from_mrz_information(info, suite),
            Credentials::Can(can) => PaceKey::from_can(can, suite),
        }
        .map_err(|e| ReadError::InvalidCredentials(e.to_string()))
    }
}

/// Which access protocol the reader may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Access {
    /// PACE when EF.CardAccess offers it (ICAO 9303 Part 11 §4.2: the terminal should use
    /// PACE then); BAC only when the chip offers no PACE. A failed PACE — above all a wrong
    /// password, [`ReadError::AccessDenied`]`(PACE)` — is an error, never followed by BAC.
    /// A CAN with a chip that offers no PACE is [`ReadError::NotOffered`].
    #[default]
    Auto,
    /// Basic Access Control only (chips offering PACE usually accept BAC too).
    Bac,
    /// PACE only: a chip that offers no PACE is [`ReadError::NotOffered`].
    Pace,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
