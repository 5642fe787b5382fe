//! Unit tests of `reader::error`.

use super::*;

#[test]
fn display_and_fault() {
    let denied = ReadError::from(AccessError::AccessDenied(AccessProtocol::Bac));
    assert_eq!(denied.to_string(), "access denied (BAC)");
    assert_eq!(denied.fault(), Fault::Refused);
    let removed = ReadError::from(AccessError::Transport(TransportError::CardRemoved(
        "gone".into(),
    )));
    assert!(removed.is_link_lost());
    assert_eq!(removed.fault(), Fault::Transport);
    let refused = ReadError::Refused {
        command: "READ BINARY",
        file: Some(LdsFile::DataGroup(2)),
        sw: StatusWord(0x6A82),
    };
    assert_eq!(
        refused.to_string(),
        "DG2: the chip answered READ BINARY with 6A82 (file or application not found)"
    );
    assert_eq!(
        ReadError::malformed(None, "x").to_string(),
        "chip sent malformed data: x"
    );
}
