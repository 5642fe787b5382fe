//! Unit tests of `reader::dump`.

use super::*;
use proptest::prelude::*;

#[test]
fn dg1_of_the_fixture() {
    let dg1 = std::fs::read("fixtures/dumps/td3-rsa2048/DG1.bin").unwrap();
    // ICAO 9303 Part 4 Appendix A specimen, as in fixtures/README.md.
    assert_eq!(
        dg1_mrz_lines(&dg1).unwrap(),
        [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
        ]
    );
    assert!(dg1_mrz_lines(&dg1[..dg1.len() - 1]).is_none());
    // TD1: 3 × 30, ICAO 9303 Part 5 Appendix A specimen.
    let td1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let mut w = crate::tlv::TlvWriter::new();
    w.constructed(crate::tlv::Tag::DG1, |w| {
        w.write(crate::tlv::Tag::MRZ_DATA, td1.as_bytes())?;
        Ok(())
    })
    .unwrap();
    assert_eq!(dg1_mrz_lines(w.as_bytes()).unwrap().len(), 3);
}

#[test]
fn write_dir_is_exactly_the_dump() {
    let dir = std::env::temp_dir().join(format!("bankid-dump-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("DG3.bin"), b"stale").unwrap();
    std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
    let mut dump = ChipDump::new(AccessProtocol::Bac);
    dump.files.insert(LdsFile::Com, vec![0x60, 0]);
    dump.card_access = Some(vec![0x31, 0]);
    dump.write_dir(&dir).unwrap();
    assert_eq!(std::fs::read(dir.join("EF.COM.bin")).unwrap(), [0x60, 0]);
    assert_eq!(
        std::fs::read(dir.join("EF.CardAccess.bin")).unwrap(),
        [0x31, 0]
    );
    assert!(!dir.join("DG3.bin").exists());
    assert!(dir.join("notes.txt").exists());
    assert_eq!(
        dump.files().keys().cloned().collect::<Vec<_>>(),
        ["EF.COM", "EF.CardAccess"]
    );
    assert!(format!("{dump:?}").contains("\"EF.COM\": 2"));
    std::fs::remove_dir_all(&dir).unwrap();
}

proptest! {
    #[test]
    fn dg1_never_panics(data in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = dg1_mrz_lines(&data);
    }
}
