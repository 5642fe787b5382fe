//! Unit tests of `mrz::codes`.

use super::*;

#[test]
fn tables_sorted_unique() {
    assert!(ISO3166_ALPHA3.windows(2).all(|w| w[0] < w[1]));
    assert!(ICAO_SPECIAL.windows(2).all(|w| w[0].0 < w[1].0));
    // ISO 3166-1 assigns 249 alpha-3 codes.
    assert_eq!(ISO3166_ALPHA3.len(), 249);
    for (c, _) in ICAO_SPECIAL {
        assert!(!ISO3166_ALPHA3.contains(c), "{c} is in both tables");
    }
}

#[test]
fn lookups() {
    assert_eq!(code_kind("NOR"), Some(CodeKind::Iso3166));
    assert_eq!(code_kind("D<<"), Some(CodeKind::IcaoSpecial));
    assert_eq!(code_kind("D"), Some(CodeKind::IcaoSpecial));
    assert_eq!(code_kind("UTO"), Some(CodeKind::Specimen));
    for c in [
        "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "XOM", "XPO",
    ] {
        assert_eq!(code_kind(c), Some(CodeKind::IcaoSpecial), "{c}");
    }
    assert_eq!(
        special_code_meaning("XXA"),
        Some("Stateless person (1954 Convention)")
    );
    assert!(!is_known_code("QQQ"));
    assert!(!is_known_code(""));
    assert!(!is_known_code("<<<"));
}

#[test]
fn known_codes_lists_every_table_once() {
    let all: Vec<&str> = known_codes().collect();
    assert_eq!(all.len(), ISO3166_ALPHA3.len() + ICAO_SPECIAL.len() + 1);
    let mut sorted = all.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), all.len());
    assert!(all.iter().all(|c| is_known_code(c)));
    assert!(all.contains(&"UTO") && all.contains(&"XXA") && all.contains(&"NOR"));
    assert!(!all.contains(&"TO") && !all.contains(&"ZZZ"));
}

/// Every special code of ICAO 9303 Part 3 §5 (8th edition): the British nationality classes, `D`,
/// the EU, the United Nations codes, the other issuing organisations and the codes for persons
/// without a defined nationality, plus `RKS` as printed on Kosovo's documents. Checked against
/// independent transcriptions of the Part 3 tables; `ANT`/`NTZ` (withdrawn from ISO 3166) and `IAO`
/// (ICAO as a master-list signer, on no travel document) are deliberately absent.
#[test]
fn special_codes_are_exactly_the_part_3_list() {
    let expected = [
        "D", "EUE", "GBD", "GBN", "GBO", "GBP", "GBS", "RKS", "UNA", "UNK", "UNO", "XBA", "XCC",
        "XCE", "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX",
    ];
    let ours: Vec<&str> = ICAO_SPECIAL.iter().map(|(c, _)| *c).collect();
    assert_eq!(ours, expected);
    for c in ["ANT", "NTZ", "IAO"] {
        assert!(!is_known_code(c), "{c}");
    }
    assert_eq!(
        special_code_meaning("XPO"),
        Some("International Criminal Police Organization (INTERPOL)")
    );
    assert_eq!(
        special_code_meaning("GBN<"),
        Some("British National (Overseas)")
    );
    assert_eq!(special_code_meaning("NOR"), None);
}
