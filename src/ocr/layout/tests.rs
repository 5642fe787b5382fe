//! Unit tests of `ocr::layout`.

use super::*;

fn chars(lines: &[&str]) -> Vec<Vec<char>> {
    lines.iter().map(|l| l.chars().collect()).collect()
}

#[test]
fn icao_td3_specimen_checks_hold() {
    // ICAO 9303 Part 4, Appendix A (specimen passport of Utopia, Anna Maria Eriksson).
    let l = chars(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ]);
    assert_eq!(checks_hold(MrzFormat::Td3, &l), (5, 5));
}

#[test]
fn icao_td1_specimen_checks_hold() {
    // ICAO 9303 Part 5, Appendix A (specimen TD1 of Utopia).
    let l = chars(&[
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ]);
    assert_eq!(checks_hold(MrzFormat::Td1, &l), (4, 4));
}

#[test]
fn a_changed_digit_fails() {
    let l = chars(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408132F1204159ZE184226B<<<<<10",
    ]);
    assert!(checks_hold(MrzFormat::Td3, &l).0 < 5);
}

#[test]
fn classes_follow_the_icao_fields() {
    // TD3 (Part 4): code, state, name letters; number alphanumeric; dates and checks digits.
    let c = classes(MrzFormat::Td3);
    assert_eq!(c.len(), 2);
    assert!(c[0].iter().all(|&k| k == CharClass::Alpha));
    assert!(c[1][..9].iter().all(|&k| k == CharClass::Any));
    assert_eq!(
        c[1][9],
        CharClass::Digit,
        "TD3 numbers never continue: a digit"
    );
    assert_eq!(
        classes(MrzFormat::Td2)[1][9],
        CharClass::Any,
        "TD2 long number: `<`"
    );
    assert!(c[1][10..13].iter().all(|&k| k == CharClass::Alpha));
    assert!(c[1][13..20].iter().all(|&k| k == CharClass::Digit));
    assert_eq!(c[1][20], CharClass::Sex);
    assert!(c[1][21..28].iter().all(|&k| k == CharClass::Digit));
    // Personal number and its check (which may be `<`), then the composite digit.
    assert!(c[1][28..43].iter().all(|&k| k == CharClass::Any));
    assert_eq!(c[1][43], CharClass::Digit);
    // TD1 (Part 5): three lines of 30, names on line 3, nationality on line 2.
    let c = classes(MrzFormat::Td1);
    assert_eq!((c.len(), c[0].len()), (3, 30));
    assert!(c[0][..5].iter().all(|&k| k == CharClass::Alpha));
    assert!(c[0][5..].iter().all(|&k| k == CharClass::Any));
    assert_eq!(
        c[0][14],
        CharClass::Any,
        "TD1 number check may be `<` (long numbers)"
    );
    assert!(c[1][..7].iter().all(|&k| k == CharClass::Digit));
    assert_eq!(c[1][7], CharClass::Sex);
    assert!(c[1][15..18].iter().all(|&k| k == CharClass::Alpha));
    assert_eq!(c[1][29], CharClass::Digit);
    assert!(c[2].iter().all(|&k| k == CharClass::Alpha));
    assert!(CharClass::Sex.allows('X') && !CharClass::Sex.allows('Y'));
}

#[test]
fn coverage_marks_what_no_check_digit_protects() {
    let td3 = coverage(MrzFormat::Td3);
    assert!(
        td3[0].iter().all(|&n| n == 0),
        "code, state and names: no check digit"
    );
    assert_eq!(
        &td3[1][0..10],
        &[2; 10],
        "number and its check: own check + composite"
    );
    assert_eq!(&td3[1][10..13], &[0; 3], "nationality");
    assert_eq!(td3[1][20], 0, "sex");
    assert_eq!(td3[1][43], 1, "the composite digit covers itself only");
    let td1 = coverage(MrzFormat::Td1);
    assert_eq!(&td1[0][0..5], &[0; 5]);
    assert!(
        td1[0][15..].iter().all(|&n| n == 1),
        "line 1 optional data: composite"
    );
    assert_eq!((td1[1][7], &td1[1][15..18]), (0, &[0u8; 3][..]));
    assert!(td1[2].iter().all(|&n| n == 0));
    // Visas have no composite: one check per field, optional data unchecked.
    let mrvb = coverage(MrzFormat::MrvB);
    assert_eq!(&mrvb[1][0..10], &[1; 10]);
    assert!(mrvb[1][28..].iter().all(|&n| n == 0));
}

#[test]
fn code_fields_and_shapes() {
    assert_eq!(code_fields(MrzFormat::Td1), vec![(0, 2), (1, 15)]);
    assert_eq!(code_fields(MrzFormat::MrvA), vec![(0, 2), (1, 10)]);
    assert_eq!(format_from_shape(3, 30, 'I'), Some(MrzFormat::Td1));
    assert_eq!(format_from_shape(2, 36, 'V'), Some(MrzFormat::MrvB));
    assert_eq!(format_from_shape(2, 44, 'P'), Some(MrzFormat::Td3));
    assert_eq!(format_from_shape(2, 30, 'P'), None);
    // The wrapper agrees with the `mrz` module's check digit (Part 3 §4.9 example).
    assert_eq!(check_digit("520727".chars()), 3);
    assert_eq!(check_digit("AB2134<<<".chars()), 5);
}
