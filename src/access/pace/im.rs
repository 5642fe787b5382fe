//! The pseudo-random number mapping R_p(s, t) of the Integrated Mapping (ICAO 9303 Part 11
//! §4.4.3.3.2, Figure 2): block-cipher CBC (IV 0) iterations keyed first with the terminal's
//! nonce t, then with the chained keys k_i, producing `x_1 ‖ … ‖ x_n` with `n·l ≥ log2 p + 64`.

use zeroize::Zeroizing;

use crate::crypto::cipher::{self, CipherError};
use crate::crypto::keys::CipherSuite;

/// c0 for l = 128 (3DES, AES-128).
const C0_128: [u8; 16] = hex_literal(*b"a668892a7c41e3ca739f40b057d85904");
/// c1 for l = 128.
const C1_128: [u8; 16] = hex_literal(*b"a4e136ac725f738b01c1f60217c188ad");
/// c0 for l = 256 (AES-192, AES-256).
const C0_256: [u8; 32] =
    hex_literal(*b"d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676");
/// c1 for l = 256.
const C1_256: [u8; 32] =
    hex_literal(*b"54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517");

/// Decodes lower-case hex at compile time.
const fn hex_literal<const N: usize, const M: usize>(hex: [u8; M]) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("hex digit"),
        }
    }
    assert!(M == 2 * N);
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]);
        i += 1;
    }
    out
}

/// The nonce length l (bytes) of a suite for the Integrated Mapping: the smallest multiple of
/// the block size not below the key size (3DES counts as 128 bits): 16, 16, 32, 32.
pub(crate) fn nonce_len(suite: CipherSuite) -> usize {
    match suite {
        CipherSuite::TripleDes | CipherSuite::Aes128 => 16,
        _ => 32,
    }
}

/// The constants (c0, c1) for a suite.
fn constants(suite: CipherSuite) -> (&'static [u8], &'static [u8]) {
    match suite {
        CipherSuite::TripleDes | CipherSuite::Aes128 => (&C0_128, &C1_128),
        _ => (&C0_256, &C1_256),
    }
}

/// `x_1 ‖ … ‖ x_n` of Figure 2 (before the reduction mod p) for nonce `s` (l bytes), nonce
/// `t` (the key length) and a prime of `p_bits` bits.
pub(crate) fn pseudo_random(
    suite: CipherSuite,
    s: &[u8],
    t: &[u8],
    p_bits: u32,
) -> Result<Zeroizing<Vec<u8>>, CipherError> {
    let (c0, c1) = constants(suite);
    let iv = cipher::zero_iv(suite);
    let key_len = suite.key_len();
    let block_bits = u32::try_from(c1.len().saturating_mul(8)).unwrap_or(u32::MAX);
    let n = p_bits.saturating_add(64).div_ceil(block_bits);
    let mut k = Zeroizing::new(cipher::cbc_encrypt(suite, t, &iv, s)?);
    let mut out = Zeroizing::new(Vec::new());
    for _ in 0..n {
        let k_i: Zeroizing<Vec<u8>> = Zeroizing::new(k.iter().take(key_len).copied().collect());
        out.extend_from_slice(&cipher::cbc_encrypt(suite, &k_i, &iv, c1)?);
        k = Zeroizing::new(cipher::cbc_encrypt(suite, &k_i, &iv, c0)?);
    }
    Ok(out)
}
