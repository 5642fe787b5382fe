//! Unit tests of `mrz::check`.

use super::*;

#[test]
fn part3_examples() {
    // ICAO 9303 Part 3 §4.9, worked examples.
    assert_eq!(check_digit("520727"), Some(3));
    assert_eq!(check_digit("AB2134<<<"), Some(5));
    // ICAO 9303 Part 4 Appendix A specimen: document number L898902C3 → 6.
    assert_eq!(check_digit("L898902C3"), Some(6));
}

#[test]
fn illegal_characters() {
    assert_eq!(check_digit("abc"), None);
    assert_eq!(check_digit("12 3"), None);
    assert_eq!(check_digit("Ä"), None);
    assert_eq!(check_digit(""), Some(0));
}

#[test]
fn values() {
    assert_eq!(char_value(b'<'), Some(0));
    assert_eq!(char_value(b'Z'), Some(35));
    assert_eq!(char_value(b'a'), None);
}
