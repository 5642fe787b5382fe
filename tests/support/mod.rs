//! Shared helpers for the activation tests: device keys, approving evidence, a registry fixture.
#![allow(dead_code)]

use std::collections::BTreeMap;

use bankid_activation::activation::binding::Device;
use bankid_activation::activation::national_id::{NationalId, make_national_id};
use bankid_activation::activation::policy::{
    ApprovedActivation, CloneCheck, Evidence, Outcome, Policy, RegistryFacts,
};
use bankid_activation::activation::registry::{
    BankIdAccount, DocumentType, IdentityStatus, Person, RegisteredDocument,
};
use bankid_activation::mrz::{Date, Mrz};
use bankid_activation::verify::{DgStatus, VerificationReport};

/// DER prefix of a P-256 SubjectPublicKeyInfo with an uncompressed point (RFC 5480 §2).
const P256_SPKI_PREFIX: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

/// A P-256 device whose private scalar is `seed` repeated (a valid scalar for 1..=200).
pub fn device(id: &str, seed: u8) -> Device {
    Device::from_spki_der(id, &p256_spki(seed)).expect("valid P-256 key")
}

/// The DER SubjectPublicKeyInfo of the P-256 key with scalar `seed` repeated.
pub fn p256_spki(seed: u8) -> Vec<u8> {
    let sk = p256::SecretKey::from_slice(&[seed; 32]).expect("scalar in range");
    let mut der = hex::decode(P256_SPKI_PREFIX).unwrap();
    der.extend_from_slice(&sk.public_key().to_sec1_bytes());
    der
}

/// PEM of [`p256_spki`].
pub fn p256_pem(seed: u8) -> String {
    der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &p256_spki(seed)).unwrap()
}

pub const ICAO_TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

/// Anna Maria Eriksson's national identity number (born 12 August 1974, ICAO 9303 Part 4 specimen).
pub fn anna_id() -> NationalId {
    (0..500)
        .find_map(|i| make_national_id(Date::new(1974, 8, 12).unwrap(), i, false))
        .unwrap()
}

/// A registry import with the ICAO specimen's holder "checked" and BankID `bankid-anna`.
pub fn registry_json() -> String {
    format!(
        r#"{{"people": [{{"id": "{}", "status": "checked", "surname": "Eriksson",
            "given_names": "Anna Maria", "birth_date": "1974-08-12",
            "documents": [{{"type": "passport", "issuing_state": "UTO", "number": "L898902C3",
                            "expiry_date": "2012-04-15"}}]}}],
            "bankids": [{{"id": "bankid-anna", "active": true, "password_set": true,
                          "failed_password_attempts": 0}}]}}"#,
        anna_id().as_str()
    )
}

/// The date the specimen is valid on.
pub fn specimen_today() -> Date {
    Date::new(2010, 1, 1).unwrap()
}

/// Synthetic approving evidence for `bankid`: the specimen MRZ scanned and in DG1, a
/// passive-authentication report marked valid, a passed clone check.
pub fn evidence(bankid: &str) -> Evidence {
    let mrz = Mrz::parse_lines(&ICAO_TD3).unwrap();
    Evidence {
        bankid_id: bankid.into(),
        national_id: anna_id().as_str().into(),
        chip_dg1: Ok(mrz.lines().to_vec()),
        scanned_mrz: Ok(mrz),
        passive_auth: Some(VerificationReport {
            valid: true,
            signature_valid: true,
            chain_valid: true,
            data_groups: BTreeMap::from([(1, DgStatus::Valid)]),
            errors: Vec::new(),
            warnings: Vec::new(),
            signature_algorithm: None,
            lds_hash_algorithm: None,
            document_signer: None,
            csca: None,
            issuing_state: Some("UTO".into()),
            country_match: Some(true),
        }),
        clone_check: CloneCheck::Passed,
    }
}

/// An approval for `bankid` from the real policy over [`evidence`] and in-memory registry facts.
pub fn approval(bankid: &str) -> ApprovedActivation {
    let evidence = evidence(bankid);
    let facts = RegistryFacts {
        person: Ok(Some(Person {
            national_id: anna_id(),
            status: IdentityStatus::Checked,
            surname: "Eriksson".into(),
            given_names: "Anna Maria".into(),
            birth_date: Date::new(1974, 8, 12).unwrap(),
            documents: vec![RegisteredDocument {
                document_type: DocumentType::Passport,
                issuing_state: "UTO".into(),
                number: "L898902C3".into(),
                expiry_date: Date::new(2012, 4, 15).unwrap(),
            }],
        })),
        bankid: Ok(Some(BankIdAccount {
            id: bankid.into(),
            active: true,
            password_set: true,
            failed_password_attempts: 0,
            national_id: None,
        })),
    };
    match Policy::default().decide(&evidence, &facts, specimen_today()) {
        Outcome::Approved(a) => a,
        Outcome::Rejected(r) => panic!("fixture evidence rejected: {r:?}"),
    }
}
