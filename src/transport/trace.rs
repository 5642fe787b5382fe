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
/// let chip = InMemory::new(|_: &[u8]| vec![0x90, 0x00], Capabilities::SHORT);
/// let mut lines = Vec::new();
/// let mut link = Traced::new(chip, |e: &_| lines.push(format!("{e}")));
/// link.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]).unwrap();
/// drop(link);
/// assert_eq!(lines, ["#1 > 00A4020C Lc=2 [011E] < 0 bytes 9000 (success)"]);
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
mod tests {
    use super::*;
    use crate::apdu::Response;
    use crate::transport::InMemory;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn commands_are_redacted() {
        // Plain SELECT and READ BINARY: data shown.
        assert_eq!(
            redact_command(&hex("00A4020C02011E")),
            "00A4020C Lc=2 [011E]"
        );
        assert_eq!(redact_command(&hex("00B0000004")), "00B00000 Le=4");
        assert_eq!(redact_command(&hex("0084000008")), "00840000 Le=8");
        // EXTERNAL AUTHENTICATE with E_IFD‖M_IFD (ICAO 9303 Part 11 Appendix D.3).
        let ea = hex(
            "0082000028 72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7 28",
        );
        assert_eq!(redact_command(&ea), "00820000 Lc=40 <redacted> Le=40");
        // GENERAL AUTHENTICATE (PACE) and MSE:Set AT.
        assert_eq!(
            redact_command(&hex("10860000 02 7C00 00")),
            "10860000 Lc=2 <redacted> Le=256"
        );
        assert_eq!(
            redact_command(&hex("0022C1A4 0F 800A04007F00070202040202 830101")),
            "0022C1A4 Lc=15 <redacted>"
        );
        // An SM-protected SELECT (ICAO 9303 Part 11 Appendix D.4): CLA 0C hides the data.
        let sm_select = hex("0CA4020C 15 8709016375432908C044F6 8E08BF8B92D635FF24F8 00");
        assert_eq!(
            redact_command(&sm_select),
            "0CA4020C Lc=21 <redacted> Le=256"
        );
        // Unknown INS: redacted by default.
        assert_eq!(
            redact_command(&hex("00DA0000 02 ABCD")),
            "00DA0000 Lc=2 <redacted>"
        );
        assert_eq!(redact_command(&hex("00A4")), "<2 bytes, not an APDU>");
        assert!(!redact_command(&ea).contains("72C29C23"));
        assert!(!redact_command(&sm_select).contains("8709"));
    }

    #[test]
    fn responses_are_logged_as_length_and_sw_only() {
        let chip = InMemory::new(
            |c: &[u8]| match c.get(1) {
                Some(0x84) => {
                    Response::new(hex("4608F91988702212"), StatusWord::SUCCESS).to_bytes()
                }
                Some(0xB0) => vec![0x90],
                _ => Response::status(StatusWord::FILE_NOT_FOUND).to_bytes(),
            },
            Capabilities {
                max_command_len: 10,
                ..Capabilities::SHORT
            },
        );
        let mut entries = Vec::new();
        let mut link = Traced::new(chip, |e: &TraceEntry| entries.push(e.clone()));
        // GET CHALLENGE: the RND.IC of ICAO 9303 Part 11 Appendix D.3 must not appear.
        let r = link.transmit(&hex("0084000008")).unwrap();
        assert_eq!(r.len(), 10);
        link.transmit(&hex("00A4020C020101")).unwrap();
        link.transmit(&hex("00B0000004")).unwrap();
        assert!(link.transmit(&hex("00D6000008 0102030405060708")).is_err());
        assert_eq!(link.exchanges(), 4);
        assert_eq!(link.capabilities().max_command_len, 10);
        let _chip = link.into_inner();
        assert_eq!(
            entries[0].outcome,
            TraceOutcome::Response {
                len: 8,
                sw: Some(StatusWord::SUCCESS)
            }
        );
        assert_eq!(
            entries[1].outcome,
            TraceOutcome::Response {
                len: 0,
                sw: Some(StatusWord::FILE_NOT_FOUND)
            }
        );
        assert_eq!(
            entries[2].outcome,
            TraceOutcome::Response { len: 1, sw: None }
        );
        assert!(matches!(entries[3].outcome, TraceOutcome::Error(_)));
        let text: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        assert_eq!(text[0], "#1 > 00840000 Le=8 < 8 bytes 9000 (success)");
        assert_eq!(
            text[1],
            "#2 > 00A4020C Lc=2 [0101] < 0 bytes 6A82 (file or application not found)"
        );
        assert_eq!(text[2], "#3 > 00B00000 Le=4 < 1 bytes, no status word");
        assert!(text[3].starts_with("#4 > 00D60000 Lc=8 <redacted> < error: "));
        for t in &text {
            assert!(!t.contains("4608F919"), "{t}");
        }
    }
}
