//! Link-layer status words in one place: 61xx (fetch the rest with GET RESPONSE) and 6Cxx
//! (re-send with the exact Le), ISO/IEC 7816-4 §5.3.4 and ISO/IEC 7816-3 §12.2.

use super::{Capabilities, Transport, TransportError};
use crate::apdu::{Command, StatusWord};

/// Default bound on the response data assembled from GET RESPONSE chains.
const DEFAULT_MAX_RESPONSE_DATA: usize = 65536;

/// A [`Transport`] wrapper that hides the two status words belonging to the link:
///
/// - `61xx`: more data is waiting; it sends GET RESPONSE (`00 C0 00 00 xx`) until the chip stops
///   announcing more and returns the concatenated data with the last status word;
/// - `6Cxx`: the Le was wrong; it re-sends the same command once with `Le = xx`
///   (`6C00` means 256).
///
/// Every layer above (secure messaging, the reader) then sees only final status words. The
/// assembled data is bounded ([`StatusWordHandling::with_max_response_data`]), and so is the
/// number of GET RESPONSE rounds, so a chip that answers `61xx` forever cannot make it loop.
///
/// Secure-messaging commands (CLA with SM bits) are not re-sent on `6Cxx`: the chip has
/// already consumed the send sequence counter, so a replay could not verify; the `6Cxx` is
/// passed up for the SM layer to report.
#[derive(Debug)]
pub struct StatusWordHandling<T> {
    inner: T,
    max_response_data: usize,
}

impl<T: Transport> StatusWordHandling<T> {
    /// Wraps `inner`, assembling at most 64 KiB of response data per command.
    pub fn new(inner: T) -> Self {
        StatusWordHandling {
            inner,
            max_response_data: DEFAULT_MAX_RESPONSE_DATA,
        }
    }

    /// Sets the bound on the response data assembled for one command.
    pub fn with_max_response_data(mut self, max: usize) -> Self {
        self.max_response_data = max;
        self
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped transport, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the transport.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// One exchange, re-sent once with the exact Le if the chip answers 6Cxx.
    fn transmit_with_le_retry(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let response = self.inner.transmit(command)?;
        let exact = match response.as_slice() {
            [sw1, sw2] => StatusWord::new(*sw1, *sw2).exact_le(),
            _ => None,
        };
        let Some(exact) = exact else {
            return Ok(response);
        };
        match Command::parse_with_form(command) {
            Ok((mut parsed, form)) if !parsed.is_secure_messaging() && parsed.le != Some(exact) => {
                parsed.le = Some(exact);
                // The original length form: an extended command stays extended.
                let resend = parsed.encode(form)?;
                self.inner.transmit(&resend)
            }
            // Unparseable, SM-protected, or already asked with that Le: pass it up.
            _ => Ok(response),
        }
    }
}

impl<T: Transport> Transport for StatusWordHandling<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        // Each round brings at least one byte or ends, so this bounds a hostile chip.
        let max_rounds = self.max_response_data.saturating_add(1);
        let mut data: Vec<u8> = Vec::new();
        let mut next = command.to_vec();
        for _round in 0..max_rounds.min(MAX_ROUNDS) {
            let response = self.transmit_with_le_retry(&next)?;
            let Some((body, sw)) = response.split_last_chunk::<2>() else {
                return Err(crate::apdu::ApduError::ResponseTooShort(response.len()).into());
            };
            let total = data.len().saturating_add(body.len());
            if total > self.max_response_data {
                return Err(TransportError::ResponseTooLong {
                    len: total,
                    max: self.max_response_data,
                });
            }
            data.extend_from_slice(body);
            let sw = StatusWord::new(sw[0], sw[1]);
            match sw.more_data() {
                Some(remaining) => next = Command::get_response(remaining).to_bytes()?,
                None => {
                    data.extend_from_slice(&sw.0.to_be_bytes());
                    return Ok(data);
                }
            }
        }
        Err(TransportError::TooManyResponseRounds(
            max_rounds.min(MAX_ROUNDS),
        ))
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
}

/// Upper bound on GET RESPONSE rounds per command: 64 KiB in 256-byte pieces, plus one.
const MAX_ROUNDS: usize = 257;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
