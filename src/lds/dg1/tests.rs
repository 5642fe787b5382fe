//! Unit tests of `lds::dg1`.

use super::*;

#[test]
fn td3_specimen() {
    // ICAO 9303 Part 4 Appendix A specimen MRZ, stored by fixtures/pki/generate.py in DG1.
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/DG1.bin").unwrap();
    let dg1 = Dg1::parse(&bytes).unwrap();
    assert_eq!(
        dg1.lines,
        vec![
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
        ]
    );
    assert_eq!(dg1.issuing_state(), Some("UTO"));
    let mrz = dg1.mrz().unwrap();
    assert!(mrz.is_valid());
    assert_eq!(mrz.document_number(), "L898902C3");
}

#[test]
fn td1_specimen() {
    // ICAO 9303 Part 5 Appendix A TD1 specimen (3 lines of 30).
    let mrz = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let mut bytes = vec![0x61, 0x5D, 0x5F, 0x1F, 0x5A];
    bytes.extend_from_slice(mrz.as_bytes());
    let dg1 = Dg1::parse(&bytes).unwrap();
    assert_eq!(dg1.lines.len(), 3);
    assert_eq!(dg1.lines[2], "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    assert!(dg1.mrz().unwrap().is_valid());
}

#[test]
fn bad_mrz() {
    assert!(matches!(
        Dg1::parse(&[0x61, 0x00]),
        Err(LdsError::Missing { .. })
    ));
    assert!(matches!(
        Dg1::parse(&[0x61, 0x05, 0x5F, 0x1F, 0x02, b'P', b'<']),
        Err(LdsError::Invalid { .. })
    ));
    assert!(matches!(
        Dg1::parse(&[0x61, 0x05, 0x5F, 0x1F, 0x02, b'p', 0]),
        Err(LdsError::Invalid { .. })
    ));
}
