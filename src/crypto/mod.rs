//! Cryptography for eMRTD access and verification: key derivation (ICAO 9303 Part 11 §9.7),
//! block ciphers and MACs for secure messaging, key agreement, signatures.

pub mod kdf;
pub mod keys;

pub use kdf::{KdfError, KeyPurpose};
pub use keys::{BacKeys, CipherSuite, PaceKey, PasswordKind, SessionKeys};
