//! Unit tests of `transport::status`.

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
