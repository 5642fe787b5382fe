//! Key types for eMRTD access: BAC document keys, the PACE password key and session keys.
//!
//! Every type here zeroizes its bytes on drop and prints `<redacted>` in `Debug`. Methods whose
//! name starts with `expose_` hand out the secret in hex, for the `keys` command of the CLI.

use std::fmt;
use std::str::FromStr;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::kdf::{self, KdfError, KeyPurpose};

/// The block cipher family and key size that secure messaging and PACE use (Part 11 §9.7.1, §9.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherSuite {
    /// Two-key 3DES in CBC mode with the ISO 9797-1 MAC algorithm 3 (retail MAC).
    TripleDes,
    /// AES-128 with AES-CMAC.
    Aes128,
    /// AES-192 with AES-CMAC.
    Aes192,
    /// AES-256 with AES-CMAC.
    Aes256,
}

impl CipherSuite {
    /// Every suite, in the order of the list above.
    pub const ALL: [CipherSuite; 4] = [
        CipherSuite::TripleDes,
        CipherSuite::Aes128,
        CipherSuite::Aes192,
        CipherSuite::Aes256,
    ];

    /// Key length in bytes (16 for two-key 3DES `Ka ‖ Kb`).
    pub fn key_len(self) -> usize {
        match self {
            CipherSuite::TripleDes | CipherSuite::Aes128 => 16,
            CipherSuite::Aes192 => 24,
            CipherSuite::Aes256 => 32,
        }
    }

    /// Cipher block length in bytes: 8 for 3DES, 16 for AES.
    pub fn block_len(self) -> usize {
        match self {
            CipherSuite::TripleDes => 8,
            _ => 16,
        }
    }

    /// True for the AES suites.
    pub fn is_aes(self) -> bool {
        self != CipherSuite::TripleDes
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CipherSuite::TripleDes => "3DES",
            CipherSuite::Aes128 => "AES-128",
            CipherSuite::Aes192 => "AES-192",
            CipherSuite::Aes256 => "AES-256",
        })
    }
}

/// A name that is not one of `3des`, `aes128`, `aes192`, `aes256`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cipher {0:?}: expected 3des, aes128, aes192 or aes256")]
pub struct UnknownCipherSuite(pub String);

impl FromStr for CipherSuite {
    type Err = UnknownCipherSuite;

    /// Parses the CLI names `3des`, `aes128`, `aes192`, `aes256` (case-insensitive, `-` allowed).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "3des" | "tripledes" | "desede" => Ok(CipherSuite::TripleDes),
            "aes128" => Ok(CipherSuite::Aes128),
            "aes192" => Ok(CipherSuite::Aes192),
            "aes256" => Ok(CipherSuite::Aes256),
            _ => Err(UnknownCipherSuite(s.to_owned())),
        }
    }
}

/// The BAC document basic access keys (Part 11 §9.7.2): `K_seed` and the 3DES keys
/// `K_enc = KDF(K_seed, 1)`, `K_mac = KDF(K_seed, 2)`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BacKeys {
    k_seed: [u8; 16],
    k_enc: [u8; 16],
    k_mac: [u8; 16],
}

impl BacKeys {
    /// Derives the keys from the MRZ information: document number ‖ check digit ‖ date of
    /// birth ‖ check digit ‖ date of expiry ‖ check digit, exactly as printed in the MRZ.
    pub fn from_mrz_information(mrz_information: &str) -> Result<Self, KdfError> {
        let hash = kdf::mrz_information_hash(mrz_information)?;
        let mut k_seed = [0u8; 16];
        k_seed.copy_from_slice(&hash[..16]);
        Ok(Self::from_seed(k_seed))
    }

    /// Derives the keys from the document number and the dates of birth and expiry (`YYMMDD`),
    /// computing the check digits (see [`kdf::mrz_information`]).
    pub fn from_document(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<Self, KdfError> {
        let info = kdf::mrz_information(document_number, birth_date, expiry_date)?;
        Self::from_mrz_information(&info)
    }

    /// Derives `K_enc` and `K_mac` from a known `K_seed`.
    pub fn from_seed(mut k_seed: [u8; 16]) -> Self {
        let enc = kdf::derive_key(CipherSuite::TripleDes, &k_seed, KeyPurpose::Encryption);
        let mac = kdf::derive_key(CipherSuite::TripleDes, &k_seed, KeyPurpose::Mac);
        let mut keys = BacKeys {
            k_seed,
            k_enc: [0; 16],
            k_mac: [0; 16],
        };
        k_seed.zeroize();
        keys.k_enc.copy_from_slice(&enc);
        keys.k_mac.copy_from_slice(&mac);
        keys
    }

    /// The key seed, first 16 bytes of SHA-1(MRZ information).
    pub fn k_seed(&self) -> &[u8] {
        &self.k_seed
    }
    /// The 3DES encryption key `K_enc` (with DES parity).
    pub fn k_enc(&self) -> &[u8] {
        &self.k_enc
    }
    /// The 3DES MAC key `K_mac` (with DES parity).
    pub fn k_mac(&self) -> &[u8] {
        &self.k_mac
    }
    /// Reveals `K_seed` as upper-case hex.
    pub fn expose_k_seed_hex(&self) -> String {
        hex::encode_upper(self.k_seed)
    }
    /// Reveals `K_enc` as upper-case hex.
    pub fn expose_k_enc_hex(&self) -> String {
        hex::encode_upper(self.k_enc)
    }
    /// Reveals `K_mac` as upper-case hex.
    pub fn expose_k_mac_hex(&self) -> String {
        hex::encode_upper(self.k_mac)
    }
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacKeys(<redacted>)")
    }
}

/// Which PACE password a key was derived from, with its reference for MSE:Set AT (Part 11 §9.7.3,
/// §4.4.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PasswordKind {
    /// The MRZ information (reference 1).
    Mrz,
    /// The card access number (reference 2).
    Can,
}

impl PasswordKind {
    /// The password reference byte: 0x01 MRZ, 0x02 CAN.
    pub fn reference(self) -> u8 {
        match self {
            PasswordKind::Mrz => 0x01,
            PasswordKind::Can => 0x02,
        }
    }
}

/// The PACE password key `K_π = KDF(f(π), 3)` (Part 11 §9.7.3) for one cipher suite.
///
/// `f(π)` is SHA-1 of the MRZ information (all 20 bytes) or the CAN as ASCII bytes.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PaceKey {
    #[zeroize(skip)]
    suite: CipherSuite,
    #[zeroize(skip)]
    kind: PasswordKind,
    key: Vec<u8>,
}

impl PaceKey {
    /// `K_π` from the MRZ information (see [`BacKeys::from_mrz_information`] for its form).
    pub fn from_mrz_information(
        mrz_information: &str,
        suite: CipherSuite,
    ) -> Result<Self, KdfError> {
        let hash = kdf::mrz_information_hash(mrz_information)?;
        Ok(Self::derive(suite, PasswordKind::Mrz, hash.as_slice()))
    }

    /// `K_π` from the document number and the dates of birth and expiry (`YYMMDD`).
    pub fn from_document(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
        suite: CipherSuite,
    ) -> Result<Self, KdfError> {
        let info = kdf::mrz_information(document_number, birth_date, expiry_date)?;
        Self::from_mrz_information(&info, suite)
    }

    /// `K_π` from a card access number (decimal digits).
    pub fn from_can(can: &str, suite: CipherSuite) -> Result<Self, KdfError> {
        kdf::validate_can(can)?;
        Ok(Self::derive(suite, PasswordKind::Can, can.as_bytes()))
    }

    fn derive(suite: CipherSuite, kind: PasswordKind, password: &[u8]) -> Self {
        let key = kdf::derive_key(suite, password, KeyPurpose::Password);
        PaceKey {
            suite,
            kind,
            key: key.to_vec(),
        }
    }

    /// The cipher suite this key is for.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }
    /// Which password it came from.
    pub fn kind(&self) -> PasswordKind {
        self.kind
    }
    /// The key bytes (`suite().key_len()` of them).
    pub fn as_bytes(&self) -> &[u8] {
        &self.key
    }
    /// Reveals the key as upper-case hex.
    pub fn expose_hex(&self) -> String {
        hex::encode_upper(&self.key)
    }
}

impl fmt::Debug for PaceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaceKey")
            .field("suite", &self.suite)
            .field("kind", &self.kind)
            .field("key", &format_args!("<redacted>"))
            .finish()
    }
}

/// Secure messaging session keys `KS_enc`, `KS_mac` for one cipher suite (Part 11 §9.7.1, §9.8).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    #[zeroize(skip)]
    suite: CipherSuite,
    ks_enc: Vec<u8>,
    ks_mac: Vec<u8>,
}

impl SessionKeys {
    /// Derives `KS_enc = KDF(K, 1)` and `KS_mac = KDF(K, 2)` from a shared secret `K`
    /// (BAC: `K.IFD ⊕ K.IC`; PACE and chip authentication: the key agreement's shared secret).
    pub fn derive(suite: CipherSuite, shared_secret: &[u8]) -> Self {
        let enc = kdf::derive_key(suite, shared_secret, KeyPurpose::Encryption);
        let mac = kdf::derive_key(suite, shared_secret, KeyPurpose::Mac);
        SessionKeys {
            suite,
            ks_enc: enc.to_vec(),
            ks_mac: mac.to_vec(),
        }
    }

    /// Wraps keys derived elsewhere; both must be `suite.key_len()` bytes.
    pub fn new(suite: CipherSuite, ks_enc: &[u8], ks_mac: &[u8]) -> Result<Self, KdfError> {
        for key in [ks_enc, ks_mac] {
            if key.len() != suite.key_len() {
                return Err(KdfError::KeyLength {
                    suite,
                    expected: suite.key_len(),
                    found: key.len(),
                });
            }
        }
        Ok(SessionKeys {
            suite,
            ks_enc: ks_enc.to_vec(),
            ks_mac: ks_mac.to_vec(),
        })
    }

    /// The cipher suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }
    /// The encryption key `KS_enc`.
    pub fn ks_enc(&self) -> &[u8] {
        &self.ks_enc
    }
    /// The MAC key `KS_mac`.
    pub fn ks_mac(&self) -> &[u8] {
        &self.ks_mac
    }
    /// Reveals `KS_enc` as upper-case hex.
    pub fn expose_ks_enc_hex(&self) -> String {
        hex::encode_upper(&self.ks_enc)
    }
    /// Reveals `KS_mac` as upper-case hex.
    pub fn expose_ks_mac_hex(&self) -> String {
        hex::encode_upper(&self.ks_mac)
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("suite", &self.suite)
            .field("keys", &format_args!("<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests;
