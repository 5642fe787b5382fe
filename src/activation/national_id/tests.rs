//! Unit tests of `activation::national_id`.

use super::*;
use proptest::prelude::*;

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

#[test]
fn build_round_trip() {
    let id = make_national_id(date(1990, 1, 15), 123, false).unwrap();
    assert_eq!(id.kind(), NationalIdKind::Fodselsnummer);
    assert_eq!(id.birth_date(), date(1990, 1, 15));
    assert_eq!(NationalId::parse(id.as_str()).unwrap(), id);
}

#[test]
fn hand_computed_check_digits() {
    // 150190 123 K1 K2, computed by hand with the weights above:
    // K1: 3*1+7*5+6*0+1*1+8*9+9*0+4*1+5*2+2*3 = 3+35+0+1+72+0+4+10+6 = 131; 131 mod 11 = 10 → K1 = 1
    // K2: 5*1+4*5+3*0+2*1+7*9+6*0+5*1+4*2+3*3+2*1 = 5+20+0+2+63+0+5+8+9+2 = 114; 114 mod 11 = 4 → K2 = 7
    assert_eq!(
        make_national_id(date(1990, 1, 15), 123, false)
            .unwrap()
            .as_str(),
        "15019012317"
    );
    assert!(NationalId::parse("15019012317").is_ok());
    assert_eq!(
        NationalId::parse("15019012318"),
        Err(NationalIdError::CheckDigit { which: 2 })
    );
    assert_eq!(
        NationalId::parse("15019012327"),
        Err(NationalIdError::CheckDigit { which: 1 })
    );
}

#[test]
fn d_number() {
    let id = make_national_id(date(1985, 6, 3), 42, true).unwrap();
    assert!(id.as_str().starts_with("43"));
    assert_eq!(id.kind(), NationalIdKind::DNumber);
    assert_eq!(id.birth_date(), date(1985, 6, 3));
}

#[test]
fn centuries() {
    assert_eq!(century_year(99, 499), Some(1999));
    assert_eq!(century_year(60, 600), Some(1860));
    assert_eq!(century_year(10, 600), Some(2010));
    assert_eq!(century_year(45, 950), Some(1945));
    assert_eq!(century_year(45, 800), None);
    assert_eq!(century_year(50, 600), None);
    let id = make_national_id(date(2005, 2, 28), 612, false).unwrap();
    assert_eq!(id.birth_date().year, 2005);
}

#[test]
fn rejects_shapes_and_dates() {
    assert!(matches!(
        NationalId::parse("1501901231"),
        Err(NationalIdError::Shape { len: 10, .. })
    ));
    assert!(matches!(
        NationalId::parse("1501901231x"),
        Err(NationalIdError::Shape { digits: false, .. })
    ));
    assert!(matches!(
        NationalId::parse("１５０１９０１２３１７"),
        Err(NationalIdError::Shape { .. })
    ));
    // 31 February with check digits made valid: find an individual number that works.
    let bad = (0..500u16).find_map(|i| {
        let mut s = format!("310290{i:03}");
        let k1 = mod11(s.as_bytes(), &K1_WEIGHTS)?;
        s.push(char::from_digit(k1, 10)?);
        let k2 = mod11(s.as_bytes(), &K2_WEIGHTS)?;
        s.push(char::from_digit(k2, 10)?);
        Some(s)
    });
    assert!(matches!(
        NationalId::parse(&bad.unwrap()),
        Err(NationalIdError::BirthDate(_))
    ));
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,20}") {
        let _ = NationalId::parse(&s);
    }

    #[test]
    fn any_single_digit_change_is_caught(i in 0usize..11, delta in 1u8..10) {
        let id = make_national_id(date(1972, 11, 30), 251, false).unwrap();
        let mut b = id.as_str().as_bytes().to_vec();
        b[i] = b'0' + (b[i] - b'0' + delta) % 10;
        let s = String::from_utf8(b).unwrap();
        // mod 11 with weights coprime to 11 detects every single-digit error.
        prop_assert!(NationalId::parse(&s).is_err());
    }
}
