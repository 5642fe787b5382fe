//! ISO/IEC 7816-4 command and response APDUs: cases 1–4, short and extended length, status words.

use thiserror::Error;

/// A command APDU (ISO/IEC 7816-4 §5.1).
///
/// `le` is the number of response bytes expected: `None` for no response data
/// (case 1/3), `Some(n)` otherwise; `Some(256)` encodes as short `Le = 00`
/// and `Some(65536)` as extended `Le = 0000`.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data field (Lc is its length).
    pub data: Vec<u8>,
    /// Expected response length, if any.
    pub le: Option<usize>,
}

/// A response APDU: data followed by the two status bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data field.
    pub data: Vec<u8>,
    /// Status word (SW1 SW2).
    pub sw: StatusWord,
}

/// The status word SW1‖SW2 that ends every response APDU.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

/// Errors building or parsing APDUs.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApduError {
    /// The response was shorter than the two status bytes.
    #[error("response APDU of {0} bytes is shorter than the 2-byte status word")]
    ResponseTooShort(usize),
    /// The command data is longer than extended length allows (65535).
    #[error("command data of {0} bytes exceeds the extended-length maximum of 65535")]
    DataTooLong(usize),
    /// Le is out of range (0 or above 65536).
    #[error("expected length Le={0} is out of range 1..=65536")]
    LeOutOfRange(usize),
}

impl std::fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl StatusWord {
    /// 9000: normal processing.
    pub const SUCCESS: StatusWord = StatusWord(0x9000);

    /// SW1.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }
    /// SW2.
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }
    /// True for 9000.
    pub fn is_success(self) -> bool {
        self == Self::SUCCESS
    }
}

impl Command {
    /// A command with the given header and no data and no expected response (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }
    /// Sets the command data.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }
    /// Sets the expected response length.
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }
    /// True if this command needs extended length encoding.
    pub fn needs_extended(&self) -> bool {
        self.data.len() > 255 || self.le.is_some_and(|le| le > 256)
    }
    /// Encodes the command (ISO/IEC 7816-4 §5.1), choosing short length when both
    /// Lc and Le fit and extended length otherwise.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > 65535 {
            return Err(ApduError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && (le == 0 || le > 65536)
        {
            return Err(ApduError::LeOutOfRange(le));
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let extended = self.needs_extended();
        if !self.data.is_empty() {
            if extended {
                out.push(0);
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            if extended {
                if self.data.is_empty() {
                    out.push(0);
                }
                out.extend_from_slice(&((le % 65536) as u16).to_be_bytes());
            } else {
                out.push((le % 256) as u8);
            }
        }
        Ok(out)
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Command data may carry key material (EXTERNAL AUTHENTICATE, PACE): never print it.
        f.debug_struct("Command")
            .field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &format_args!("{:02X}", self.ins))
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2))
            .field("lc", &self.data.len())
            .field("le", &self.le)
            .finish()
    }
}

impl Response {
    /// Splits raw response bytes into data and status word.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        if bytes.len() < 2 {
            return Err(ApduError::ResponseTooShort(bytes.len()));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(Response {
            data: data.to_vec(),
            sw: StatusWord(u16::from_be_bytes([sw[0], sw[1]])),
        })
    }
    /// Encodes data followed by the status word.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.0.to_be_bytes());
        out
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Response data may be decrypted personal data: print only its length.
        f.debug_struct("Response")
            .field("len", &self.data.len())
            .field("sw", &self.sw)
            .finish()
    }
}
