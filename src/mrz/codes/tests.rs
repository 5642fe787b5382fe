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
