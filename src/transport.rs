//! The link to a chip: a `Transport` sends command APDU bytes and returns response bytes.
//!
//! The app's NFC layer (Android IsoDep, iOS NFCISO7816Tag), the PC/SC reader
//! (feature `pcsc`) and the software chip in [`crate::emulator`] all implement it,
//! so the reader code above is the same for all of them.

use thiserror::Error;

use crate::apdu::{ApduError, Command, Response};

pub mod atr;
mod memory;
#[cfg(feature = "pcsc")]
pub mod pcsc;
mod status;
mod trace;

pub use memory::{ApduHandler, InMemory};
pub use status::StatusWordHandling;
pub use trace::{TraceEntry, TraceOutcome, Traced, redact_command};

/// What a transport can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// True if extended-length APDUs (Lc/Le above 255/256) pass through.
    pub extended_length: bool,
    /// The largest command APDU, in bytes, the link accepts.
    pub max_command_len: usize,
    /// The largest response APDU (data + SW), in bytes, the link can return.
    pub max_response_len: usize,
}

impl Capabilities {
    /// A short-length-only link (ISO 14443-4 without extended APDUs).
    pub const SHORT: Capabilities = Capabilities {
        extended_length: false,
        max_command_len: 261,
        max_response_len: 258,
    };
    /// A link with extended length up to 64 KiB.
    pub const EXTENDED: Capabilities = Capabilities {
        extended_length: true,
        max_command_len: 65544,
        max_response_len: 65538,
    };

    /// Whether the link can carry `command`: `CommandTooLong` past [`Capabilities::max_command_len`],
    /// `ExtendedLengthUnsupported` for an extended-length APDU on a short-length link.
    pub fn admit(&self, command: &[u8]) -> Result<(), TransportError> {
        if command.len() > self.max_command_len {
            return Err(TransportError::CommandTooLong {
                len: command.len(),
                max: self.max_command_len,
            });
        }
        if !self.extended_length
            && matches!(
                Command::parse_with_form(command),
                Ok((_, crate::apdu::LengthForm::Extended))
            )
        {
            return Err(TransportError::ExtendedLengthUnsupported);
        }
        Ok(())
    }
}

/// Errors on the link itself (not status words: those come back as response bytes).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The chip left the field or the reader lost it.
    #[error("card removed or link lost: {0}")]
    CardRemoved(String),
    /// No reader with the requested name, or none at all.
    #[error("no reader: {0}")]
    NoReader(String),
    /// A reader is present but holds no card.
    #[error("no card in reader {0}")]
    NoCard(String),
    /// The card was reset by another application.
    #[error("card was reset")]
    Reset,
    /// Any other failure of the link, with the layer's own message.
    #[error("transport failure: {0}")]
    Other(String),
    /// A command or response APDU that cannot be encoded or parsed.
    #[error("malformed APDU: {0}")]
    Apdu(#[from] ApduError),
    /// A command longer than the link carries ([`Capabilities::max_command_len`]).
    #[error("command APDU of {len} bytes exceeds the link maximum of {max}")]
    CommandTooLong {
        /// The command length.
        len: usize,
        /// The link's maximum.
        max: usize,
    },
    /// An extended-length command on a link without extended length.
    #[error("extended-length APDU on a link that supports short length only")]
    ExtendedLengthUnsupported,
    /// A response longer than the link or the caller's bound allows.
    #[error("response of {len} bytes exceeds the maximum of {max}")]
    ResponseTooLong {
        /// The response length (so far, when assembling GET RESPONSE chains).
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The chip kept answering 61xx beyond the bound on GET RESPONSE rounds.
    #[error("chip still announced more data after {0} GET RESPONSE rounds")]
    TooManyResponseRounds(usize),
}

/// A half-duplex APDU link to one chip.
///
/// A `&mut` borrow is one exchange at a time, so two flows cannot interleave on one channel.
pub trait Transport {
    /// Sends one command APDU and returns the whole response APDU (data ‖ SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// What this link can carry; readers size their commands from it.
    fn capabilities(&self) -> Capabilities {
        Capabilities::SHORT
    }

    /// Encodes `command`, transmits it and parses the response APDU.
    fn exchange(&mut self, command: &Command) -> Result<Response, TransportError> {
        let bytes = command.to_bytes()?;
        let response = self.transmit(&bytes)?;
        Ok(Response::parse(&response)?)
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
}
