//! Unit tests of `activation::registry::import`.

use super::*;
use proptest::prelude::*;

const VALID: &str = r#"{"people": [{"id": "15019012317", "status": "checked", "surname": "Sørensen",
    "given_names": "Kari Åse", "birth_date": "1990-01-15",
    "documents": [{"type": "passport", "issuing_state": "NOR", "number": "AB1234567",
                   "expiry_date": "2030-06-30"}]}],
    "bankids": [{"id": "b-1", "active": true, "password_set": true, "failed_password_attempts": 2,
                 "national_id": "15019012317"}]}"#;

#[test]
fn valid_file_parses() {
    let d = parse_import(VALID).unwrap();
    assert_eq!(d.people.len(), 1);
    assert_eq!(
        d.people[0].documents[0].document_type,
        DocumentType::Passport
    );
    assert_eq!(d.bankids[0].failed_password_attempts, 2);
    assert_eq!(
        d.bankids[0].national_id.as_ref().map(NationalId::as_str),
        Some("15019012317")
    );
}

#[test]
fn errors_name_record_and_field() {
    let j = VALID.replace("\"AB1234567\"", "\"ab1234567\"");
    let e = parse_import(&j).unwrap_err();
    assert_eq!(
        e.to_string(),
        "people[0].documents[0].number: \"ab1234567\" is not 1-22 characters A-Z, 0-9"
    );
    let j = VALID.replace(
        "\"failed_password_attempts\": 2",
        "\"failed_password_attempts\": 2.5",
    );
    assert!(
        parse_import(&j)
            .unwrap_err()
            .to_string()
            .starts_with("bankids[0].failed_password_attempts: expected an integer")
    );
}

proptest! {
    #[test]
    fn never_panics_on_text(s in "\\PC{0,200}") {
        let _ = parse_import(&s);
    }

    #[test]
    fn never_panics_on_mutated_json(pos in 0usize..800, byte in proptest::num::u8::ANY, cut in 0usize..800) {
        let mut b = VALID.as_bytes().to_vec();
        let p = pos % b.len();
        b[p] = byte;
        b.truncate(cut.max(1).min(b.len()));
        let _ = parse_import(&String::from_utf8_lossy(&b));
    }
}
