//! The ICAO 9303 key derivation function (Part 11 §9.7.1) and the BAC/PACE inputs it is fed with.
//!
//! `KDF(K, c) = H(K ‖ c)` with `c` a 32-bit big-endian counter: SHA-1 for 3DES and AES-128,
//! SHA-256 for AES-192 and AES-256, truncated to the key length; 3DES keys get DES parity.

use sha1::{Digest, Sha1};
use sha2::Sha256;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use super::keys::CipherSuite;

/// What a derived key is for: the counter `c` of §9.7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// Encryption key, counter 1.
    Encryption,
    /// MAC key, counter 2.
    Mac,
    /// PACE password key `K_π`, counter 3.
    Password,
}

impl KeyPurpose {
    /// The 32-bit counter value of §9.7.1.
    pub fn counter(self) -> u32 {
        match self {
            KeyPurpose::Encryption => 1,
            KeyPurpose::Mac => 2,
            KeyPurpose::Password => 3,
        }
    }
}

/// Errors in the inputs of key derivation (MRZ fields, CAN, key lengths).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KdfError {
    /// A character outside `0-9 A-Z <` in an MRZ field.
    #[error("invalid character {found:?} at position {position} of the {field}")]
    InvalidCharacter {
        /// Which input: "document number", "MRZ information", ….
        field: &'static str,
        /// Zero-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// A field of the wrong length.
    #[error("the {field} has {found} characters, expected {expected}")]
    InvalidLength {
        /// Which input.
        field: &'static str,
        /// What was given.
        found: usize,
        /// What the field needs, in words ("6", "at least 24", …).
        expected: &'static str,
    },
    /// A date that is not six digits `YYMMDD`.
    #[error("the {field} must be six digits YYMMDD")]
    InvalidDate {
        /// "date of birth" or "date of expiry".
        field: &'static str,
    },
    /// A CAN that is not a non-empty string of digits.
    #[error("the CAN must be a non-empty string of decimal digits")]
    InvalidCan,
    /// A key of the wrong length for its cipher suite.
    #[error("a {suite} key must be {expected} bytes, got {found}")]
    KeyLength {
        /// The suite the key is for.
        suite: CipherSuite,
        /// Its key length.
        expected: usize,
        /// The length given.
        found: usize,
    },
}

/// `KDF(K, c)` of ICAO 9303 Part 11 §9.7.1 for the given cipher suite.
///
/// Returns `suite.key_len()` bytes: for 3DES the 16-byte two-key `Ka ‖ Kb` with DES parity.
pub fn derive_key(suite: CipherSuite, secret: &[u8], purpose: KeyPurpose) -> Zeroizing<Vec<u8>> {
    let counter = purpose.counter().to_be_bytes();
    let mut key = Zeroizing::new(Vec::with_capacity(suite.key_len()));
    match suite {
        CipherSuite::TripleDes | CipherSuite::Aes128 => {
            let mut hasher = Sha1::new();
            hasher.update(secret);
            hasher.update(counter);
            let mut out = hasher.finalize();
            key.extend_from_slice(&out[..16]);
            out.as_mut_slice().zeroize();
        }
        CipherSuite::Aes192 | CipherSuite::Aes256 => {
            let mut hasher = Sha256::new();
            hasher.update(secret);
            hasher.update(counter);
            let mut out = hasher.finalize();
            key.extend_from_slice(&out[..suite.key_len()]);
            out.as_mut_slice().zeroize();
        }
    }
    if suite == CipherSuite::TripleDes {
        adjust_des_parity(&mut key);
    }
    key
}

/// Sets the low bit of each byte so that every byte has odd parity (FIPS 46-3 key format).
pub fn adjust_des_parity(key: &mut [u8]) {
    for byte in key.iter_mut() {
        let high = *byte & 0xFE;
        *byte = high | u8::from(high.count_ones() % 2 == 0);
    }
}

/// SHA-1 of the MRZ information, all 20 bytes: the PACE password `f(π)` for the MRZ (§9.7.3),
/// whose first 16 bytes are the BAC `K_seed` (§9.7.2).
pub fn mrz_information_hash(mrz_information: &str) -> Result<Zeroizing<[u8; 20]>, KdfError> {
    validate_mrz_information(mrz_information)?;
    let mut out = Sha1::digest(mrz_information.as_bytes());
    let mut hash = Zeroizing::new([0u8; 20]);
    hash.copy_from_slice(&out);
    out.as_mut_slice().zeroize();
    Ok(hash)
}

/// Builds the MRZ information of §9.7.2 from the three MRZ fields:
/// document number ‖ check digit ‖ date of birth ‖ check digit ‖ date of expiry ‖ check digit.
///
/// Document numbers shorter than nine characters are padded with `<`; longer ones (TD1
/// extended document numbers) are used in full, the check digit computed over the full number.
/// Lower-case letters are taken as upper case.
pub fn mrz_information(
    document_number: &str,
    birth_date: &str,
    expiry_date: &str,
) -> Result<Zeroizing<String>, KdfError> {
    let mut info = Zeroizing::new(String::with_capacity(32));
    for (position, c) in document_number.chars().enumerate() {
        let c = c.to_ascii_uppercase();
        if !is_mrz_char(c) {
            return Err(KdfError::InvalidCharacter {
                field: "document number",
                position,
                found: c,
            });
        }
        info.push(c);
    }
    if info.trim_end_matches('<').is_empty() {
        return Err(KdfError::InvalidLength {
            field: "document number",
            found: 0,
            expected: "at least 1 (not counting fillers)",
        });
    }
    while info.len() < 9 {
        info.push('<');
    }
    let number_check = check_digit(&info);
    info.push(number_check);
    for (field, date) in [
        ("date of birth", birth_date),
        ("date of expiry", expiry_date),
    ] {
        if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(KdfError::InvalidDate { field });
        }
        info.push_str(date);
        info.push(check_digit(date));
    }
    Ok(info)
}

/// ICAO 9303 Part 3 §4.9 check digit: weights 7-3-1, digits as themselves, `A`–`Z` as 10–35, `<` as 0.
///
/// Callers pass validated MRZ characters; anything else counts as 0.
fn check_digit(field: &str) -> char {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let sum = field
        .bytes()
        .zip(WEIGHTS.iter().cycle())
        .fold(0u32, |acc, (b, w)| {
            let value = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                b'A'..=b'Z' => u32::from(b - b'A') + 10,
                _ => 0,
            };
            (acc + value * w) % 10
        });
    char::from(b'0' + (sum % 10) as u8)
}

fn is_mrz_char(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<'
}

/// The MRZ information is at least 9 + 1 + 6 + 1 + 6 + 1 characters of the MRZ alphabet.
fn validate_mrz_information(info: &str) -> Result<(), KdfError> {
    for (position, found) in info.chars().enumerate() {
        if !is_mrz_char(found) {
            return Err(KdfError::InvalidCharacter {
                field: "MRZ information",
                position,
                found,
            });
        }
    }
    if info.len() < 24 {
        return Err(KdfError::InvalidLength {
            field: "MRZ information",
            found: info.len(),
            expected: "at least 24",
        });
    }
    Ok(())
}

/// Validates a CAN (card access number): decimal digits, used as their ASCII bytes (§9.7.3).
pub(crate) fn validate_can(can: &str) -> Result<(), KdfError> {
    if can.is_empty() || !can.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KdfError::InvalidCan);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
