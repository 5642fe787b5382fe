//! Serves any [`ApduHandler`] to `pcscd` as a card in a virtual reader, over the TCP protocol
//! of vsmartcard's vpcd driver, so that every PC/SC application (our `transport::pcsc`,
//! `pcsc_scan`, `opensc-tool`) sees the software chip as a real card.
//!
//! The protocol, as vsmartcard's `vpcd.c` and `VirtualSmartcard.py` implement it: the vpcd
//! driver inside `pcscd` listens on one TCP port per slot (35963 for "Virtual PCD 00 00",
//! 35964 for "Virtual PCD 00 01"); the card connects to it as a client. Every message in
//! either direction is a 2-byte big-endian length followed by that many bytes. A 1-byte
//! message from the driver is a control code: `00` power off, `01` power on, `02` reset
//! (none answered) and `04` "send your ATR" (answered with the ATR). Anything longer is a
//! command APDU, answered with the response APDU. The driver asks for the ATR every time
//! `pcscd` polls for card presence, and treats a closed connection (or an empty answer) as
//! the card leaving the field: stopping the server is how a test pulls the card.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use thiserror::Error;

use super::{EmulatedChip, EmulatorConfig, EmulatorError, FileSystem};
use crate::transport::ApduHandler;
use crate::transport::atr::emrtd_atr;

/// The port of vpcd's first slot ("Virtual PCD 00 00"); slot `n` listens on `DEFAULT_PORT + n`.
pub const DEFAULT_PORT: u16 = 35963;

/// The largest message the 2-byte length prefix can frame.
pub const MAX_MESSAGE_LEN: usize = 0xFFFF;

/// Control codes (vpcd.h).
const CTRL_OFF: u8 = 0;
const CTRL_ON: u8 = 1;
const CTRL_RESET: u8 = 2;
const CTRL_ATR: u8 = 4;

/// Answer when the handler's response cannot be framed (empty, or over 65535 bytes):
/// `6F00`, "no precise diagnosis" (ISO/IEC 7816-4 §5.6). An empty frame would make vpcd
/// eject the card.
const NO_PRECISE_DIAGNOSIS: [u8; 2] = [0x6F, 0x00];

/// How often a blocked read wakes up to look at the stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Errors of the vpcd card side.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VpcdError {
    /// `HOST:PORT` does not resolve to an address.
    #[error("vpcd address {addr:?} does not resolve: {reason}")]
    Address {
        /// The address as given.
        addr: String,
        /// Why.
        reason: String,
    },
    /// The driver could not be reached (and reconnecting is off).
    #[error("cannot connect to vpcd at {addr}: {source}")]
    Connect {
        /// The address tried.
        addr: SocketAddr,
        /// The socket error.
        source: io::Error,
    },
    /// The connection failed while serving (and reconnecting is off).
    #[error("vpcd connection failed: {0}")]
    Io(#[from] io::Error),
    /// The serving thread panicked (a handler bug).
    #[error("the vpcd serving thread panicked")]
    Panicked,
}

/// A card for vpcd: the APDU handler, the ATR it presents, and what to do on power events.
pub struct VpcdCard<H> {
    handler: H,
    atr: Vec<u8>,
    on_reset: Option<ResetHook<H>>,
    reconnect: bool,
    retry_delay: Duration,
}

type ResetHook<H> = Box<dyn FnMut(&mut H) + Send>;

/// What the serving thread hands back: the card and how serving ended.
type Served<H> = (VpcdCard<H>, Result<(), VpcdError>);

impl<H> std::fmt::Debug for VpcdCard<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VpcdCard")
            .field("atr", &hex::encode_upper(&self.atr))
            .field("reconnect", &self.reconnect)
            .finish_non_exhaustive()
    }
}

impl<H: ApduHandler> VpcdCard<H> {
    /// A card answering with `handler`, presenting [`emrtd_atr`]`(false)`
    /// (`3B 85 80 01 80 73 94 01 00 62`: ISO 14443-4 as PC/SC reports it, short length), and
    /// reconnecting every 100 ms when the driver is not there (pcscd not started yet, or
    /// restarted).
    pub fn new(handler: H) -> Self {
        VpcdCard {
            handler,
            atr: emrtd_atr(false),
            on_reset: None,
            reconnect: true,
            retry_delay: Duration::from_millis(100),
        }
    }

    /// A card whose handler `make` builds afresh on every power on, power off and reset, as a
    /// real chip loses its session state (selected files, secure messaging keys) with power.
    pub fn from_factory(mut make: impl FnMut() -> H + Send + 'static) -> Self
    where
        H: 'static,
    {
        let first = make();
        VpcdCard::new(first).on_reset(move |handler: &mut H| *handler = make())
    }

    /// Presents `atr` instead (e.g. [`emrtd_atr`]`(true)` to announce extended length).
    pub fn with_atr(mut self, atr: Vec<u8>) -> Self {
        self.atr = atr;
        self
    }

    /// Calls `hook` on power on, power off and reset, e.g. to drop the chip's session:
    /// `.on_reset(|chip: &mut FileService| chip.reset())`.
    pub fn on_reset(mut self, hook: impl FnMut(&mut H) + Send + 'static) -> Self {
        self.on_reset = Some(Box::new(hook));
        self
    }

    /// Whether to connect again when the driver is not reachable or closes the connection
    /// (default: yes). Without it, [`serve`] returns when the connection ends.
    pub fn reconnect(mut self, reconnect: bool) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// The ATR presented.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Unwraps the handler.
    pub fn into_handler(self) -> H {
        self.handler
    }
}

impl VpcdCard<EmulatedChip> {
    /// The project's software chip serving `fs` as a vpcd card, what `emulate --vpcd` serves:
    /// a fresh [`EmulatedChip`] on every power event (the secure messaging session ends with
    /// power, as on a real chip), and the ATR [`emrtd_atr`] announcing extended length when
    /// `config` has it.
    pub fn emulated_chip(fs: FileSystem, config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let first = EmulatedChip::new(fs.clone(), config.clone())?;
        let atr = emrtd_atr(config.extended_length);
        Ok(VpcdCard::new(first)
            .with_atr(atr)
            .on_reset(move |chip: &mut EmulatedChip| {
                // The same inputs built the first chip, so this succeeds; should it not, the
                // old chip stays rather than the card dying.
                if let Ok(fresh) = EmulatedChip::new(fs.clone(), config.clone()) {
                    *chip = fresh;
                }
            }))
    }
}

/// Stops a serving card from another thread: the connection is shut down at once, so the
/// driver sees the card leave the field, and [`serve`] returns.
#[derive(Debug, Clone, Default)]
pub struct StopHandle {
    inner: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    connected: AtomicBool,
    apdus: AtomicU64,
    connections: AtomicU64,
    stream: Mutex<Option<TcpStream>>,
}

impl StopHandle {
    /// A handle for a card not yet serving.
    pub fn new() -> Self {
        StopHandle::default()
    }

    /// Pulls the card: sets the stop flag and shuts the connection down.
    pub fn stop(&self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        let guard = self
            .inner
            .stream
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(stream) = guard.as_ref() {
            // Already closed is fine: the point is that it is closed.
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// True once [`StopHandle::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.inner.stop.load(Ordering::SeqCst)
    }

    /// True while connected to the driver.
    pub fn is_connected(&self) -> bool {
        self.inner.connected.load(Ordering::SeqCst)
    }

    /// Command APDUs answered so far.
    pub fn apdus(&self) -> u64 {
        self.inner.apdus.load(Ordering::SeqCst)
    }

    /// Connections made to the driver so far.
    pub fn connections(&self) -> u64 {
        self.inner.connections.load(Ordering::SeqCst)
    }

    fn set_stream(&self, stream: Option<TcpStream>) {
        let mut guard = self
            .inner
            .stream
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *guard = stream;
        // A stop that raced with the connect still takes effect.
        if let (true, Some(s)) = (self.is_stopped(), guard.as_ref()) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn resolve(addr: &str) -> Result<SocketAddr, VpcdError> {
    addr.to_socket_addrs()
        .map_err(|e| VpcdError::Address {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?
        .next()
        .ok_or_else(|| VpcdError::Address {
            addr: addr.to_string(),
            reason: "no address".into(),
        })
}

/// Sleeps `total` in small steps, returning early (true) when stopped.
fn sleep_unless_stopped(stop: &StopHandle, total: Duration) -> bool {
    let step = Duration::from_millis(20);
    let mut slept = Duration::ZERO;
    while slept < total {
        if stop.is_stopped() {
            return true;
        }
        std::thread::sleep(step);
        slept += step;
    }
    stop.is_stopped()
}

/// How one connection ended.
enum Ended {
    Stopped,
    Closed,
}

/// Reads exactly `buf.len()` bytes, waking every [`POLL_INTERVAL`] to look at the stop flag.
/// `Ok(false)`: the peer closed the connection (or we were stopped) before the first byte.
fn read_full(stream: &mut TcpStream, buf: &mut [u8], stop: &StopHandle) -> io::Result<bool> {
    let mut filled = 0usize;
    while filled < buf.len() {
        if stop.is_stopped() {
            return Ok(false);
        }
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match stream.read(rest) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("vpcd closed the connection inside a message ({filled} bytes read)"),
                ));
            }
            Ok(n) => filled = filled.saturating_add(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn send_frame(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 65535 bytes"))?;
    let mut frame = Vec::with_capacity(payload.len().saturating_add(2));
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    stream.flush()
}

fn serve_connection<H: ApduHandler>(
    stream: &mut TcpStream,
    card: &mut VpcdCard<H>,
    stop: &StopHandle,
) -> io::Result<Ended> {
    let mut len = [0u8; 2];
    // At most one message (≤ 65535 bytes) is held at a time.
    let mut message = Vec::new();
    loop {
        if !read_full(stream, &mut len, stop)? {
            return Ok(if stop.is_stopped() {
                Ended::Stopped
            } else {
                Ended::Closed
            });
        }
        let n = usize::from(u16::from_be_bytes(len));
        message.clear();
        message.resize(n, 0);
        if n > 0 && !read_full(stream, &mut message, stop)? {
            return Ok(if stop.is_stopped() {
                Ended::Stopped
            } else {
                Ended::Closed
            });
        }
        match message.as_slice() {
            // An empty message has no meaning; vsmartcard's card side ignores it too.
            [] => {}
            [CTRL_ATR] => send_frame(stream, &card.atr)?,
            [CTRL_ON | CTRL_OFF | CTRL_RESET] => {
                if let Some(hook) = card.on_reset.as_mut() {
                    hook(&mut card.handler);
                }
            }
            // Unknown control codes are ignored, as vsmartcard does.
            [_] => {}
            apdu => {
                let response = card.handler.process(apdu);
                stop.inner.apdus.fetch_add(1, Ordering::SeqCst);
                if response.is_empty() || response.len() > MAX_MESSAGE_LEN {
                    send_frame(stream, &NO_PRECISE_DIAGNOSIS)?;
                } else {
                    send_frame(stream, &response)?;
                }
            }
        }
    }
}

/// Serves `card` to the vpcd driver at `addr` (`HOST:PORT`) until `stop` is stopped, or, with
/// reconnecting off, until the first connection ends. Blocks the calling thread.
pub fn serve<H: ApduHandler>(
    addr: &str,
    card: &mut VpcdCard<H>,
    stop: &StopHandle,
) -> Result<(), VpcdError> {
    let target = resolve(addr)?;
    loop {
        if stop.is_stopped() {
            return Ok(());
        }
        let mut stream = match TcpStream::connect_timeout(&target, Duration::from_secs(2)) {
            Ok(s) => s,
            Err(_) if card.reconnect => {
                if sleep_unless_stopped(stop, card.retry_delay) {
                    return Ok(());
                }
                continue;
            }
            Err(source) => {
                return Err(VpcdError::Connect {
                    addr: target,
                    source,
                });
            }
        };
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(POLL_INTERVAL))?;
        stop.set_stream(Some(stream.try_clone()?));
        stop.inner.connections.fetch_add(1, Ordering::SeqCst);
        stop.inner.connected.store(true, Ordering::SeqCst);
        let ended = serve_connection(&mut stream, card, stop);
        stop.inner.connected.store(false, Ordering::SeqCst);
        stop.set_stream(None);
        let _ = stream.shutdown(Shutdown::Both);
        match ended {
            Ok(Ended::Stopped) => return Ok(()),
            _ if stop.is_stopped() => return Ok(()),
            Ok(Ended::Closed) if card.reconnect => {}
            Ok(Ended::Closed) => return Ok(()),
            Err(_) if card.reconnect => {}
            Err(e) => return Err(VpcdError::Io(e)),
        }
        if sleep_unless_stopped(stop, card.retry_delay) {
            return Ok(());
        }
    }
}

/// A card served on its own thread; dropping it stops the card.
pub struct VpcdServer<H> {
    stop: StopHandle,
    thread: Option<JoinHandle<Served<H>>>,
}

impl<H> std::fmt::Debug for VpcdServer<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VpcdServer")
            .field("stop", &self.stop)
            .finish_non_exhaustive()
    }
}

/// Starts serving `card` to the vpcd driver at `addr` on a new thread.
pub fn spawn<H: ApduHandler + Send + 'static>(
    addr: &str,
    card: VpcdCard<H>,
) -> Result<VpcdServer<H>, VpcdError> {
    // Resolve here so a bad address is reported to the caller, not lost in the thread.
    resolve(addr)?;
    let stop = StopHandle::new();
    let thread_stop = stop.clone();
    let addr = addr.to_string();
    let thread = std::thread::Builder::new()
        .name("vpcd-card".into())
        .spawn(move || {
            let mut card = card;
            let result = serve(&addr, &mut card, &thread_stop);
            (card, result)
        })?;
    Ok(VpcdServer {
        stop,
        thread: Some(thread),
    })
}

impl<H> VpcdServer<H> {
    /// A handle to stop the card from elsewhere (e.g. from inside its handler).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// True while connected to the driver.
    pub fn is_connected(&self) -> bool {
        self.stop.is_connected()
    }

    /// Waits up to `timeout` for the connection to the driver; true if connected.
    pub fn wait_connected(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while !self.is_connected() {
            if std::time::Instant::now() >= deadline || self.stop.is_stopped() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    /// Stops the card and returns it with how serving ended.
    pub fn stop(mut self) -> (Option<VpcdCard<H>>, Result<(), VpcdError>) {
        self.stop.stop();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok((card, result))) => (Some(card), result),
            Some(Err(_)) => (None, Err(VpcdError::Panicked)),
            None => (None, Ok(())),
        }
    }
}

impl<H> Drop for VpcdServer<H> {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
