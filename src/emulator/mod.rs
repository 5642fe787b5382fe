//! A software eMRTD chip that serves a chip dump, for tests and demos without hardware.
//!
//! So far it holds the LDS file system ([`files`]): loading a dump directory and answering
//! SELECT and READ BINARY over plain APDUs. Access control protocols and secure messaging
//! wrap it later; through [`crate::transport::InMemory`] it is reached like a real chip.

pub mod files;
pub mod vpcd;

pub use files::{EMRTD_AID, FileService, FileSystem, FileSystemError, LdsFile, MAX_FILE_SIZE};
