#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used)]

pub mod apdu;
pub mod crypto;
pub mod mrz;
pub mod ocr;
pub mod transport;
