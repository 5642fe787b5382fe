//! A device to bind: its identifier and public key (PEM SubjectPublicKeyInfo), validated, with its
//! SHA-256 fingerprint over the DER SubjectPublicKeyInfo (as in RFC 7469 pins).

use core::fmt;
use std::path::Path;

use der::Decode;
use der::asn1::ObjectIdentifier;
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoRef;

/// Largest key file read.
pub const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Why a device could not be accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The device identifier is empty, too long or has characters outside printable ASCII.
    #[error("device id must be 1-128 printable ASCII characters without spaces")]
    InvalidId,
    /// The key file could not be read.
    #[error("reading key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The key file is too large to be a public key.
    #[error("key file is {len} bytes, more than {MAX_KEY_FILE_LEN}")]
    TooLarge {
        /// Its size.
        len: u64,
    },
    /// Not PEM, or not a `PUBLIC KEY` PEM block.
    #[error("not a PEM public key: {0}")]
    NotPem(String),
    /// The DER is not a SubjectPublicKeyInfo.
    #[error("malformed SubjectPublicKeyInfo: {0}")]
    Malformed(String),
    /// A key type or curve we do not bind.
    #[error("unsupported device key: {0} (accepted: EC P-256, EC P-384, RSA 2048-8192)")]
    Unsupported(String),
    /// The key material is invalid (e.g. an EC point not on the curve).
    #[error("invalid public key: {0}")]
    InvalidKey(String),
}

/// The accepted key kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceKeyKind {
    /// ECDSA on P-256 (the Secure Enclave / Android Keystore default).
    EcP256,
    /// ECDSA on P-384.
    EcP384,
    /// RSA, with its modulus size in bits.
    Rsa(usize),
}

impl fmt::Display for DeviceKeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceKeyKind::EcP256 => f.write_str("EC P-256"),
            DeviceKeyKind::EcP384 => f.write_str("EC P-384"),
            DeviceKeyKind::Rsa(bits) => write!(f, "RSA-{bits}"),
        }
    }
}

/// A device with a validated public key.
#[derive(Clone, PartialEq, Eq)]
pub struct Device {
    id: String,
    spki_der: Vec<u8>,
    fingerprint: [u8; 32],
    kind: DeviceKeyKind,
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("fingerprint", &self.fingerprint_hex())
            .finish()
    }
}

/// Whether `id` is an accepted device identifier.
pub fn is_valid_device_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

fn check_key(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<DeviceKeyKind, DeviceError> {
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| DeviceError::Malformed("key bit string has unused bits".into()))?;
    match spki.algorithm.oid {
        ID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .ok_or_else(|| DeviceError::Malformed("EC key without a curve".into()))?
                .decode_as::<ObjectIdentifier>()
                .map_err(|e| {
                    DeviceError::Unsupported(format!("EC key without a named curve ({e})"))
                })?;
            match curve {
                SECP256R1 => p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(|_| DeviceKeyKind::EcP256)
                    .map_err(|_| DeviceError::InvalidKey("not a point on P-256".into())),
                SECP384R1 => p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(|_| DeviceKeyKind::EcP384)
                    .map_err(|_| DeviceError::InvalidKey("not a point on P-384".into())),
                other => Err(DeviceError::Unsupported(format!("EC curve {other}"))),
            }
        }
        RSA_ENCRYPTION => {
            let der =
                der::Encode::to_der(spki).map_err(|e| DeviceError::Malformed(e.to_string()))?;
            match crate::crypto::signature::PublicKey::from_spki_der(&der) {
                Ok(k) if (2048..=8192).contains(&k.bits()) => Ok(DeviceKeyKind::Rsa(k.bits())),
                Ok(k) => Err(DeviceError::Unsupported(format!("RSA-{}", k.bits()))),
                Err(e) => Err(DeviceError::InvalidKey(e.to_string())),
            }
        }
        other => Err(DeviceError::Unsupported(format!("key algorithm {other}"))),
    }
}

impl Device {
    /// A device from its identifier and a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(id: &str, der: &[u8]) -> Result<Device, DeviceError> {
        if !is_valid_device_id(id) {
            return Err(DeviceError::InvalidId);
        }
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| DeviceError::Malformed(e.to_string()))?;
        let kind = check_key(&spki)?;
        Ok(Device {
            id: id.to_string(),
            spki_der: der.to_vec(),
            fingerprint: Sha256::digest(der).into(),
            kind,
        })
    }

    /// A device from its identifier and a PEM `PUBLIC KEY` block (SubjectPublicKeyInfo).
    pub fn from_pem(id: &str, pem: &str) -> Result<Device, DeviceError> {
        if !is_valid_device_id(id) {
            return Err(DeviceError::InvalidId);
        }
        let (label, der) = der::pem::decode_vec(pem.trim().as_bytes())
            .map_err(|e| DeviceError::NotPem(e.to_string()))?;
        if label != "PUBLIC KEY" {
            return Err(DeviceError::NotPem(format!(
                "PEM label is {:?}, expected \"PUBLIC KEY\"",
                label.chars().take(40).collect::<String>()
            )));
        }
        Device::from_spki_der(id, &der)
    }

    /// A device from its identifier and a PEM key file (at most [`MAX_KEY_FILE_LEN`] bytes).
    pub fn from_pem_file(id: &str, path: impl AsRef<Path>) -> Result<Device, DeviceError> {
        let path = path.as_ref();
        let io = |source| DeviceError::Io {
            path: path.display().to_string(),
            source,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_KEY_FILE_LEN {
            return Err(DeviceError::TooLarge { len });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| DeviceError::NotPem("the file is not text".into()))?;
        Device::from_pem(id, text)
    }

    /// The device identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The fingerprint in lower-case hex.
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint)
    }

    /// The key kind.
    pub fn kind(&self) -> DeviceKeyKind {
        self.kind
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
