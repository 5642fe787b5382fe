//! Unit tests of `lds`.

use super::*;
use proptest::prelude::*;

/// Every parser over arbitrary bytes, with and without each file's outer tag in front.
fn all_parsers(data: &[u8]) {
    let _ = EfCom::parse(data);
    let _ = Dg1::parse(data);
    let _ = Dg2::parse(data);
    let _ = Dg7::parse(data);
    let _ = Dg11::parse(data);
    let _ = Dg12::parse(data);
    let _ = Dg14::parse(data);
    let _ = Dg15::parse(data);
    let _ = parse_card_access(data);
    let _ = Sod::from_bytes(data);
}

#[test]
fn every_fixture_file_parses() {
    let d = "fixtures/dumps/td3-rsa2048";
    let read = |f: &str| std::fs::read(format!("{d}/{f}.bin")).unwrap();
    assert!(EfCom::parse(&read("EF.COM")).is_ok());
    assert!(Dg1::parse(&read("DG1")).is_ok());
    assert!(Dg2::parse(&read("DG2")).is_ok());
    assert!(Dg7::parse(&read("DG7")).is_ok());
    assert!(Dg11::parse(&read("DG11")).is_ok());
    assert!(Dg12::parse(&read("DG12")).is_ok());
    assert!(Dg14::parse(&read("DG14")).is_ok());
    assert!(Dg15::parse(&read("DG15")).is_ok());
    assert!(parse_card_access(&read("EF.CardAccess")).is_ok());
}

#[test]
fn wrong_outer_tag_is_reported() {
    let dg1 = std::fs::read("fixtures/dumps/td3-rsa2048/DG1.bin").unwrap();
    assert!(matches!(
        Dg2::parse(&dg1),
        Err(LdsError::WrongTag {
            file: "DG2",
            expected: 0x75,
            found: 0x61
        })
    ));
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        all_parsers(&data);
        for tag in [0x60u8, 0x61, 0x67, 0x6B, 0x6C, 0x6E, 0x6F, 0x75, 0x77] {
            let mut framed = vec![tag];
            let len = data.len().min(255);
            if len > 127 { framed.push(0x81); }
            framed.push(len as u8);
            framed.extend_from_slice(&data[..len]);
            all_parsers(&framed);
        }
    }

    #[test]
    fn mutated_fixture_files_never_panic(
        file in prop::sample::select(vec!["EF.COM", "DG1", "DG2", "DG7", "DG11", "DG12", "DG14", "DG15", "EF.CardAccess"]),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let mut bytes = std::fs::read(format!("fixtures/dumps/td3-rsa2048/{file}.bin")).unwrap();
        for (pos, b) in edits {
            let i = pos % bytes.len();
            bytes[i] = b;
        }
        all_parsers(&bytes);
        let cut = cut % (bytes.len() + 1);
        all_parsers(&bytes[..cut]);
    }
}
