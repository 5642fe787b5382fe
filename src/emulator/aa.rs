//! Active Authentication, chip side (ICAO 9303 Part 11 §6.1): the software chip answers
//! INTERNAL AUTHENTICATE by signing RND.IFD with the key behind DG15 (`AA.key.pem` of a dump).
//!
//! RSA keys sign with ISO/IEC 9796-2 digital signature scheme 1, partial recovery, SHA-1 and
//! trailer `BC`: the block `6A ‖ M1 ‖ SHA-1(M1 ‖ RND.IFD) ‖ BC` with a random M1 filling the
//! modulus, raised to the private exponent. A chip without a key answers 6D00 (INS not
//! supported), as a chip without Active Authentication does.

use std::path::Path;

use rand_core::CryptoRng;
use rsa::BoxedUint;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::apdu::{Command, Response, StatusWord};
use crate::crypto::signature::HashAlgorithm;

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

/// The chip's Active Authentication private key. Its `Debug` prints no key material; the
/// `rsa` key zeroizes itself on drop.
pub struct AaSigner {
    key: rsa::PrivateKey,
}

impl std::fmt::Debug for AaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AaSigner")
            .field("key", &"<redacted>")
            .field("bits", &self.key.size().saturating_mul(8))
            .finish()
    }
}

impl AaSigner {
    /// From a PEM private key: PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let (label, der) =
            der::pem::decode_vec(pem.trim().as_bytes()).map_err(|e| format!("PEM: {e}"))?;
        let der = Zeroizing::new(der);
        let key =
            match label {
                "PRIVATE KEY" => rsa::PrivateKey::from_pkcs8_der(&der)
                    .map_err(|e| format!("PKCS#8 RSA key: {e}"))?,
                "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&der)
                    .map_err(|e| format!("PKCS#1 RSA key: {e}"))?,
                other => return Err(format!("PEM label {other:?} is not an RSA private key")),
            };
        if key.size() < 64 {
            return Err("RSA modulus below 512 bits".into());
        }
        Ok(AaSigner { key })
    }

    /// `dir/AA.key.pem` if present (`Ok(None)` when the dump has none).
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
        Self::from_pem(&pem)
            .map(Some)
            .map_err(|what| AaKeyError::Key { path: shown, what })
    }

    /// The ISO/IEC 9796-2 scheme 1 signature over `challenge` (partial recovery, SHA-1, `BC`).
    pub fn sign(&self, challenge: &[u8], rng: &mut (impl CryptoRng + ?Sized)) -> Option<Vec<u8>> {
        let k = self.key.size();
        let hash = HashAlgorithm::Sha1;
        let m1_len = k.checked_sub(hash.output_len().checked_add(2)?)?;
        let mut block = Zeroizing::new(vec![0u8; k]);
        *block.first_mut()? = 0x6A;
        rng.fill_bytes(block.get_mut(1..1usize.checked_add(m1_len)?)?);
        let mut message = Vec::with_capacity(m1_len.saturating_add(challenge.len()));
        message.extend_from_slice(block.get(1..1usize.checked_add(m1_len)?)?);
        message.extend_from_slice(challenge);
        let digest = hash.digest(&message);
        block
            .get_mut(1usize.checked_add(m1_len)?..k.checked_sub(1)?)?
            .copy_from_slice(&digest);
        *block.last_mut()? = 0xBC;
        let n = self.key.n().as_ref();
        let f = BoxedUint::from_be_slice(&block, n.bits_precision()).ok()?;
        let s = rsa::hazmat::rsa_decrypt_and_check(
            &self.key,
            None::<&mut rand_core::UnwrapErr<getrandom::SysRng>>,
            &f,
        )
        .ok()?;
        let bytes = s.to_be_bytes();
        let cut = bytes.len().checked_sub(k)?;
        bytes.get(cut..).map(<[u8]>::to_vec)
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
