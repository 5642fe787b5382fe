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
mod tests {
    use super::*;
    use crate::apdu::Response;
    use crate::transport::InMemory;

    /// A chip with T=0-style behaviour: a 600-byte answer to `00 CA 00 00 00` is handed out in
    /// 61xx pieces of at most 256 bytes; READ BINARY wants exactly Le = 5 (6C05 otherwise).
    struct T0Chip {
        pending: Vec<u8>,
        log: Vec<Vec<u8>>,
    }

    impl T0Chip {
        fn new() -> Self {
            T0Chip {
                pending: Vec::new(),
                log: Vec::new(),
            }
        }
        fn serve(&mut self, command: &[u8]) -> Vec<u8> {
            self.log.push(command.to_vec());
            let c = Command::parse(command).unwrap();
            match c.ins {
                0xCA => {
                    self.pending = (0..600u16).map(|i| i as u8).collect();
                    Response::status(StatusWord(0x6100)).to_bytes()
                }
                0xC0 => {
                    let n = c.le.unwrap().min(self.pending.len());
                    let data: Vec<u8> = self.pending.drain(..n).collect();
                    let sw = match self.pending.len() {
                        0 => StatusWord::SUCCESS,
                        left if left >= 256 => StatusWord(0x6100),
                        left => StatusWord(0x6100 | left as u16),
                    };
                    Response::new(data, sw).to_bytes()
                }
                0xB0 if c.le == Some(5) => Response::new(*b"HELLO", StatusWord::SUCCESS).to_bytes(),
                0xB0 => Response::status(StatusWord(0x6C05)).to_bytes(),
                0x0E => Response::status(StatusWord(0x6C05)).to_bytes(),
                _ => Response::status(StatusWord::INS_NOT_SUPPORTED).to_bytes(),
            }
        }
    }

    fn chip() -> InMemory<impl FnMut(&[u8]) -> Vec<u8>> {
        let mut c = T0Chip::new();
        InMemory::new(move |apdu: &[u8]| c.serve(apdu), Capabilities::SHORT)
    }

    #[test]
    fn get_response_chain_is_concatenated() {
        let mut link = StatusWordHandling::new(chip());
        let r = link
            .exchange(&Command::new(0x00, 0xCA, 0x00, 0x00).with_le(256))
            .unwrap();
        assert_eq!(r.sw, StatusWord::SUCCESS);
        let expected: Vec<u8> = (0..600u16).map(|i| i as u8).collect();
        assert_eq!(r.data, expected);
        // 1 command + GET RESPONSE for 256, 256, 88.
        assert_eq!(link.inner().exchanges(), 4);
    }

    #[test]
    fn wrong_le_is_resent_with_exact_le() {
        let mut sent = Vec::new();
        let mut c = T0Chip::new();
        {
            let inner = InMemory::new(
                |apdu: &[u8]| {
                    sent.push(apdu.to_vec());
                    c.serve(apdu)
                },
                Capabilities::EXTENDED,
            );
            let mut link = StatusWordHandling::new(inner);
            let r = link.transmit(&hex::decode("00B0000000").unwrap()).unwrap();
            assert_eq!(r, b"HELLO\x90\x00");
            // Extended form is kept on re-send.
            let r = link
                .transmit(&hex::decode("00B00000000100").unwrap())
                .unwrap();
            assert_eq!(r, b"HELLO\x90\x00");
            // A command that always answers 6C05 is re-sent once, then 6C05 is passed up.
            let r = link.transmit(&hex::decode("000E000001").unwrap()).unwrap();
            assert_eq!(r, [0x6C, 0x05]);
            // An SM command is not replayed.
            let r = link.transmit(&hex::decode("0CB0000000").unwrap()).unwrap();
            assert_eq!(r, [0x6C, 0x05]);
        }
        let hexes: Vec<String> = sent.iter().map(hex::encode_upper).collect();
        assert_eq!(
            hexes,
            [
                "00B0000000",
                "00B0000005",
                "00B00000000100",
                "00B00000000005",
                "000E000001",
                "000E000005",
                "0CB0000000",
            ]
        );
    }

    #[test]
    fn hostile_chip_is_bounded() {
        // Always "61 FF": more data forever.
        let forever = InMemory::new(
            |_: &[u8]| {
                let mut r = vec![0xAA; 255];
                r.extend_from_slice(&[0x61, 0xFF]);
                r
            },
            Capabilities::SHORT,
        );
        let mut link = StatusWordHandling::new(forever).with_max_response_data(1000);
        assert!(matches!(
            link.transmit(&[0, 0xCA, 0, 0, 0]),
            Err(TransportError::ResponseTooLong { max: 1000, .. })
        ));
        // Empty 61xx answers: no data, but the round bound stops it.
        let empty = InMemory::new(|_: &[u8]| vec![0x61, 0x10], Capabilities::SHORT);
        let mut link = StatusWordHandling::new(empty);
        assert!(matches!(
            link.transmit(&[0, 0xCA, 0, 0, 0]),
            Err(TransportError::TooManyResponseRounds(257))
        ));
        // A response without a status word.
        let short = InMemory::new(|_: &[u8]| vec![0x90], Capabilities::SHORT);
        let mut link = StatusWordHandling::new(short);
        assert!(matches!(
            link.transmit(&[0, 0xCA, 0, 0, 0]),
            Err(TransportError::Apdu(_))
        ));
    }

    #[test]
    fn final_status_words_pass_through() {
        let mut link = StatusWordHandling::new(chip());
        let r = link.exchange(&Command::new(0x00, 0x2A, 0, 0)).unwrap();
        assert_eq!(r.sw, StatusWord::INS_NOT_SUPPORTED);
        assert_eq!(link.capabilities(), Capabilities::SHORT);
    }
}
