//! Unit tests of `reader::credentials`.

use super::*;

#[test]
fn sources_agree() {
    // ICAO 9303 Part 11 Appendix D.2: L898902C<3, 690806, 940623 → "L898902C<369080619406236".
    let a = Credentials::from_document("L898902C", "690806", "940623").unwrap();
    let b = Credentials::from_mrz_information("L898902C<369080619406236").unwrap();
    let (Credentials::Mrz(a), Credentials::Mrz(b)) = (a, b) else {
        panic!("MRZ credentials expected");
    };
    assert_eq!(*a, *b);
    // The TD3 specimen of Part 4 Appendix A.
    let c = Credentials::from_mrz_lines(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ])
    .unwrap();
    assert_eq!(format!("{c:?}"), "Credentials::Mrz(<redacted>)");
    let Credentials::Mrz(c) = c else {
        panic!("MRZ credentials expected")
    };
    assert_eq!(c.as_str(), "L898902C3674081221204159");
    let Credentials::Mrz(d) = Credentials::from_mrz_text(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )
    .unwrap() else {
        panic!("MRZ credentials expected")
    };
    assert_eq!(*d, *c);
}

#[test]
fn bad_input_is_caller_error() {
    assert!(matches!(
        Credentials::from_mrz_lines(&["garbage"]),
        Err(ReadError::InvalidCredentials(_))
    ));
    assert!(Credentials::from_can("12a456").is_err());
    let can = Credentials::from_can("123456").unwrap();
    assert!(can.bac_keys().is_none());
    assert!(can.pace_key(CipherSuite::Aes128).is_ok());
}
