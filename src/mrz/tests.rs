//! Tests of the MRZ module against ICAO 9303 specimens, builder round trips and proptests.

#![allow(clippy::unwrap_used)]

use super::*;

// ICAO 9303 Part 4 (7th ed.), Appendix A / Figure in §4.2.2: TD3 specimen.
const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];
// ICAO 9303 Part 5, Appendix A: TD1 specimen.
const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];
// ICAO 9303 Part 6, Appendix A: TD2 specimen.
const TD2: [&str; 2] = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
];
// ICAO 9303 Part 7, Appendix A: MRV-A specimen.
const MRVA: [&str; 2] = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
];
// ICAO 9303 Part 7, Appendix B: MRV-B specimen.
const MRVB: [&str; 2] = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX4009078F9612109<<<<<<<<",
];
// ICAO 9303 Part 11, Appendix D (long document number worked example, TD1).
const TD1_LONG: [&str; 3] = [
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
];
// German identity card specimen (2010 model, "Erika Mustermann", published by the Bundesdruckerei):
// issuing state and nationality `D<<`. Check digits verified in `german_id_card`.
const DEU_ID: [&str; 3] = [
    "IDD<<T220001293<<<<<<<<<<<<<<<",
    "6408125<2010315D<<<<<<<<<<<<<4",
    "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
];
// French national ID card (1988–2021 layout), a sample as published for that layout; its three
// check digits (card number, birth date, composite over both lines) are verified in `french_id`.
const FRA_ID: [&str; 2] = [
    "IDFRADOUEL<<<<<<<<<<<<<<<<<<<<932013",
    "0506932020438CHRISTIANE<<NI2906209F3",
];

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::new(y, m, day).unwrap()
}

fn fields(m: &Mrz) -> Vec<(CheckField, bool)> {
    m.checks().iter().map(|c| (c.field, c.ok)).collect()
}

#[test]
fn td3_specimen() {
    let m = parse(&TD3).unwrap();
    assert_eq!(m.format(), Format::Td3);
    assert_eq!(m.format().contract_name(), "TD3");
    assert_eq!(m.document_code(), "P");
    assert_eq!(m.issuing_state(), "UTO");
    assert_eq!(m.surname(), "ERIKSSON");
    assert_eq!(m.given_names(), "ANNA MARIA");
    assert!(!m.name_truncated());
    assert_eq!(m.document_number(), "L898902C3");
    assert_eq!(m.nationality(), "UTO");
    assert_eq!(m.birth_date().yymmdd(), "740812");
    assert_eq!(m.sex(), Sex::Female);
    assert_eq!(m.expiry_date().yymmdd(), "120415");
    assert_eq!(m.optional_data(), "ZE184226B");
    assert_eq!(m.optional_data_2(), None);
    use CheckField::*;
    assert_eq!(
        fields(&m),
        vec![
            (DocumentNumber, true),
            (BirthDate, true),
            (ExpiryDate, true),
            (OptionalData, true),
            (Composite, true)
        ]
    );
    let c = m.check(Composite).unwrap();
    assert_eq!((c.expected, c.actual, c.line, c.column), (0, '0', 1, 43));
    assert_eq!(c.covers.len(), 3);
    assert!(m.is_valid());
    let today = d(2026, 12, 1);
    assert_eq!(m.birth_date().resolve_birth(today), Ok(d(1974, 8, 12)));
    assert_eq!(m.expiry_date().resolve_expiry(today), Ok(d(2012, 4, 15)));
    assert_eq!(m.lines(), &TD3);
}

#[test]
fn td1_specimen() {
    let m = parse(&TD1).unwrap();
    assert_eq!(m.format(), Format::Td1);
    assert_eq!(m.format().contract_name(), "TD1");
    assert_eq!(m.document_code(), "I");
    assert_eq!(m.document_number(), "D23145890");
    assert_eq!(m.surname(), "ERIKSSON");
    assert_eq!(m.given_names(), "ANNA MARIA");
    assert_eq!(m.birth_date().yymmdd(), "740812");
    assert_eq!(m.expiry_date().yymmdd(), "120415");
    assert_eq!(m.nationality(), "UTO");
    assert_eq!(m.optional_data(), "");
    assert_eq!(m.optional_data_2(), Some(""));
    assert_eq!(m.checks().len(), 4);
    assert!(m.is_valid());
    assert_eq!(m.mrz_information(), "D23145890774081221204159");
}

#[test]
fn td2_specimen() {
    let m = parse(&TD2).unwrap();
    assert_eq!(m.format(), Format::Td2);
    assert_eq!(m.format().name(), "TD2");
    assert_eq!(m.document_number(), "D23145890");
    assert_eq!(m.surname(), "ERIKSSON");
    assert_eq!(m.given_names(), "ANNA MARIA");
    assert_eq!(m.checks().len(), 4);
    assert!(m.is_valid());
}

#[test]
fn mrv_specimens() {
    let a = parse(&MRVA).unwrap();
    assert_eq!(a.format(), Format::MrvA);
    assert_eq!(a.format().contract_name(), "MRVA");
    assert_eq!(a.document_number(), "L8988901C");
    assert_eq!(a.nationality(), "XXX");
    assert_eq!(a.birth_date().yymmdd(), "400907");
    assert_eq!(a.expiry_date().yymmdd(), "961210");
    assert_eq!(a.optional_data(), "6ZE184226B");
    assert_eq!(a.checks().len(), 3);
    assert!(a.check(CheckField::Composite).is_none());
    assert!(a.is_valid());
    let b = parse(&MRVB).unwrap();
    assert_eq!(b.format(), Format::MrvB);
    assert_eq!(b.format().contract_name(), "MRVB");
    assert_eq!(b.document_number(), "L8988901C");
    assert_eq!(b.given_names(), "ANNA MARIA");
    assert_eq!(b.checks().len(), 3);
    assert!(b.is_valid());
}

#[test]
fn long_document_number() {
    // ICAO 9303 Part 11, Appendix D: document number D23145890734, check digit 9.
    let m = parse(&TD1_LONG).unwrap();
    assert_eq!(m.document_number(), "D23145890734");
    let c = m.check(CheckField::DocumentNumber).unwrap();
    assert_eq!((c.expected, c.actual, c.ok), (9, '9', true));
    assert_eq!((c.line, c.column), (0, 18));
    assert_eq!(c.covers.len(), 2);
    assert!(m.is_valid());
    assert_eq!(m.surname(), "STEVENSON");
    assert_eq!(m.given_names(), "PETER JOHN");
    assert_eq!(m.sex(), Sex::Male);
    assert_eq!(m.optional_data(), "");
    assert_eq!(m.mrz_information(), "D23145890734934071279507122");
    // A wrong continuation check digit is reported at its own position.
    let mut bad = TD1_LONG.map(str::to_owned);
    bad[0].replace_range(18..19, "8");
    let m = Mrz::parse_lines(&bad).unwrap();
    let c = m.check(CheckField::DocumentNumber).unwrap();
    assert_eq!((c.expected, c.actual, c.ok), (9, '8', false));
}

#[test]
fn german_id_card() {
    let m = parse(&DEU_ID).unwrap();
    assert_eq!(m.document_code(), "ID");
    assert_eq!(m.issuing_state(), "D");
    assert_eq!(m.nationality(), "D");
    assert!(is_known_code(m.issuing_state()));
    assert_eq!(code_kind("D<<"), Some(CodeKind::IcaoSpecial));
    assert_eq!(m.sex(), Sex::NotStated);
    assert_eq!(m.document_number(), "T22000129");
    assert_eq!(m.surname(), "MUSTERMANN");
    assert_eq!(m.given_names(), "ERIKA");
    assert!(m.is_valid());
}

#[test]
fn french_id() {
    let m = parse(&FRA_ID).unwrap();
    assert_eq!(m.format(), Format::FrenchId);
    assert_eq!(m.format().name(), "FRA_ID");
    assert_eq!(m.format().contract_name(), "TD2");
    assert_eq!(m.document_number(), "050693202043");
    assert_eq!(m.surname(), "DOUEL");
    assert_eq!(m.given_names(), "CHRISTIANE NI");
    assert!(m.name_truncated());
    assert_eq!(m.birth_date().yymmdd(), "290620");
    assert!(!m.expiry_date().is_present());
    assert_eq!(
        m.expiry_date().resolve_expiry(d(2026, 1, 1)),
        Err(DateError::Absent)
    );
    assert_eq!(m.sex(), Sex::Female);
    assert_eq!(m.optional_data(), "932013");
    assert_eq!(m.nationality(), "FRA");
    assert_eq!(m.checks().len(), 3);
    assert!(m.is_valid(), "{:?}", m.checks());
}

#[test]
fn mrz_information_part11_d2() {
    // ICAO 9303 Part 11, Appendix D.2: document number L898902C<, check 3; birth 690806, check 1;
    // expiry 940623, check 6 → "L898902C<369080619406236".
    let m = MrzBuilder::new(Format::Td3)
        .issuing_state("UTO")
        .nationality("UTO")
        .surname("SMITH")
        .given_names("JOHN J")
        .document_number("L898902C")
        .birth_date("690806")
        .expiry_date("940623")
        .sex(Sex::Female)
        .build()
        .unwrap();
    assert!(m.is_valid());
    assert_eq!(m.mrz_information(), "L898902C<369080619406236");
    assert_eq!(m.document_number(), "L898902C");
}

/// Sets one character and recomputes the composite digit (so only the intended check fails).
fn tamper(lines: &[&str], line: usize, col: usize, c: char, keep_composite: bool) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().map(|s| (*s).to_owned()).collect();
    v[line].replace_range(col..col + 1, &c.to_string());
    if !keep_composite {
        let m = Mrz::parse_lines(&v).unwrap();
        if let Some(comp) = m.check(CheckField::Composite) {
            let (l, p) = (comp.line, comp.column);
            let digit = m
                .checks()
                .iter()
                .find(|c| c.field == CheckField::Composite)
                .map(|c| c.expected)
                .unwrap();
            v[l].replace_range(p..p + 1, &digit.to_string());
        }
    }
    v
}

#[test]
fn each_check_fails_separately() {
    use CheckField::*;
    let cases: [(usize, usize, char, CheckField, u8, char); 5] = [
        (1, 9, '7', DocumentNumber, 6, '7'),
        (1, 19, '3', BirthDate, 2, '3'),
        (1, 27, '0', ExpiryDate, 9, '0'),
        (1, 42, '2', OptionalData, 1, '2'),
        (1, 43, '5', Composite, 0, '5'),
    ];
    for (line, col, c, field, expected, actual) in cases {
        let v = tamper(&TD3, line, col, c, field == Composite);
        let m = Mrz::parse_lines(&v).unwrap();
        let failing: Vec<_> = m.checks().iter().filter(|c| !c.ok).collect();
        assert_eq!(failing.len(), 1, "{field:?}: {:?}", m.checks());
        let f = failing[0];
        assert_eq!((f.field, f.expected, f.actual), (field, expected, actual));
        assert_eq!((f.line, f.column), (line, col));
        assert!(!m.is_valid());
    }
    // TD1: document number, dates, composite.
    for (line, col, c, field) in [
        (0, 14, '9', DocumentNumber),
        (1, 6, '9', BirthDate),
        (1, 14, '8', ExpiryDate),
    ] {
        let v = tamper(&TD1, line, col, c, false);
        let m = Mrz::parse_lines(&v).unwrap();
        let failing: Vec<_> = m
            .checks()
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.field)
            .collect();
        assert_eq!(failing, vec![field]);
    }
    let v = tamper(&TD1, 1, 29, '1', true);
    let m = Mrz::parse_lines(&v).unwrap();
    assert_eq!(
        m.checks()
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.field)
            .collect::<Vec<_>>(),
        vec![Composite]
    );
    // MRV-B: no composite, so one digit changes one check.
    let v = tamper(&MRVB, 1, 27, '0', true);
    let m = Mrz::parse_lines(&v).unwrap();
    assert_eq!(
        m.checks()
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.field)
            .collect::<Vec<_>>(),
        vec![ExpiryDate]
    );
}

#[test]
fn personal_number_filler_check() {
    // ICAO 9303 Part 4 §4.2.2: an all-filler personal number may have `<` as its check digit.
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(28..43, "<<<<<<<<<<<<<<<");
    let m = Mrz::parse_lines(&[TD3[0].to_owned(), l2.clone()]).unwrap();
    let c = m.check(CheckField::OptionalData).unwrap();
    assert!(c.ok);
    assert_eq!(c.actual, '<');
    // `0` is as good; `<` is not accepted when the field holds data.
    l2.replace_range(42..43, "0");
    assert!(
        Mrz::parse_lines(&[TD3[0], &l2])
            .unwrap()
            .check(CheckField::OptionalData)
            .unwrap()
            .ok
    );
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(42..43, "<");
    assert!(
        !Mrz::parse_lines(&[TD3[0], &l2])
            .unwrap()
            .check(CheckField::OptionalData)
            .unwrap()
            .ok
    );
}

#[test]
fn truncated_names() {
    let b = MrzBuilder::new(Format::Td1)
        .issuing_state("UTO")
        .nationality("UTO")
        .surname("Vandenberghe-Lichtenstein")
        .given_names("Maximiliana Josephine")
        .document_number("X1")
        .birth_date("010101")
        .expiry_date("300101");
    let m = b.build().unwrap();
    assert!(m.name_truncated());
    assert_eq!(m.lines()[2], "VANDENBERGHE<LICHTENSTEIN<<MAX");
    assert_eq!(m.surname(), "VANDENBERGHE LICHTENSTEIN");
    assert_eq!(m.given_names(), "MAX");
    // A cut that would end on a separator makes room for the next initial instead.
    let m = b
        .clone()
        .surname("Vandenberghe-Lichtenstei")
        .given_names("Abc De")
        .build()
        .unwrap();
    assert_eq!(m.lines()[2], "VANDENBERGHE<LICHTENSTEI<<AB<D");
    assert!(m.name_truncated());
    let m = b
        .clone()
        .surname("Vandenberghe-Lichtensteinxxx")
        .given_names("Ab")
        .build()
        .unwrap();
    assert_eq!(m.lines()[2], "VANDENBERGHE<LICHTENSTEINXX<<A");
    assert!(m.name_truncated());
    assert!(!parse(&TD1).unwrap().name_truncated());
}

#[test]
fn structural_errors() {
    assert_eq!(parse(&[TD3[0]]), Err(MrzError::LineCount { found: 1 }));
    assert_eq!(parse(&[]), Err(MrzError::LineCount { found: 0 }));
    assert!(matches!(
        parse(&[TD3[0], TD3[1], TD3[1], TD3[1]]),
        Err(MrzError::LineCount { found: 4 })
    ));
    assert_eq!(
        parse(&[TD3[0], &TD3[1][..43]]),
        Err(MrzError::LineLength {
            line: 1,
            found: 43,
            expected: 44
        })
    );
    assert_eq!(
        parse(&["P<UTO", TD3[1]]),
        Err(MrzError::LineLength {
            line: 0,
            found: 5,
            expected: 36
        })
    );
    assert_eq!(
        parse(&[TD1[0], TD1[1], &TD1[2][..29]]),
        Err(MrzError::LineLength {
            line: 2,
            found: 29,
            expected: 30
        })
    );
    let bad = TD3[1].replacen('C', "c", 1);
    assert_eq!(
        parse(&[TD3[0], &bad]),
        Err(MrzError::IllegalCharacter {
            line: 1,
            column: 7,
            found: 'c'
        })
    );
    // Non-ASCII counts as one character and is reported by column.
    let bad = TD3[0].replacen('A', "Å", 1);
    assert_eq!(
        parse(&[&bad, TD3[1]]),
        Err(MrzError::IllegalCharacter {
            line: 0,
            column: 15,
            found: 'Å'
        })
    );
    let bad = TD3[1].replacen('F', "Q", 1);
    assert_eq!(
        parse(&[TD3[0], &bad]),
        Err(MrzError::InvalidSex {
            line: 1,
            column: 20,
            found: 'Q'
        })
    );
    let e = parse(&[TD3[0], &TD3[1][..43]]).unwrap_err();
    assert_eq!(e.to_string(), "line 2 has 43 characters, expected 44");
    // Huge input: a bounded error, no copy of the input in it.
    let huge = "A".repeat(1 << 20);
    let e = Mrz::parse_text(&huge).unwrap_err();
    assert_eq!(e, MrzError::LineCount { found: 1 });
    let many = "X\n".repeat(100_000);
    assert_eq!(
        Mrz::parse_text(&many).unwrap_err(),
        MrzError::LineCount { found: 100_000 }
    );
}

#[test]
fn parse_text_splits_whitespace() {
    let m = Mrz::parse_text(&format!("\n  {}\r\n{}  \n\n", TD3[0], TD3[1])).unwrap();
    assert!(m.is_valid());
    let m = Mrz::parse_text(&TD1.join(" ")).unwrap();
    assert_eq!(m.format(), Format::Td1);
}

#[test]
fn parse_concatenated_dg1() {
    // DG1 holds the MRZ without line breaks (ICAO 9303 Part 10 §4.7.1).
    for lines in [&TD3[..], &TD1[..], &TD2[..], &MRVA[..], &MRVB[..]] {
        let joined = lines.concat();
        let m = Mrz::parse_concatenated(&joined).unwrap();
        assert_eq!(m.lines(), lines);
        assert!(m.is_valid());
    }
    assert!(matches!(
        Mrz::parse_concatenated("P<UTO"),
        Err(MrzError::LineLength { found: 5, .. })
    ));
    // 88 bytes, but a two-byte character straddles the line boundary.
    let mut s = TD3.concat();
    s.replace_range(43..45, "é");
    assert_eq!(s.len(), 88);
    assert!(matches!(
        Mrz::parse_concatenated(&s),
        Err(MrzError::IllegalCharacter {
            found: 'é',
            column: 43,
            ..
        })
    ));
}

#[test]
fn check_digit_api() {
    // ICAO 9303 Part 3 §4.9 example.
    assert_eq!(check_digit("520727"), Some(3));
    assert_eq!(check_digit("D23145890734"), Some(9));
    assert_eq!(check_digit("L898902C<"), Some(3));
    assert_eq!(check_digit("l898902c"), None);
}

fn builder_for(format: Format) -> MrzBuilder {
    MrzBuilder::new(format)
        .issuing_state("UTO")
        .nationality("UTO")
        .surname("ERIKSSON")
        .given_names("ANNA MARIA")
        .document_number("L898902C3")
        .birth_date("740812")
        .expiry_date("120415")
        .sex(Sex::Female)
}

#[test]
fn builder_reproduces_specimens() {
    let td3 = builder_for(Format::Td3)
        .optional_data("ZE184226B")
        .build_lines()
        .unwrap();
    assert_eq!(td3, TD3);
    let td1 = builder_for(Format::Td1)
        .document_number("D23145890")
        .build_lines()
        .unwrap();
    assert_eq!(td1, TD1);
    let td2 = builder_for(Format::Td2)
        .document_number("D23145890")
        .build_lines()
        .unwrap();
    assert_eq!(td2, TD2);
    let visa = |f| {
        builder_for(f)
            .document_number("L8988901C")
            .nationality("XXX")
            .birth_date("400907")
            .expiry_date("961210")
            .sex(Sex::Female)
    };
    assert_eq!(
        visa(Format::MrvA)
            .optional_data("6ZE184226B")
            .build_lines()
            .unwrap(),
        MRVA
    );
    assert_eq!(visa(Format::MrvB).build_lines().unwrap(), MRVB);
    let long = MrzBuilder::new(Format::Td1)
        .issuing_state("UTO")
        .nationality("UTO")
        .surname("Stevenson")
        .given_names("Peter John")
        .document_number("D23145890734")
        .birth_date("340712")
        .expiry_date("950712")
        .sex(Sex::Male)
        .build_lines()
        .unwrap();
    assert_eq!(long, TD1_LONG);
    let de = MrzBuilder::new(Format::Td1)
        .document_code("ID")
        .issuing_state("D")
        .nationality("D")
        .surname("Mustermann")
        .given_names("Erika")
        .document_number("T22000129")
        .birth_date("640812")
        .expiry_date("201031")
        .build_lines()
        .unwrap();
    assert_eq!(de, DEU_ID);
    let fr = MrzBuilder::new(Format::FrenchId)
        .surname("Douel")
        .given_names("Christiane Ni")
        .document_number("050693202043")
        .optional_data("932013")
        .birth_date("290620")
        .sex(Sex::Female)
        .build_lines()
        .unwrap();
    assert_eq!(fr, FRA_ID);
}

#[test]
fn builder_errors() {
    let e = builder_for(Format::Td3)
        .document_number("L898902C30")
        .build_lines();
    assert!(matches!(
        e,
        Err(MrzError::InvalidField {
            field: "document_number",
            ..
        })
    ));
    let e = builder_for(Format::Td3).surname("Ærøe").build_lines();
    assert!(matches!(
        e,
        Err(MrzError::InvalidField {
            field: "surname",
            ..
        })
    ));
    let e = builder_for(Format::Td3).birth_date("7408").build_lines();
    assert!(matches!(
        e,
        Err(MrzError::InvalidField {
            field: "birth_date",
            ..
        })
    ));
    let e = builder_for(Format::Td3).optional_data_2("X").build_lines();
    assert!(matches!(
        e,
        Err(MrzError::InvalidField {
            field: "optional_data_2",
            ..
        })
    ));
    let e = builder_for(Format::Td2)
        .document_number("D231458901234567")
        .build_lines();
    assert!(matches!(
        e,
        Err(MrzError::InvalidField {
            field: "optional_data",
            ..
        })
    ));
    let e = builder_for(Format::Td1)
        .document_number("D2314589<12")
        .build_lines();
    assert!(matches!(
        e,
        Err(MrzError::InvalidField {
            field: "document_number",
            ..
        })
    ));
    // TD2 long numbers (ICAO 9303 Part 6 §4.2.2 note) fit up to 9 + 6 characters.
    let m = builder_for(Format::Td2)
        .document_number("D231458901234")
        .build()
        .unwrap();
    assert_eq!(m.document_number(), "D231458901234");
    assert!(m.is_valid());
}

// ---------- correction ----------

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn correct_clean_input_is_untouched() {
    let c = correct(&TD3, &[]).unwrap();
    assert!(c.valid && !c.ambiguous && c.complete);
    assert!(c.changes.is_empty());
    assert_eq!(c.lines, TD3);
    assert_eq!(c.trials, 1);
}

#[test]
fn correct_field_types() {
    // Letters in dates and check digits, digits in names and codes, lower case.
    let lines = owned(&[
        "P<UT0ER1KSSON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO74O8l22F12O4l59ZE184226B<<<<<1O",
    ]);
    let c = correct(&refs(&lines), &[]).unwrap();
    assert!(c.valid, "{c:?}");
    assert_eq!(c.lines, TD3);
    let got: Vec<(usize, usize, char, char)> = c
        .changes
        .iter()
        .map(|c| (c.line, c.column, c.from, c.to))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 4, '0', 'O'),
            (0, 7, '1', 'I'),
            (0, 23, '1', 'I'),
            (1, 15, 'O', '0'),
            (1, 17, 'l', '1'),
            (1, 23, 'O', '0'),
            (1, 25, 'l', '1'),
            (1, 43, 'O', '0'),
        ]
    );
    assert!(
        c.changes
            .iter()
            .all(|c| c.reason == ChangeReason::FieldType)
    );
}

#[test]
fn correct_document_number_by_check_digits() {
    // `0` of the TD3 specimen's document number read as `O`: only `0` satisfies both the
    // document number and the composite check.
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(5..6, "O");
    let c = correct(&[TD3[0], &l2], &[]).unwrap();
    assert!(c.valid && !c.ambiguous, "{c:?}");
    assert_eq!(c.lines, TD3);
    assert_eq!(c.changes.len(), 1);
    let ch = c.changes[0];
    assert_eq!(
        (ch.line, ch.column, ch.from, ch.to, ch.reason),
        (1, 5, 'O', '0', ChangeReason::CheckDigit)
    );
    assert_eq!(c.mrz.unwrap().document_number(), "L898902C3");
}

#[test]
fn correct_refuses_ambiguous() {
    // MRV-B has no composite check: with `8` read as `B` in `LB988901C`, four different single
    // swaps (B→8, 8→B, 0→D, 1→I) all satisfy the document number check digit.
    let mut l2 = MRVB[1].to_owned();
    l2.replace_range(1..2, "B");
    let c = correct(&[MRVB[0], &l2], &[]).unwrap();
    assert!(c.ambiguous, "{c:?}");
    assert!(!c.valid);
    assert_eq!(c.alternatives.len(), 4);
    assert_eq!(c.lines[1], l2, "refused: lines keep what was read");
    // Whereas `0` read as `O` has a single fix.
    let mut l2 = MRVB[1].to_owned();
    l2.replace_range(6..7, "O");
    let c = correct(&[MRVB[0], &l2], &[]).unwrap();
    assert!(c.valid && !c.ambiguous);
    assert_eq!(c.lines, MRVB);
}

#[test]
fn correct_with_candidates() {
    // The same ambiguous MRV-B read, but the OCR engine ranks `8` close behind `B` at column 1:
    // the candidates make that the cheapest fix by far.
    let mut l2 = MRVB[1].to_owned();
    l2.replace_range(1..2, "B");
    let mut cands: Vec<Vec<Vec<(char, f32)>>> = vec![vec![Vec::new(); 36], vec![Vec::new(); 36]];
    for (i, c) in l2.chars().enumerate() {
        cands[1][i] = vec![(c, 0.99)];
    }
    cands[1][1] = vec![('B', 0.55), ('8', 0.45)];
    let c = correct(&[MRVB[0], &l2], &cands).unwrap();
    assert!(c.valid && !c.ambiguous, "{c:?}");
    assert_eq!(c.lines, MRVB);
    assert_eq!(c.changes.len(), 1);
    // Two candidates that both satisfy the checks with close scores: refused.
    cands[1][6] = vec![('0', 0.52), ('D', 0.48)];
    cands[1][1] = vec![('8', 0.50), ('B', 0.49)];
    let lines = [MRVB[0], MRVB[1]];
    let c = correct(&lines, &cands).unwrap();
    // `8`+`0` holds (the specimen); `8`+`D` does not; `B`+`0` does not; but `B`+`D`? Check what holds.
    let holds = |n: &str| check_digit(n) == Some(4);
    let mut expect_tie = false;
    for (a, b) in [('8', '0'), ('8', 'D'), ('B', '0'), ('B', 'D')] {
        let mut n = "L8988901C".to_owned();
        n.replace_range(1..2, &a.to_string());
        n.replace_range(6..7, &b.to_string());
        if (a, b) != ('8', '0') && holds(&n) {
            let cost = (0.50 - if a == '8' { 0.50 } else { 0.49 })
                + (0.52 - if b == '0' { 0.52 } else { 0.48 });
            expect_tie |= cost < 0.1;
        }
    }
    assert_eq!(c.ambiguous, expect_tie, "{c:?}");
    assert!(
        expect_tie,
        "B and D together keep the check digit: {}",
        check_digit("LB9889D1C").unwrap()
    );
    assert!(!c.valid);
    // Candidates of the wrong shape are an error.
    assert!(matches!(
        correct(&lines, &cands[..1]),
        Err(MrzError::Candidates { .. })
    ));
}

#[test]
fn correct_reports_reasons() {
    // Lower case is upper-cased; a candidate ranked above the read character wins.
    let l1 = "P<UTOEriksson<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let mut cands: Vec<Vec<Vec<(char, f32)>>> = vec![vec![Vec::new(); 44], Vec::new()];
    cands[0][20] = vec![('N', 0.3), ('M', 0.7)];
    let l1 = l1.replacen("MARIA", "NARIA", 1);
    let c = correct(&[&l1, TD3[1]], &cands).unwrap();
    assert!(c.valid, "{c:?}");
    assert_eq!(c.lines, TD3);
    let reasons: Vec<(usize, ChangeReason)> =
        c.changes.iter().map(|c| (c.column, c.reason)).collect();
    let mut expected: Vec<(usize, ChangeReason)> =
        (6..13).map(|i| (i, ChangeReason::Case)).collect();
    expected.push((20, ChangeReason::Candidate));
    assert_eq!(reasons, expected);
}

#[test]
fn correct_long_number() {
    // ICAO 9303 Part 11 long-number TD1 with `O` read for `0` in the number's continuation (`7349`
    // stays; the principal part `D23145890` has the `0`).
    let l1 = "I<UTOD2314589O<7349<<<<<<<<<<<";
    let c = correct(&[l1, TD1_LONG[1], TD1_LONG[2]], &[]).unwrap();
    assert!(c.valid, "{c:?}");
    assert_eq!(c.lines, TD1_LONG);
    assert_eq!(c.mrz.unwrap().document_number(), "D23145890734");
}

#[test]
fn td2_long_number() {
    let lines = builder_for(Format::Td2)
        .document_number("D2314589012")
        .build_lines()
        .unwrap();
    assert_eq!(&lines[1][..10], "D23145890<");
    assert_eq!(&lines[1][28..30], "12");
    let m = parse(&refs(&lines)).unwrap();
    let c = m.check(CheckField::DocumentNumber).unwrap();
    assert_eq!(
        (c.line, c.column, c.expected),
        (1, 30, check_digit("D2314589012").unwrap())
    );
    assert!(m.is_valid());
    assert_eq!(
        m.mrz_information().get(..12),
        Some(format!("D2314589012{}", c.expected).as_str())
    );
}

#[test]
fn correct_candidate_digit_in_date() {
    // A birth date digit the OCR engine is unsure of: `7` 0.5 / `1` 0.45 at column 13.
    let mut cands: Vec<Vec<Vec<(char, f32)>>> = vec![Vec::new(), vec![Vec::new(); 44]];
    cands[1][13] = vec![('1', 0.5), ('7', 0.45)];
    let c = correct(&TD3, &cands).unwrap();
    assert!(c.valid, "{c:?}");
    assert_eq!(c.lines, TD3);
    assert!(c.changes.is_empty());
}

#[test]
fn correct_unreadable_check_digit() {
    // `<` where the TD3 birth date check digit must be a digit: the check digit is recomputed...
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(19..20, "<");
    let c = correct(&[TD3[0], &l2], &[]).unwrap();
    assert!(c.valid, "{c:?}");
    assert_eq!(c.lines, TD3);
    assert_eq!(c.changes.len(), 1);
    assert_eq!(
        (c.changes[0].from, c.changes[0].to, c.changes[0].reason),
        ('<', '2', ChangeReason::CheckDigit)
    );
    // ... and a refused correction leaves unreadable characters as read, not a guess.
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(19..20, "é");
    l2.replace_range(1..3, "?B");
    let c = correct(&[TD3[0], &l2], &[]).unwrap();
    assert!(!c.valid);
    assert_eq!(c.lines[1], l2);
    assert!(c.changes.is_empty(), "{:?}", c.changes);
    assert_eq!(c.trials, 0);
    assert!(c.mrz.is_none());
}

#[test]
fn correct_unreadable_digit() {
    // A birth date digit OCR could not read (`?`): only one digit satisfies the check digit.
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(16..17, "?");
    let c = correct(&[TD3[0], &l2], &[]).unwrap();
    assert!(c.valid, "{c:?}");
    assert_eq!(c.lines, TD3);
}

#[test]
fn correct_filler_k() {
    let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<K<<<<<<<<<<<<<<";
    let l2 = "L898902C36UTO7408122F1204159ZE184226B<<K<<10";
    let c = correct(&[l1, l2], &[]).unwrap();
    assert!(c.valid, "{c:?}");
    assert_eq!(c.lines, TD3);
    assert_eq!(c.changes.len(), 2);
    assert!(
        c.changes
            .iter()
            .all(|c| c.reason == ChangeReason::Filler && c.from == 'K' && c.to == '<')
    );
    // A one-letter given name K is a name, not a filler (found by proptest).
    let b = builder_for(Format::Td1)
        .surname("A")
        .given_names("K")
        .build_lines()
        .unwrap();
    assert_eq!(b[2], "A<<K<<<<<<<<<<<<<<<<<<<<<<<<<<");
    let c = correct(&refs(&b), &[]).unwrap();
    assert!(c.valid && c.changes.is_empty());
    assert_eq!(c.mrz.unwrap().given_names(), "K");
    // A genuine K in a name is kept.
    let b = builder_for(Format::Td3)
        .given_names("ANNA KARIN")
        .build_lines()
        .unwrap();
    let c = correct(&refs(&b), &[]).unwrap();
    assert!(c.valid && c.changes.is_empty());
}

#[test]
fn correct_is_bounded() {
    // Garbage of the right shape: every numeric field unreadable. The search stops at its bounds.
    let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let l2 = "??????????UTO???????F???????ZE184226B<<<<<??";
    let opts = CorrectionOptions {
        max_trials: 5_000,
        ..CorrectionOptions::default()
    };
    let c = correct_with(&[l1, l2], &[], &opts).unwrap();
    assert!(!c.valid);
    assert!(c.trials <= 5_001);
    // Wrong shapes are errors, not searches.
    assert!(matches!(
        correct(&[l1], &[]),
        Err(MrzError::LineCount { .. })
    ));
    assert!(matches!(
        correct(&[l1, "P<"], &[]),
        Err(MrzError::LineLength { line: 1, .. })
    ));
}

#[test]
fn dates_validated_during_search() {
    // `B` read for `8` in the birth date's day is forced to `8` (letters cannot be in dates).
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(16..17, "B");
    let c = correct(&[TD3[0], &l2], &[]).unwrap();
    assert!(c.valid);
    assert_eq!(c.lines, TD3);
}

// ---------- proptests ----------

mod prop {
    use super::super::*;
    use proptest::prelude::*;

    fn mrz_line(len: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                8 => proptest::char::ranges(vec!['A'..='Z', '0'..='9', '<'..='<'].into()),
                1 => any::<char>(),
            ],
            len,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn shaped() -> impl Strategy<Value = Vec<String>> {
        prop_oneof![
            proptest::collection::vec(mrz_line(30), 3),
            proptest::collection::vec(mrz_line(36), 2),
            proptest::collection::vec(mrz_line(44), 2),
        ]
    }

    fn name() -> impl Strategy<Value = String> {
        proptest::collection::vec("[A-Z]{1,6}", 1..3).prop_map(|v| v.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn parse_text_never_panics(s in any::<String>()) {
            let _ = Mrz::parse_text(&s);
            let _ = Mrz::parse_concatenated(&s);
        }

        #[test]
        fn parse_concatenated_never_panics(v in shaped()) {
            let _ = Mrz::parse_concatenated(&v.concat());
        }

        #[test]
        fn parse_arbitrary_lines_never_panics(v in proptest::collection::vec(any::<String>(), 0..5)) {
            let r: Vec<&str> = v.iter().map(String::as_str).collect();
            let _ = parse(&r);
            let _ = correct(&r, &[]);
        }

        #[test]
        fn shaped_lines_never_panic(v in shaped()) {
            let r: Vec<&str> = v.iter().map(String::as_str).collect();
            if let Ok(m) = parse(&r) {
                let _ = m.mrz_information();
                let today = Date { year: 2026, month: 12, day: 1 };
                let _ = m.birth_date().resolve_birth(today);
                let _ = m.expiry_date().resolve_expiry(today);
            }
            let opts = CorrectionOptions { max_trials: 2_000, ..CorrectionOptions::default() };
            if let Ok(c) = correct_with(&r, &[], &opts) {
                prop_assert!(c.trials <= 2_001);
                if c.valid {
                    let m = c.mrz.as_ref();
                    prop_assert!(m.is_some_and(Mrz::is_valid));
                }
            }
        }

        #[test]
        fn candidates_never_panic(v in shaped(), cands in proptest::collection::vec((any::<char>(), any::<f32>()), 0..4)) {
            let r: Vec<&str> = v.iter().map(String::as_str).collect();
            let grid: Vec<Vec<Vec<(char, f32)>>> = v
                .iter()
                .map(|l| l.chars().map(|_| cands.clone()).collect())
                .collect();
            let opts = CorrectionOptions { max_trials: 500, ..CorrectionOptions::default() };
            let _ = correct_with(&r, &grid, &opts);
        }

        #[test]
        fn build_parse_round_trip(
            fmt in proptest::sample::select(Format::ALL.to_vec()),
            surname in name(),
            given in name(),
            number in "[A-Z0-9]{1,9}",
            state in "[A-Z]{1,3}",
            birth in (0u8..100, 1u8..13, 1u8..29),
            expiry in (0u8..100, 1u8..13, 1u8..29),
            sex in proptest::sample::select(vec![Sex::Male, Sex::Female, Sex::Unspecified, Sex::NotStated]),
            optional in "[A-Z0-9]{0,5}",
        ) {
            let yymmdd = |(y, m, d): (u8, u8, u8)| format!("{y:02}{m:02}{d:02}");
            let b = MrzBuilder::new(fmt)
                .issuing_state(if fmt == Format::FrenchId { "FRA" } else { &state })
                .nationality(&state)
                .surname(&surname)
                .given_names(&given)
                .document_number(&number)
                .birth_date(&yymmdd(birth))
                .expiry_date(&yymmdd(expiry))
                .sex(sex)
                .optional_data(&optional);
            let m = b.build().unwrap();
            prop_assert_eq!(m.format(), fmt);
            prop_assert!(m.is_valid(), "{:?}", m.checks());
            prop_assert_eq!(m.surname(), surname.as_str());
            prop_assert_eq!(m.given_names(), given.as_str());
            prop_assert_eq!(m.sex(), sex);
            prop_assert_eq!(m.birth_date().yymmdd(), yymmdd(birth));
            if fmt == Format::FrenchId {
                prop_assert!(!m.expiry_date().is_present());
            } else {
                prop_assert_eq!(m.expiry_date().yymmdd(), yymmdd(expiry));
                prop_assert_eq!(m.nationality(), state.as_str());
                prop_assert_eq!(m.issuing_state(), state.as_str());
            }
            prop_assert_eq!(m.document_number(), number.as_str());
            prop_assert_eq!(m.optional_data(), optional.as_str());
            // The correction of a valid MRZ changes nothing.
            let r: Vec<&str> = m.lines().iter().map(String::as_str).collect();
            let c = correct(&r, &[]).unwrap();
            prop_assert!(c.valid);
            prop_assert!(c.changes.is_empty());
        }

        #[test]
        fn birth_never_after_today(text in "[0-9]{6}", y in 1901u16..2200, m in 1u8..13, d in 1u8..29) {
            let today = Date::new(y, m, d).unwrap();
            if let Ok(b) = MrzDate::from_yymmdd(&text).unwrap().resolve_birth(today) {
                prop_assert!(b <= today);
                prop_assert!(b > today.add_years(-101).unwrap());
                prop_assert_eq!(format!("{:02}{:02}{:02}", b.year % 100, b.month, b.day), text);
            }
        }

        #[test]
        fn expiry_within_window(text in "[0-9]{6}", y in 1901u16..2200, m in 1u8..13, d in 1u8..29) {
            let today = Date::new(y, m, d).unwrap();
            let e = MrzDate::from_yymmdd(&text).unwrap();
            if let Ok(x) = e.resolve_expiry(today) {
                prop_assert_eq!(format!("{:02}{:02}{:02}", x.year % 100, x.month, x.day), text.clone());
                prop_assert!(x <= today.add_years(20).unwrap());
                prop_assert!(x > today.add_years(-81).unwrap());
            }
            // A calendar-valid field always resolves.
            if e.check().is_ok() && !text.ends_with("0229") {
                prop_assert!(e.resolve_expiry(today).is_ok());
                prop_assert!(e.resolve_birth(today).is_ok());
            }
        }

        #[test]
        fn long_numbers_round_trip(number in "[A-Z0-9]{10,14}", td2 in any::<bool>()) {
            let fmt = if td2 { Format::Td2 } else { Format::Td1 };
            let number = if td2 { number.get(..13).unwrap_or(&number).to_owned() } else { number };
            let m = MrzBuilder::new(fmt)
                .issuing_state("UTO")
                .nationality("UTO")
                .surname("A")
                .document_number(&number)
                .birth_date("010101")
                .expiry_date("300101")
                .build()
                .unwrap();
            prop_assert!(m.is_valid());
            prop_assert_eq!(m.document_number(), number.as_str());
            prop_assert_eq!(m.mrz_information().len(), number.len() + 15);
        }
    }
}

/// Alternatives `(character, score)` at one `(line, column)`.
type At = ((usize, usize), Vec<(char, f32)>);

/// Candidates for `lines`: every character sure (0.95), except `alts` at `(line, column)`.
fn sure_candidates(lines: &[&str], alts: &[At]) -> Vec<Vec<Vec<(char, f32)>>> {
    let mut out: Vec<Vec<Vec<(char, f32)>>> = lines
        .iter()
        .map(|l| l.chars().map(|c| vec![(c, 0.95)]).collect())
        .collect();
    for ((l, c), a) in alts {
        out[*l][*c] = a.clone();
    }
    out
}

#[test]
fn correct_changes_at_most_one_character_per_checked_field() {
    // ICAO TD3 specimen with two characters of the document number misread ("L898902C3" read
    // "L89B9O2C3"), the true ones listed second. Fixing both would be two changes in one field,
    // which its own check digit cannot vouch for: refused by default, accepted with a cap of 2.
    let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let l2 = "L89B9O2C36UTO7408122F1204159ZE184226B<<<<<10";
    let cands = sure_candidates(
        &[l1, l2],
        &[
            ((1, 3), vec![('B', 0.6), ('8', 0.4)]),
            ((1, 5), vec![('O', 0.6), ('0', 0.4)]),
        ],
    );
    let c = correct(&[l1, l2], &cands).unwrap();
    assert!(!c.valid, "{:?}", c.lines);
    let opts = CorrectionOptions {
        max_changes_per_field: 2,
        ..CorrectionOptions::default()
    };
    let c = correct_with(&[l1, l2], &cands, &opts).unwrap();
    assert!(c.valid && !c.ambiguous, "{:?}", c.lines);
    assert_eq!(c.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
}

#[test]
fn correct_still_repairs_one_character_in_each_of_two_fields() {
    // One misread in the document number and one in the birth date: one change per field.
    let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let l2 = "L898962C36UTO7408172F1204159ZE184226B<<<<<10";
    let cands = sure_candidates(
        &[l1, l2],
        &[
            ((1, 5), vec![('6', 0.6), ('0', 0.4)]),
            ((1, 18), vec![('7', 0.6), ('2', 0.4)]),
        ],
    );
    let c = correct(&[l1, l2], &cands).unwrap();
    assert!(c.valid && !c.ambiguous, "{:?}", c.lines);
    assert_eq!(c.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
    assert_eq!(c.changes.len(), 2);
}
