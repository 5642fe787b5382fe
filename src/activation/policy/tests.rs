//! Table-driven tests of the eligibility rules: every reason code alone, several together, the happy path.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use super::*;
use crate::activation::national_id::make_national_id;
use crate::activation::registry::RegisteredDocument;
use crate::mrz::{Format, MrzBuilder, Sex};
use crate::verify::DgStatus;

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::new(y, m, day).unwrap()
}

const TODAY: Date = Date {
    year: 2026,
    month: 12,
    day: 1,
};

fn fnr() -> NationalId {
    // 15 January 1990, individual number 123 (check digits computed by hand in national_id's tests).
    make_national_id(d(1990, 1, 15), 123, false).unwrap()
}

struct Doc {
    format: Format,
    code: &'static str,
    state: &'static str,
    surname: &'static str,
    given: &'static str,
    number: &'static str,
    birth: &'static str,
    expiry: &'static str,
    personal: String,
}

impl Default for Doc {
    fn default() -> Self {
        Doc {
            format: Format::Td3,
            code: "P",
            state: "NOR",
            surname: "SOERENSEN",
            given: "KARI AASE",
            number: "AB1234567",
            birth: "900115",
            expiry: "300630",
            personal: fnr().as_str().to_string(),
        }
    }
}

impl Doc {
    fn mrz(&self) -> Mrz {
        let mut b = MrzBuilder::new(self.format)
            .document_code(self.code)
            .issuing_state(self.state)
            .nationality("NOR")
            .surname(self.surname)
            .given_names(self.given)
            .document_number(self.number)
            .birth_date(self.birth)
            .sex(Sex::Female)
            .expiry_date(self.expiry);
        if self.format == Format::Td3 {
            b = b.optional_data(&self.personal);
        }
        b.build().unwrap()
    }
}

fn valid_report() -> VerificationReport {
    VerificationReport {
        valid: true,
        signature_valid: true,
        chain_valid: true,
        data_groups: BTreeMap::from([(1, DgStatus::Valid), (2, DgStatus::Valid)]),
        errors: Vec::new(),
        warnings: Vec::new(),
        signature_algorithm: None,
        lds_hash_algorithm: None,
        document_signer: None,
        csca: None,
        issuing_state: Some("NOR".into()),
        country_match: Some(true),
    }
}

fn evidence(doc: &Doc) -> Evidence {
    let m = doc.mrz();
    Evidence {
        bankid_id: "bankid-1".into(),
        national_id: fnr().as_str().into(),
        chip_dg1: Ok(m.lines().to_vec()),
        scanned_mrz: Ok(m),
        passive_auth: Some(valid_report()),
        clone_check: CloneCheck::Passed,
    }
}

fn person() -> Person {
    Person {
        national_id: fnr(),
        status: IdentityStatus::Checked,
        surname: "Sørensen".into(),
        given_names: "Kari Åse".into(),
        birth_date: d(1990, 1, 15),
        documents: vec![
            RegisteredDocument {
                document_type: DocumentType::Passport,
                issuing_state: "NOR".into(),
                number: "AB1234567".into(),
                expiry_date: d(2030, 6, 30),
            },
            RegisteredDocument {
                document_type: DocumentType::NationalId,
                issuing_state: "NOR".into(),
                number: "ID1234567".into(),
                expiry_date: d(2030, 6, 30),
            },
        ],
    }
}

fn facts() -> RegistryFacts {
    RegistryFacts {
        person: Ok(Some(person())),
        bankid: Ok(Some(BankIdAccount {
            id: "bankid-1".into(),
            active: true,
            password_set: true,
            failed_password_attempts: 0,
            national_id: Some(fnr()),
        })),
    }
}

type Mutation = fn(&mut Evidence, &mut RegistryFacts, &mut PolicyConfig);

fn run(mutate: Mutation) -> Decision {
    run_doc(&Doc::default(), mutate)
}

fn run_doc(doc: &Doc, mutate: Mutation) -> Decision {
    let mut e = evidence(doc);
    let mut f = facts();
    let mut c = PolicyConfig::default();
    mutate(&mut e, &mut f, &mut c);
    Policy::new(c).evaluate(&e, &f, TODAY)
}

fn bankid_mut(f: &mut RegistryFacts) -> &mut BankIdAccount {
    f.bankid.as_mut().unwrap().as_mut().unwrap()
}

fn person_mut(f: &mut RegistryFacts) -> &mut Person {
    f.person.as_mut().unwrap().as_mut().unwrap()
}

#[test]
fn happy_path_approves() {
    assert_eq!(run(|_, _, _| {}), Decision::Approve);
}

#[test]
fn each_reason_code_alone() {
    let cases: &[(&str, Mutation)] = &[
        ("mrz_unreadable", |e, _, _| {
            e.scanned_mrz = Err("no MRZ found in 30 frames".into())
        }),
        ("chip_unreadable", |e, _, _| {
            e.chip_dg1 = Err("BAC: 6300".into())
        }),
        ("chip_unverified", |e, _, _| {
            let r = e.passive_auth.as_mut().unwrap();
            r.valid = false;
            r.errors.push("EF.SOD signature: invalid".into());
        }),
        ("clone_check_failed", |e, _, _| {
            e.clone_check = CloneCheck::Failed("AA signature invalid".into())
        }),
        ("clone_check_failed", |e, _, _| {
            e.clone_check = CloneCheck::NotPerformed
        }),
        ("document_expired", |_, _, _| {}),
        ("document_type_not_allowed", |_, _, c| {
            c.national_id_card_states.clear()
        }),
        ("person_not_found", |_, f, _| f.person = Ok(None)),
        ("status_not_checked", |_, f, _| {
            person_mut(f).status = IdentityStatus::NotChecked
        }),
        ("document_not_registered", |_, f, _| {
            person_mut(f).documents.remove(0).number.clear()
        }),
        ("identity_mismatch", |_, f, _| {
            person_mut(f).surname = "Hansen".into()
        }),
        ("under_18", |_, _, _| {}),
        ("bankid_inactive", |_, f, _| bankid_mut(f).active = false),
        ("bankid_suspended", |_, f, _| {
            bankid_mut(f).failed_password_attempts = 3
        }),
    ];
    for (i, (code, mutate)) in cases.iter().enumerate() {
        let decision = match *code {
            // These need a different document or person, not only a mutation.
            "document_expired" => run_doc(
                &Doc {
                    expiry: "261130",
                    ..Doc::default()
                },
                *mutate,
            ),
            "document_type_not_allowed" => run_doc(
                &Doc {
                    format: Format::Td1,
                    code: "ID",
                    number: "ID1234567",
                    ..Doc::default()
                },
                *mutate,
            ),
            "under_18" => {
                // Born 2 December 2008: 18 on 2 December 2026, the day after TODAY.
                let young = make_national_id(d(2008, 12, 2), 612, false).unwrap();
                let doc = Doc {
                    birth: "081202",
                    personal: young.as_str().into(),
                    ..Doc::default()
                };
                let mut e = evidence(&doc);
                e.national_id = young.as_str().into();
                let mut f = facts();
                person_mut(&mut f).national_id = young.clone();
                person_mut(&mut f).birth_date = d(2008, 12, 2);
                bankid_mut(&mut f).national_id = Some(young);
                let p = Policy::default();
                assert_eq!(
                    p.evaluate(&e, &f, d(2026, 12, 2)),
                    Decision::Approve,
                    "18th birthday approves"
                );
                p.evaluate(&e, &f, TODAY)
            }
            _ => run(*mutate),
        };
        assert_eq!(
            decision.codes(),
            vec![*code],
            "case {i} ({code}): {decision:?}"
        );
    }
}

#[test]
fn every_code_is_covered_and_stable() {
    // DESIGN.md's list, in order.
    assert_eq!(
        REASON_CODES.to_vec(),
        RULES.iter().map(|r| r.code).collect::<Vec<_>>()
    );
    assert_eq!(
        REASON_CODES,
        [
            "mrz_unreadable",
            "chip_unreadable",
            "chip_unverified",
            "clone_check_failed",
            "mrz_mismatch",
            "document_expired",
            "document_type_not_allowed",
            "person_not_found",
            "status_not_checked",
            "document_not_registered",
            "identity_mismatch",
            "under_18",
            "bankid_inactive",
            "bankid_suspended",
        ]
    );
}

#[test]
fn mrz_mismatch_alone() {
    // The OCR misread a name letter (names carry no check digit): the chip's DG1 differs on line 1.
    let mut e = evidence(&Doc::default());
    e.scanned_mrz = Ok(Doc {
        given: "KARI AASF",
        ..Doc::default()
    }
    .mrz());
    let decision = Policy::default().evaluate(&e, &facts(), TODAY);
    assert_eq!(
        decision,
        Decision::Reject(vec![RuleViolation::MrzMismatch(vec![1])])
    );
}

#[test]
fn several_together_all_listed() {
    let decision = run(|e, f, _| {
        e.clone_check = CloneCheck::NotPerformed;
        person_mut(f).status = IdentityStatus::NotPossible;
        bankid_mut(f).password_set = false;
        bankid_mut(f).failed_password_attempts = 7;
        bankid_mut(f).national_id = Some(make_national_id(d(1980, 5, 5), 1, false).unwrap());
    });
    assert_eq!(
        decision.codes(),
        vec![
            "clone_check_failed",
            "status_not_checked",
            "identity_mismatch",
            "bankid_inactive",
            "bankid_suspended"
        ]
    );
    // Nothing read at all: deny, with every rule that can still be judged.
    let decision = run(|e, f, _| {
        e.scanned_mrz = Err("camera denied".into());
        e.chip_dg1 = Err("not attempted".into());
        e.passive_auth = None;
        e.national_id = "12345678901".into();
        f.person = Err("timeout".into());
        f.bankid = Ok(None);
    });
    assert_eq!(
        decision.codes(),
        vec![
            "mrz_unreadable",
            "chip_unreadable",
            "person_not_found",
            "bankid_inactive"
        ]
    );
}

#[test]
fn chip_failure_still_reports_document_rules_from_the_scan() {
    let decision = run_doc(
        &Doc {
            expiry: "200101",
            code: "V",
            format: Format::MrvA,
            ..Doc::default()
        },
        |e, _, _| e.chip_dg1 = Err("no chip".into()),
    );
    assert_eq!(
        decision.codes(),
        vec![
            "chip_unreadable",
            "document_expired",
            "document_type_not_allowed",
            "document_not_registered"
        ]
    );
}

#[test]
fn national_id_cards_by_allow_list() {
    let card = Doc {
        format: Format::Td1,
        code: "ID",
        number: "ID1234567",
        ..Doc::default()
    };
    assert_eq!(run_doc(&card, |_, _, _| {}), Decision::Approve);
    let swedish = Doc {
        state: "SWE",
        ..card
    };
    let codes = run_doc(&swedish, |_, f, _| {
        person_mut(f).documents[1].issuing_state = "SWE".into()
    })
    .codes();
    assert_eq!(codes, vec!["document_type_not_allowed"]);
    let codes = run_doc(&swedish, |_, f, c| {
        person_mut(f).documents[1].issuing_state = "SWE".into();
        c.national_id_card_states.push("SWE".into());
    })
    .codes();
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn clone_check_requirements() {
    let with = |check: CloneCheck, req: CloneCheckRequirement| {
        let mut e = evidence(&Doc::default());
        e.clone_check = check;
        let c = PolicyConfig {
            clone_check: req,
            ..PolicyConfig::default()
        };
        Policy::new(c).evaluate(&e, &facts(), TODAY).is_approved()
    };
    use CloneCheckRequirement::*;
    assert!(with(CloneCheck::Passed, Required));
    assert!(!with(CloneCheck::NotSupportedByChip, Required));
    assert!(!with(CloneCheck::NotPerformed, Required));
    assert!(with(CloneCheck::NotSupportedByChip, WhenSupported));
    assert!(!with(CloneCheck::NotPerformed, WhenSupported));
    assert!(with(CloneCheck::NotPerformed, Optional));
    assert!(!with(CloneCheck::Failed("x".into()), Optional));
}

#[test]
fn passive_auth_must_cover_dg1() {
    let codes = run(|e, _, _| {
        e.passive_auth.as_mut().unwrap().data_groups.remove(&1);
    })
    .codes();
    assert_eq!(codes, vec!["chip_unverified"]);
    let codes = run(|e, _, _| e.passive_auth = None).codes();
    assert_eq!(codes, vec!["chip_unverified"]);
}

#[test]
fn identity_details() {
    let fields = |m: Mutation| match run(m) {
        Decision::Reject(v) => v,
        Decision::Approve => Vec::new(),
    };
    assert_eq!(
        fields(|_, f, _| person_mut(f).birth_date = d(1990, 1, 16)),
        vec![RuleViolation::IdentityMismatch(vec!["birth_date"])]
    );
    // Registered given names "Kari Åse": "KARI AASE" (Å → AA) approves; a different name does not.
    assert_eq!(
        fields(|_, f, _| person_mut(f).given_names = "Kari Ose".into()),
        vec![RuleViolation::IdentityMismatch(vec!["given_names"])]
    );
    // A Norwegian passport's personal number must be the typed national identity number.
    let other = (124..200)
        .find_map(|i| make_national_id(d(1990, 1, 15), i, false))
        .unwrap();
    let v = run_doc(
        &Doc {
            personal: other.as_str().into(),
            ..Doc::default()
        },
        |_, _, _| {},
    );
    assert_eq!(
        v,
        Decision::Reject(vec![RuleViolation::IdentityMismatch(vec![
            "personal_number"
        ])])
    );
}

#[test]
fn truncated_names_match_by_prefix() {
    // TD1 has 30 characters for the whole name: the given names are cut.
    let card = Doc {
        format: Format::Td1,
        code: "ID",
        number: "ID1234567",
        surname: "SOERENSEN",
        given: "KARI AASE MARGRETHE JOHANNE",
        ..Doc::default()
    };
    let m = card.mrz();
    assert!(m.name_truncated(), "{:?}", m.lines());
    let d = run_doc(&card, |_, f, _| {
        person_mut(f).given_names = "Kari Åse Margrethe Johanne".into()
    });
    assert_eq!(d, Decision::Approve);
    let d = run_doc(&card, |_, f, _| {
        person_mut(f).given_names = "Kari Åse Marit".into()
    });
    assert_eq!(d.codes(), vec!["identity_mismatch"]);
}

#[test]
fn decide_issues_token_only_on_approval() {
    let p = Policy::default();
    let e = evidence(&Doc::default());
    match p.decide(&e, &facts(), TODAY) {
        Outcome::Approved(a) => {
            assert_eq!(a.bankid_id(), "bankid-1");
            assert_eq!(a.document_number(), "AB1234567");
            assert_eq!(a.today(), TODAY);
        }
        Outcome::Rejected(r) => panic!("{r:?}"),
    }
    let mut f = facts();
    bankid_mut(&mut f).active = false;
    match p.decide(&e, &f, TODAY) {
        Outcome::Rejected(r) => {
            assert_eq!(r.codes(), vec!["bankid_inactive"]);
            assert_eq!(r.document_number.as_deref(), Some("AB1234567"));
        }
        Outcome::Approved(_) => panic!("approved an inactive BankID"),
    }
}

proptest::proptest! {
    /// Any combination of independent failures is reported exactly, in rule order; none approves.
    #[test]
    fn combinations_report_exactly_their_codes(mask in 0u8..128) {
        let mutations: [(&str, Mutation); 7] = [
            ("chip_unverified", |e, _, _| e.passive_auth.as_mut().unwrap().valid = false),
            ("clone_check_failed", |e, _, _| e.clone_check = CloneCheck::NotPerformed),
            ("status_not_checked", |_, f, _| person_mut(f).status = IdentityStatus::NotChecked),
            ("document_not_registered", |_, f, _| person_mut(f).documents.clear()),
            ("identity_mismatch", |_, f, _| person_mut(f).surname = "Hansen".into()),
            ("bankid_inactive", |_, f, _| bankid_mut(f).password_set = false),
            ("bankid_suspended", |_, f, _| bankid_mut(f).failed_password_attempts = 99),
        ];
        let mut e = evidence(&Doc::default());
        let mut f = facts();
        let mut c = PolicyConfig::default();
        let mut expected = Vec::new();
        for (i, (code, m)) in mutations.iter().enumerate() {
            if mask & (1 << i) != 0 {
                m(&mut e, &mut f, &mut c);
                expected.push(*code);
            }
        }
        let decision = Policy::new(c).evaluate(&e, &f, TODAY);
        proptest::prop_assert_eq!(decision.codes(), expected.clone());
        proptest::prop_assert_eq!(decision.is_approved(), expected.is_empty());
    }
}
