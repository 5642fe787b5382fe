//! Unit tests of `transport::atr`.

use super::*;
use proptest::prelude::*;

#[test]
fn vicc_epass_atr() {
    // The ATR vsmartcard's Iso7816OS builds (VirtualSmartcard.py, makeATR with T=1,
    // TA1=13, card capabilities FF 01 00), as pcsc_scan shows it through vpcd.
    let atr = Atr::parse(&hex::decode("3B951381018073FF01000B").unwrap()).unwrap();
    assert!(atr.offers_protocol(1));
    assert!(!atr.offers_protocol(0));
    assert_eq!(atr.historical_bytes(), [0x80, 0x73, 0xFF, 0x01, 0x00]);
    assert_eq!(atr.card_capabilities(), Some(&[0xFF, 0x01, 0x00][..]));
    assert_eq!(atr.extended_length(), Some(false));
}

#[test]
fn our_atr_round_trips() {
    let short = emrtd_atr(false);
    assert_eq!(hex::encode_upper(&short), "3B858001807394010062");
    let ext = emrtd_atr(true);
    // TCK: XOR of 85 80 01 80 73 94 01 40.
    assert_eq!(hex::encode_upper(&ext), "3B858001807394014022");
    for (bytes, extended) in [(short, false), (ext, true)] {
        let atr = Atr::parse(&bytes).unwrap();
        assert!(atr.offers_protocol(1));
        assert_eq!(atr.extended_length(), Some(extended));
    }
}

#[test]
fn contactless_without_capabilities() {
    // PC/SC Part 3 example: a Type A card with no historical bytes, 3B 80 80 01 01.
    let atr = Atr::parse(&hex::decode("3B80800101").unwrap()).unwrap();
    assert_eq!(atr.historical_bytes(), b"");
    assert_eq!(atr.extended_length(), None);
    assert_eq!(contactless_atr(&[]), hex::decode("3B80800101").unwrap());
    // Historical bytes not in compact-TLV format (category 10): nothing to tell.
    let atr = Atr::parse(&contactless_atr(&[0x10, 0x01, 0x02])).unwrap();
    assert_eq!(atr.extended_length(), None);
    // Category 00 with status indicator: capabilities before the last three bytes.
    let atr = Atr::parse(&contactless_atr(&[
        0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x90, 0x00,
    ]))
    .unwrap();
    assert_eq!(atr.extended_length(), Some(true));
}

#[test]
fn t0_only_atr_needs_no_tck() {
    // 3B 02 14 50: T=0 only (no TD1), two historical bytes.
    let atr = Atr::parse(&[0x3B, 0x02, 0x14, 0x50]).unwrap();
    assert!(atr.offers_protocol(0));
    assert_eq!(atr.historical_bytes(), [0x14, 0x50]);
}

#[test]
fn malformed_atrs_are_errors() {
    assert_eq!(Atr::parse(&[0x3B]), Err(AtrError::TooShort(1)));
    assert_eq!(Atr::parse(&[0x12, 0x00]), Err(AtrError::BadTs(0x12)));
    assert!(matches!(
        Atr::parse(&[0x3B, 0x85, 0x80, 0x01]),
        Err(AtrError::Truncated { .. })
    ));
    let mut bad = emrtd_atr(false);
    if let Some(last) = bad.last_mut() {
        *last ^= 1;
    }
    assert_eq!(Atr::parse(&bad), Err(AtrError::BadTck(1)));
    let mut long = emrtd_atr(false);
    long.push(0);
    assert_eq!(Atr::parse(&long), Err(AtrError::TrailingBytes(1)));
    assert_eq!(Atr::parse(&[0x3B; 40]), Err(AtrError::TooLong(40)));
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(atr) = Atr::parse(&bytes) {
            let _ = atr.extended_length();
            prop_assert!(atr.historical_bytes().len() <= 15);
        }
    }

    #[test]
    fn built_atrs_parse(hist in proptest::collection::vec(any::<u8>(), 0..20)) {
        let atr = Atr::parse(&contactless_atr(&hist)).unwrap();
        prop_assert_eq!(atr.historical_bytes(), &hist[..hist.len().min(15)]);
        prop_assert!(atr.offers_protocol(1));
    }
}
