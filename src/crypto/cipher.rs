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

fn key_length_error<S: SuiteAlgorithms>(key: &[u8]) -> CipherError {
    CipherError::KeyLength {
        suite: S::SUITE,
        expected: S::SUITE.key_len(),
        found: key.len(),
    }
}

fn not_aligned_error<S: SuiteAlgorithms>(len: usize) -> CipherError {
    CipherError::NotBlockAligned {
        suite: S::SUITE,
        len,
        block_len: S::SUITE.block_len(),
    }
}

/// CBC-encrypts block-aligned `data` (already padded) under suite `S`.
pub fn cbc_encrypt_with<S: SuiteAlgorithms>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, CipherError> {
    check_key::<S>(key)?;
    check_iv_and_data::<S>(iv, data)?;
    let mode = cbc::Encryptor::<S::Cipher>::new_from_slices(key, iv)
        .map_err(|_| key_length_error::<S>(key))?;
    let mut buf = data.to_vec();
    let len = buf.len();
    // Aligned input with `NoPadding` cannot fail; the error arm keeps it total anyway.
    if mode.encrypt_padded::<NoPadding>(&mut buf, len).is_err() {
        buf.zeroize();
        return Err(not_aligned_error::<S>(len));
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
    let mode = cbc::Decryptor::<S::Cipher>::new_from_slices(key, iv)
        .map_err(|_| key_length_error::<S>(key))?;
    let mut buf = data.to_vec();
    let len = buf.len();
    if mode.decrypt_padded::<NoPadding>(&mut buf).is_err() {
        buf.zeroize();
        return Err(not_aligned_error::<S>(len));
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
mod tests;
