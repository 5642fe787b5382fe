//! Unit tests of `reader::binary`.

use super::*;
use crate::crypto::keys::{CipherSuite, SessionKeys};

#[test]
fn sizes_from_link_and_suite() {
    let des = SecureChannel::new(
        SessionKeys::new(CipherSuite::TripleDes, &[1; 16], &[2; 16]).unwrap(),
        &[0; 8],
    )
    .unwrap();
    let aes = SecureChannel::with_zero_ssc(
        SessionKeys::new(CipherSuite::Aes128, &[1; 16], &[2; 16]).unwrap(),
    );
    // Short APDUs: 231 plain bytes per protected 3DES answer, 223 per AES one (ICAO 9303
    // Part 10 §3.6.3 notes 0xDF-ish); 256 without SM.
    let s = Sizing::new(Capabilities::SHORT, Some(&des), true);
    assert_eq!((s.max_read, s.short_max, s.extended), (231, 231, false));
    let s = Sizing::new(Capabilities::SHORT, Some(&aes), true);
    assert_eq!(s.max_read, 223);
    let s = Sizing::new(Capabilities::SHORT, None, true);
    assert_eq!(s.max_read, 256);
    let mut s = Sizing::new(Capabilities::EXTENDED, Some(&des), true);
    assert!(s.extended && s.max_read > 65000, "{s:?}");
    let s2 = Sizing::new(Capabilities::EXTENDED, Some(&des), false);
    assert_eq!(s2.max_read, 231);
    // Step-down: halving, never below one short read while above it, then below it.
    let mut seen = vec![s.max_read];
    while s.step_down() {
        seen.push(s.max_read);
    }
    assert!(seen.windows(2).all(|w| w[1] < w[0]));
    assert!(seen.contains(&231));
    assert_eq!(*seen.last().unwrap(), MIN_READ_LEN);
}

#[test]
fn do53() {
    assert_eq!(do53_len(0x7F), 0x81);
    assert_eq!(do53_len(0x80), 0x83);
    assert_eq!(do53_len(0x100), 0x104);
    assert_eq!(unwrap_do53(&[0x53, 2, 7, 8]).unwrap(), [7, 8]);
    assert!(unwrap_do53(&[0x54, 2, 7, 8]).is_err());
    assert!(unwrap_do53(&[0x53, 3, 7, 8]).is_err());
    assert!(unwrap_do53(&[0x53, 1, 7, 8]).is_err());
}
