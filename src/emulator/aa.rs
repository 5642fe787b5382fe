//! Active Authentication, chip side (ICAO 9303 Part 11 §6.1): the software chip answers
//! INTERNAL AUTHENTICATE by signing RND.IFD with the key behind DG15 (`AA.key.pem` of a dump).
//!
//! RSA keys sign with ISO/IEC 9796-2 digital signature scheme 1, partial recovery, SHA-1 and
//! trailer `BC`: the block `6A ‖ M1 ‖ SHA-1(M1 ‖ RND.IFD) ‖ BC` with a random M1 filling the
//! modulus, raised to the private exponent. EC keys (P-256, P-384; the brainpool curves are
//! not wired up here) sign RND.IFD with plain ECDSA (`r ‖ s`, BSI TR-03111) and the hash named in
//! DG14's ActiveAuthenticationInfo (SHA-256 without one). A chip without a key answers 6D00
//! (INS not supported), as a chip without Active Authentication does.

use std::path::Path;

use rand_core::CryptoRng;
use rsa::BoxedUint;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::apdu::{Command, Response, StatusWord};
use crate::crypto::signature::{HashAlgorithm, SignatureAlgorithm};

/// The file of a dump directory that holds the Active Authentication private key.
pub const AA_KEY_FILE: &str = "AA.key.pem";

/// Errors loading the chip's Active Authentication key.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AaKeyError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The PEM or the key inside does not decode, or is not an RSA key.
    #[error("{path}: {what}")]
    Key {
        /// The file.
        path: String,
        /// What is wrong.
        what: String,
    },
}

/// The private key itself; every variant zeroizes on drop (the `rsa` and `ecdsa` keys do).
enum Key {
    Rsa(rsa::PrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

/// The chip's Active Authentication private key. Its `Debug` prints no key material.
pub struct AaSigner {
    key: Key,
    ecdsa_hash: HashAlgorithm,
}

impl std::fmt::Debug for AaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.key {
            Key::Rsa(_) => "RSA",
            Key::P256(_) => "P-256",
            Key::P384(_) => "P-384",
        };
        f.debug_struct("AaSigner")
            .field("kind", &kind)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// An EC private key in SEC1 (`EC PRIVATE KEY`) or PKCS#8 DER, on the first curve it fits.
fn ec_key(label: &str, der: &[u8]) -> Option<Key> {
    use p256::pkcs8::DecodePrivateKey as _;
    macro_rules! try_curve {
        ($secret:ty, $variant:ident) => {
            let sk = if label == "EC PRIVATE KEY" {
                <$secret>::from_sec1_der(der).ok()
            } else {
                <$secret>::from_pkcs8_der(der).ok()
            };
            if let Some(sk) = sk {
                return Some(Key::$variant(ecdsa::SigningKey::from(&sk)));
            }
        };
    }
    try_curve!(p256::SecretKey, P256);
    try_curve!(p384::SecretKey, P384);
    None
}

/// The hash DG14's ActiveAuthenticationInfo names, if any.
fn dg14_aa_hash(dg14: &[u8]) -> Option<HashAlgorithm> {
    let dg14 = crate::lds::keys::Dg14::parse(dg14).ok()?;
    dg14.security_infos.iter().find_map(|i| match i {
        crate::lds::security_info::SecurityInfo::ActiveAuthentication {
            signature_algorithm,
            ..
        } => SignatureAlgorithm::from_identifier(signature_algorithm, None, None)
            .ok()
            .map(|a| a.hash()),
        _ => None,
    })
}

/// ISO/IEC 9796-2 scheme 1 over `challenge` (partial recovery, SHA-1, trailer `BC`).
fn sign_iso9796_2(
    key: &rsa::PrivateKey,
    challenge: &[u8],
    rng: &mut (impl CryptoRng + ?Sized),
) -> Option<Vec<u8>> {
    let k = key.size();
    let hash = HashAlgorithm::Sha1;
    let m1_len = k.checked_sub(hash.output_len().checked_add(2)?)?;
    let m1_end = 1usize.checked_add(m1_len)?;
    let mut block = Zeroizing::new(vec![0u8; k]);
    *block.first_mut()? = 0x6A;
    rng.fill_bytes(block.get_mut(1..m1_end)?);
    let mut message = Vec::with_capacity(m1_len.saturating_add(challenge.len()));
    message.extend_from_slice(block.get(1..m1_end)?);
    message.extend_from_slice(challenge);
    let digest = hash.digest(&message);
    let slot = block.get_mut(m1_end..k.checked_sub(1)?)?;
    if slot.len() != digest.len() {
        return None;
    }
    slot.copy_from_slice(&digest);
    *block.last_mut()? = 0xBC;
    let n = key.n().as_ref();
    let f = BoxedUint::from_be_slice(&block, n.bits_precision()).ok()?;
    let s = rsa::hazmat::rsa_decrypt_and_check(
        key,
        None::<&mut rand_core::UnwrapErr<getrandom::SysRng>>,
        &f,
    )
    .ok()?;
    let bytes = s.to_be_bytes();
    let cut = bytes.len().checked_sub(k)?;
    bytes.get(cut..).map(<[u8]>::to_vec)
}

impl AaSigner {
    /// From a PEM private key: PKCS#8 `PRIVATE KEY` (RSA or EC), PKCS#1 `RSA PRIVATE KEY`, or
    /// SEC1 `EC PRIVATE KEY`. ECDSA signs with SHA-256 until [`AaSigner::with_ecdsa_hash`].
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let (label, der) =
            der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| format!("PEM: {e}"))?;
        let der = Zeroizing::new(der);
        let key = match label {
            "PRIVATE KEY" => match rsa::PrivateKey::from_pkcs8_der(&der) {
                Ok(k) => Key::Rsa(k),
                Err(e) => ec_key(label, &der).ok_or_else(|| {
                    format!("PKCS#8 key neither RSA ({e}) nor on a supported curve")
                })?,
            },
            "RSA PRIVATE KEY" => Key::Rsa(
                rsa::PrivateKey::from_pkcs1_der(&der)
                    .map_err(|e| format!("PKCS#1 RSA key: {e}"))?,
            ),
            "EC PRIVATE KEY" => ec_key(label, &der).ok_or("SEC1 EC key on no supported curve")?,
            other => return Err(format!("PEM label {other:?} is not a private key")),
        };
        if let Key::Rsa(k) = &key
            && k.size() < 64
        {
            return Err("RSA modulus below 512 bits".into());
        }
        Ok(AaSigner {
            key,
            ecdsa_hash: HashAlgorithm::Sha256,
        })
    }

    /// Sets the hash of ECDSA signatures (what DG14's ActiveAuthenticationInfo names).
    pub fn with_ecdsa_hash(mut self, hash: HashAlgorithm) -> Self {
        self.ecdsa_hash = hash;
        self
    }

    /// `dir/AA.key.pem` if present (`Ok(None)` when the dump has none); ECDSA uses the hash of
    /// `dir/DG14.bin`'s ActiveAuthenticationInfo.
    pub fn load_dir(dir: &Path) -> Result<Option<Self>, AaKeyError> {
        let path = dir.join(AA_KEY_FILE);
        let shown = path.display().to_string();
        let pem = match std::fs::read_to_string(&path) {
            Ok(pem) => Zeroizing::new(pem),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(AaKeyError::Io {
                    path: shown,
                    source,
                });
            }
        };
        let signer = Self::from_pem(&pem).map_err(|what| AaKeyError::Key { path: shown, what })?;
        let hash = std::fs::read(dir.join("DG14.bin"))
            .ok()
            .and_then(|dg14| dg14_aa_hash(&dg14));
        Ok(Some(match hash {
            Some(h) => signer.with_ecdsa_hash(h),
            None => signer,
        }))
    }

    /// The signature over `challenge`: ISO/IEC 9796-2 scheme 1 (RSA) or plain ECDSA (EC).
    pub fn sign(&self, challenge: &[u8], rng: &mut (impl CryptoRng + ?Sized)) -> Option<Vec<u8>> {
        use ecdsa::signature::hazmat::PrehashSigner;
        let prehash = || self.ecdsa_hash.digest(challenge);
        macro_rules! ec {
            ($sk:expr, $sig:ty) => {{
                let sig: $sig = $sk.sign_prehash(&prehash()).ok()?;
                Some(sig.to_bytes().to_vec())
            }};
        }
        match &self.key {
            Key::Rsa(key) => sign_iso9796_2(key, challenge, rng),
            Key::P256(sk) => ec!(sk, p256::ecdsa::Signature),
            Key::P384(sk) => ec!(sk, p384::ecdsa::Signature),
        }
    }

    /// Answers INTERNAL AUTHENTICATE (already unwrapped from secure messaging). `corrupt`
    /// flips one bit of the signature (fault injection).
    pub fn answer(
        &self,
        cmd: &Command,
        corrupt: bool,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Response {
        if (cmd.p1, cmd.p2) != (0, 0) {
            return Response::status(StatusWord::INCORRECT_P1P2);
        }
        if cmd.data.len() != crate::access::aa::CHALLENGE_LEN {
            return Response::status(StatusWord::WRONG_LENGTH);
        }
        match self.sign(&cmd.data, rng) {
            Some(mut sig) => {
                let mid = sig.len() / 2;
                if corrupt && let Some(byte) = sig.get_mut(mid) {
                    *byte ^= 0x01;
                }
                Response::new(sig, StatusWord::SUCCESS)
            }
            None => Response::status(StatusWord::NO_PRECISE_DIAGNOSIS),
        }
    }
}

/// What a chip without an Active Authentication key answers to INTERNAL AUTHENTICATE.
pub fn unsupported() -> Response {
    Response::status(StatusWord::INS_NOT_SUPPORTED)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
