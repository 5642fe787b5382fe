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
    /// A command APDU shorter than its 4-byte header.
    #[error("command APDU of {0} bytes is shorter than the 4-byte header")]
    CommandTooShort(usize),
    /// The body after the header fits none of the cases of ISO/IEC 7816-4 §5.1: the
    /// announced Lc (and Le) do not add up to the bytes present.
    #[error("command APDU of {len} bytes is inconsistent: {form} Lc={lc} does not match the body")]
    InconsistentLength {
        /// Total APDU length.
        len: usize,
        /// The Lc value read (0 if the body is too short to hold one).
        lc: usize,
        /// `"short"` or `"extended"`: the length form the body's first byte selected.
        form: &'static str,
    },
    /// An extended length field (`00` at offset 4) with fewer than the two bytes that follow.
    #[error("command APDU of {0} bytes has a truncated extended length field")]
    TruncatedExtendedLength(usize),
    /// Short length encoding was requested for a command whose Lc or Le needs extended length.
    #[error("command needs extended length (Lc > 255 or Le > 256)")]
    NeedsExtendedLength,
    /// A parameter out of the range its command allows (e.g. READ BINARY offset above 7FFF).
    #[error("{what} = {value:#X} is out of range")]
    ParameterOutOfRange {
        /// Which parameter.
        what: &'static str,
        /// The value given.
        value: usize,
    },
}

/// The ISO/IEC 7816-4 §5.1 case of a command: whether it carries data and expects data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApduCase {
    /// No command data, no response data.
    Case1,
    /// No command data, response data expected (Le).
    Case2,
    /// Command data (Lc), no response data.
    Case3,
    /// Command data and response data expected.
    Case4,
}

/// How Lc/Le were encoded: one byte each, or extended (`00` then two bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthForm {
    /// Short length fields (Lc 1..=255, Le 1..=256 with 00 meaning 256).
    Short,
    /// Extended length fields (Lc 1..=65535, Le 1..=65536 with 0000 meaning 65536).
    Extended,
}

impl std::fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

/// `{}` prints the four hex digits (`6A82`); the alternate form `{:#}` adds the meaning
/// (`6A82 (file or application not found)`).
impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if f.alternate() {
            write!(f, "{:04X} ({})", self.0, self.meaning())
        } else {
            write!(f, "{:04X}", self.0)
        }
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
        let form = if self.needs_extended() {
            LengthForm::Extended
        } else {
            LengthForm::Short
        };
        self.encode(form)
    }

    /// Encodes the command with the given length form; `Short` fails with
    /// [`ApduError::NeedsExtendedLength`] if Lc or Le does not fit. A case 1 command has no
    /// length fields and encodes the same in both forms.
    pub fn encode(&self, form: LengthForm) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > 65535 {
            return Err(ApduError::DataTooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && (le == 0 || le > 65536)
        {
            return Err(ApduError::LeOutOfRange(le));
        }
        let extended = match form {
            LengthForm::Extended => true,
            LengthForm::Short if self.needs_extended() => {
                return Err(ApduError::NeedsExtendedLength);
            }
            LengthForm::Short => false,
        };
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
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
                // 65536 is encoded as 0000 (ISO/IEC 7816-4 §5.1).
                out.extend_from_slice(&((le % 65536) as u16).to_be_bytes());
            } else {
                // 256 is encoded as 00.
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

/// What a status word means (ISO/IEC 7816-4 §5.6, Tables 5–6, with the uses ICAO 9303 Part 10
/// and Part 11 make of them). Codes without a dedicated variant fall into the `Other*` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusMeaning {
    /// 9000: normal processing.
    Success,
    /// 61xx: normal processing, `remaining` bytes still available through GET RESPONSE
    /// (`61 00` means 256 or more).
    MoreDataAvailable {
        /// Bytes available; 256 when SW2 is 00.
        remaining: usize,
    },
    /// 6281: part of the returned data may be corrupted.
    WarningDataCorrupted,
    /// 6282: end of file or record reached before reading Le bytes.
    WarningEndOfFile,
    /// 6300: warning, no information given; chips answer a failed EXTERNAL/MUTUAL or GENERAL
    /// AUTHENTICATE with it (ICAO 9303 Part 11).
    AuthenticationFailed,
    /// 63Cx: warning with a counter, e.g. PACE password retries left (ICAO 9303 Part 11 §4.4).
    CounterWarning {
        /// The counter value x.
        remaining: u8,
    },
    /// 6581: memory failure.
    MemoryFailure,
    /// 6700: wrong length (Lc or Le).
    WrongLength,
    /// 6881: logical channel not supported.
    LogicalChannelNotSupported,
    /// 6882: secure messaging not supported.
    SecureMessagingNotSupported,
    /// 6883: last command of the chain expected.
    LastCommandOfChainExpected,
    /// 6884: command chaining not supported.
    ChainingNotSupported,
    /// 6900: command not allowed, no information given.
    CommandNotAllowed,
    /// 6981: command incompatible with the file structure.
    IncompatibleFileStructure,
    /// 6982: security status not satisfied (e.g. reading a file before access control).
    SecurityStatusNotSatisfied,
    /// 6983: authentication method blocked.
    AuthenticationMethodBlocked,
    /// 6984: reference data not usable.
    ReferenceDataNotUsable,
    /// 6985: conditions of use not satisfied.
    ConditionsOfUseNotSatisfied,
    /// 6986: command not allowed (no current EF).
    NoCurrentEf,
    /// 6987: expected secure messaging data objects missing.
    SmDataObjectsMissing,
    /// 6988: secure messaging data objects incorrect (e.g. wrong MAC).
    SmDataObjectsIncorrect,
    /// 6A80: incorrect parameters in the command data field.
    IncorrectDataField,
    /// 6A81: function not supported.
    FunctionNotSupported,
    /// 6A82: file or application not found.
    FileNotFound,
    /// 6A83: record not found.
    RecordNotFound,
    /// 6A84: not enough memory space in the file.
    NotEnoughMemory,
    /// 6A86: incorrect parameters P1-P2.
    IncorrectP1P2,
    /// 6A87: Lc inconsistent with P1-P2.
    LcInconsistentWithP1P2,
    /// 6A88: referenced data or reference data not found.
    ReferencedDataNotFound,
    /// 6B00: wrong parameters P1-P2; READ BINARY answers it for an offset beyond the file.
    WrongP1P2,
    /// 6Cxx: wrong Le; `exact` is the number of bytes available (`6C 00` means 256).
    WrongLe {
        /// The Le to resend with; 256 when SW2 is 00.
        exact: usize,
    },
    /// 6D00: instruction code not supported or invalid.
    InsNotSupported,
    /// 6E00: class not supported.
    ClaNotSupported,
    /// 6F00: no precise diagnosis.
    NoPreciseDiagnosis,
    /// Another 62xx/63xx warning: processing completed, with a warning.
    OtherWarning(StatusWord),
    /// Another 64xx–6Fxx error.
    OtherError(StatusWord),
    /// 9xxx other than 9000, or a value outside the ISO ranges: proprietary.
    Proprietary(StatusWord),
}

impl std::fmt::Display for StatusMeaning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use StatusMeaning::*;
        match self {
            Success => f.write_str("success"),
            MoreDataAvailable { remaining } => {
                write!(f, "{remaining} more bytes available")
            }
            WarningDataCorrupted => f.write_str("part of the returned data may be corrupted"),
            WarningEndOfFile => f.write_str("end of file reached before reading Le bytes"),
            AuthenticationFailed => f.write_str("no information given (authentication failed)"),
            CounterWarning { remaining } => write!(f, "warning, counter {remaining}"),
            MemoryFailure => f.write_str("memory failure"),
            WrongLength => f.write_str("wrong length"),
            LogicalChannelNotSupported => f.write_str("logical channel not supported"),
            SecureMessagingNotSupported => f.write_str("secure messaging not supported"),
            LastCommandOfChainExpected => f.write_str("last command of the chain expected"),
            ChainingNotSupported => f.write_str("command chaining not supported"),
            CommandNotAllowed => f.write_str("command not allowed"),
            IncompatibleFileStructure => f.write_str("command incompatible with file structure"),
            SecurityStatusNotSatisfied => f.write_str("security status not satisfied"),
            AuthenticationMethodBlocked => f.write_str("authentication method blocked"),
            ReferenceDataNotUsable => f.write_str("reference data not usable"),
            ConditionsOfUseNotSatisfied => f.write_str("conditions of use not satisfied"),
            NoCurrentEf => f.write_str("command not allowed (no current EF)"),
            SmDataObjectsMissing => f.write_str("expected secure messaging data objects missing"),
            SmDataObjectsIncorrect => f.write_str("secure messaging data objects incorrect"),
            IncorrectDataField => f.write_str("incorrect parameters in the data field"),
            FunctionNotSupported => f.write_str("function not supported"),
            FileNotFound => f.write_str("file or application not found"),
            RecordNotFound => f.write_str("record not found"),
            NotEnoughMemory => f.write_str("not enough memory space in the file"),
            IncorrectP1P2 => f.write_str("incorrect parameters P1-P2"),
            LcInconsistentWithP1P2 => f.write_str("Lc inconsistent with P1-P2"),
            ReferencedDataNotFound => f.write_str("referenced data not found"),
            WrongP1P2 => f.write_str("wrong parameters P1-P2 (offset beyond file?)"),
            WrongLe { exact } => write!(f, "wrong Le, {exact} bytes available"),
            InsNotSupported => f.write_str("instruction not supported"),
            ClaNotSupported => f.write_str("class not supported"),
            NoPreciseDiagnosis => f.write_str("no precise diagnosis"),
            OtherWarning(sw) => write!(f, "warning {:04X}", sw.0),
            OtherError(sw) => write!(f, "error {:04X}", sw.0),
            Proprietary(sw) => write!(f, "proprietary status {:04X}", sw.0),
        }
    }
}

impl StatusWord {
    /// 6282: end of file reached before Le bytes.
    pub const END_OF_FILE: StatusWord = StatusWord(0x6282);
    /// 6300: no information given / authentication failed.
    pub const AUTHENTICATION_FAILED: StatusWord = StatusWord(0x6300);
    /// 6700: wrong length.
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// 6882: secure messaging not supported.
    pub const SM_NOT_SUPPORTED: StatusWord = StatusWord(0x6882);
    /// 6982: security status not satisfied.
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// 6985: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// 6986: command not allowed, no current EF.
    pub const NO_CURRENT_EF: StatusWord = StatusWord(0x6986);
    /// 6987: SM data objects missing.
    pub const SM_DATA_MISSING: StatusWord = StatusWord(0x6987);
    /// 6988: SM data objects incorrect.
    pub const SM_DATA_INCORRECT: StatusWord = StatusWord(0x6988);
    /// 6A80: incorrect data field.
    pub const INCORRECT_DATA: StatusWord = StatusWord(0x6A80);
    /// 6A82: file not found.
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// 6A86: incorrect P1-P2.
    pub const INCORRECT_P1P2: StatusWord = StatusWord(0x6A86);
    /// 6A88: referenced data not found.
    pub const REFERENCED_DATA_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    /// 6B00: wrong P1-P2 (offset beyond the file).
    pub const WRONG_P1P2: StatusWord = StatusWord(0x6B00);
    /// 6D00: INS not supported.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    /// 6E00: CLA not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    /// 6F00: no precise diagnosis.
    pub const NO_PRECISE_DIAGNOSIS: StatusWord = StatusWord(0x6F00);

    /// Builds a status word from SW1 and SW2.
    pub const fn new(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    /// The named meaning of this status word.
    pub fn meaning(self) -> StatusMeaning {
        use StatusMeaning::*;
        let counted = |sw2: u8| if sw2 == 0 { 256 } else { usize::from(sw2) };
        match (self.sw1(), self.sw2()) {
            (0x90, 0x00) => Success,
            (0x61, sw2) => MoreDataAvailable {
                remaining: counted(sw2),
            },
            (0x62, 0x81) => WarningDataCorrupted,
            (0x62, 0x82) => WarningEndOfFile,
            (0x63, 0x00) => AuthenticationFailed,
            (0x63, sw2) if sw2 & 0xF0 == 0xC0 => CounterWarning {
                remaining: sw2 & 0x0F,
            },
            (0x62 | 0x63, _) => OtherWarning(self),
            (0x65, 0x81) => MemoryFailure,
            (0x67, 0x00) => WrongLength,
            (0x68, 0x81) => LogicalChannelNotSupported,
            (0x68, 0x82) => SecureMessagingNotSupported,
            (0x68, 0x83) => LastCommandOfChainExpected,
            (0x68, 0x84) => ChainingNotSupported,
            (0x69, 0x00) => CommandNotAllowed,
            (0x69, 0x81) => IncompatibleFileStructure,
            (0x69, 0x82) => SecurityStatusNotSatisfied,
            (0x69, 0x83) => AuthenticationMethodBlocked,
            (0x69, 0x84) => ReferenceDataNotUsable,
            (0x69, 0x85) => ConditionsOfUseNotSatisfied,
            (0x69, 0x86) => NoCurrentEf,
            (0x69, 0x87) => SmDataObjectsMissing,
            (0x69, 0x88) => SmDataObjectsIncorrect,
            (0x6A, 0x80) => IncorrectDataField,
            (0x6A, 0x81) => FunctionNotSupported,
            (0x6A, 0x82) => FileNotFound,
            (0x6A, 0x83) => RecordNotFound,
            (0x6A, 0x84) => NotEnoughMemory,
            (0x6A, 0x86) => IncorrectP1P2,
            (0x6A, 0x87) => LcInconsistentWithP1P2,
            (0x6A, 0x88) => ReferencedDataNotFound,
            (0x6B, 0x00) => WrongP1P2,
            (0x6C, sw2) => WrongLe {
                exact: counted(sw2),
            },
            (0x6D, 0x00) => InsNotSupported,
            (0x6E, 0x00) => ClaNotSupported,
            (0x6F, 0x00) => NoPreciseDiagnosis,
            (0x64..=0x6F, _) => OtherError(self),
            _ => Proprietary(self),
        }
    }

    /// True for 62xx and 63xx: processing completed with a warning (data may be present).
    pub fn is_warning(self) -> bool {
        matches!(self.sw1(), 0x62 | 0x63)
    }

    /// True for 64xx–6Fxx: processing aborted, no response data.
    pub fn is_error(self) -> bool {
        matches!(self.sw1(), 0x64..=0x6F)
    }

    /// For 61xx, the number of bytes GET RESPONSE can fetch (256 for `61 00`).
    pub fn more_data(self) -> Option<usize> {
        match self.meaning() {
            StatusMeaning::MoreDataAvailable { remaining } => Some(remaining),
            _ => None,
        }
    }

    /// For 6Cxx, the exact Le to resend the command with (256 for `6C 00`).
    pub fn exact_le(self) -> Option<usize> {
        match self.meaning() {
            StatusMeaning::WrongLe { exact } => Some(exact),
            _ => None,
        }
    }
}

/// INS codes the eMRTD protocols use (ICAO 9303 Part 10 §3, Part 11 §4, ISO/IEC 7816-4 §11).
pub mod ins {
    /// SELECT.
    pub const SELECT: u8 = 0xA4;
    /// READ BINARY with the offset in P1-P2 or an SFI in P1.
    pub const READ_BINARY: u8 = 0xB0;
    /// READ BINARY, odd INS: the offset is in data object '54'.
    pub const READ_BINARY_ODD: u8 = 0xB1;
    /// GET RESPONSE.
    pub const GET_RESPONSE: u8 = 0xC0;
    /// GET CHALLENGE.
    pub const GET_CHALLENGE: u8 = 0x84;
    /// EXTERNAL AUTHENTICATE / MUTUAL AUTHENTICATE (BAC).
    pub const EXTERNAL_AUTHENTICATE: u8 = 0x82;
    /// INTERNAL AUTHENTICATE (active authentication).
    pub const INTERNAL_AUTHENTICATE: u8 = 0x88;
    /// GENERAL AUTHENTICATE (PACE, chip authentication).
    pub const GENERAL_AUTHENTICATE: u8 = 0x86;
    /// MANAGE SECURITY ENVIRONMENT.
    pub const MANAGE_SECURITY_ENVIRONMENT: u8 = 0x22;
}

impl Command {
    /// Parses a command APDU in any of the four cases, short or extended
    /// (ISO/IEC 7816-4 §5.1: the body length decides the case).
    pub fn parse(bytes: &[u8]) -> Result<Command, ApduError> {
        Self::parse_with_form(bytes).map(|(command, _)| command)
    }

    /// Like [`Command::parse`], also saying which length form the APDU used
    /// (a case 1 command reports `Short`).
    pub fn parse_with_form(bytes: &[u8]) -> Result<(Command, LengthForm), ApduError> {
        let len = bytes.len();
        let Some((header, body)) = bytes.split_first_chunk::<4>() else {
            return Err(ApduError::CommandTooShort(len));
        };
        let [cla, ins, p1, p2] = *header;
        let mut command = Command::new(cla, ins, p1, p2);
        let short_le = |b: u8| if b == 0 { 256 } else { usize::from(b) };
        let ext_le = |b: [u8; 2]| match u16::from_be_bytes(b) {
            0 => 65536,
            n => usize::from(n),
        };
        let form = match body {
            // Case 1.
            [] => LengthForm::Short,
            // Case 2S.
            [le] => {
                command.le = Some(short_le(*le));
                LengthForm::Short
            }
            [lc, rest @ ..] if *lc != 0 => {
                let lc = usize::from(*lc);
                match (rest.len().checked_sub(lc), rest.split_at_checked(lc)) {
                    // Case 3S.
                    (Some(0), _) => command.data = rest.to_vec(),
                    // Case 4S.
                    (Some(1), Some((data, &[le]))) => {
                        command.data = data.to_vec();
                        command.le = Some(short_le(le));
                    }
                    _ => {
                        return Err(ApduError::InconsistentLength {
                            len,
                            lc,
                            form: "short",
                        });
                    }
                }
                LengthForm::Short
            }
            // Extended: first body byte is 00.
            [_zero, rest @ ..] => {
                let Some((&l, rest)) = rest.split_first_chunk::<2>() else {
                    return Err(ApduError::TruncatedExtendedLength(len));
                };
                let lc = usize::from(u16::from_be_bytes(l));
                match (rest.len().checked_sub(lc), rest.split_at_checked(lc)) {
                    // Case 2E: no data, the two bytes are Le.
                    _ if rest.is_empty() => command.le = Some(ext_le(l)),
                    // Case 3E.
                    (Some(0), _) if lc != 0 => command.data = rest.to_vec(),
                    // Case 4E.
                    (Some(2), Some((data, &[l1, l2]))) if lc != 0 => {
                        command.data = data.to_vec();
                        command.le = Some(ext_le([l1, l2]));
                    }
                    _ => {
                        return Err(ApduError::InconsistentLength {
                            len,
                            lc,
                            form: "extended",
                        });
                    }
                }
                LengthForm::Extended
            }
        };
        Ok((command, form))
    }

    /// The case of this command (ISO/IEC 7816-4 §5.1).
    pub fn case(&self) -> ApduCase {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => ApduCase::Case1,
            (true, true) => ApduCase::Case2,
            (false, false) => ApduCase::Case3,
            (false, true) => ApduCase::Case4,
        }
    }

    /// True if the class byte announces secure messaging: bits b4-b3 of a first interindustry
    /// class (`0x0X`), bit b6 of a further interindustry class (`0x4X`–`0x7X`)
    /// (ISO/IEC 7816-4 §5.1.1). eMRTD SM commands use CLA `0C`.
    pub fn is_secure_messaging(&self) -> bool {
        match self.cla {
            0x00..=0x3F => self.cla & 0x0C != 0,
            0x40..=0x7F => self.cla & 0x20 != 0,
            _ => false,
        }
    }

    /// True if the class byte announces command chaining (bit b5 of an interindustry class).
    pub fn is_chained(&self) -> bool {
        self.cla < 0x80 && self.cla & 0x10 != 0
    }

    /// GET RESPONSE for `le` bytes (`00 C0 00 00 Le`).
    pub fn get_response(le: usize) -> Command {
        Command::new(0x00, ins::GET_RESPONSE, 0, 0).with_le(le)
    }

    /// SELECT an elementary file by file identifier, no response data
    /// (`00 A4 02 0C 02 FID`, ICAO 9303 Part 10 §3.6.2).
    pub fn select_ef(fid: u16) -> Command {
        Command::new(0x00, ins::SELECT, 0x02, 0x0C).with_data(fid.to_be_bytes())
    }

    /// SELECT an application by name (AID), no response data (`00 A4 04 0C Lc AID`).
    pub fn select_application(aid: &[u8]) -> Command {
        Command::new(0x00, ins::SELECT, 0x04, 0x0C).with_data(aid)
    }

    /// READ BINARY of the current EF at `offset` (15 bits: 0..=7FFF) for `le` bytes.
    pub fn read_binary(offset: usize, le: usize) -> Result<Command, ApduError> {
        let offset = u16::try_from(offset).ok().filter(|o| *o <= 0x7FFF).ok_or(
            ApduError::ParameterOutOfRange {
                what: "READ BINARY offset",
                value: offset,
            },
        )?;
        let [p1, p2] = offset.to_be_bytes();
        Ok(Command::new(0x00, ins::READ_BINARY, p1, p2).with_le(le))
    }

    /// READ BINARY selecting the EF by short file identifier (1..=30) at an 8-bit offset:
    /// P1 = `80 | SFI`, P2 = offset (ISO/IEC 7816-4 §11.2.3).
    pub fn read_binary_sfi(sfi: u8, offset: u8, le: usize) -> Result<Command, ApduError> {
        if !(1..=30).contains(&sfi) {
            return Err(ApduError::ParameterOutOfRange {
                what: "short file identifier",
                value: usize::from(sfi),
            });
        }
        Ok(Command::new(0x00, ins::READ_BINARY, 0x80 | sfi, offset).with_le(le))
    }

    /// READ BINARY with odd INS `B1` for offsets beyond 7FFF: the offset is the value of data
    /// object '54' in the command data, minimal big-endian (ICAO 9303 Part 10 §3.6.3).
    pub fn read_binary_odd(offset: u32, le: usize) -> Command {
        let bytes = offset.to_be_bytes();
        let skip = (offset.leading_zeros() / 8).min(3) as usize;
        let significant = bytes.get(skip..).unwrap_or(&bytes);
        let mut data = Vec::with_capacity(2 + significant.len());
        data.push(0x54);
        data.push(significant.len() as u8);
        data.extend_from_slice(significant);
        Command::new(0x00, ins::READ_BINARY_ODD, 0x00, 0x00)
            .with_data(data)
            .with_le(le)
    }
}

impl Response {
    /// A response with data and status word.
    pub fn new(data: impl Into<Vec<u8>>, sw: StatusWord) -> Self {
        Response {
            data: data.into(),
            sw,
        }
    }

    /// A response carrying only a status word.
    pub fn status(sw: StatusWord) -> Self {
        Response {
            data: Vec::new(),
            sw,
        }
    }

    /// True if the status word is 9000.
    pub fn is_success(&self) -> bool {
        self.sw.is_success()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
