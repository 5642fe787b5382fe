//! Unit tests of `mrz::date`.

use super::*;

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::new(y, m, day).unwrap()
}

#[test]
fn leap_years() {
    assert!(is_leap_year(2000));
    assert!(!is_leap_year(1900));
    assert!(is_leap_year(2024));
    assert!(!is_leap_year(2023));
    assert!(Date::new(2023, 2, 29).is_err());
    assert!(Date::new(2024, 2, 29).is_ok());
    assert!(Date::new(2024, 13, 1).is_err());
    assert!(Date::new(2024, 4, 31).is_err());
    assert!(Date::new(2024, 4, 0).is_err());
}

#[test]
fn birth_century() {
    let today = d(2026, 12, 1);
    assert_eq!(
        MrzDate::from_yymmdd("740812").unwrap().resolve_birth(today),
        Ok(d(1974, 8, 12))
    );
    assert_eq!(
        MrzDate::from_yymmdd("261201").unwrap().resolve_birth(today),
        Ok(d(2026, 12, 1))
    );
    assert_eq!(
        MrzDate::from_yymmdd("261202").unwrap().resolve_birth(today),
        Ok(d(1926, 12, 2))
    );
    assert_eq!(
        MrzDate::from_yymmdd("100101").unwrap().resolve_birth(today),
        Ok(d(2010, 1, 1))
    );
    // 29 Feb 2000 exists, 29 Feb 1900 does not.
    assert_eq!(
        MrzDate::from_yymmdd("000229").unwrap().resolve_birth(today),
        Ok(d(2000, 2, 29))
    );
    assert!(
        MrzDate::from_yymmdd("000229")
            .unwrap()
            .resolve_birth(d(1999, 1, 1))
            .is_err()
    );
    assert!(
        MrzDate::from_yymmdd("741312")
            .unwrap()
            .resolve_birth(today)
            .is_err()
    );
    assert!(
        MrzDate::from_yymmdd("74<<<<")
            .unwrap()
            .resolve_birth(today)
            .is_err()
    );
}

#[test]
fn expiry_century() {
    let today = d(2026, 12, 1);
    assert_eq!(
        MrzDate::from_yymmdd("120415")
            .unwrap()
            .resolve_expiry(today),
        Ok(d(2012, 4, 15))
    );
    assert_eq!(
        MrzDate::from_yymmdd("360101")
            .unwrap()
            .resolve_expiry(today),
        Ok(d(2036, 1, 1))
    );
    assert_eq!(
        MrzDate::from_yymmdd("461201")
            .unwrap()
            .resolve_expiry(today),
        Ok(d(2046, 12, 1))
    );
    assert_eq!(
        MrzDate::from_yymmdd("461202")
            .unwrap()
            .resolve_expiry(today),
        Ok(d(1946, 12, 2))
    );
    assert_eq!(
        MrzDate::from_yymmdd("940623")
            .unwrap()
            .resolve_expiry(today),
        Ok(d(1994, 6, 23))
    );
    assert_eq!(
        MrzDate::from_yymmdd("050101")
            .unwrap()
            .resolve_expiry(d(1995, 1, 1)),
        Ok(d(2005, 1, 1))
    );
    assert!(MrzDate::absent().resolve_expiry(today).is_err());
    assert!(MrzDate::from_yymmdd("7408").is_err());
    assert!(MrzDate::from_yymmdd("74081é").is_err());
    assert_eq!(MrzDate::from_yymmdd("74<<<<").unwrap().yymmdd(), "74<<<<");
}

#[test]
fn iso_and_unix() {
    assert_eq!(Date::parse_iso("2026-12-01"), Ok(d(2026, 12, 1)));
    assert!(Date::parse_iso("2026-02-30").is_err());
    assert!(Date::parse_iso("2026-2-3").is_err());
    assert!(Date::parse_iso("+026-02-03").is_err());
    assert_eq!(Date::from_unix_days(0), Some(d(1970, 1, 1)));
    assert_eq!(Date::from_unix_days(11_016), Some(d(2000, 2, 29)));
    assert_eq!(Date::from_unix_days(-1), Some(d(1969, 12, 31)));
    assert_eq!(d(2024, 2, 29).to_string(), "2024-02-29");
    assert_eq!(d(2024, 2, 29).add_years(1), Some(d(2025, 2, 28)));
}
