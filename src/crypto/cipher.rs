//! Block encryption for secure messaging and BAC/PACE: 3DES-CBC and AES-CBC, ISO/IEC 9797-1 padding.
//!
//! Each [`CipherSuite`] has a type implementing [`SuiteAlgorithms`] that names its RustCrypto
//! cipher and MAC; the code that uses them is generic (`cbc_encrypt_with::<S>`), and the runtime
//! [`CipherSuite`] value picks the type in one place (the crate-internal `with_suite!` macro).

use cipher::block_padding::NoPadding;
use cipher::{BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit};
use cipher::{KeyIvInit, KeySizeUser};
use thiserror::Error;
use zeroize::Zeroize;

use super::keys::CipherSuite;

/// Errors of the block cipher and MAC layer.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CipherError {
    /// The key does not fit the suite.
    #[error("a {suite} key must be {expected} bytes, got {found}")]
    KeyLength {
        /// The suite.
        suite: CipherSuite,
        /// Its key length.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The IV is not one block long.
    #[error("the {suite} IV must be {expected} bytes, got {found}")]
    IvLength {
        /// The suite.
        suite: CipherSuite,
        /// Its block length.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// Data for raw CBC must be a whole number of blocks.
    #[error("{len} bytes is not a multiple of the {block_len}-byte {suite} block")]
    NotBlockAligned {
        /// The suite.
        suite: CipherSuite,
        /// The data length.
        len: usize,
        /// The block length.
        block_len: usize,
    },
    /// Decrypted data does not end in ISO/IEC 9797-1 padding method 2 (`80 00 … 00`).
    #[error("invalid ISO/IEC 9797-1 method 2 padding")]
    BadPadding,
    /// A MAC did not match.
    #[error("MAC mismatch")]
    MacMismatch,
}

/// The RustCrypto primitives of one cipher suite: the block cipher for CBC and the MAC
/// (ICAO 9303 Part 11 §9.8.6.1 for 3DES, §9.8.6.2 for AES).
pub trait SuiteAlgorithms {
    /// The runtime value naming this suite.
    const SUITE: CipherSuite;
    /// The block cipher (key = the suite's full key).
    type Cipher: BlockCipherEncrypt + BlockCipherDecrypt + KeyInit;
    /// The MAC: ISO 9797-1 MAC algorithm 3 for 3DES, CMAC for AES; output truncated to 8 bytes.
    type Mac: cmac::Mac + KeyInit;
}

/// Two-key 3DES (`TdesEde2`) with the retail MAC over single DES.
#[derive(Debug, Clone, Copy)]
pub struct TripleDesSuite;
/// AES-128 with AES-128-CMAC.
#[derive(Debug, Clone, Copy)]
pub struct Aes128Suite;
/// AES-192 with AES-192-CMAC.
#[derive(Debug, Clone, Copy)]
pub struct Aes192Suite;
/// AES-256 with AES-256-CMAC.
#[derive(Debug, Clone, Copy)]
pub struct Aes256Suite;

impl SuiteAlgorithms for TripleDesSuite {
    const SUITE: CipherSuite = CipherSuite::TripleDes;
    type Cipher = des::TdesEde2;
    type Mac = retail_mac::RetailMac<des::Des>;
}
impl SuiteAlgorithms for Aes128Suite {
    const SUITE: CipherSuite = CipherSuite::Aes128;
    type Cipher = aes::Aes128;
    type Mac = cmac::Cmac<aes::Aes128>;
}
impl SuiteAlgorithms for Aes192Suite {
    const SUITE: CipherSuite = CipherSuite::Aes192;
    type Cipher = aes::Aes192;
    type Mac = cmac::Cmac<aes::Aes192>;
}
impl SuiteAlgorithms for Aes256Suite {
    const SUITE: CipherSuite = CipherSuite::Aes256;
    type Cipher = aes::Aes256;
    type Mac = cmac::Cmac<aes::Aes256>;
}

/// Runs `$body` with `$s` bound to the [`SuiteAlgorithms`] type of the runtime suite: the one
/// place where a [`CipherSuite`] value becomes a type.
macro_rules! with_suite {
    ($suite:expr, $s:ident => $body:expr) => {
        match $suite {
            $crate::crypto::keys::CipherSuite::TripleDes => {
                type $s = $crate::crypto::cipher::TripleDesSuite;
                $body
            }
            $crate::crypto::keys::CipherSuite::Aes128 => {
                type $s = $crate::crypto::cipher::Aes128Suite;
                $body
            }
            $crate::crypto::keys::CipherSuite::Aes192 => {
                type $s = $crate::crypto::cipher::Aes192Suite;
                $body
            }
            $crate::crypto::keys::CipherSuite::Aes256 => {
                type $s = $crate::crypto::cipher::Aes256Suite;
                $body
            }
        }
    };
}
pub(crate) use with_suite;

/// Appends ISO/IEC 9797-1 padding method 2: `80` then `00` up to a multiple of `block_len`
/// (a full block is added to aligned data).
pub fn pad(data: &[u8], block_len: usize) -> Vec<u8> {
    let block_len = block_len.max(1);
    let padded_len = (data.len() / block_len + 1) * block_len;
    let mut out = Vec::with_capacity(padded_len);
    out.extend_from_slice(data);
    out.push(0x80);
    out.resize(padded_len, 0);
    out
}

/// Strips ISO/IEC 9797-1 padding method 2: trailing `00` bytes and the `80` before them.
///
/// The padding must lie within the last block; anything else is [`CipherError::BadPadding`].
pub fn unpad(data: &[u8], block_len: usize) -> Result<&[u8], CipherError> {
    let zeros = data.iter().rev().take_while(|&&b| b == 0).count();
    let marker = data
        .len()
        .checked_sub(zeros + 1)
        .ok_or(CipherError::BadPadding)?;
    if data.get(marker) != Some(&0x80) || zeros >= block_len.max(1) {
        return Err(CipherError::BadPadding);
    }
    data.get(..marker).ok_or(CipherError::BadPadding)
}

fn check_key<S: SuiteAlgorithms>(key: &[u8]) -> Result<(), CipherError> {
    let expected = <S::Cipher as KeySizeUser>::key_size();
    if key.len() != expected {
        return Err(CipherError::KeyLength {
            suite: S::SUITE,
            expected,
            found: key.len(),
        });
    }
    Ok(())
}

fn check_iv_and_data<S: SuiteAlgorithms>(iv: &[u8], data: &[u8]) -> Result<(), CipherError> {
    let block_len = S::SUITE.block_len();
    if iv.len() != block_len {
        return Err(CipherError::IvLength {
            suite: S::SUITE,
            expected: block_len,
            found: iv.len(),
        });
    }
    if !data.len().is_multiple_of(block_len) {
        return Err(CipherError::NotBlockAligned {
            suite: S::SUITE,
            len: data.len(),
            block_len,
        });
    }
    Ok(())
}

/// CBC-encrypts block-aligned `data` (already padded) under suite `S`.
pub fn cbc_encrypt_with<S: SuiteAlgorithms>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CipherError> {
    check_key::<S>(key)?;
    check_iv_and_data::<S>(iv, data)?;
    let mode = cbc::Encryptor::<S::Cipher>::new_from_slices(key, iv).map_err(|_| {
        CipherError::KeyLength {
            suite: S::SUITE,
            expected: S::SUITE.key_len(),
            found: key.len(),
        }
    })?;
    let mut buf = data.to_vec();
    let len = buf.len();
    // Aligned input with `NoPadding` cannot fail; the error arm keeps it total anyway.
    if mode.encrypt_padded::<NoPadding>(&mut buf, len).is_err() {
        buf.zeroize();
        return Err(CipherError::NotBlockAligned {
            suite: S::SUITE,
            len,
            block_len: S::SUITE.block_len(),
        });
    }
    Ok(buf)
}

/// CBC-decrypts block-aligned `data` under suite `S`; padding is left in place.
pub fn cbc_decrypt_with<S: SuiteAlgorithms>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CipherError> {
    check_key::<S>(key)?;
    check_iv_and_data::<S>(iv, data)?;
    let mode = cbc::Decryptor::<S::Cipher>::new_from_slices(key, iv).map_err(|_| {
        CipherError::KeyLength {
            suite: S::SUITE,
            expected: S::SUITE.key_len(),
            found: key.len(),
        }
    })?;
    let mut buf = data.to_vec();
    let len = buf.len();
    if mode.decrypt_padded::<NoPadding>(&mut buf).is_err() {
        buf.zeroize();
        return Err(CipherError::NotBlockAligned {
            suite: S::SUITE,
            len,
            block_len: S::SUITE.block_len(),
        });
    }
    Ok(buf)
}

/// CBC-encrypts block-aligned `data` with the suite's cipher (3DES: two-key EDE; AES: key size
/// from the suite).
pub fn cbc_encrypt(
    suite: CipherSuite,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CipherError> {
    with_suite!(suite, S => cbc_encrypt_with::<S>(key, iv, data))
}

/// CBC-decrypts block-aligned `data` with the suite's cipher; padding is left in place.
pub fn cbc_decrypt(
    suite: CipherSuite,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CipherError> {
    with_suite!(suite, S => cbc_decrypt_with::<S>(key, iv, data))
}

/// Encrypts one block (ECB, i.e. CBC with a zero IV): the AES secure messaging IV `E(KS_enc, SSC)`.
pub fn encrypt_block(suite: CipherSuite, key: &[u8], block: &[u8]) -> Result<Vec<u8>, CipherError> {
    if block.len() != suite.block_len() {
        return Err(CipherError::NotBlockAligned {
            suite,
            len: block.len(),
            block_len: suite.block_len(),
        });
    }
    cbc_encrypt(suite, key, &zero_iv(suite), block)
}

/// An all-zero IV of the suite's block length (BAC, PACE nonce, 3DES secure messaging).
pub fn zero_iv(suite: CipherSuite) -> Vec<u8> {
    vec![0u8; suite.block_len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).expect("test vector hex")
    }

    #[test]
    fn tdes_cbc_appendix_d3() {
        // ICAO 9303 Part 11, Appendix D.3: E_IFD = E(K_enc, RND.IFD ‖ RND.IC ‖ K.IFD), IV 0.
        let k_enc = hex("AB94FDECF2674FDFB9B391F85D7F76F2");
        let s = hex("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B");
        let e_ifd = cbc_encrypt(CipherSuite::TripleDes, &k_enc, &[0; 8], &s).expect("encrypt");
        assert_eq!(
            e_ifd,
            hex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
        );
        // The chip's answer decrypts to RND.IC ‖ RND.IFD ‖ K.IC (same appendix).
        let e_ic = hex("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F");
        let r = cbc_decrypt(CipherSuite::TripleDes, &k_enc, &[0; 8], &e_ic).expect("decrypt");
        assert_eq!(
            r,
            hex("4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B")
        );
    }

    #[test]
    fn aes_cbc_sp800_38a() {
        // NIST SP 800-38A, F.2.1 (CBC-AES128.Encrypt), first block.
        let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
        let iv = hex("000102030405060708090a0b0c0d0e0f");
        let pt = hex("6bc1bee22e409f96e93d7e117393172a");
        let ct = cbc_encrypt(CipherSuite::Aes128, &key, &iv, &pt).expect("encrypt");
        assert_eq!(ct, hex("7649abac8119b246cee98e9b12e9197d"));
        assert_eq!(
            cbc_decrypt(CipherSuite::Aes128, &key, &iv, &ct).expect("decrypt"),
            pt
        );
    }

    #[test]
    fn aes_pace_nonce_appendix_g1() {
        // ICAO 9303 Part 11, Appendix G.1: s = D(K_π, z) with AES-128, IV 0.
        let k_pi = hex("89DED1B26624EC1E634C1989302849DD");
        let z = hex("95A3A016522EE98D01E76CB6B98B42C3");
        let s = cbc_decrypt(CipherSuite::Aes128, &k_pi, &[0; 16], &z).expect("decrypt");
        assert_eq!(s, hex("3F00C4D39D153F2B2A214A078D899B22"));
        assert_eq!(
            encrypt_block(CipherSuite::Aes128, &k_pi, &s).expect("encrypt"),
            z
        );
    }

    #[test]
    fn lengths_are_checked() {
        let k = [0u8; 16];
        assert!(matches!(
            cbc_encrypt(CipherSuite::Aes256, &k, &[0; 16], &[0; 16]),
            Err(CipherError::KeyLength { expected: 32, .. })
        ));
        assert!(matches!(
            cbc_encrypt(CipherSuite::TripleDes, &k, &[0; 16], &[0; 8]),
            Err(CipherError::IvLength { expected: 8, .. })
        ));
        assert!(matches!(
            cbc_decrypt(CipherSuite::Aes128, &k, &[0; 16], &[0; 15]),
            Err(CipherError::NotBlockAligned { len: 15, .. })
        ));
        assert!(encrypt_block(CipherSuite::Aes192, &[0; 24], &[0; 8]).is_err());
    }

    #[test]
    fn padding_method_2() {
        // ICAO 9303 Part 11, Appendix D.4: the SELECT header 0CA4020C pads to 0CA4020C80000000.
        assert_eq!(pad(&hex("0CA4020C"), 8), hex("0CA4020C80000000"));
        assert_eq!(pad(&[], 8), hex("8000000000000000"));
        assert_eq!(pad(&[1; 8], 8).len(), 16);
        assert_eq!(unpad(&hex("0CA4020C80000000"), 8), Ok(&hex("0CA4020C")[..]));
        assert_eq!(
            unpad(&hex("0CA4020C00000000"), 8),
            Err(CipherError::BadPadding)
        );
        assert_eq!(
            unpad(&hex("0000000000000000"), 8),
            Err(CipherError::BadPadding)
        );
        assert_eq!(unpad(&[], 8), Err(CipherError::BadPadding));
        assert_eq!(unpad(&hex("80"), 8), Ok(&[][..]));
        // Zeros reaching past the last block are not padding.
        assert_eq!(
            unpad(&hex("800000000000000000000000"), 8),
            Err(CipherError::BadPadding)
        );
    }

    proptest! {
        #[test]
        fn pad_unpad_round_trip(data in proptest::collection::vec(any::<u8>(), 0..64), wide in any::<bool>()) {
            let block = if wide { 16 } else { 8 };
            let padded = pad(&data, block);
            prop_assert_eq!(padded.len() % block, 0);
            prop_assert_eq!(unpad(&padded, block), Ok(&data[..]));
        }

        #[test]
        fn unpad_never_panics(data in proptest::collection::vec(any::<u8>(), 0..48)) {
            let _ = unpad(&data, 8);
            let _ = unpad(&data, 16);
        }

        #[test]
        fn cbc_round_trip_all_suites(blocks in 0usize..6, seed in any::<u8>()) {
            for suite in CipherSuite::ALL {
                let key: Vec<u8> = (0..suite.key_len()).map(|i| seed.wrapping_add(i as u8)).collect();
                let iv = vec![seed; suite.block_len()];
                let data: Vec<u8> = (0..blocks * suite.block_len()).map(|i| (i as u8) ^ seed).collect();
                let ct = cbc_encrypt(suite, &key, &iv, &data).expect("aligned");
                prop_assert_eq!(cbc_decrypt(suite, &key, &iv, &ct).expect("aligned"), data);
            }
        }
    }
}
