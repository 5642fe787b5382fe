//! Cryptography for eMRTD access and verification: key derivation (ICAO 9303 Part 11 §9.7),
//! block ciphers and MACs for secure messaging, key agreement, signatures.

pub mod cipher;
pub mod kdf;
pub mod keys;
pub mod mac;
pub mod signature;

pub use cipher::CipherError;
pub use kdf::{KdfError, KeyPurpose};
pub use keys::{BacKeys, CipherSuite, PaceKey, PasswordKind, SessionKeys};
