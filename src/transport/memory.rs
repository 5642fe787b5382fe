//! An in-memory [`Transport`] over an APDU handler: how the software chip and test doubles are
//! reached through the same reader code as a real card.

use super::{Capabilities, Transport, TransportError};
use crate::apdu::{Command, LengthForm};

/// Something that answers command APDUs with response APDUs, as a card does.
///
/// The software chip implements it; any `FnMut(&[u8]) -> Vec<u8>` closure does too.
pub trait ApduHandler {
    /// Processes one command APDU and returns the response APDU (data ‖ SW1 SW2).
    fn process(&mut self, command: &[u8]) -> Vec<u8>;
}

impl<F: FnMut(&[u8]) -> Vec<u8>> ApduHandler for F {
    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        self(command)
    }
}

/// A [`Transport`] that hands each command to an [`ApduHandler`] in memory.
///
/// It enforces its [`Capabilities`] like a reader would: a command longer than
/// `max_command_len`, an extended-length command on a short-only link, or a response longer
/// than `max_response_len` is a [`TransportError`], so tests of the reader's sizing logic
/// see the same failures as on hardware.
#[derive(Debug)]
pub struct InMemory<H> {
    handler: H,
    capabilities: Capabilities,
    exchanges: u64,
}

impl<H: ApduHandler> InMemory<H> {
    /// A link to `handler` with the given capabilities.
    pub fn new(handler: H, capabilities: Capabilities) -> Self {
        InMemory {
            handler,
            capabilities,
            exchanges: 0,
        }
    }

    /// How many commands reached the handler.
    pub fn exchanges(&self) -> u64 {
        self.exchanges
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The handler, mutably (e.g. to change the chip's state between exchanges).
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// Unwraps the handler.
    pub fn into_handler(self) -> H {
        self.handler
    }
}

impl<H: ApduHandler> Transport for InMemory<H> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if command.len() > self.capabilities.max_command_len {
            return Err(TransportError::CommandTooLong {
                len: command.len(),
                max: self.capabilities.max_command_len,
            });
        }
        if !self.capabilities.extended_length
            && matches!(
                Command::parse_with_form(command),
                Ok((_, LengthForm::Extended))
            )
        {
            return Err(TransportError::ExtendedLengthUnsupported);
        }
        self.exchanges = self.exchanges.saturating_add(1);
        let response = self.handler.process(command);
        if response.len() > self.capabilities.max_response_len {
            return Err(TransportError::ResponseTooLong {
                len: response.len(),
                max: self.capabilities.max_response_len,
            });
        }
        Ok(response)
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::apdu::{Response, StatusWord};

    /// A handler type (not a closure), as the software chip will be.
    struct Echo;
    impl ApduHandler for Echo {
        fn process(&mut self, command: &[u8]) -> Vec<u8> {
            match Command::parse(command) {
                Ok(c) => Response::new(c.data, StatusWord::SUCCESS).to_bytes(),
                Err(_) => Response::status(StatusWord::WRONG_LENGTH).to_bytes(),
            }
        }
    }

    #[test]
    fn handler_is_reached_and_counted() {
        let mut t = InMemory::new(Echo, Capabilities::SHORT);
        let r = t
            .exchange(&Command::select_ef(0x011E).with_le(256))
            .unwrap();
        assert_eq!(r, Response::new(vec![0x01, 0x1E], StatusWord::SUCCESS));
        assert_eq!(t.transmit(&[0x00, 0xA4]).unwrap(), [0x67, 0x00]);
        assert_eq!(t.exchanges(), 2);
        assert_eq!(t.capabilities(), Capabilities::SHORT);
        // Through `&mut` and `Box<dyn Transport>` as the reader will hold it.
        let mut boxed: Box<dyn Transport> = Box::new(InMemory::new(Echo, Capabilities::EXTENDED));
        assert!(
            boxed
                .exchange(&Command::new(0, 0xB0, 0, 0).with_le(1))
                .is_ok()
        );
        assert!(boxed.capabilities().extended_length);
    }

    #[test]
    fn capabilities_are_enforced() {
        let mut short = InMemory::new(Echo, Capabilities::SHORT);
        // Extended case 2 (Le = 0x1000) on a short-only link.
        assert!(matches!(
            short.exchange(&Command::new(0, 0xB0, 0, 0).with_le(0x1000)),
            Err(TransportError::ExtendedLengthUnsupported)
        ));
        let big = Command::new(0, 0xD6, 0, 0).with_data(vec![0; 300]);
        assert!(matches!(
            short.exchange(&big),
            Err(TransportError::CommandTooLong { len: 307, max: 261 })
        ));
        assert_eq!(short.exchanges(), 0);
        // The echo of 300 bytes is 302 bytes: over a 258-byte response limit.
        let mut narrow = InMemory::new(
            Echo,
            Capabilities {
                max_response_len: 258,
                ..Capabilities::EXTENDED
            },
        );
        assert!(matches!(
            narrow.exchange(&big),
            Err(TransportError::ResponseTooLong { len: 302, max: 258 })
        ));
        let mut ext = InMemory::new(Echo, Capabilities::EXTENDED);
        assert_eq!(ext.exchange(&big).unwrap().data.len(), 300);
        // `exchange` reports unencodable commands and status-less responses as typed errors.
        assert!(matches!(
            ext.exchange(&Command::new(0, 0xB0, 0, 0).with_le(0)),
            Err(TransportError::Apdu(crate::apdu::ApduError::LeOutOfRange(
                0
            )))
        ));
        let mut mute = InMemory::new(|_: &[u8]| vec![0x90], Capabilities::SHORT);
        assert!(matches!(
            mute.exchange(&Command::new(0, 0x84, 0, 0).with_le(8)),
            Err(TransportError::Apdu(
                crate::apdu::ApduError::ResponseTooShort(1)
            ))
        ));
    }
}
