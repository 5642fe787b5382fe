//! Basic Access Control (ICAO 9303 Part 11 §4.3, §9.7.2): mutual authentication from the MRZ keys,
//! terminal side ([`authenticate`]) and chip side ([`BacChip`], for the software chip).
//!
//! GET CHALLENGE returns RND.IC; the terminal sends `E_IFD ‖ M_IFD` with
//! `E_IFD = E(K_enc, RND.IFD ‖ RND.IC ‖ K.IFD)` and `M_IFD = MAC(K_mac, E_IFD)`; the chip answers
//! `E_IC ‖ M_IC` over `RND.IC ‖ RND.IFD ‖ K.IC`. The session keys come from `K.IFD ⊕ K.IC`, the SSC
//! is the low halves of RND.IC and RND.IFD.

use std::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use super::{AccessError, AccessProtocol};
use crate::apdu::{Command, Response, StatusWord};
use crate::crypto::cipher::{self, CipherError};
use crate::crypto::keys::{BacKeys, CipherSuite, SessionKeys};
use crate::crypto::mac;
use crate::sm::SecureChannel;
use crate::transport::Transport;

/// Length of RND.IC and RND.IFD.
pub const NONCE_LEN: usize = 8;
/// Length of the key material K.IFD and K.IC.
pub const KEY_MATERIAL_LEN: usize = 16;
/// Length of the EXTERNAL AUTHENTICATE data and of its answer: 32-byte cryptogram ‖ 8-byte MAC.
pub const AUTH_DATA_LEN: usize = 40;

const SUITE: CipherSuite = CipherSuite::TripleDes;
const GET_CHALLENGE: &str = "GET CHALLENGE";
const EXTERNAL_AUTHENTICATE: &str = "EXTERNAL AUTHENTICATE";

/// 6300: authentication failed (the chip's answer to wrong keys, Part 11 §4.3).
const SW_AUTH_FAILED: StatusWord = StatusWord(0x6300);
/// 6982: security status not satisfied (what some chips answer to wrong keys).
const SW_SECURITY_STATUS: StatusWord = StatusWord(0x6982);
/// SM data objects incorrect: answered by some chips when M_IFD does not verify.
const SW_SM_INCORRECT: StatusWord = StatusWord(0x6988);

/// Runs BAC over `transport` with the document's keys and returns the secure channel.
///
/// RND.IFD and K.IFD are drawn from `rng`. Wrong keys end in [`AccessError::AccessDenied`]
/// ("access denied (BAC)"): the chip answers 6300 or 6982, or its answer does not authenticate.
pub fn authenticate<T: Transport>(
    transport: &mut T,
    keys: &BacKeys,
    rng: &mut impl CryptoRng,
) -> Result<SecureChannel, AccessError> {
    let mut rnd_ifd = Zeroizing::new([0u8; NONCE_LEN]);
    let mut k_ifd = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
    rng.fill_bytes(rnd_ifd.as_mut_slice());
    rng.fill_bytes(k_ifd.as_mut_slice());
    authenticate_with_nonces(transport, keys, &rnd_ifd, &k_ifd)
}

/// [`authenticate`] with the terminal's RND.IFD and K.IFD given (for the published examples).
pub(crate) fn authenticate_with_nonces<T: Transport>(
    transport: &mut T,
    keys: &BacKeys,
    rnd_ifd: &[u8; NONCE_LEN],
    k_ifd: &[u8; KEY_MATERIAL_LEN],
) -> Result<SecureChannel, AccessError> {
    let challenge = exchange(
        transport,
        &Command::new(0x00, 0x84, 0x00, 0x00).with_le(NONCE_LEN),
        GET_CHALLENGE,
    )?;
    let rnd_ic: [u8; NONCE_LEN] =
        challenge
            .data
            .as_slice()
            .try_into()
            .map_err(|_| AccessError::Malformed {
                protocol: AccessProtocol::Bac,
                command: GET_CHALLENGE,
                what: format!(
                    "RND.IC of {} bytes, expected {NONCE_LEN}",
                    challenge.data.len()
                ),
            })?;

    let mut s = Zeroizing::new(Vec::with_capacity(32));
    s.extend_from_slice(rnd_ifd);
    s.extend_from_slice(&rnd_ic);
    s.extend_from_slice(k_ifd);
    let auth_data = encrypt_and_mac(keys, &s)?;

    let answer = exchange(
        transport,
        &Command::new(0x00, 0x82, 0x00, 0x00)
            .with_data(auth_data)
            .with_le(AUTH_DATA_LEN),
        EXTERNAL_AUTHENTICATE,
    )?;
    if answer.data.len() != AUTH_DATA_LEN {
        return Err(AccessError::Malformed {
            protocol: AccessProtocol::Bac,
            command: EXTERNAL_AUTHENTICATE,
            what: format!(
                "{} bytes, expected E_IC ‖ M_IC of {AUTH_DATA_LEN}",
                answer.data.len()
            ),
        });
    }
    // M_IC first, in constant time; only an authentic answer is decrypted.
    let r = verify_and_decrypt(keys, &answer.data).ok_or(denied())?;
    let (rnd_ic_echo, rest) = r.split_at(NONCE_LEN);
    let (rnd_ifd_echo, k_ic) = rest.split_at(NONCE_LEN);
    let echoes_match = rnd_ic_echo.ct_eq(&rnd_ic) & rnd_ifd_echo.ct_eq(rnd_ifd);
    if !bool::from(echoes_match) {
        return Err(denied());
    }
    session(k_ifd, k_ic, &rnd_ic, rnd_ifd)
}

/// The chip side of BAC: a two-step state machine the software chip drives.
///
/// [`BacChip::get_challenge`] draws RND.IC; [`BacChip::external_authenticate`] checks the
/// terminal's cryptogram against it (each challenge serves one attempt) and returns the answer
/// `E_IC ‖ M_IC` and the chip's end of the secure channel.
pub struct BacChip {
    keys: BacKeys,
    challenge: Option<[u8; NONCE_LEN]>,
}

impl fmt::Debug for BacChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BacChip")
            .field("keys", &format_args!("<redacted>"))
            .field("challenge_pending", &self.challenge.is_some())
            .finish()
    }
}

impl Drop for BacChip {
    fn drop(&mut self) {
        if let Some(challenge) = self.challenge.as_mut() {
            challenge.zeroize();
        }
    }
}

/// Why the chip side refused EXTERNAL AUTHENTICATE; [`ChipBacError::status_word`] is its answer.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChipBacError {
    /// No GET CHALLENGE preceded this attempt (or its challenge was used already).
    #[error("EXTERNAL AUTHENTICATE without a fresh GET CHALLENGE")]
    NoChallenge,
    /// The command data is not 40 bytes.
    #[error("EXTERNAL AUTHENTICATE data of {0} bytes, expected 40")]
    WrongLength(usize),
    /// The MAC or the RND.IC echo did not verify: wrong keys.
    #[error("BAC authentication failed")]
    AuthenticationFailed,
}

impl ChipBacError {
    /// The status word a chip answers with: 6985, 6700, 6300.
    pub fn status_word(self) -> StatusWord {
        match self {
            ChipBacError::NoChallenge => StatusWord(0x6985),
            ChipBacError::WrongLength(_) => StatusWord(0x6700),
            ChipBacError::AuthenticationFailed => SW_AUTH_FAILED,
        }
    }
}

impl BacChip {
    /// A chip holding the document basic access keys (from its MRZ).
    pub fn new(keys: &BacKeys) -> Self {
        BacChip {
            keys: keys.clone(),
            challenge: None,
        }
    }

    /// GET CHALLENGE: draws and remembers RND.IC.
    pub fn get_challenge(&mut self, rng: &mut impl CryptoRng) -> [u8; NONCE_LEN] {
        let mut rnd_ic = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut rnd_ic);
        self.challenge = Some(rnd_ic);
        rnd_ic
    }

    /// EXTERNAL AUTHENTICATE: verifies `E_IFD ‖ M_IFD`, draws K.IC from `rng`, and returns the
    /// answer data `E_IC ‖ M_IC` (without status word) and the established channel.
    pub fn external_authenticate(
        &mut self,
        data: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, SecureChannel), ChipBacError> {
        let mut k_ic = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
        rng.fill_bytes(k_ic.as_mut_slice());
        self.external_authenticate_with_key(data, &k_ic)
    }

    /// [`BacChip::external_authenticate`] with K.IC given (for the published examples).
    pub(crate) fn external_authenticate_with_key(
        &mut self,
        data: &[u8],
        k_ic: &[u8; KEY_MATERIAL_LEN],
    ) -> Result<(Vec<u8>, SecureChannel), ChipBacError> {
        // The challenge is spent by any attempt, so a failed one cannot be retried against it.
        let mut rnd_ic = self.challenge.take().ok_or(ChipBacError::NoChallenge)?;
        let result = self.answer(data, &rnd_ic, k_ic);
        rnd_ic.zeroize();
        result
    }

    fn answer(
        &self,
        data: &[u8],
        rnd_ic: &[u8; NONCE_LEN],
        k_ic: &[u8; KEY_MATERIAL_LEN],
    ) -> Result<(Vec<u8>, SecureChannel), ChipBacError> {
        if data.len() != AUTH_DATA_LEN {
            return Err(ChipBacError::WrongLength(data.len()));
        }
        let s = verify_and_decrypt(&self.keys, data).ok_or(ChipBacError::AuthenticationFailed)?;
        let (rnd_ifd, rest) = s.split_at(NONCE_LEN);
        let (rnd_ic_echo, k_ifd) = rest.split_at(NONCE_LEN);
        if !bool::from(rnd_ic_echo.ct_eq(rnd_ic)) {
            return Err(ChipBacError::AuthenticationFailed);
        }
        let mut r = Zeroizing::new(Vec::with_capacity(32));
        r.extend_from_slice(rnd_ic);
        r.extend_from_slice(rnd_ifd);
        r.extend_from_slice(k_ic);
        // Key and block sizes are fixed here, so the cipher layer cannot fail; map it anyway.
        let reply =
            encrypt_and_mac(&self.keys, &r).map_err(|_| ChipBacError::AuthenticationFailed)?;
        let channel = session(k_ifd, k_ic, rnd_ic, rnd_ifd)
            .map_err(|_| ChipBacError::AuthenticationFailed)?;
        Ok((reply, channel))
    }
}

/// Sends `cmd`, returns the response if its status is 9000; to EXTERNAL AUTHENTICATE, 6300,
/// 6982 and 6988 are access denied (6988: the chip found M_IFD wrong, i.e. keys from another MRZ;
/// vsmartcard's ePass and some chips answer so).
fn exchange<T: Transport>(
    transport: &mut T,
    cmd: &Command,
    command: &'static str,
) -> Result<Response, AccessError> {
    let raw = transport.transmit(&cmd.to_bytes()?)?;
    let response = Response::parse(&raw)?;
    match response.sw {
        StatusWord::SUCCESS => Ok(response),
        SW_AUTH_FAILED | SW_SECURITY_STATUS | SW_SM_INCORRECT
            if command == EXTERNAL_AUTHENTICATE =>
        {
            Err(denied())
        }
        sw => Err(AccessError::Refused {
            protocol: AccessProtocol::Bac,
            command,
            sw,
        }),
    }
}

fn denied() -> AccessError {
    AccessError::AccessDenied(AccessProtocol::Bac)
}

/// `E(K_enc, plain) ‖ MAC(K_mac, pad(E))` with 3DES-CBC, zero IV, retail MAC.
fn encrypt_and_mac(keys: &BacKeys, plain: &[u8]) -> Result<Vec<u8>, CipherError> {
    let mut out = cipher::cbc_encrypt(SUITE, keys.k_enc(), &cipher::zero_iv(SUITE), plain)?;
    let tag = mac::mac(SUITE, keys.k_mac(), &cipher::pad(&out, SUITE.block_len()))?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Checks the MAC of `cryptogram ‖ mac` (40 bytes) and decrypts the 32-byte cryptogram;
/// `None` if the MAC does not verify.
fn verify_and_decrypt(keys: &BacKeys, data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (cryptogram, tag) = data.split_at_checked(AUTH_DATA_LEN - mac::MAC_LEN)?;
    let padded = cipher::pad(cryptogram, SUITE.block_len());
    mac::verify_mac(SUITE, keys.k_mac(), &padded, tag).ok()?;
    let plain =
        cipher::cbc_decrypt(SUITE, keys.k_enc(), &cipher::zero_iv(SUITE), cryptogram).ok()?;
    (plain.len() == 32).then(|| Zeroizing::new(plain))
}

/// Session keys from `K.IFD ⊕ K.IC`, SSC = last 4 bytes of RND.IC ‖ last 4 bytes of RND.IFD.
fn session(
    k_ifd: &[u8],
    k_ic: &[u8],
    rnd_ic: &[u8],
    rnd_ifd: &[u8],
) -> Result<SecureChannel, AccessError> {
    let mut k_seed = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
    for ((seed, a), b) in k_seed.iter_mut().zip(k_ifd).zip(k_ic) {
        *seed = a ^ b;
    }
    let keys = SessionKeys::derive(SUITE, k_seed.as_slice());
    let mut ssc = [0u8; NONCE_LEN];
    for (dst, src) in ssc
        .iter_mut()
        .zip(rnd_ic.iter().skip(4).chain(rnd_ifd.iter().skip(4)))
    {
        *dst = *src;
    }
    Ok(SecureChannel::new(keys, &ssc)?)
}

#[cfg(test)]
mod tests;
