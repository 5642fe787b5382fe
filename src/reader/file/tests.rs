//! Unit tests of `reader::file`.

use super::*;
use proptest::prelude::*;

#[test]
fn identifiers() {
    // ICAO 9303 Part 10 §3.3 Table 3 and §4.6.1 Table 34.
    assert_eq!(LdsFile::Com.fid(), 0x011E);
    assert_eq!(LdsFile::Com.sfi(), 0x1E);
    assert_eq!(LdsFile::Sod.fid(), 0x011D);
    assert_eq!(LdsFile::CardAccess.sfi(), 0x1C);
    assert_eq!(LdsFile::DataGroup(14).fid(), 0x010E);
    assert_eq!(LdsFile::DataGroup(2).outer_tag(), Some(0x75));
    assert_eq!(LdsFile::DataGroup(16).outer_tag(), Some(0x70));
    assert_eq!(LdsFile::DataGroup(17).outer_tag(), None);
    assert_eq!(
        LdsFile::from_data_group_tag(0x6E),
        Some(LdsFile::DataGroup(14))
    );
    assert_eq!(LdsFile::from_data_group_tag(0x60), None);
    for file in LdsFile::all() {
        assert_eq!(LdsFile::from_name(&file.file_name()), Some(file));
        assert_eq!(LdsFile::from_name(&file.to_string()), Some(file));
        if let (Some(tag), LdsFile::DataGroup(_)) = (file.outer_tag(), file) {
            assert_eq!(LdsFile::from_data_group_tag(tag), Some(file));
        }
    }
    assert_eq!(LdsFile::from_name("DG17"), None);
}

#[test]
fn ef_com_lists() {
    // ICAO 9303 Part 10 §4.6.1: 60 16 5F01 "0107" 5F36 "040000" 5C 04 61 75 63 76.
    let com = hex::decode("60165F0104303130375F36063034303030305C0461756376").unwrap();
    assert_eq!(
        data_groups_in_com(&com).unwrap(),
        [1, 2, 3, 4].map(LdsFile::DataGroup)
    );
    let fixture = std::fs::read("fixtures/dumps/td3-rsa2048/EF.COM.bin").unwrap();
    assert_eq!(
        data_groups_in_com(&fixture).unwrap(),
        [1, 2, 7, 11, 12, 14, 15].map(LdsFile::DataGroup)
    );
    assert!(data_groups_in_com(&hex::decode("6100").unwrap()).is_err());
    assert!(data_groups_in_com(&hex::decode("60035F0100").unwrap()).is_err());
    assert!(data_groups_in_com(&hex::decode("6002").unwrap()).is_err());
}

proptest! {
    #[test]
    fn ef_com_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = data_groups_in_com(&data);
    }
}
