//! Unit tests of `verify::country`.

use super::*;

#[test]
fn known_codes() {
    // ISO 3166-1: NOR/NO, SWE/SE; ICAO 9303 Part 3: `D<<` is Germany, `UTO` the specimen Utopia.
    assert_eq!(alpha2_for("NOR"), Some("NO"));
    assert_eq!(alpha2_for("SWE"), Some("SE"));
    assert_eq!(alpha2_for("D<<"), Some("DE"));
    assert_eq!(alpha2_for("UTO"), Some("UT"));
    assert_eq!(alpha2_for("ZZZ"), None);
    assert_eq!(alpha2_for("no"), None);
}
