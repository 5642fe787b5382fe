//! A software eMRTD chip that serves a chip dump, for tests and demos without hardware.
//!
//! [`files`] holds the LDS file system (a dump directory, SELECT and READ BINARY with ISO/IEC
//! 7816-4 status words); [`chip`] puts it behind BAC or PACE and secure messaging as an
//! [`EmulatedChip`], with knobs for extended length, the response buffer and fault injection.
//! Through [`EmulatedChip::into_transport`] (or [`crate::transport::InMemory`]) the reader talks
//! to it exactly as to a real chip.

pub mod aa;
pub mod chip;
pub mod files;
pub mod vpcd;

pub use chip::{
    AccessMode, DEFAULT_CHIP_CAN, EmulatedChip, EmulatorConfig, EmulatorError, EmulatorTransport,
    Faults,
};
pub use files::{EMRTD_AID, FileService, FileSystem, FileSystemError, LdsFile, MAX_FILE_SIZE};
