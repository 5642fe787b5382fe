//! An APDU trace for debugging a chip session, with secrets kept out: a [`Transport`] wrapper
//! that reports every exchange to a caller-supplied sink.

use super::{Capabilities, Transport, TransportError};
use crate::apdu::{Command, StatusWord, ins};

/// INS codes whose command data is shown in a trace: file selection and reading carry only
/// file identifiers, offsets and lengths. Everything else (EXTERNAL/GENERAL AUTHENTICATE, MSE,
/// VERIFY, INTERNAL AUTHENTICATE, unknown INS) has its data redacted.
const DATA_SHOWN: [u8; 5] = [
    ins::SELECT,
    ins::READ_BINARY,
    ins::READ_BINARY_ODD,
    ins::GET_RESPONSE,
    ins::GET_CHALLENGE,
];

/// Renders a command APDU for a trace: the header in hex, then Lc with the data in hex only
/// for plain (non-SM) commands from a short allow-list (SELECT, READ BINARY, GET RESPONSE,
/// GET CHALLENGE), and Le. Key-bearing commands (EXTERNAL AUTHENTICATE `82`, GENERAL
/// AUTHENTICATE `86`, MSE `22`, …) and every secure-messaging command (CLA SM bits, e.g. `0C`)
/// show only the data length. Bytes that are not a valid APDU show only their length.
pub fn redact_command(command: &[u8]) -> String {
    let Ok(c) = Command::parse(command) else {
        return format!("<{} bytes, not an APDU>", command.len());
    };
    let mut out = format!("{:02X}{:02X}{:02X}{:02X}", c.cla, c.ins, c.p1, c.p2);
    if !c.data.is_empty() {
        if !c.is_secure_messaging() && DATA_SHOWN.contains(&c.ins) {
            out.push_str(&format!(
                " Lc={} [{}]",
                c.data.len(),
                hex::encode_upper(&c.data)
            ));
        } else {
            out.push_str(&format!(" Lc={} <redacted>", c.data.len()));
        }
    }
    if let Some(le) = c.le {
        out.push_str(&format!(" Le={le}"));
    }
    out
}

/// How one traced exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceOutcome {
    /// A response came back: its data length (never the data) and status word
    /// (`None` if the response was shorter than two bytes).
    Response {
        /// Response data length, status word excluded.
        len: usize,
        /// The status word.
        sw: Option<StatusWord>,
    },
    /// The link failed, with the error's message.
    Error(String),
}

/// One traced exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    /// Sequence number, from 1.
    pub seq: u64,
    /// The command as [`redact_command`] renders it.
    pub command: String,
    /// What came back.
    pub outcome: TraceOutcome,
}

impl std::fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} > {} < ", self.seq, self.command)?;
        match &self.outcome {
            TraceOutcome::Response { len, sw: Some(sw) } => write!(f, "{len} bytes {sw:#}"),
            TraceOutcome::Response { len, sw: None } => write!(f, "{len} bytes, no status word"),
            TraceOutcome::Error(e) => write!(f, "error: {e}"),
        }
    }
}

/// A [`Transport`] wrapper that reports every exchange to `sink` as a redacted
/// [`TraceEntry`]. Response data is never passed to the sink, only its length and SW.
///
/// ```
/// use bankid_activation::transport::{Capabilities, InMemory, Traced, Transport};
/// # fn main() -> Result<(), bankid_activation::transport::TransportError> {
/// let chip = InMemory::new(|_: &[u8]| vec![0x90, 0x00], Capabilities::SHORT);
/// let mut lines = Vec::new();
/// let mut link = Traced::new(chip, |e: &_| lines.push(format!("{e}")));
/// link.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E])?;
/// drop(link);
/// assert_eq!(lines, ["#1 > 00A4020C Lc=2 [011E] < 0 bytes 9000 (success)"]);
/// # Ok(())
/// # }
/// ```
pub struct Traced<T, S> {
    inner: T,
    sink: S,
    seq: u64,
}

impl<T, S> std::fmt::Debug for Traced<T, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Traced").field("seq", &self.seq).finish()
    }
}

impl<T: Transport, S: FnMut(&TraceEntry)> Traced<T, S> {
    /// Wraps `inner`, reporting to `sink`.
    pub fn new(inner: T, sink: S) -> Self {
        Traced {
            inner,
            sink,
            seq: 0,
        }
    }

    /// The number of exchanges traced so far.
    pub fn exchanges(&self) -> u64 {
        self.seq
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Unwraps the transport.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: Transport, S: FnMut(&TraceEntry)> Transport for Traced<T, S> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.seq = self.seq.saturating_add(1);
        let result = self.inner.transmit(command);
        let outcome = match &result {
            Ok(response) => match response.split_last_chunk::<2>() {
                Some((data, sw)) => TraceOutcome::Response {
                    len: data.len(),
                    sw: Some(StatusWord::new(sw[0], sw[1])),
                },
                None => TraceOutcome::Response {
                    len: response.len(),
                    sw: None,
                },
            },
            Err(e) => TraceOutcome::Error(e.to_string()),
        };
        (self.sink)(&TraceEntry {
            seq: self.seq,
            command: redact_command(command),
            outcome,
        });
        result
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
