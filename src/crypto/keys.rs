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
mod tests {
    use super::*;

    #[test]
    fn bac_keys_appendix_d2() {
        // ICAO 9303 Part 11, Appendix D.2.
        let keys = BacKeys::from_mrz_information("L898902C<369080619406236").expect("valid");
        assert_eq!(keys.expose_k_seed_hex(), "239AB9CB282DAF66231DC5A4DF6BFBAE");
        assert_eq!(keys.expose_k_enc_hex(), "AB94FDECF2674FDFB9B391F85D7F76F2");
        assert_eq!(keys.expose_k_mac_hex(), "7962D9ECE03D1ACD4C76089DCE131543");
        let from_fields = BacKeys::from_document("L898902C", "690806", "940623").expect("valid");
        assert_eq!(from_fields.k_enc(), keys.k_enc());
        assert_eq!(from_fields.k_mac(), keys.k_mac());
        assert_eq!(from_fields.k_seed(), keys.k_seed());
    }

    #[test]
    fn pace_key_appendix_g1() {
        // ICAO 9303 Part 11, Appendix G.1 (ECDH generic mapping, AES-128).
        let key = PaceKey::from_document("T22000129", "640812", "101031", CipherSuite::Aes128)
            .expect("valid");
        assert_eq!(key.expose_hex(), "89DED1B26624EC1E634C1989302849DD");
        assert_eq!(key.kind(), PasswordKind::Mrz);
        let same = PaceKey::from_mrz_information("T22000129364081251010318", CipherSuite::Aes128)
            .expect("valid");
        assert_eq!(same.as_bytes(), key.as_bytes());
    }

    #[test]
    fn pace_key_lengths_and_can() {
        for suite in CipherSuite::ALL {
            let key = PaceKey::from_can("123456", suite).expect("valid CAN");
            assert_eq!(key.as_bytes().len(), suite.key_len());
            assert_eq!(key.kind().reference(), 0x02);
        }
        // The CAN is hashed as its ASCII digits: KDF("123456" ‖ 00000003).
        let expected = kdf::derive_key(CipherSuite::Aes256, b"123456", KeyPurpose::Password);
        let key = PaceKey::from_can("123456", CipherSuite::Aes256).expect("valid CAN");
        assert_eq!(key.as_bytes(), expected.as_slice());
        assert!(PaceKey::from_can("12 456", CipherSuite::Aes128).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let keys = BacKeys::from_mrz_information("L898902C<369080619406236").expect("valid");
        let printed = format!("{keys:?}");
        assert!(printed.contains("<redacted>"));
        assert!(!printed.to_uppercase().contains("AB94"));
        let session = SessionKeys::derive(CipherSuite::Aes128, b"shared");
        let printed = format!("{session:?}");
        assert!(printed.contains("<redacted>"));
        assert!(!printed.contains(&session.expose_ks_enc_hex()[..8]));
        let pace = PaceKey::from_can("123456", CipherSuite::Aes128).expect("valid CAN");
        assert!(format!("{pace:?}").contains("<redacted>"));
    }

    #[test]
    fn bac_session_keys_appendix_d3() {
        // ICAO 9303 Part 11, Appendix D.3: K_seed = K.IFD ⊕ K.IC = 0036D272F5C350ACAC50C3F572D23600.
        let k_seed = hex::decode("0036D272F5C350ACAC50C3F572D23600").expect("hex");
        let keys = SessionKeys::derive(CipherSuite::TripleDes, &k_seed);
        assert_eq!(keys.expose_ks_enc_hex(), "979EC13B1CBFE9DCD01AB0FED307EAE5");
        assert_eq!(keys.expose_ks_mac_hex(), "F1CB1F1FB5ADF208806B89DC579DC1F8");
    }

    #[test]
    fn pace_session_keys_appendix_g1() {
        // ICAO 9303 Part 11, Appendix G.1: KS_enc, KS_mac (AES-128) from the ECDH shared secret.
        let secret =
            hex::decode("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")
                .expect("hex");
        let keys = SessionKeys::derive(CipherSuite::Aes128, &secret);
        assert_eq!(keys.expose_ks_enc_hex(), "F5F0E35C0D7161EE6724EE513A0D9A7F");
        assert_eq!(keys.expose_ks_mac_hex(), "FE251C7858B356B24514B3BD5F4297D1");
    }

    #[test]
    fn session_keys_length_checked() {
        assert!(SessionKeys::new(CipherSuite::Aes256, &[0; 32], &[0; 32]).is_ok());
        assert!(matches!(
            SessionKeys::new(CipherSuite::Aes256, &[0; 32], &[0; 16]),
            Err(KdfError::KeyLength { found: 16, .. })
        ));
    }

    #[test]
    fn suite_names_parse() {
        assert_eq!("3des".parse::<CipherSuite>(), Ok(CipherSuite::TripleDes));
        assert_eq!("AES-192".parse::<CipherSuite>(), Ok(CipherSuite::Aes192));
        assert!("aes512".parse::<CipherSuite>().is_err());
    }
}
