//! Unit tests of `transport::memory`.

use super::*;
use crate::apdu::{Command, Response, StatusWord};

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
