//! Reading an eMRTD chip: the session as types, access control, and every LDS file read in as
//! few APDUs as the link allows, into a [`ChipDump`].
//!
//! ```text
//! Unauthenticated ──read_card_access──► (EF.CardAccess from the MF, kept raw)
//!        │ select_application                      │ authenticate_pace (establish_at_master_file)
//!        ▼                                         ▼
//! ApplicationSelected ──authenticate_bac──► Secured ──read_file / read_all──► ChipDump
//! ```
//!
//! [`Unauthenticated::authenticate`] chooses: PACE when EF.CardAccess offers it, BAC only when
//! it does not (see [`Access`]).
//!
//! [`read_document`] runs the whole flow; the states are public for callers that want more
//! (active or chip authentication after the read, say).
//!
//! ```
//! use bankid_activation::emulator::{AccessMode, EmulatedChip, EmulatorConfig};
//! use bankid_activation::reader::{self, Credentials, ReadOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::path::Path::new("fixtures/dumps/td3-rsa2048");
//! // A software chip offering PACE (Generic Mapping, brainpoolP256r1, AES-128), CAN 123456.
//! let params = "pace:gm:brainpoolP256r1:aes128".parse()?;
//! let config = EmulatorConfig::default().with_access(AccessMode::Pace(params));
//! let chip = EmulatedChip::from_dir(dir, config)?;
//! let credentials = Credentials::from_can("123456")?;
//! let dump = reader::read_document(
//!     chip.into_transport(),
//!     &credentials,
//!     &ReadOptions::default(),
//!     &mut |p| eprintln!("{} {}/{}", p.file, p.read, p.total),
//! )?;
//! assert_eq!(dump.access_used().to_string(), "PACE");
//! assert_eq!(dump.pace_params(), Some(params));
//! assert_eq!(dump.dg1_mrz().ok_or("no DG1")?[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
//! assert_eq!(dump.files().len(), 10);
//! // EF.CardAccess 2, MSE:Set AT 1, GENERAL AUTHENTICATE 4, SELECT 1, 9 files × 2,
//! // 1 INTERNAL AUTHENTICATE (active authentication: DG15 is present).
//! assert_eq!(dump.apdu_count(), 27);
//! assert!(dump.active_authentication().is_some_and(|aa| aa.is_verified()));
//! # Ok(())
//! # }
//! ```
//!
//! Reads follow ICAO 9303 Part 10 §3.6: the first READ BINARY asks for [`HEADER_READ_LEN`]
//! bytes to learn the file length from its TLV header, the rest comes in the largest pieces that
//! fit: extended length when the transport reports it (odd INS `B1` with DO'54' beyond offset
//! 7FFF), otherwise the largest short read that fits secure messaging overhead (231 bytes for
//! 3DES, 223 for AES). A 6700 or 6Cxx steps the size down, and the smaller size is kept for
//! the rest of the session.

mod aa;
mod binary;
mod credentials;
mod dump;
mod error;
mod file;
mod session;

pub use aa::ActiveAuthentication;
pub use binary::{FileAccess, FileOutcome, HEADER_READ_LEN, MAX_FILE_LEN, Progress, Unreadable};
pub use credentials::{Access, Credentials};
pub use dump::{ChipDump, dg1_mrz_lines};
pub use error::{Fault, ReadError};
pub use file::{ComError, LdsFile, data_groups_in_com};
pub use session::{ApplicationSelected, Secured, Unauthenticated};

use rand_core::{CryptoRng, UnwrapErr};

use crate::transport::Transport;

/// The eMRTD application identifier (ICAO 9303 Part 10 §3.6.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// How to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Which access protocol to run.
    pub access: Access,
    /// SFI reads (default) or SELECT + READ BINARY.
    pub file_access: FileAccess,
    /// Use extended-length reads when the transport supports them (default on).
    pub extended_length: bool,
    /// An upper bound on the plain bytes per READ BINARY, below what the link allows.
    pub max_read: Option<usize>,
    /// Run Active Authentication after the read when the chip has DG15 (default on), and
    /// record the outcome in [`ChipDump::active_authentication`].
    pub active_authentication: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            access: Access::Auto,
            file_access: FileAccess::ShortFileId,
            extended_length: true,
            max_read: None,
            active_authentication: true,
        }
    }
}

impl ReadOptions {
    /// Sets the access protocol.
    pub fn with_access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }
    /// Sets how files are addressed.
    pub fn with_file_access(mut self, file_access: FileAccess) -> Self {
        self.file_access = file_access;
        self
    }
    /// Allows or forbids extended-length reads.
    pub fn with_extended_length(mut self, extended_length: bool) -> Self {
        self.extended_length = extended_length;
        self
    }
    /// Turns Active Authentication after the read on or off.
    pub fn with_active_authentication(mut self, on: bool) -> Self {
        self.active_authentication = on;
        self
    }
    /// Caps the plain bytes per READ BINARY.
    pub fn with_max_read(mut self, max_read: usize) -> Self {
        self.max_read = Some(max_read);
        self
    }
}

/// Reads a whole document: EF.CardAccess (if any), access control, EF.COM, every data group it
/// lists, EF.SOD, then Active Authentication when the chip has DG15 and
/// [`ReadOptions::active_authentication`] is on (the outcome is in
/// [`ChipDump::active_authentication`]). Nonces come from the operating system's random source.
///
/// `progress` is called with (file, bytes read, total) after every READ BINARY.
pub fn read_document<T: Transport>(
    transport: T,
    credentials: &Credentials,
    options: &ReadOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ChipDump, ReadError> {
    // Probe the system source so its failure is an error here, not a panic in a nonce draw.
    let mut probe = [0u8; 8];
    getrandom::fill(&mut probe).map_err(|e| ReadError::Randomness(e.to_string()))?;
    let mut rng = UnwrapErr(getrandom::SysRng);
    read_document_with_rng(transport, credentials, options, &mut rng, progress)
}

/// [`read_document`] with the terminal's nonces drawn from `rng`.
pub fn read_document_with_rng<T: Transport>(
    transport: T,
    credentials: &Credentials,
    options: &ReadOptions,
    rng: &mut impl CryptoRng,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ChipDump, ReadError> {
    let mut session = Unauthenticated::with_options(transport, *options);
    session.read_card_access_with_progress(progress)?;
    let mut secured = session.authenticate(credentials, rng)?;
    let mut dump = secured.read_all(progress)?;
    if options.active_authentication {
        secured.record_active_authentication(&mut dump, rng)?;
    }
    Ok(dump)
}
