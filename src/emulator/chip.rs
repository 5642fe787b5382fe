//! The software eMRTD chip: a dump's file system behind BAC or PACE and secure messaging, with
//! knobs for the link's limits and fault injection, so the reader's fallbacks meet the same
//! answers as on a real chip (ICAO 9303 Part 10 §3, Part 11 §4.3, §4.4, §9.8).

use std::path::Path;

use rand_core::{CryptoRng, UnwrapErr};
use thiserror::Error;

use super::files::{FileService, FileSystem, FileSystemError, LdsFile};
use crate::access::AccessError;
use crate::access::bac::{BacChip, NONCE_LEN};
use crate::access::pace::{self, GeneralAuthenticateStep, PaceChip, PaceParams};
use crate::apdu::{Command, LengthForm, Response, StatusWord, ins};
use crate::crypto::keys::BacKeys;
use crate::sm::SecureChannel;
use crate::transport::{ApduHandler, Capabilities, InMemory, Transport, TransportError};

/// How the chip controls access. Either protocol's success installs a [`SecureChannel`], so
/// the SM and file layers are the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AccessMode {
    /// Basic Access Control only: GET CHALLENGE, EXTERNAL AUTHENTICATE.
    ///
    /// A BAC-only chip: a dump's own EF.CardAccess that offers PACE is **not served** (the
    /// chip answers 6A82 for it), so a reader following ICAO 9303 Part 11 §4.2 does not try
    /// PACE against a chip that cannot run it. An EF.CardAccess without a PACEInfo is served
    /// as is.
    #[default]
    Bac,
    /// PACE with these parameters (Part 11 §4.4): MSE:Set AT `00 22 C1 A4` and four chained
    /// GENERAL AUTHENTICATE `86`, the MRZ password from DG1 and the CAN
    /// [`EmulatorConfig::chip_can`]. The chip serves its own EF.CardAccess
    /// ([`pace::card_access::build`]) instead of the dump's, and also accepts BAC unless
    /// [`EmulatorConfig::pace_accepts_bac`] is off.
    Pace(PaceParams),
}

/// Faults to inject, each off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Faults {
    /// After this many APDUs, the link drops: every further transmit is
    /// [`TransportError::CardRemoved`] (the chip left the field).
    pub drop_link_after: Option<u64>,
    /// The n-th protected response (1-based) gets one bit of its MAC flipped.
    pub corrupt_mac_at: Option<u64>,
    /// READ BINARY asking for more than this many bytes is answered 6700.
    pub wrong_length_above: Option<usize>,
    /// From this APDU on (1-based), every answer is pseudo-random bytes from the seed: a chip
    /// gone mad, for fuzz-style tests of the reader.
    pub garbage_from: Option<(u64, u64)>,
    /// INTERNAL AUTHENTICATE answers get one bit of the signature flipped (a clone's answer).
    pub corrupt_aa_signature: bool,
}

/// The software chip's configuration.
#[derive(Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Access control offered.
    pub access: AccessMode,
    /// BAC keys; `None` derives them from DG1's MRZ.
    pub bac_keys: Option<BacKeys>,
    /// Whether the chip (and the link it reports) takes extended-length APDUs.
    pub extended_length: bool,
    /// The chip's response buffer: a READ BINARY asking for more plain bytes is answered 6Cxx
    /// (when this is at most 256) or 6700. 65536 means no limit beyond the APDU format.
    pub max_response_data: usize,
    /// Whether READ BINARY by short EF identifier (P1 = `80 | SFI`) is supported; without it
    /// such reads answer 6A86 and files must be selected.
    pub short_file_ids: bool,
    /// The card access number for PACE (default `123456`).
    pub chip_can: zeroize::Zeroizing<String>,
    /// In [`AccessMode::Pace`], whether BAC is accepted too (default on: chips offering PACE
    /// usually support BAC, ICAO 9303 Part 11 §4.2). Off, GET CHALLENGE and EXTERNAL
    /// AUTHENTICATE answer 6D00.
    pub pace_accepts_bac: bool,
    /// Fault injection.
    pub faults: Faults,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("access", &self.access)
            .field("bac_keys", &self.bac_keys.as_ref().map(|_| "<redacted>"))
            .field("extended_length", &self.extended_length)
            .field("max_response_data", &self.max_response_data)
            .field("short_file_ids", &self.short_file_ids)
            .field("chip_can", &"<redacted>")
            .field("pace_accepts_bac", &self.pace_accepts_bac)
            .field("faults", &self.faults)
            .finish()
    }
}

/// The software chip's CAN unless configured (DESIGN.md `--chip-can`).
pub const DEFAULT_CHIP_CAN: &str = "123456";

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            access: AccessMode::Bac,
            bac_keys: None,
            extended_length: true,
            max_response_data: 65536,
            short_file_ids: true,
            chip_can: zeroize::Zeroizing::new(DEFAULT_CHIP_CAN.to_owned()),
            pace_accepts_bac: true,
            faults: Faults::default(),
        }
    }
}

impl EmulatorConfig {
    /// Short length only (the link reports [`Capabilities::SHORT`]).
    pub fn short_length() -> Self {
        EmulatorConfig {
            extended_length: false,
            ..Self::default()
        }
    }
    /// Sets the access control offered.
    pub fn with_access(mut self, access: AccessMode) -> Self {
        self.access = access;
        self
    }
    /// Sets the BAC keys instead of deriving them from DG1.
    pub fn with_bac_keys(mut self, keys: BacKeys) -> Self {
        self.bac_keys = Some(keys);
        self
    }
    /// Sets extended length on or off.
    pub fn with_extended_length(mut self, on: bool) -> Self {
        self.extended_length = on;
        self
    }
    /// Sets the response buffer size.
    pub fn with_max_response_data(mut self, max: usize) -> Self {
        self.max_response_data = max;
        self
    }
    /// Turns READ BINARY by short EF identifier on or off.
    pub fn with_short_file_ids(mut self, on: bool) -> Self {
        self.short_file_ids = on;
        self
    }
    /// Sets the card access number (PACE).
    pub fn with_chip_can(mut self, can: &str) -> Self {
        self.chip_can = zeroize::Zeroizing::new(can.to_owned());
        self
    }
    /// Whether a PACE chip accepts BAC too.
    pub fn with_pace_accepts_bac(mut self, on: bool) -> Self {
        self.pace_accepts_bac = on;
        self
    }
    /// Sets the faults.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }
}

impl Faults {
    /// Drop the link after `n` APDUs.
    pub fn drop_link_after(mut self, n: u64) -> Self {
        self.drop_link_after = Some(n);
        self
    }
    /// Flip a MAC bit in the n-th protected response.
    pub fn corrupt_mac_at(mut self, n: u64) -> Self {
        self.corrupt_mac_at = Some(n);
        self
    }
    /// Answer 6700 to reads above `len` bytes.
    pub fn wrong_length_above(mut self, len: usize) -> Self {
        self.wrong_length_above = Some(len);
        self
    }
    /// Flip a bit in every Active Authentication signature.
    pub fn corrupt_aa_signature(mut self) -> Self {
        self.corrupt_aa_signature = true;
        self
    }
    /// Answer pseudo-random bytes from APDU `from` on.
    pub fn garbage_from(mut self, from: u64, seed: u64) -> Self {
        self.garbage_from = Some((from, seed));
        self
    }
}

/// Errors setting up the software chip.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The dump could not be loaded.
    #[error(transparent)]
    FileSystem(#[from] FileSystemError),
    /// BAC keys were not given and DG1 holds no usable MRZ.
    #[error("no BAC keys: none given and DG1 holds no usable MRZ")]
    NoMrz,
    /// PACE cannot be offered: DG1 holds no usable MRZ (the PACE MRZ password), the CAN is
    /// malformed, or the parameters are not supported (Chip Authentication Mapping).
    #[error("the software chip cannot offer PACE: {0}")]
    Pace(#[from] AccessError),
    /// The dump's `AA.key.pem` is unreadable.
    #[error(transparent)]
    AaKey(#[from] super::aa::AaKeyError),
}

/// A software eMRTD chip. It answers APDUs as an [`ApduHandler`]; [`EmulatedChip::into_transport`]
/// puts it behind a [`Transport`] with its link capabilities and link faults.
///
/// Before authentication only the master file (EF.CardAccess) is readable; the application's
/// files answer 6982. After BAC or PACE every command must be protected: a plain command or
/// one whose MAC fails ends the session (6987/6988, ISO/IEC 7816-4 §10).
pub struct EmulatedChip {
    files: FileService,
    config: EmulatorConfig,
    bac: BacChip,
    pace: Option<PaceChip>,
    sm: Option<SecureChannel>,
    rng: Box<dyn CryptoRng + Send>,
    aa: Option<super::aa::AaSigner>,
    apdus: u64,
    protected_responses: u64,
}

impl std::fmt::Debug for EmulatedChip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatedChip")
            .field("files", self.files.file_system())
            .field("config", &self.config)
            .field("secured", &self.sm.is_some())
            .field("apdus", &self.apdus)
            .finish()
    }
}

impl EmulatedChip {
    /// A chip serving the dump in `dir` (DESIGN.md layout).
    pub fn from_dir(dir: &Path, config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let aa = super::aa::AaSigner::load_dir(dir)?;
        Ok(Self::new(FileSystem::load_dir(dir)?, config)?.with_aa_key(aa))
    }

    /// Sets (or removes) the Active Authentication key behind DG15.
    pub fn with_aa_key(mut self, key: Option<super::aa::AaSigner>) -> Self {
        self.aa = key;
        self
    }

    /// A chip serving `fs`. Its nonces come from the operating system.
    ///
    /// In [`AccessMode::Pace`] EF.CardAccess is replaced by one offering exactly the
    /// configured parameters; in [`AccessMode::Bac`] an EF.CardAccess offering PACE is removed.
    pub fn new(mut fs: FileSystem, config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let keys = match &config.bac_keys {
            Some(keys) => keys.clone(),
            None => bac_keys_from_dg1(&fs).ok_or(EmulatorError::NoMrz)?,
        };
        let pace = match config.access {
            AccessMode::Pace(params) => {
                let mrz_information = mrz_information_from_dg1(&fs).ok_or(EmulatorError::NoMrz)?;
                let chip = PaceChip::new(params, &mrz_information, Some(config.chip_can.as_str()))?;
                fs.insert(LdsFile::CardAccess, pace::card_access::build(&params))?;
                Some(chip)
            }
            AccessMode::Bac => {
                if offers_pace(fs.get(LdsFile::CardAccess)) {
                    fs.remove(LdsFile::CardAccess);
                }
                None
            }
        };
        Ok(EmulatedChip {
            files: FileService::new(fs).require_authentication(true),
            bac: BacChip::new(&keys),
            pace,
            config,
            sm: None,
            rng: Box::new(UnwrapErr(getrandom::SysRng)),
            aa: None,
            apdus: 0,
            protected_responses: 0,
        })
    }

    /// Replaces the chip's random source (e.g. a seeded one for reproducible tests).
    pub fn with_rng(mut self, rng: Box<dyn CryptoRng + Send>) -> Self {
        self.rng = rng;
        self
    }

    /// The link this chip reports: extended length or short only, as configured.
    pub fn capabilities(&self) -> Capabilities {
        if self.config.extended_length {
            Capabilities::EXTENDED
        } else {
            Capabilities::SHORT
        }
    }

    /// True while a secure messaging session is up.
    pub fn is_secured(&self) -> bool {
        self.sm.is_some()
    }

    /// APDUs processed.
    pub fn apdus(&self) -> u64 {
        self.apdus
    }

    /// The files served.
    pub fn file_system(&self) -> &FileSystem {
        self.files.file_system()
    }

    /// Puts the chip behind an in-memory link with its capabilities and link faults.
    pub fn into_transport(self) -> EmulatorTransport {
        let capabilities = self.capabilities();
        let drop_after = self.config.faults.drop_link_after;
        EmulatorTransport {
            link: InMemory::new(self, capabilities),
            drop_after,
            sent: 0,
        }
    }

    fn end_session(&mut self) {
        self.sm = None;
        if let Some(pace) = self.pace.as_mut() {
            pace.reset();
        }
        self.files.set_authenticated(false);
    }

    /// What the chip refuses before the file service: extended length when off, SFI reads when
    /// off, reads beyond the buffer, the 6700 fault.
    fn refusal(&self, cmd: &Command, form: LengthForm) -> Option<StatusWord> {
        if !self.config.extended_length && form == LengthForm::Extended {
            return Some(StatusWord::WRONG_LENGTH);
        }
        if !matches!(cmd.ins, ins::READ_BINARY | ins::READ_BINARY_ODD) {
            return None;
        }
        if !self.config.short_file_ids && cmd.ins == ins::READ_BINARY && cmd.p1 & 0x80 != 0 {
            return Some(StatusWord::INCORRECT_P1P2);
        }
        let le = cmd.le?;
        if self
            .config
            .faults
            .wrong_length_above
            .is_some_and(|max| le > max)
        {
            return Some(StatusWord::WRONG_LENGTH);
        }
        let buffer = self.config.max_response_data;
        if le > buffer {
            return Some(match u8::try_from(buffer % 256) {
                Ok(sw2) if buffer <= 256 && buffer > 0 => StatusWord::new(0x6C, sw2),
                _ => StatusWord::WRONG_LENGTH,
            });
        }
        None
    }

    /// Whether BAC commands are answered.
    fn bac_enabled(&self) -> bool {
        match self.config.access {
            AccessMode::Bac => true,
            AccessMode::Pace(_) => self.config.pace_accepts_bac,
        }
    }

    /// PACE's plain commands: MSE:Set AT and GENERAL AUTHENTICATE (Part 11 §4.4.4).
    fn pace_command(&mut self, cmd: &Command) -> Option<Response> {
        let pace = self.pace.as_mut()?;
        match (cmd.cla, cmd.ins, cmd.p1, cmd.p2) {
            (0x00, ins::MANAGE_SECURITY_ENVIRONMENT, 0xC1, 0xA4) => {
                Some(match pace.mse_set_at(&cmd.data) {
                    Ok(()) => Response::status(StatusWord::SUCCESS),
                    Err(e) => Response::status(e.status_word()),
                })
            }
            (0x00 | 0x10, ins::GENERAL_AUTHENTICATE, _, _) => {
                if (cmd.p1, cmd.p2) != (0, 0) {
                    pace.reset();
                    return Some(Response::status(StatusWord::INCORRECT_P1P2));
                }
                Some(match pace.general_authenticate(cmd, &mut self.rng) {
                    Ok(GeneralAuthenticateStep::Continue(data)) => {
                        Response::new(data, StatusWord::SUCCESS)
                    }
                    Ok(GeneralAuthenticateStep::Established(data, channel)) => {
                        self.sm = Some(channel);
                        self.files.set_authenticated(true);
                        Response::new(data, StatusWord::SUCCESS)
                    }
                    Err(e) => Response::status(e.status_word()),
                })
            }
            _ => None,
        }
    }

    /// A plain command before secure messaging: BAC, PACE, or the file service (MF only).
    fn plain(&mut self, cmd: &Command, form: LengthForm) -> Response {
        if let Some(answer) = self.pace_command(cmd) {
            return answer;
        }
        let bac = self.bac_enabled();
        match (bac, cmd.cla, cmd.ins) {
            (true, 0x00, ins::GET_CHALLENGE) => {
                if (cmd.p1, cmd.p2) != (0, 0) {
                    return Response::status(StatusWord::INCORRECT_P1P2);
                }
                if cmd.le != Some(NONCE_LEN) || !cmd.data.is_empty() {
                    return Response::status(StatusWord::WRONG_LENGTH);
                }
                let challenge = self.bac.get_challenge(&mut self.rng);
                Response::new(challenge.to_vec(), StatusWord::SUCCESS)
            }
            (true, 0x00, ins::EXTERNAL_AUTHENTICATE) => {
                if (cmd.p1, cmd.p2) != (0, 0) {
                    return Response::status(StatusWord::INCORRECT_P1P2);
                }
                match self.bac.external_authenticate(&cmd.data, &mut self.rng) {
                    Ok((reply, channel)) => {
                        self.sm = Some(channel);
                        self.files.set_authenticated(true);
                        Response::new(reply, StatusWord::SUCCESS)
                    }
                    Err(e) => Response::status(e.status_word()),
                }
            }
            _ => match self.refusal(cmd, form) {
                Some(sw) => Response::status(sw),
                None => self.files.handle(cmd),
            },
        }
    }

    /// A command under secure messaging: unwrap (MAC first), serve, wrap.
    fn secured(&mut self, cmd: &Command, form: LengthForm) -> Vec<u8> {
        let Some(sm) = self.sm.as_mut() else {
            return Response::status(StatusWord::SM_DATA_MISSING).to_bytes();
        };
        if !cmd.is_secure_messaging() {
            self.end_session();
            return Response::status(StatusWord::SM_DATA_MISSING).to_bytes();
        }
        let inner = match sm.unwrap_command(cmd) {
            Ok(inner) => inner,
            Err(e) => {
                self.end_session();
                return Response::status(e.chip_status_word()).to_bytes();
            }
        };
        let answer = match (self.refusal(&inner, form), inner.ins, &self.aa) {
            (Some(sw), _, _) => Response::status(sw),
            (None, ins::INTERNAL_AUTHENTICATE, Some(key)) => key.answer(
                &inner,
                self.config.faults.corrupt_aa_signature,
                &mut self.rng,
            ),
            (None, ins::INTERNAL_AUTHENTICATE, None) => super::aa::unsupported(),
            (None, _, _) => self.files.handle(&inner),
        };
        let Some(sm) = self.sm.as_mut() else {
            return Response::status(StatusWord::SM_DATA_MISSING).to_bytes();
        };
        let mut protected = match sm.wrap_response(&answer) {
            Ok(r) => r,
            Err(_) => {
                self.end_session();
                return Response::status(StatusWord::NO_PRECISE_DIAGNOSIS).to_bytes();
            }
        };
        self.protected_responses = self.protected_responses.saturating_add(1);
        if self.config.faults.corrupt_mac_at == Some(self.protected_responses)
            && let Some(last) = protected.data.last_mut()
        {
            // DO'8E' is the last object: its last byte is MAC.
            *last ^= 0x01;
        }
        protected.to_bytes()
    }
}

/// True if `card_access` parses and lists a PACEInfo.
fn offers_pace(card_access: Option<&[u8]>) -> bool {
    use crate::lds::security_info::{SecurityInfo, parse_security_infos};
    card_access
        .and_then(|bytes| parse_security_infos(bytes).ok())
        .is_some_and(|infos| infos.iter().any(|i| matches!(i, SecurityInfo::Pace { .. })))
}

/// The MRZ information (document number, birth and expiry dates with check digits) of DG1.
fn mrz_information_from_dg1(fs: &FileSystem) -> Option<String> {
    let lines = crate::reader::dg1_mrz_lines(fs.get(LdsFile::DataGroup(1))?)?;
    let mrz = crate::mrz::Mrz::parse_lines(&lines).ok()?;
    Some(mrz.mrz_information())
}

/// The BAC keys of the MRZ in DG1.
fn bac_keys_from_dg1(fs: &FileSystem) -> Option<BacKeys> {
    BacKeys::from_mrz_information(&mrz_information_from_dg1(fs)?).ok()
}

/// Pseudo-random bytes (xorshift64*) for the garbage fault: 0 to 299 bytes per answer.
fn garbage(seed: u64, apdu: u64) -> Vec<u8> {
    let mut state = seed ^ apdu.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let len = (next() % 300) as usize;
    (0..len).map(|_| (next() >> 56) as u8).collect()
}

impl ApduHandler for EmulatedChip {
    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        self.apdus = self.apdus.saturating_add(1);
        if let Some((from, seed)) = self.config.faults.garbage_from
            && self.apdus >= from
        {
            return garbage(seed, self.apdus);
        }
        let (cmd, form) = match Command::parse_with_form(command) {
            Ok(parsed) => parsed,
            Err(_) => return Response::status(StatusWord::WRONG_LENGTH).to_bytes(),
        };
        if self.sm.is_some() {
            self.secured(&cmd, form)
        } else {
            self.plain(&cmd, form).to_bytes()
        }
    }
}

/// The software chip behind an in-memory link: the chip's [`Capabilities`] are enforced and
/// the link faults (dropping after N APDUs) happen here, where a real link would fail.
#[derive(Debug)]
pub struct EmulatorTransport {
    link: InMemory<EmulatedChip>,
    drop_after: Option<u64>,
    sent: u64,
}

impl EmulatorTransport {
    /// APDUs that reached the chip.
    pub fn exchanges(&self) -> u64 {
        self.link.exchanges()
    }

    /// The chip.
    pub fn chip(&self) -> &EmulatedChip {
        self.link.handler()
    }

    /// The chip, mutably.
    pub fn chip_mut(&mut self) -> &mut EmulatedChip {
        self.link.handler_mut()
    }
}

impl Transport for EmulatorTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if let Some(limit) = self.drop_after
            && self.sent >= limit
        {
            return Err(TransportError::CardRemoved(format!(
                "software chip left the field after {limit} APDUs (fault injection)"
            )));
        }
        self.sent = self.sent.saturating_add(1);
        self.link.transmit(command)
    }

    fn capabilities(&self) -> Capabilities {
        self.link.capabilities()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
