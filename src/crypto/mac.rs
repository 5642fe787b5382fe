//! Message authentication for secure messaging and BAC/PACE: retail MAC (ISO/IEC 9797-1 MAC
//! algorithm 3 over DES) for 3DES, AES-CMAC for AES, both truncated to 8 bytes (Part 11 §9.8.6).
//!
//! The functions here MAC the bytes they are given: callers apply ISO/IEC 9797-1 padding
//! method 2 where the protocol asks for it (secure messaging, BAC), and not where it does not
//! (the PACE authentication token with AES).

use cipher::KeyInit;
use cmac::Mac;
use subtle::ConstantTimeEq;

use super::cipher::{CipherError, SuiteAlgorithms, with_suite};
use super::keys::CipherSuite;

/// Length of every MAC on the wire (DO'8E', BAC M_IFD/M_IC, PACE tokens).
pub const MAC_LEN: usize = 8;

/// MAC of `data` under suite `S`, truncated to [`MAC_LEN`] bytes.
pub fn mac_with<S: SuiteAlgorithms>(key: &[u8], data: &[u8]) -> Result<[u8; MAC_LEN], CipherError> {
    let mut mac = <S::Mac as KeyInit>::new_from_slice(key).map_err(|_| CipherError::KeyLength {
        suite: S::SUITE,
        expected: S::SUITE.key_len(),
        found: key.len(),
    })?;
    mac.update(data);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    // Both MACs output at least one 8-byte block; `zip` keeps the copy total regardless.
    for (o, b) in out.iter_mut().zip(full.iter()) {
        *o = *b;
    }
    Ok(out)
}

/// MAC of `data` with the suite's algorithm, truncated to 8 bytes.
pub fn mac(suite: CipherSuite, key: &[u8], data: &[u8]) -> Result<[u8; MAC_LEN], CipherError> {
    with_suite!(suite, S => mac_with::<S>(key, data))
}

/// Checks `expected` against the MAC of `data` in constant time.
///
/// A MAC of the wrong length is a mismatch, never a partial comparison.
pub fn verify_mac(
    suite: CipherSuite,
    key: &[u8],
    data: &[u8],
    expected: &[u8],
) -> Result<(), CipherError> {
    let computed = mac(suite, key, data)?;
    if bool::from(computed.as_slice().ct_eq(expected)) {
        Ok(())
    } else {
        Err(CipherError::MacMismatch)
    }
}

#[cfg(test)]
mod tests;
