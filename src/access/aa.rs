//! Active Authentication, terminal side (ICAO 9303 Part 11 §6.1): the chip proves it holds the
//! private key behind DG15 by signing an 8-byte challenge, which a copied chip cannot do.
//!
//! The terminal sends INTERNAL AUTHENTICATE (`00 88 00 00`, data RND.IFD) under secure
//! messaging and checks the answer:
//!
//! - RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery. The block
//!   `J = σ^e mod n` (or `n − J` when the chip sends the smaller of the two) is
//!   `6A ‖ M1 ‖ H ‖ T` (or the padded form `6B BB…BA ‖ M1 ‖ H ‖ T`), with trailer `T` = `BC`
//!   (SHA-1 implied) or `hh CC` (ISO/IEC 10118-3 hash identifier `hh`: 33 SHA-1, 34 SHA-256,
//!   35 SHA-512, 36 SHA-384, 38 SHA-224). `H` must equal `hash(M1 ‖ RND.IFD)` (compared in
//!   constant time).
//! - ECDSA: a plain `r ‖ s` signature (BSI TR-03111 §5.2.1) over RND.IFD with the hash named in
//!   DG14's `ActiveAuthenticationInfo.signatureAlgorithm`.
//!
//! Everything not positively verified is a failure ([`ActiveAuthOutcome::Rejected`] for a
//! signature that does not verify, [`AaError`] when the check could not be made).

use const_oid::ObjectIdentifier;
use rand_core::CryptoRng;
use rsa::BoxedUint;
use rsa::traits::PublicKeyParts;
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::apdu::{Command, StatusWord, ins};
use crate::crypto::signature::{self, HashAlgorithm, PublicKey, SignatureAlgorithm};
use crate::sm::SecureChannel;
use crate::transport::Transport;

/// Length of RND.IFD, the terminal's challenge (ICAO 9303 Part 11 §6.1).
pub const CHALLENGE_LEN: usize = 8;

/// The largest INTERNAL AUTHENTICATE answer asked for: an RSA-4096 signature.
pub const MAX_SIGNATURE_LEN: usize = 512;

/// How the chip's signature was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AaMechanism {
    /// RSA, ISO/IEC 9796-2 scheme 1, with this hash.
    Rsa9796 {
        /// The hash named by the trailer.
        hash: HashAlgorithm,
        /// Modulus size in bits.
        bits: usize,
    },
    /// Plain ECDSA with this hash.
    Ecdsa {
        /// The hash named in DG14.
        hash: HashAlgorithm,
    },
}

impl core::fmt::Display for AaMechanism {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AaMechanism::Rsa9796 { hash, bits } => {
                write!(f, "RSA-{bits} ISO/IEC 9796-2 scheme 1 with {}", hash.name())
            }
            AaMechanism::Ecdsa { hash } => write!(f, "ECDSA (plain) with {}", hash.name()),
        }
    }
}

/// Why a chip's answer to INTERNAL AUTHENTICATE is not a valid signature over the challenge.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AaRejection {
    /// The signature has the wrong length for the key.
    #[error("signature is {got} bytes, the key needs {expected}")]
    WrongLength {
        /// Bytes received.
        got: usize,
        /// Bytes expected.
        expected: usize,
    },
    /// The RSA signature is not below the modulus.
    #[error("RSA signature is not below the modulus")]
    OutOfRange,
    /// Neither `J` nor `n − J` ends in the nibble `C` (ISO/IEC 9796-2 §B).
    #[error("recovered block has no ISO/IEC 9796-2 trailer")]
    NoTrailer,
    /// The trailer names a hash this crate does not know (or an unknown trailer form).
    #[error("unknown ISO/IEC 9796-2 trailer {0:#06X}")]
    UnknownTrailer(u16),
    /// The header is not that of scheme 1 with partial recovery (`6A`, or `6B` with padding).
    #[error("recovered block header {0:#04X} is not ISO/IEC 9796-2 scheme 1 partial recovery")]
    BadHeader(u8),
    /// The padding field (`BB … BA`) is malformed, or the block is too short for the hash.
    #[error("recovered block is malformed: {0}")]
    Malformed(&'static str),
    /// The digest in the block differs from hash(M1 ‖ RND.IFD): a wrong key or a clone.
    #[error("recovered digest does not match hash(M1 || challenge)")]
    DigestMismatch,
    /// The ECDSA signature is malformed or does not verify.
    #[error("ECDSA signature: {0}")]
    Ecdsa(signature::SignatureError),
}

/// The outcome of Active Authentication with a chip that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActiveAuthOutcome {
    /// The chip signed the challenge with the private key behind DG15.
    Verified(AaMechanism),
    /// The answer is not a valid signature: a cloned chip, or a broken one.
    Rejected(AaRejection),
}

impl ActiveAuthOutcome {
    /// True only for [`ActiveAuthOutcome::Verified`].
    pub fn is_verified(&self) -> bool {
        matches!(self, ActiveAuthOutcome::Verified(_))
    }
}

/// Why Active Authentication could not be carried out. Every variant means "not verified".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AaError {
    /// DG15 is missing or does not hold a usable key.
    #[error("active authentication key (DG15): {0}")]
    Key(String),
    /// An EC key needs the hash from DG14's ActiveAuthenticationInfo, and there is none usable.
    #[error("ECDSA active authentication: {0}")]
    Algorithm(String),
    /// The key is of a kind or size this crate does not verify (e.g. a modulus not a whole
    /// number of bytes).
    #[error("unsupported active authentication key: {0}")]
    Unsupported(String),
    /// The chip refused INTERNAL AUTHENTICATE.
    #[error("the chip answered INTERNAL AUTHENTICATE with {0:#}")]
    Refused(StatusWord),
    /// Secure messaging failed (the session is over).
    #[error("secure messaging: {0}")]
    SecureMessaging(crate::sm::SmError),
    /// The link failed.
    #[error("link to the chip failed: {0}")]
    Transport(String),
    /// The command could not be built.
    #[error("cannot build INTERNAL AUTHENTICATE: {0}")]
    Apdu(String),
}

/// What the terminal needs to check the chip's signature: DG15's key and, for EC keys, the hash
/// from DG14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaKey {
    key: PublicKey,
    ecdsa_hash: Option<HashAlgorithm>,
}

impl AaKey {
    /// From DG15 as read (`6F` { SubjectPublicKeyInfo }) and DG14 as read, if any.
    ///
    /// For an EC key, DG14 must hold an ActiveAuthenticationInfo whose signatureAlgorithm
    /// names the hash (ecdsa-plain-SHA* of BSI TR-03111 or ecdsa-with-SHA* of X9.62); without
    /// it the check cannot be made and this is an [`AaError::Algorithm`].
    pub fn from_data_groups(dg15: &[u8], dg14: Option<&[u8]>) -> Result<Self, AaError> {
        let key = crate::lds::keys::Dg15::parse(dg15)
            .and_then(|d| {
                d.public_key().map_err(|e| crate::lds::LdsError::Invalid {
                    file: "DG15",
                    what: "SubjectPublicKeyInfo",
                    message: e.to_string(),
                })
            })
            .map_err(|e| AaError::Key(e.to_string()))?;
        let oid = match (&key, dg14) {
            (PublicKey::Ec { .. }, Some(dg14)) => Some(aa_signature_algorithm(dg14)?),
            (PublicKey::Ec { .. }, None) => {
                return Err(AaError::Algorithm(
                    "EC key in DG15 but no DG14 to name the signature algorithm".into(),
                ));
            }
            _ => None,
        };
        Self::new(key, oid.as_ref())
    }

    /// From a decoded key and, for EC keys, the ActiveAuthenticationInfo signatureAlgorithm.
    pub fn new(
        key: PublicKey,
        ecdsa_algorithm: Option<&ObjectIdentifier>,
    ) -> Result<Self, AaError> {
        let ecdsa_hash = match &key {
            PublicKey::Rsa(k) => {
                if !k.n().as_ref().bit_width_vartime().is_multiple_of(8) {
                    return Err(AaError::Unsupported(format!(
                        "RSA modulus of {} bits (not a whole number of bytes)",
                        k.n().as_ref().bit_width_vartime()
                    )));
                }
                None
            }
            PublicKey::Ec { .. } => {
                let oid = ecdsa_algorithm.ok_or_else(|| {
                    AaError::Algorithm("no ActiveAuthenticationInfo signature algorithm".into())
                })?;
                match SignatureAlgorithm::from_identifier(oid, None, None) {
                    Ok(SignatureAlgorithm::Ecdsa(h) | SignatureAlgorithm::EcdsaPlain(h)) => Some(h),
                    Ok(_) => {
                        return Err(AaError::Algorithm(format!(
                            "signature algorithm {oid} is not ECDSA"
                        )));
                    }
                    Err(e) => return Err(AaError::Algorithm(e.to_string())),
                }
            }
        };
        Ok(AaKey { key, ecdsa_hash })
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// Checks the chip's answer to INTERNAL AUTHENTICATE over `challenge`.
    pub fn verify(&self, challenge: &[u8], response: &[u8]) -> ActiveAuthOutcome {
        let result = match (&self.key, self.ecdsa_hash) {
            (PublicKey::Rsa(k), _) => verify_iso9796_2(k, challenge, response),
            (key @ PublicKey::Ec { .. }, Some(hash)) => {
                verify_ecdsa(key, hash, challenge, response)
            }
            // Not constructed (AaKey::new requires the hash); fail closed anyway.
            _ => Err(AaRejection::Malformed("no verification algorithm")),
        };
        match result {
            Ok(mechanism) => ActiveAuthOutcome::Verified(mechanism),
            Err(why) => ActiveAuthOutcome::Rejected(why),
        }
    }
}

/// The signatureAlgorithm of DG14's ActiveAuthenticationInfo.
fn aa_signature_algorithm(dg14: &[u8]) -> Result<ObjectIdentifier, AaError> {
    let dg14 = crate::lds::keys::Dg14::parse(dg14)
        .map_err(|e| AaError::Algorithm(format!("DG14: {e}")))?;
    let mut found = dg14.security_infos.iter().filter_map(|i| match i {
        crate::lds::security_info::SecurityInfo::ActiveAuthentication {
            signature_algorithm,
            ..
        } => Some(*signature_algorithm),
        _ => None,
    });
    match (found.next(), found.next()) {
        (Some(oid), None) => Ok(oid),
        (None, _) => Err(AaError::Algorithm(
            "DG14 holds no ActiveAuthenticationInfo".into(),
        )),
        (Some(_), Some(_)) => Err(AaError::Algorithm(
            "DG14 holds more than one ActiveAuthenticationInfo".into(),
        )),
    }
}

/// The hash an ISO/IEC 9796-2 explicit trailer `hh CC` names (ISO/IEC 10118-3 identifiers).
fn trailer_hash(id: u8) -> Option<HashAlgorithm> {
    Some(match id {
        0x33 => HashAlgorithm::Sha1,
        0x34 => HashAlgorithm::Sha256,
        0x35 => HashAlgorithm::Sha512,
        0x36 => HashAlgorithm::Sha384,
        0x38 => HashAlgorithm::Sha224,
        _ => return None,
    })
}

/// ISO/IEC 9796-2 scheme 1 verification with partial recovery, M2 = `challenge`.
fn verify_iso9796_2(
    key: &rsa::PublicKey,
    challenge: &[u8],
    sig: &[u8],
) -> Result<AaMechanism, AaRejection> {
    let n = key.n().as_ref();
    let k = key.size();
    if sig.len() != k {
        return Err(AaRejection::WrongLength {
            got: sig.len(),
            expected: k,
        });
    }
    let s =
        BoxedUint::from_be_slice(sig, n.bits_precision()).map_err(|_| AaRejection::OutOfRange)?;
    if s >= *n {
        return Err(AaRejection::OutOfRange);
    }
    let j = rsa::hazmat::rsa_encrypt(key, &s).map_err(|_| AaRejection::OutOfRange)?;
    let block = to_block(&j, k)?;
    let block = if block.last().is_some_and(|b| b & 0x0F == 0x0C) {
        block
    } else {
        // ISO/IEC 9796-2 signs min(J, n − J): the other one carries the trailer.
        let other = to_block(&n.wrapping_sub(&j), k)?;
        if other.last().is_none_or(|b| b & 0x0F != 0x0C) {
            return Err(AaRejection::NoTrailer);
        }
        other
    };
    check_block(&block, challenge)
}

/// Checks a recovered ISO/IEC 9796-2 scheme 1 block (`6A ‖ M1 ‖ H ‖ T` or
/// `6B BB…BA ‖ M1 ‖ H ‖ T`) against M2 = `challenge`.
fn check_block(block: &[u8], challenge: &[u8]) -> Result<AaMechanism, AaRejection> {
    let k = block.len();
    // Trailer: BC (SHA-1 implied) or hh CC.
    let (hash, trailer_len) = match block {
        [.., 0xBC] => (HashAlgorithm::Sha1, 1usize),
        [.., id, 0xCC] => (
            trailer_hash(*id)
                .ok_or(AaRejection::UnknownTrailer(u16::from_be_bytes([*id, 0xCC])))?,
            2,
        ),
        [.., a, b] => return Err(AaRejection::UnknownTrailer(u16::from_be_bytes([*a, *b]))),
        _ => return Err(AaRejection::Malformed("block shorter than a trailer")),
    };
    let h_len = hash.output_len();
    // Header: 6A (no padding) or 6B BB … BA (padding ending in BA).
    let start = match block.first() {
        Some(0x6A) => 1usize,
        Some(0x6B) => {
            let pad_end = block
                .iter()
                .skip(1)
                .position(|&b| b != 0xBB)
                .ok_or(AaRejection::Malformed("padding runs to the end"))?;
            let at = pad_end
                .checked_add(1)
                .ok_or(AaRejection::Malformed("padding"))?;
            if block.get(at) != Some(&0xBA) {
                return Err(AaRejection::Malformed("padding does not end in BA"));
            }
            at.checked_add(1).ok_or(AaRejection::Malformed("padding"))?
        }
        Some(other) => return Err(AaRejection::BadHeader(*other)),
        None => return Err(AaRejection::Malformed("empty block")),
    };
    let digest_start = k
        .checked_sub(trailer_len)
        .and_then(|x| x.checked_sub(h_len))
        .filter(|&d| d >= start)
        .ok_or(AaRejection::Malformed("block too short for the hash"))?;
    let m1 = block
        .get(start..digest_start)
        .ok_or(AaRejection::Malformed("no room for M1"))?;
    let digest = block
        .get(digest_start..digest_start.saturating_add(h_len))
        .ok_or(AaRejection::Malformed("no room for the digest"))?;
    let mut message = Vec::with_capacity(m1.len().saturating_add(challenge.len()));
    message.extend_from_slice(m1);
    message.extend_from_slice(challenge);
    let expected = hash.digest(&message);
    if bool::from(expected.as_slice().ct_eq(digest)) {
        Ok(AaMechanism::Rsa9796 {
            hash,
            bits: k.saturating_mul(8),
        })
    } else {
        Err(AaRejection::DigestMismatch)
    }
}

/// A big integer as exactly `k` big-endian bytes (it must fit).
fn to_block(j: &BoxedUint, k: usize) -> Result<Vec<u8>, AaRejection> {
    let bytes = j.to_be_bytes();
    let cut = bytes
        .len()
        .checked_sub(k)
        .ok_or(AaRejection::Malformed("block shorter than the modulus"))?;
    let (high, low) = bytes.split_at(cut);
    if high.iter().any(|&b| b != 0) {
        return Err(AaRejection::OutOfRange);
    }
    Ok(low.to_vec())
}

fn verify_ecdsa(
    key: &PublicKey,
    hash: HashAlgorithm,
    challenge: &[u8],
    sig: &[u8],
) -> Result<AaMechanism, AaRejection> {
    let expected = key.bits().div_ceil(8).saturating_mul(2);
    if sig.len() != expected {
        return Err(AaRejection::WrongLength {
            got: sig.len(),
            expected,
        });
    }
    signature::verify(key, &SignatureAlgorithm::EcdsaPlain(hash), challenge, sig)
        .map_err(AaRejection::Ecdsa)?;
    Ok(AaMechanism::Ecdsa { hash })
}

/// INTERNAL AUTHENTICATE with `challenge` (`00 88 00 00 08 RND.IFD 00`, Le = 256, or extended
/// Le for signatures beyond 256 bytes).
pub fn internal_authenticate(challenge: &[u8], expected_len: usize) -> Command {
    let le = if expected_len > 256 {
        MAX_SIGNATURE_LEN.max(expected_len)
    } else {
        256
    };
    Command::new(0x00, ins::INTERNAL_AUTHENTICATE, 0x00, 0x00)
        .with_data(challenge.to_vec())
        .with_le(le)
}

/// Runs Active Authentication through `exchange`, which sends a command protected by the
/// session's secure messaging and returns the unwrapped answer: draws RND.IFD from `rng`,
/// sends INTERNAL AUTHENTICATE, verifies the answer.
///
/// The outer error is the channel's own (link or secure messaging failed: the session is
/// over); the inner result is Active Authentication's: verified, rejected, or refused.
pub fn authenticate_over<E>(
    exchange: impl FnOnce(&Command) -> Result<crate::apdu::Response, E>,
    key: &AaKey,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Result<ActiveAuthOutcome, AaError>, E> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    rng.fill_bytes(&mut challenge);
    let expected = match key.public_key() {
        PublicKey::Rsa(k) => k.size(),
        other => other.bits().div_ceil(8).saturating_mul(2),
    };
    let answer = exchange(&internal_authenticate(&challenge, expected))?;
    if answer.sw != StatusWord::SUCCESS {
        return Ok(Err(AaError::Refused(answer.sw)));
    }
    Ok(Ok(key.verify(&challenge, &answer.data)))
}

/// Runs Active Authentication over an established secure channel: [`authenticate_over`] with
/// the command protected by `sm` and sent through `link`.
pub fn authenticate<T: Transport + ?Sized>(
    link: &mut T,
    sm: &mut SecureChannel,
    key: &AaKey,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<ActiveAuthOutcome, AaError> {
    let exchange = |cmd: &Command| {
        let protected = sm.wrap(cmd).map_err(AaError::SecureMessaging)?;
        let answer = link
            .exchange(&protected)
            .map_err(|e| AaError::Transport(e.to_string()))?;
        sm.unwrap(&answer).map_err(AaError::SecureMessaging)
    };
    authenticate_over(exchange, key, rng)?
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
