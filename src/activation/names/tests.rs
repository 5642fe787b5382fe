//! Unit tests of `activation::names`.

use super::*;
use proptest::prelude::*;

#[test]
fn norwegian_letters() {
    // ICAO 9303 Part 3 §6: Å → AA, Æ → AE, Ø → OE.
    assert!(name_matches("Ørjan", "OERJAN", false));
    assert!(name_matches(
        "Bjørnstjerne Bjørnson",
        "BJOERNSTJERNE BJOERNSON",
        false
    ));
    assert!(name_matches("Ålesund", "AALESUND", false));
    assert!(name_matches("Kjærsti", "KJAERSTI", false));
    assert!(name_matches("Sørensen", "SORENSEN", false));
    assert!(!name_matches("Sørensen", "SARENSEN", false));
}

#[test]
fn german_and_others() {
    assert!(name_matches("Müller", "MUELLER", false));
    assert!(name_matches("Müller", "MULLER", false));
    assert!(name_matches("Müller", "MUXXLLER", false));
    assert!(name_matches("Strauß", "STRAUSS", false));
    assert!(name_matches("José Núñez", "JOSE NUNEZ", false));
    assert!(name_matches("Þór", "THOR", false));
}

#[test]
fn punctuation() {
    // Part 3 §4.6: hyphens become fillers, apostrophes are omitted.
    assert!(name_matches("Anne-Marie", "ANNE MARIE", false));
    assert!(name_matches("O'Neil", "ONEIL", false));
    assert!(name_matches("  Eriksson ", "ERIKSSON", false));
}

#[test]
fn truncation() {
    assert!(name_matches("Maria Magdalena", "MARIA MAG", true));
    assert!(!name_matches("Maria Magdalena", "MARIA MAG", false));
    assert!(name_matches("Åsa", "A", true));
    assert!(!name_matches("Maria", "MARIAN", true));
    assert!(!name_matches("Maria", "MARTA", true));
}

#[test]
fn untranslatable_never_matches() {
    assert!(!name_matches("Иван", "IVAN", false));
    assert!(!name_matches("R2D2", "RD", false));
}

proptest! {
    #[test]
    fn never_panics(reg in "\\PC{0,40}", mrz in "[A-Z< ]{0,40}", p: bool) {
        let _ = name_matches(&reg, &mrz, p);
    }

    #[test]
    fn ascii_names_match_themselves(name in "[A-Z]{1,10}( [A-Z]{1,10}){0,3}") {
        prop_assert!(name_matches(&name.to_lowercase(), &name, false));
        prop_assert!(name_matches(&name, &name[..name.len() / 2], true));
    }
}
