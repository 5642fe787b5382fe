//! Unit tests of `lds::personal`.

use super::*;

#[test]
fn fixture_dg11() {
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/DG11.bin").unwrap();
    let d = Dg11::parse(&bytes).unwrap();
    assert_eq!(d.full_name.as_deref(), Some("ERIKSSON<<ANNA<MARIA"));
    assert_eq!(d.personal_number.as_deref(), Some("123456789"));
    assert_eq!(d.full_date_of_birth.as_deref(), Some("19740812"));
    assert_eq!(d.place_of_birth.as_deref(), Some("ZENITH<UTOPIA"));
    assert_eq!(d.profession.as_deref(), Some("TRAVEL AGENT"));
}

#[test]
fn fixture_dg12() {
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/DG12.bin").unwrap();
    let d = Dg12::parse(&bytes).unwrap();
    assert_eq!(
        d.issuing_authority.as_deref(),
        Some("UTOPIA PASSPORT OFFICE")
    );
    assert_eq!(d.date_of_issue.as_deref(), Some("20120415"));
}

#[test]
fn other_names_group_and_bcd_date() {
    // 6B { 5C 02 5F0F, A0 { 02 01 02, 5F0F "A", 5F0F "B" }, 5F2B 04 19 74 08 12 (BCD) }
    let bytes = hex::decode("6B185C025F0FA00B0201025F0F01415F0F01425F2B0419740812").unwrap();
    let d = Dg11::parse(&bytes).unwrap();
    assert_eq!(d.other_names, vec!["A", "B"]);
    assert_eq!(d.full_date_of_birth.as_deref(), Some("19740812"));
    // The same with a wrong count.
    let bad = hex::decode("6B185C025F0FA00B0201035F0F01415F0F01425F2B0419740812").unwrap();
    assert!(Dg11::parse(&bad).is_err());
}

#[test]
fn tag_list_is_required() {
    assert!(matches!(
        Dg12::parse(&[0x6C, 0x00]),
        Err(LdsError::Missing { .. })
    ));
}
