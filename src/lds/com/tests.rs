//! Unit tests of `lds::com`.

use super::*;

#[test]
fn icao_example_ef_com() {
    // ICAO 9303 Part 10 §4.6.1 example: 60 16 5F01 04 "0107" 5F36 06 "040000" 5C 04 61 75 63 76
    // (LDS 1.7, Unicode 4.0.0, DG1 DG2 DG3 DG4).
    let bytes = hex::decode("60165F0104303130375F36063034303030305C0461756376").unwrap();
    let com = EfCom::parse(&bytes).unwrap();
    assert_eq!(com.lds_version, "0107");
    assert_eq!(com.lds_version_numbers(), Some((1, 7)));
    assert_eq!(com.unicode_version, "040000");
    assert_eq!(com.data_groups(), vec![1, 2, 3, 4]);
}

#[test]
fn fixture_ef_com() {
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/EF.COM.bin").unwrap();
    assert_eq!(
        EfCom::parse(&bytes).unwrap().data_groups(),
        vec![1, 2, 7, 11, 12, 14, 15]
    );
}

#[test]
fn missing_and_bad_elements() {
    let no_list = hex::decode("60105F0104303130375F3606303430303030").unwrap();
    assert!(matches!(
        EfCom::parse(&no_list),
        Err(LdsError::Missing {
            what: "5C tag list",
            ..
        })
    ));
    let bad_version = hex::decode("60165F01043031413F5F36063034303030305C0461756376").unwrap();
    assert!(matches!(
        EfCom::parse(&bad_version),
        Err(LdsError::Invalid { .. })
    ));
}
