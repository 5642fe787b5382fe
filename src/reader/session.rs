//! The chip session as types (rustls style): [`Unauthenticated`] (master file, EF.CardAccess) →
//! [`ApplicationSelected`] (eMRTD application, for BAC) → [`Secured`] (secure messaging, files).
//!
//! Each step consumes the previous state, so reading a file before access control, or running
//! BAC twice, does not compile. The right order:
//!
//! ```
//! use bankid_activation::crypto::keys::BacKeys;
//! use bankid_activation::reader::{ChipDump, ReadError, Unauthenticated};
//! use bankid_activation::transport::Transport;
//!
//! fn read<T: Transport>(t: T, keys: &BacKeys, rng: &mut impl rand_core::CryptoRng)
//!     -> Result<ChipDump, ReadError> {
//!     let mut session = Unauthenticated::new(t);
//!     session.read_card_access()?;
//!     let mut secured = session.select_application()?.authenticate_bac(keys, rng)?;
//!     secured.read_all(&mut |_| {})
//! }
//! ```
//!
//! and the same with the file read before BAC, which is refused by the compiler:
//!
//! ```compile_fail,E0599
//! use bankid_activation::crypto::keys::BacKeys;
//! use bankid_activation::reader::{ChipDump, ReadError, Unauthenticated};
//! use bankid_activation::transport::Transport;
//!
//! fn read<T: Transport>(t: T, keys: &BacKeys, rng: &mut impl rand_core::CryptoRng)
//!     -> Result<ChipDump, ReadError> {
//!     let mut session = Unauthenticated::new(t);
//!     session.read_card_access()?;
//!     let mut selected = session.select_application()?;
//!     selected.read_all(&mut |_| {})
//! }
//! ```

use rand_core::CryptoRng;

use super::binary::{self, Channel, FileAccess, FileOutcome, Progress, Read, Sizing, Unreadable};
use super::{
    ChipDump, Credentials, EMRTD_AID, LdsFile, ReadError, ReadOptions, data_groups_in_com,
};
use crate::access::pace::{self, PaceParams};
use crate::access::{AccessError, AccessProtocol, bac};
use crate::apdu::{Command, StatusWord};
use crate::crypto::keys::BacKeys;
use crate::sm::SecureChannel;
use crate::transport::{Capabilities, StatusWordHandling, Transport, TransportError};

use super::Access;

/// SELECT MF: `00 A4 00 0C 02 3F00` (ISO/IEC 7816-4 §11.1.1).
fn select_master_file() -> Command {
    Command::new(0x00, 0xA4, 0x00, 0x0C).with_data([0x3F, 0x00])
}

/// A transport that counts the APDUs it carries (GET RESPONSE and re-sends included).
#[derive(Debug)]
pub(crate) struct Counted<T> {
    inner: T,
    count: u64,
}

impl<T: Transport> Transport for Counted<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.count = self.count.saturating_add(1);
        self.inner.transmit(command)
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
}

/// The link with 61xx/6Cxx handled and APDUs counted.
type Link<T> = StatusWordHandling<Counted<T>>;

/// What every state carries.
struct Core<T> {
    link: Link<T>,
    options: ReadOptions,
    card_access: Option<Vec<u8>>,
    card_access_tried: bool,
    unreadable: Vec<(LdsFile, Unreadable)>,
    pace: Option<PaceParams>,
}

impl<T: Transport> Core<T> {
    fn apdu_count(&self) -> u64 {
        self.link.inner().count
    }

    fn plain(&mut self) -> Channel<'_, Link<T>> {
        Channel {
            link: &mut self.link,
            sm: None,
        }
    }
}

/// A fresh session: the chip is powered, the master file is current, nothing is authenticated.
pub struct Unauthenticated<T> {
    core: Core<T>,
}

/// The eMRTD application is selected; BAC comes next.
pub struct ApplicationSelected<T> {
    core: Core<T>,
}

/// Access control succeeded: every command goes through secure messaging.
pub struct Secured<T> {
    core: Core<T>,
    sm: SecureChannel,
    sizing: Sizing,
    protocol: AccessProtocol,
    file_access: FileAccess,
}

impl<T> std::fmt::Debug for Unauthenticated<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unauthenticated").finish_non_exhaustive()
    }
}
impl<T> std::fmt::Debug for ApplicationSelected<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationSelected")
            .finish_non_exhaustive()
    }
}
impl<T> std::fmt::Debug for Secured<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secured")
            .field("protocol", &self.protocol)
            .field("sm", &self.sm)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Unauthenticated<T> {
    /// A session over `transport` with the default [`ReadOptions`].
    pub fn new(transport: T) -> Self {
        Self::with_options(transport, ReadOptions::default())
    }

    /// A session over `transport`. The transport may be `&mut` to a longer-lived one, so a
    /// failed attempt (e.g. a wrong MRZ) can be followed by a new session on the same link.
    pub fn with_options(transport: T, options: ReadOptions) -> Self {
        let counted = Counted {
            inner: transport,
            count: 0,
        };
        Unauthenticated {
            core: Core {
                link: StatusWordHandling::new(counted),
                options,
                card_access: None,
                card_access_tried: false,
                unreadable: Vec::new(),
                pace: None,
            },
        }
    }

    /// Reads EF.CardAccess from the master file (once; later calls return what was read):
    /// READ BINARY by SFI 1C first, then SELECT MF + SELECT EF 011C + READ BINARY. A missing or
    /// refused EF.CardAccess is `None` (BAC-only chips have none); only a link failure is an
    /// error.
    pub fn read_card_access(&mut self) -> Result<Option<&[u8]>, ReadError> {
        self.read_card_access_with_progress(&mut |_| {})
    }

    /// [`Unauthenticated::read_card_access`] reporting progress.
    pub fn read_card_access_with_progress(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Option<&[u8]>, ReadError> {
        if !self.core.card_access_tried {
            self.core.card_access_tried = true;
            let outcome = self.try_card_access(progress)?;
            match outcome {
                FileOutcome::Read(bytes) => self.core.card_access = Some(bytes),
                FileOutcome::Unreadable(why) => {
                    self.core.unreadable.push((LdsFile::CardAccess, why));
                }
            }
        }
        Ok(self.core.card_access.as_deref())
    }

    fn try_card_access(
        &mut self,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<FileOutcome, ReadError> {
        let caps = self.core.link.capabilities();
        let mut sizing = Sizing::new(caps, None, self.core.options.extended_length);
        let first = tolerant(
            binary::read_file(
                &mut self.core.plain(),
                &mut sizing,
                LdsFile::CardAccess,
                FileAccess::ShortFileId,
                progress,
            )
            .map(done_or_refused),
        )?;
        if let FileOutcome::Read(_) | FileOutcome::Unreadable(Unreadable::Protected(_)) = first {
            return Ok(first);
        }
        let mf = self
            .core
            .plain()
            .exchange(&select_master_file(), Some(LdsFile::CardAccess))?;
        if !mf.sw.is_success() {
            return Ok(first);
        }
        tolerant(
            binary::read_file(
                &mut self.core.plain(),
                &mut sizing,
                LdsFile::CardAccess,
                FileAccess::Select,
                progress,
            )
            .map(done_or_refused),
        )
    }

    /// EF.CardAccess as read, if [`Unauthenticated::read_card_access`] found one.
    pub fn card_access(&self) -> Option<&[u8]> {
        self.core.card_access.as_deref()
    }

    /// True if EF.CardAccess lists a PACEInfo.
    pub fn offers_pace(&self) -> bool {
        offers_pace(self.card_access())
    }

    /// SELECT the eMRTD application (`00 A4 04 0C 07 A0000002471001`), as BAC requires first.
    pub fn select_application(mut self) -> Result<ApplicationSelected<T>, ReadError> {
        let answer = self
            .core
            .plain()
            .exchange(&Command::select_application(&EMRTD_AID), None)?;
        match answer.sw {
            StatusWord::SUCCESS => Ok(ApplicationSelected { core: self.core }),
            sw => Err(ReadError::Refused {
                command: "SELECT eMRTD application",
                file: None,
                sw,
            }),
        }
    }

    /// Runs an access protocol at the master file — PACE's place (ICAO 9303 Part 11 §4.2) —
    /// and then selects the eMRTD application under the new secure channel.
    ///
    /// `run` gets the link and EF.CardAccess and returns the channel; this is the seam
    /// `access::pace` plugs into.
    pub fn establish_at_master_file<F>(
        mut self,
        protocol: AccessProtocol,
        run: F,
    ) -> Result<Secured<T>, ReadError>
    where
        F: FnOnce(&mut dyn Transport, Option<&[u8]>) -> Result<SecureChannel, AccessError>,
    {
        let card_access = self.core.card_access.clone();
        let sm = run(&mut self.core.link, card_access.as_deref())?;
        let mut secured = Secured::new(self.core, sm, protocol);
        let answer = secured.exchange(&Command::select_application(&EMRTD_AID), None)?;
        match answer.sw {
            StatusWord::SUCCESS => Ok(secured),
            sw => Err(ReadError::Refused {
                command: "SELECT eMRTD application",
                file: None,
                sw,
            }),
        }
    }

    /// Authenticates with `credentials` as `options.access` says (see [`Access`]), reading
    /// EF.CardAccess first if that has not been done.
    ///
    /// - [`Access::Auto`]: PACE when EF.CardAccess offers it; BAC only when it offers no PACE
    ///   (no EF.CardAccess, or one without a PACEInfo). A PACE failure — a wrong password
    ///   ([`ReadError::AccessDenied`]`(PACE)`) or any other — is returned, never followed by
    ///   BAC; a caller that wants BAC anyway asks for [`Access::Bac`].
    /// - [`Access::Pace`]: PACE or an error ([`ReadError::NotOffered`] for a chip without it).
    /// - [`Access::Bac`]: BAC (the MRZ is needed; a CAN is [`ReadError::InvalidCredentials`]).
    ///
    /// A CAN with a chip that offers no PACE is [`ReadError::NotOffered`]`(PACE)`. An
    /// EF.CardAccess that does not parse is [`ReadError::Malformed`] (what it offers cannot be
    /// known, so neither protocol is chosen for it); one that offers PACE only in variants this
    /// crate does not run (e.g. Chip Authentication Mapping) is
    /// [`ReadError::Access`]`(`[`AccessError::Pace`]`(`[`pace::PaceError::NoSupportedVariant`]`))`.
    pub fn authenticate(
        mut self,
        credentials: &Credentials,
        rng: &mut impl CryptoRng,
    ) -> Result<Secured<T>, ReadError> {
        let access = self.core.options.access;
        if access == Access::Bac {
            return match credentials {
                Credentials::Can(_) => Err(ReadError::InvalidCredentials(
                    "BAC needs the MRZ information; a CAN works with PACE only".into(),
                )),
                _ => self.bac(credentials, rng),
            };
        }
        self.read_card_access()?;
        match self.pace_offered()? {
            Some(params) => self.authenticate_pace(credentials, &params, rng),
            None => match (access, credentials) {
                (Access::Auto, Credentials::Mrz(_)) => self.bac(credentials, rng),
                _ => Err(ReadError::NotOffered(AccessProtocol::Pace)),
            },
        }
    }

    fn bac(
        self,
        credentials: &Credentials,
        rng: &mut impl CryptoRng,
    ) -> Result<Secured<T>, ReadError> {
        let keys = credentials.bac_keys().ok_or_else(|| {
            ReadError::InvalidCredentials("BAC needs the MRZ information".into())
        })??;
        self.select_application()?.authenticate_bac(&keys, rng)
    }

    /// The PACE variant to run from EF.CardAccess as read ([`pace::card_access::select`]):
    /// `None` when there is no EF.CardAccess or it lists no PACEInfo.
    pub fn pace_offered(&self) -> Result<Option<PaceParams>, ReadError> {
        let Some(bytes) = self.card_access() else {
            return Ok(None);
        };
        let infos = crate::lds::security_info::parse_security_infos(bytes)
            .map_err(|e| ReadError::malformed(Some(LdsFile::CardAccess), e.to_string()))?;
        Ok(pace::card_access::select(&infos).map_err(AccessError::Pace)?)
    }

    /// PACE with `params` (ICAO 9303 Part 11 §4.4) at the master file, then SELECT of the
    /// eMRTD application under the new secure channel. A wrong MRZ or CAN is
    /// [`ReadError::AccessDenied`]`(`[`AccessProtocol::Pace`]`)`, displayed
    /// "access denied (PACE)".
    pub fn authenticate_pace(
        self,
        credentials: &Credentials,
        params: &PaceParams,
        rng: &mut impl CryptoRng,
    ) -> Result<Secured<T>, ReadError> {
        let key = credentials.pace_key(params.protocol.cipher)?;
        let mut secured = self.establish_at_master_file(AccessProtocol::Pace, |link, _| {
            pace::authenticate(link, &key, params, rng).map(|outcome| outcome.channel)
        })?;
        secured.core.pace = Some(*params);
        Ok(secured)
    }

    /// APDUs exchanged so far.
    pub fn apdu_count(&self) -> u64 {
        self.core.apdu_count()
    }
}

/// An SFI refusal where no retry follows is the file refused.
fn done_or_refused(read: Read) -> FileOutcome {
    match read {
        Read::Done(outcome) => outcome,
        Read::SfiRefused(sw) => FileOutcome::Unreadable(Unreadable::Refused(sw)),
    }
}

/// A tolerated file: status-word refusals and malformed content become [`Unreadable`].
fn tolerant(result: Result<FileOutcome, ReadError>) -> Result<FileOutcome, ReadError> {
    match result {
        Err(ReadError::Refused { sw, .. }) => Ok(FileOutcome::Unreadable(Unreadable::Refused(sw))),
        Err(ReadError::Malformed { what, .. }) => {
            Ok(FileOutcome::Unreadable(Unreadable::Malformed(what)))
        }
        other => other,
    }
}

pub(crate) fn offers_pace(card_access: Option<&[u8]>) -> bool {
    card_access
        .and_then(|bytes| crate::lds::security_info::parse_security_infos(bytes).ok())
        .is_some_and(|infos| {
            infos
                .iter()
                .any(|i| matches!(i, crate::lds::security_info::SecurityInfo::Pace { .. }))
        })
}

impl<T: Transport> ApplicationSelected<T> {
    /// Basic Access Control (ICAO 9303 Part 11 §4.3): GET CHALLENGE, EXTERNAL AUTHENTICATE.
    /// Wrong keys are [`ReadError::AccessDenied`], displayed "access denied (BAC)".
    pub fn authenticate_bac(
        mut self,
        keys: &BacKeys,
        rng: &mut impl CryptoRng,
    ) -> Result<Secured<T>, ReadError> {
        let sm = bac::authenticate(&mut self.core.link, keys, rng)?;
        Ok(Secured::new(self.core, sm, AccessProtocol::Bac))
    }

    /// EF.CardAccess, if it was read before the application was selected.
    pub fn card_access(&self) -> Option<&[u8]> {
        self.core.card_access.as_deref()
    }

    /// APDUs exchanged so far.
    pub fn apdu_count(&self) -> u64 {
        self.core.apdu_count()
    }
}

impl<T: Transport> Secured<T> {
    fn new(core: Core<T>, sm: SecureChannel, protocol: AccessProtocol) -> Self {
        let sizing = Sizing::new(
            core.link.capabilities(),
            Some(&sm),
            core.options.extended_length,
        );
        let sizing = match core.options.max_read {
            Some(cap) => Sizing {
                max_read: sizing.max_read.min(cap.max(1)),
                short_max: sizing.short_max.min(cap.max(1)),
                extended: sizing.extended && cap > sizing.short_max,
            },
            None => sizing,
        };
        Secured {
            file_access: core.options.file_access,
            core,
            sm,
            sizing,
            protocol,
        }
    }

    fn exchange(
        &mut self,
        cmd: &Command,
        file: Option<LdsFile>,
    ) -> Result<crate::apdu::Response, ReadError> {
        Channel {
            link: &mut self.core.link,
            sm: Some(&mut self.sm),
        }
        .exchange(cmd, file)
    }

    /// Reads one file through secure messaging (by SFI or SELECT as the options say).
    /// `Unreadable` means the chip refused this file (6982, 6A82) and the session goes on.
    ///
    /// A chip that refuses SFI addressing itself (6A86, 6B00, 6A81, 6986 to the first READ
    /// BINARY by SFI) is read with SELECT + READ BINARY from then on.
    pub fn read_file(
        &mut self,
        file: LdsFile,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<FileOutcome, ReadError> {
        let mut channel = Channel {
            link: &mut self.core.link,
            sm: Some(&mut self.sm),
        };
        match binary::read_file(
            &mut channel,
            &mut self.sizing,
            file,
            self.file_access,
            progress,
        )? {
            Read::Done(outcome) => Ok(outcome),
            Read::SfiRefused(_) => {
                self.file_access = FileAccess::Select;
                match binary::read_file(
                    &mut channel,
                    &mut self.sizing,
                    file,
                    FileAccess::Select,
                    progress,
                )? {
                    Read::Done(outcome) => Ok(outcome),
                    // Not reached: SELECT reads are never SFI refusals.
                    Read::SfiRefused(sw) => Ok(FileOutcome::Unreadable(Unreadable::Refused(sw))),
                }
            }
        }
    }

    /// How files are addressed now: the option given, or SELECT after the chip refused SFIs.
    pub fn file_access(&self) -> FileAccess {
        self.file_access
    }

    /// Reads EF.COM, every data group it lists (DG1..DG16 if EF.COM is missing), and EF.SOD,
    /// recording the files the chip refuses (6982 for DG3/DG4 under BAC) and carrying on.
    ///
    /// Any other failure — the link dropped, a MAC failed, the chip sent garbage — is an
    /// error and no dump is returned.
    pub fn read_all(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<ChipDump, ReadError> {
        let mut dump = ChipDump::new(self.protocol);
        dump.card_access = self.core.card_access.clone();
        dump.unreadable.clone_from(&self.core.unreadable);
        dump.pace = self.core.pace;

        let groups = match self.read_file(LdsFile::Com, progress)? {
            FileOutcome::Read(com) => {
                let groups = data_groups_in_com(&com)
                    .map_err(|e| ReadError::malformed(Some(LdsFile::Com), e.to_string()))?;
                dump.files.insert(LdsFile::Com, com);
                groups
            }
            FileOutcome::Unreadable(why) => {
                dump.unreadable.push((LdsFile::Com, why));
                (1..=16).map(LdsFile::DataGroup).collect()
            }
        };
        let com_missing = !dump.files.contains_key(&LdsFile::Com);
        for file in groups.into_iter().chain([LdsFile::Sod]) {
            match self.read_file(file, progress)? {
                FileOutcome::Read(bytes) => {
                    dump.files.insert(file, bytes);
                }
                // Without EF.COM the data groups are probed: absent ones are not news.
                FileOutcome::Unreadable(Unreadable::NotFound)
                    if com_missing && matches!(file, LdsFile::DataGroup(_)) => {}
                FileOutcome::Unreadable(why) => dump.unreadable.push((file, why)),
            }
        }
        dump.apdu_count = self.apdu_count();
        Ok(dump)
    }

    /// The protocol that set up secure messaging.
    pub fn access_used(&self) -> AccessProtocol {
        self.protocol
    }

    /// The PACE variant run, if PACE set up secure messaging through
    /// [`Unauthenticated::authenticate_pace`] (or [`Unauthenticated::authenticate`]).
    pub fn pace_params(&self) -> Option<PaceParams> {
        self.core.pace
    }

    /// EF.CardAccess, if it was read before authentication.
    pub fn card_access(&self) -> Option<&[u8]> {
        self.core.card_access.as_deref()
    }

    /// APDUs exchanged so far.
    pub fn apdu_count(&self) -> u64 {
        self.core.apdu_count()
    }

    /// The plain READ BINARY size now in use (after any step-down).
    pub fn read_size(&self) -> usize {
        self.sizing.max_read
    }

    /// The link and the secure channel, for protocols run inside the session (`reader::aa`).
    pub(super) fn link_and_channel(&mut self) -> (&mut dyn Transport, &mut SecureChannel) {
        (&mut self.core.link, &mut self.sm)
    }

    /// Ends the session and returns the transport.
    pub fn into_transport(self) -> T {
        self.core.link.into_inner().inner
    }
}
