//! The eMRTD Logical Data Structure (ICAO 9303 Part 10): typed, bounded, panic-free parsers for the
//! files read from the chip — EF.COM, EF.CardAccess, EF.SOD, DG1, DG2, DG7, DG11, DG12, DG14, DG15.
//! Every parser takes the file exactly as read (outer tag included) and returns a typed error saying
//! which file and which element was wrong.

pub mod ber;
pub mod com;
pub mod dg1;
pub mod dg2;
pub mod face;
pub mod keys;
pub mod personal;
pub mod security_info;
pub mod sod;

pub use com::EfCom;
pub use dg1::Dg1;
pub use dg2::{BiometricFace, BiometricHeader, Dg2, Dg7};
pub use keys::{Dg14, Dg15, parse_card_access};
pub use personal::{Dg11, Dg12};
pub use sod::{LdsSecurityObject, Sod, SodError};

use crate::tlv::{Tlv, TlvError};

/// Largest LDS file accepted by these parsers (a DG2 with a large JPEG 2000 face stays far below).
pub const MAX_FILE_LEN: usize = 4 * 1024 * 1024;

/// Why an LDS file could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdsError {
    /// The file is larger than [`MAX_FILE_LEN`].
    #[error("{file}: {len} bytes is more than the {MAX_FILE_LEN} accepted")]
    TooLarge {
        /// The file, e.g. `DG2`.
        file: &'static str,
        /// Its length.
        len: usize,
    },
    /// The BER-TLV structure is broken.
    #[error("{file}: {source}")]
    Tlv {
        /// The file.
        file: &'static str,
        /// The TLV error (with offset).
        source: TlvError,
    },
    /// The outer tag (or a nested tag) is not the one the file must have.
    #[error("{file}: expected tag {expected:X}, found {found:X}")]
    WrongTag {
        /// The file.
        file: &'static str,
        /// The tag required.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// A mandatory element is missing.
    #[error("{file}: missing {what}")]
    Missing {
        /// The file.
        file: &'static str,
        /// The element, e.g. `5F1F MRZ data`.
        what: &'static str,
    },
    /// An element has an invalid value.
    #[error("{file}: {what}: {message}")]
    Invalid {
        /// The file.
        file: &'static str,
        /// The element.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The ISO/IEC 19794-5 facial record inside DG2 is malformed.
    #[error("{file}: {source}")]
    Face {
        /// The file.
        file: &'static str,
        /// The facial-record error.
        source: face::FaceError,
    },
    /// SecurityInfos (EF.CardAccess, DG14) are malformed.
    #[error("{file}: {source}")]
    SecurityInfo {
        /// The file.
        file: &'static str,
        /// The SecurityInfos error.
        source: security_info::SecurityInfoError,
    },
}

/// Parse the single top-level object of `file` (trailing bytes are an error) and check its tag.
pub(crate) fn outer<'a>(
    file: &'static str,
    bytes: &'a [u8],
    tag: u32,
) -> Result<Tlv<'a>, LdsError> {
    if bytes.len() > MAX_FILE_LEN {
        return Err(LdsError::TooLarge {
            file,
            len: bytes.len(),
        });
    }
    let (tlv, _padding) = Tlv::parse(bytes).map_err(|source| LdsError::Tlv { file, source })?;
    if tlv.tag.number() != tag {
        return Err(LdsError::WrongTag {
            file,
            expected: tag,
            found: tlv.tag.number(),
        });
    }
    Ok(tlv)
}

/// The children of a constructed object, collected (bounded by the object's size), with context.
pub(crate) fn children<'a>(file: &'static str, tlv: &Tlv<'a>) -> Result<Vec<Tlv<'a>>, LdsError> {
    tlv.children()
        .map_err(|source| LdsError::Tlv { file, source })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| LdsError::Tlv { file, source })
}

/// Text of a data element: UTF-8 (LDS 1.8), else ISO/IEC 8859-1 (LDS 1.7), never failing.
pub(crate) fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Data group number (1–16) for an LDS data-group tag (ICAO 9303 Part 10 Table 34).
pub fn dg_number_for_tag(tag: u32) -> Option<u8> {
    Some(match tag {
        0x61 => 1,
        0x75 => 2,
        0x63 => 3,
        0x76 => 4,
        0x65 => 5,
        0x66 => 6,
        0x67 => 7,
        0x68 => 8,
        0x69 => 9,
        0x6A => 10,
        0x6B => 11,
        0x6C => 12,
        0x6D => 13,
        0x6E => 14,
        0x6F => 15,
        0x70 => 16,
        _ => return None,
    })
}

/// The issuing-state code (MRZ characters 3–5 of the first line, e.g. `UTO`, `D<<`) from DG1 as read,
/// or `None` if DG1 is malformed.
pub fn dg1_issuing_state(dg1: &[u8]) -> Option<String> {
    Dg1::parse(dg1)
        .ok()
        .and_then(|d| d.issuing_state().map(str::to_string))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
