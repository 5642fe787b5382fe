//! An in-memory [`Transport`] over an APDU handler: how the software chip and test doubles are
//! reached through the same reader code as a real card.

use super::{Capabilities, Transport, TransportError};

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
        self.capabilities.admit(command)?;
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
mod tests;
