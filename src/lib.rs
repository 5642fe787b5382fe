#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used)]

pub mod access;
pub mod activation;
pub mod apdu;
pub mod crypto;
pub mod emulator;
pub mod lds;
pub mod mrz;
pub mod ocr;
pub mod reader;
pub mod sm;
pub mod tlv;
pub mod transport;
pub mod verify;
