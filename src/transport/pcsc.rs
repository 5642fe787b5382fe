//! PC/SC transport (feature `pcsc`, libpcsclite / WinSCard): desktop USB NFC readers and any
//! virtual reader behind `pcscd` (such as vsmartcard's vpcd).
//!
//! [`PcscContext`] lists readers, waits for a card and connects; a [`PcscTransport`] is one
//! shared T=1 connection (T=0 if the card offers nothing else) that implements
//! [`Transport`]. Wrap it in [`StatusWordHandling`] (or use [`open`]) so that 61xx and 6Cxx
//! are handled before the reader code sees a response.
//!
//! Extended length is reported from, in this order: a caller override; the card's ATR if it
//! says "no extended Lc/Le" (ISO/IEC 7816-4 card capabilities); the reader driver's
//! `dwMaxAPDUDataSize` (PC/SC v2 Part 10 `FEATURE_GET_TLV_PROPERTIES`, answered by the CCID
//! driver); the card's ATR if it says "extended". With none of them the link is reported as
//! short-length only ([`ExtendedLengthSource::Default`]), which every reader and chip carries.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Card, Context, Disposition, Protocol, Protocols, ReaderState, Scope, ShareMode, State};

use super::atr::Atr;
use super::{Capabilities, StatusWordHandling, Transport, TransportError};

/// SCARD_CTL_CODE(3400): `CM_IOCTL_GET_FEATURE_REQUEST` (PC/SC v2 Part 10 §2.2).
const CM_IOCTL_GET_FEATURE_REQUEST: u32 = 3400;
/// Feature tag of `FEATURE_GET_TLV_PROPERTIES` (PC/SC v2 Part 10 §2.3).
const FEATURE_GET_TLV_PROPERTIES: u8 = 0x12;
/// Property tag of `dwMaxAPDUDataSize` in the TLV properties (PC/SC v2 Part 10 §2.6.14).
const PROPERTY_DW_MAX_APDU_DATA_SIZE: u8 = 0x0A;

/// One reader as PC/SC reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// The reader's name, as used by [`PcscContext::connect`].
    pub name: String,
    /// True if a card is in the reader's field.
    pub card_present: bool,
    /// The card's ATR, when a card is present.
    pub atr: Option<Vec<u8>>,
}

/// Where [`PcscTransport`]'s extended-length capability came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtendedLengthSource {
    /// Set by the caller ([`ConnectOptions::extended_length`], [`PcscTransport::set_extended_length`]).
    Forced,
    /// The card's ATR card capabilities (ISO/IEC 7816-4 §12.1.1.9).
    Atr,
    /// The reader driver's `dwMaxAPDUDataSize` (PC/SC v2 Part 10), with its value.
    Reader {
        /// The maximum APDU data size the driver reported (0: short APDUs only).
        max_apdu_data: u32,
    },
    /// Nothing told: short length assumed.
    Default,
}

/// How to connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectOptions {
    /// Overrides the detected extended-length capability.
    pub extended_length: Option<bool>,
}

/// A PC/SC context: the handle to `pcscd` (or WinSCard) through which readers are listed and
/// cards connected.
pub struct PcscContext {
    ctx: Context,
}

impl std::fmt::Debug for PcscContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscContext").finish_non_exhaustive()
    }
}

/// Maps a PC/SC error to the transport's typed errors; `reader` names the reader in messages.
fn map_error(e: pcsc::Error, reader: &str) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::NoService | E::ServiceStopped => TransportError::NoReader(format!(
            "the PC/SC service is not running (start pcscd): {e}"
        )),
        E::NoReadersAvailable => TransportError::NoReader("no PC/SC reader is connected".into()),
        E::UnknownReader | E::ReaderUnavailable | E::ReaderUnsupported => {
            TransportError::NoReader(format!("{reader}: {e}"))
        }
        E::NoSmartcard => TransportError::NoCard(reader.to_string()),
        E::RemovedCard | E::UnpoweredCard | E::UnresponsiveCard => {
            TransportError::CardRemoved(format!("{reader}: {e}"))
        }
        E::ResetCard => TransportError::Reset,
        other => TransportError::Other(format!("{reader}: PC/SC error: {other}")),
    }
}

fn reader_cstring(name: &str) -> Result<CString, TransportError> {
    CString::new(name).map_err(|_| TransportError::NoReader(format!("{name:?}: NUL in name")))
}

impl PcscContext {
    /// Connects to the PC/SC service (user scope).
    pub fn establish() -> Result<Self, TransportError> {
        let ctx = Context::establish(Scope::User).map_err(|e| map_error(e, "PC/SC"))?;
        Ok(PcscContext { ctx })
    }

    fn reader_names(&self) -> Result<Vec<CString>, TransportError> {
        match self.ctx.list_readers_owned() {
            Ok(names) => Ok(names),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error(e, "PC/SC")),
        }
    }

    /// Every reader with its card state and ATR.
    pub fn readers(&self) -> Result<Vec<ReaderInfo>, TransportError> {
        let names = self.reader_names()?;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut states: Vec<ReaderState> = names
            .iter()
            .map(|n| ReaderState::new(n.clone(), State::UNAWARE))
            .collect();
        self.ctx
            .get_status_change(Duration::ZERO, &mut states)
            .map_err(|e| map_error(e, "PC/SC"))?;
        Ok(states.iter().map(info_of).collect())
    }

    /// Resolves a reader name the way a person types it: the exact name, else the one reader
    /// whose name contains `name` (case-insensitive). None or several matching is
    /// [`TransportError::NoReader`], listing the readers there are.
    pub fn resolve_reader(&self, name: &str) -> Result<String, TransportError> {
        let names: Vec<String> = self
            .reader_names()?
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        if names.iter().any(|n| n == name) {
            return Ok(name.to_string());
        }
        let wanted = name.to_lowercase();
        let matching: Vec<&String> = names
            .iter()
            .filter(|n| n.to_lowercase().contains(&wanted))
            .collect();
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] if names.is_empty() => Err(TransportError::NoReader(
                "no PC/SC reader is connected".into(),
            )),
            [] => Err(TransportError::NoReader(format!(
                "no reader matches {name:?}; readers: {}",
                names.join(", ")
            ))),
            several => Err(TransportError::NoReader(format!(
                "{name:?} matches several readers: {}",
                several
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The state of one reader (exact name).
    pub fn reader_state(&self, reader: &str) -> Result<ReaderInfo, TransportError> {
        let mut states = [ReaderState::new(reader_cstring(reader)?, State::UNAWARE)];
        self.ctx
            .get_status_change(Duration::ZERO, &mut states)
            .map_err(|e| map_error(e, reader))?;
        let [state] = &states;
        if state
            .event_state()
            .intersects(State::UNKNOWN | State::IGNORE)
        {
            return Err(TransportError::NoReader(format!(
                "{reader}: no such reader"
            )));
        }
        Ok(info_of(state))
    }

    /// Waits until a card is in `reader` (exact name), at most `timeout`:
    /// [`TransportError::NoCard`] when it runs out, [`TransportError::NoReader`] if the reader
    /// goes away meanwhile.
    pub fn wait_for_card(
        &self,
        reader: &str,
        timeout: Duration,
    ) -> Result<ReaderInfo, TransportError> {
        let deadline = Instant::now() + timeout;
        let mut states = [ReaderState::new(reader_cstring(reader)?, State::UNAWARE)];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.ctx.get_status_change(left, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => {
                    return Err(TransportError::NoCard(reader.to_string()));
                }
                Err(e) => return Err(map_error(e, reader)),
            }
            let [state] = &mut states;
            let event = state.event_state();
            if event.intersects(State::UNKNOWN | State::IGNORE) {
                return Err(TransportError::NoReader(format!(
                    "{reader}: no such reader"
                )));
            }
            if event.contains(State::PRESENT) && !event.contains(State::MUTE) {
                return Ok(info_of(state));
            }
            if left.is_zero() {
                return Err(TransportError::NoCard(reader.to_string()));
            }
            state.sync_current_state();
        }
    }

    /// Connects to the card in `reader` (exact name, see [`PcscContext::resolve_reader`]),
    /// shared, T=1 preferred.
    pub fn connect(&self, reader: &str) -> Result<PcscTransport, TransportError> {
        self.connect_with(reader, ConnectOptions::default())
    }

    /// [`PcscContext::connect`] with options.
    pub fn connect_with(
        &self,
        reader: &str,
        options: ConnectOptions,
    ) -> Result<PcscTransport, TransportError> {
        let name = reader_cstring(reader)?;
        let card = match self.ctx.connect(&name, ShareMode::Shared, Protocols::T1) {
            Ok(card) => card,
            // A contact card that offers T=0 only.
            Err(pcsc::Error::ProtoMismatch) => self
                .ctx
                .connect(&name, ShareMode::Shared, Protocols::T0 | Protocols::T1)
                .map_err(|e| map_error(e, reader))?,
            Err(e) => return Err(map_error(e, reader)),
        };
        let status = card.status2_owned().map_err(|e| map_error(e, reader))?;
        let atr = status.atr().to_vec();
        let protocol = status.protocol2();
        let reader_max = reader_max_apdu_data(&card);
        let (extended, source) = decide_extended_length(options.extended_length, &atr, reader_max);
        let mut transport = PcscTransport {
            card: Some(card),
            ctx: self.ctx.clone(),
            reader: reader.to_string(),
            atr,
            protocol,
            capabilities: Capabilities::SHORT,
            source,
            reader_max,
            receive: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        };
        transport.apply_extended_length(extended);
        Ok(transport)
    }
}

fn info_of(state: &ReaderState) -> ReaderInfo {
    let event = state.event_state();
    let card_present = event.contains(State::PRESENT);
    ReaderInfo {
        name: state.name().to_string_lossy().into_owned(),
        card_present,
        atr: (card_present && !state.atr().is_empty()).then(|| state.atr().to_vec()),
    }
}

/// The reader driver's `dwMaxAPDUDataSize`, if it answers PC/SC v2 Part 10
/// `FEATURE_GET_TLV_PROPERTIES` (the CCID driver does; Debian's vpcd 0.8 does not).
fn reader_max_apdu_data(card: &Card) -> Option<u32> {
    let mut buf = [0u8; 256];
    let features = card
        .control(
            pcsc::ctl_code(CM_IOCTL_GET_FEATURE_REQUEST.into()),
            &[],
            &mut buf,
        )
        .ok()?;
    let code = feature_control_code(features, FEATURE_GET_TLV_PROPERTIES)?;
    let mut props = [0u8; 256];
    let props = card.control(code.into(), &[], &mut props).ok()?;
    tlv_property(props, PROPERTY_DW_MAX_APDU_DATA_SIZE)
}

/// Finds `feature` in a `CM_IOCTL_GET_FEATURE_REQUEST` answer: 6-byte entries
/// tag ‖ `04` ‖ control code (big-endian), PC/SC v2 Part 10 §2.2.
fn feature_control_code(answer: &[u8], feature: u8) -> Option<u32> {
    answer.chunks_exact(6).find_map(|entry| match entry {
        [tag, 4, a, b, c, d] if *tag == feature => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    })
}

/// Finds `tag` in TLV properties: tag ‖ length ‖ little-endian value (PC/SC v2 Part 10 §2.6.14).
fn tlv_property(props: &[u8], tag: u8) -> Option<u32> {
    let mut rest = props;
    while let [t, len, tail @ ..] = rest {
        let len = usize::from(*len);
        let value = tail.get(..len)?;
        if *t == tag {
            if len > 4 {
                return None;
            }
            let mut le = [0u8; 4];
            le.get_mut(..len)?.copy_from_slice(value);
            return Some(u32::from_le_bytes(le));
        }
        rest = tail.get(len..)?;
    }
    None
}

/// The decision described in the module documentation.
fn decide_extended_length(
    forced: Option<bool>,
    atr: &[u8],
    reader_max: Option<u32>,
) -> (bool, ExtendedLengthSource) {
    if let Some(v) = forced {
        return (v, ExtendedLengthSource::Forced);
    }
    let card = Atr::parse(atr).ok().and_then(|a| a.extended_length());
    if card == Some(false) {
        return (false, ExtendedLengthSource::Atr);
    }
    if let Some(max) = reader_max {
        return (
            max > 256,
            ExtendedLengthSource::Reader { max_apdu_data: max },
        );
    }
    match card {
        Some(v) => (v, ExtendedLengthSource::Atr),
        None => (false, ExtendedLengthSource::Default),
    }
}

/// One shared connection to a card through PC/SC.
///
/// Dropping it (or [`PcscTransport::close`]) disconnects with "reset card", which ends the
/// chip's access-control session, so no secure channel outlives the connection.
pub struct PcscTransport {
    card: Option<Card>,
    ctx: Context,
    reader: String,
    atr: Vec<u8>,
    protocol: Option<Protocol>,
    capabilities: Capabilities,
    source: ExtendedLengthSource,
    reader_max: Option<u32>,
    receive: Vec<u8>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("atr", &hex::encode_upper(&self.atr))
            .field("protocol", &self.protocol_name())
            .field("capabilities", &self.capabilities)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl PcscTransport {
    /// The reader's name.
    pub fn reader_name(&self) -> &str {
        &self.reader
    }

    /// The card's ATR at connection time.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The active protocol: `"T=1"`, `"T=0"`, `"RAW"` or `"?"`.
    pub fn protocol_name(&self) -> &'static str {
        match self.protocol {
            Some(Protocol::T1) => "T=1",
            Some(Protocol::T0) => "T=0",
            Some(Protocol::RAW) => "RAW",
            None => "?",
        }
    }

    /// Where the extended-length capability came from.
    pub fn extended_length_source(&self) -> ExtendedLengthSource {
        self.source
    }

    /// The reader driver's `dwMaxAPDUDataSize`, if the driver reported one.
    pub fn reader_max_apdu_data(&self) -> Option<u32> {
        self.reader_max
    }

    /// Overrides the extended-length capability (e.g. after reading the chip's EF.ATR/INFO, or
    /// to probe).
    pub fn set_extended_length(&mut self, extended: bool) {
        self.source = ExtendedLengthSource::Forced;
        self.apply_extended_length(extended);
    }

    fn apply_extended_length(&mut self, extended: bool) {
        self.capabilities = if !extended {
            Capabilities::SHORT
        } else {
            match self.reader_max {
                // Header 4 + Lc 3 + data + Le 2; data + SW.
                Some(max) if (257..65536).contains(&max) => {
                    let max = usize::try_from(max).unwrap_or(65535);
                    Capabilities {
                        extended_length: true,
                        max_command_len: max.saturating_add(9),
                        max_response_len: max.saturating_add(2),
                    }
                }
                _ => Capabilities::EXTENDED,
            }
        };
    }

    /// Re-establishes the connection after [`TransportError::Reset`] (the card was reset by
    /// another application): a new session, any secure channel is gone.
    pub fn reconnect(&mut self) -> Result<(), TransportError> {
        let card = self
            .card
            .as_mut()
            .ok_or_else(|| TransportError::Other("connection already closed".into()))?;
        card.reconnect(
            ShareMode::Shared,
            Protocols::T1 | Protocols::T0,
            Disposition::LeaveCard,
        )
        .map_err(|e| map_error(e, &self.reader))?;
        let status = card
            .status2_owned()
            .map_err(|e| map_error(e, &self.reader))?;
        self.atr = status.atr().to_vec();
        self.protocol = status.protocol2();
        Ok(())
    }

    /// Disconnects, resetting the card (ends the chip's session).
    pub fn close(mut self) -> Result<(), TransportError> {
        match self.card.take() {
            Some(card) => card
                .disconnect(Disposition::ResetCard)
                .map_err(|(_, e)| map_error(e, &self.reader)),
            None => Ok(()),
        }
    }

    /// Turns an ambiguous transmit failure (`what`) into "card removed" / "reader gone" when
    /// the reader state says so. A reader driver notices a vanished card only on its next
    /// presence poll (pcscd polls drivers without card events every 400 ms; vpcd is one), so
    /// a card still shown present is watched for up to [`REMOVAL_GRACE`].
    fn classify_failure(&self, what: String) -> TransportError {
        let other = TransportError::Other(format!("{}: {what}", self.reader));
        let Ok(name) = CString::new(self.reader.as_str()) else {
            return other;
        };
        let gone = || TransportError::NoReader(format!("{}: reader gone ({what})", self.reader));
        let removed = || TransportError::CardRemoved(format!("{}: {what}", self.reader));
        let mut states = [ReaderState::new(name, State::UNAWARE)];
        let deadline = Instant::now() + REMOVAL_GRACE;
        let mut timeout = Duration::ZERO;
        loop {
            match self.ctx.get_status_change(timeout, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => return other,
                Err(pcsc::Error::UnknownReader) => return gone(),
                Err(_) => return other,
            }
            let [state] = &mut states;
            let event = state.event_state();
            if event.intersects(State::UNKNOWN | State::IGNORE) {
                return gone();
            }
            if !event.contains(State::PRESENT) || event.contains(State::MUTE) {
                return removed();
            }
            timeout = deadline.saturating_duration_since(Instant::now());
            if timeout.is_zero() {
                return other;
            }
            state.sync_current_state();
        }
    }
}

/// How long a failed exchange waits for the reader to report the card's removal.
const REMOVAL_GRACE: Duration = Duration::from_millis(1500);

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.capabilities.admit(command)?;
        let Some(card) = self.card.as_ref() else {
            return Err(TransportError::Other("connection already closed".into()));
        };
        match card.transmit(command, &mut self.receive) {
            // No status word: not an answer a card gives. vpcd reports a card that vanished
            // mid-command this way (an empty response with success).
            Ok(response) if response.len() < 2 => {
                let what = format!("reader returned {} bytes, no status word", response.len());
                Err(self.classify_failure(what))
            }
            Ok(response) => {
                if response.len() > self.capabilities.max_response_len {
                    return Err(TransportError::ResponseTooLong {
                        len: response.len(),
                        max: self.capabilities.max_response_len,
                    });
                }
                Ok(response.to_vec())
            }
            Err(e) => match map_error(e, &self.reader) {
                TransportError::Other(_) => Err(self.classify_failure(format!("PC/SC error: {e}"))),
                typed => Err(typed),
            },
        }
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}

impl Drop for PcscTransport {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            // Errors on the way out have nowhere to go; close() reports them.
            let _ = card.disconnect(Disposition::ResetCard);
        }
    }
}

/// Every reader with its card state and ATR (a fresh context).
pub fn list_readers() -> Result<Vec<ReaderInfo>, TransportError> {
    PcscContext::establish()?.readers()
}

/// Resolves `reader` ([`PcscContext::resolve_reader`]), waits up to `wait` for a card, connects
/// and wraps the connection in [`StatusWordHandling`]: what the reader code needs.
pub fn open(
    reader: &str,
    wait: Duration,
) -> Result<StatusWordHandling<PcscTransport>, TransportError> {
    open_with(reader, wait, ConnectOptions::default())
}

/// [`open`] with options.
pub fn open_with(
    reader: &str,
    wait: Duration,
    options: ConnectOptions,
) -> Result<StatusWordHandling<PcscTransport>, TransportError> {
    let ctx = PcscContext::establish()?;
    let name = ctx.resolve_reader(reader)?;
    ctx.wait_for_card(&name, wait)?;
    Ok(StatusWordHandling::new(ctx.connect_with(&name, options)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
