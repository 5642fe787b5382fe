//! Unit tests of `ocr::layout`.

use super::*;

fn chars(lines: &[&str]) -> Vec<Vec<char>> {
    lines.iter().map(|l| l.chars().collect()).collect()
}

#[test]
fn icao_td3_specimen_checks_hold() {
    // ICAO 9303 Part 4, Appendix A (specimen passport of Utopia, Anna Maria Eriksson).
    let l = chars(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ]);
    assert_eq!(checks_hold(MrzFormat::Td3, &l), (5, 5));
}

#[test]
fn icao_td1_specimen_checks_hold() {
    // ICAO 9303 Part 5, Appendix A (specimen TD1 of Utopia).
    let l = chars(&[
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ]);
    assert_eq!(checks_hold(MrzFormat::Td1, &l), (4, 4));
}

#[test]
fn a_changed_digit_fails() {
    let l = chars(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408132F1204159ZE184226B<<<<<10",
    ]);
    assert!(checks_hold(MrzFormat::Td3, &l).0 < 5);
}
