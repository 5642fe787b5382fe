//! Activation end to end: registry import (valid and hostile), device keys, the binding store
//! (replace, history, audit, constraints, 8 concurrent binders), and the flow over a fixture chip dump.

mod support;

use std::path::Path;
use std::sync::{Arc, Barrier};

use bankid_activation::activation::binding::{
    BindingStore, Device, DeviceError, SqliteBindingStore,
};
use bankid_activation::activation::flow::{
    self, ActivationContext, DumpDirectory, MrzText, Progress, Step,
};
use bankid_activation::activation::policy::{CloneCheckRequirement, Policy, PolicyConfig};
use bankid_activation::activation::registry::{
    IdentityStatus, ImportError, Registry, Section, SqliteRegistry,
};
use bankid_activation::verify::TrustStore;
use support::*;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

// ---------------------------------------------------------------- registry

#[test]
fn import_and_look_up() {
    let dir = tmp();
    let path = dir.path().join("registry.db");
    let json_path = dir.path().join("registry.json");
    std::fs::write(&json_path, registry_json()).unwrap();
    let reg = SqliteRegistry::open(&path).unwrap();
    let summary = reg.import_file(&json_path).unwrap();
    assert_eq!(
        (summary.people, summary.documents, summary.bankids),
        (1, 1, 1)
    );
    // Re-importing replaces, it does not duplicate.
    reg.import_file(&json_path).unwrap();
    assert_eq!(reg.counts().unwrap(), summary);
    drop(reg);
    let reg = SqliteRegistry::open(&path).unwrap();
    let p = reg.person(&anna_id()).unwrap().unwrap();
    assert_eq!(p.status, IdentityStatus::Checked);
    assert_eq!(p.surname, "Eriksson");
    assert_eq!(p.documents.len(), 1);
    let b = reg.bankid("bankid-anna").unwrap().unwrap();
    assert!(b.active && b.password_set);
    assert!(reg.bankid("nobody").unwrap().is_none());
}

/// Replaces `from` with `to` in the valid import (the replacement must happen).
fn variant(from: &str, to: &str) -> String {
    let j = registry_json();
    assert!(j.contains(from), "{from}");
    j.replacen(from, to, 1)
}

#[test]
fn hostile_imports_are_typed_errors_and_write_nothing() {
    let anna = anna_id();
    let bad_check = {
        let mut s = anna.as_str().to_string();
        let last = s.pop().unwrap();
        s.push(if last == '9' {
            '0'
        } else {
            char::from(last as u8 + 1)
        });
        s
    };
    let cases: Vec<(String, &str)> = vec![
        ("{\"people\": [".into(), "malformed JSON"),
        ("[]".into(), "top level"),
        ("{\"people\": {}}".into(), "must be an array"),
        ("{\"persons\": []}".into(), "unknown field"),
        (
            variant(anna.as_str(), &bad_check),
            "people[0].id: check digit",
        ),
        (
            variant(anna.as_str(), "1234567890"),
            "people[0].id: a national identity number is 11 digits",
        ),
        (
            variant("\"checked\"", "\"verified\""),
            "people[0].status: unknown status",
        ),
        (
            variant("\"checked\"", "7"),
            "people[0].status: expected a string",
        ),
        (
            variant("\"passport\"", "\"visa\""),
            "people[0].documents[0].type: unknown document type",
        ),
        (
            variant("\"UTO\"", "\"U1O\""),
            "people[0].documents[0].issuing_state",
        ),
        (
            variant("\"UTO\"", "\"NORW\""),
            "people[0].documents[0].issuing_state",
        ),
        (
            variant("2012-04-15", "2012-02-30"),
            "people[0].documents[0].expiry_date: day 30",
        ),
        (
            variant("1974-08-12", "1974-08-13"),
            "people[0].birth_date: 1974-08-13 is not the birth date",
        ),
        (
            variant("\"Eriksson\"", "\"\""),
            "people[0].surname: must contain a letter",
        ),
        (
            variant("\"L898902C3\"", "\"L898-902\""),
            "people[0].documents[0].number",
        ),
        (
            variant("\"given_names\"", "\"given_name\""),
            "people[0].given_name: unknown field",
        ),
        (
            variant("\"active\": true", "\"active\": \"yes\""),
            "bankids[0].active: expected true or false",
        ),
        (
            variant(
                "\"failed_password_attempts\": 0",
                "\"failed_password_attempts\": -1",
            ),
            "bankids[0].failed_password_attempts",
        ),
        (
            variant("\"password_set\": true,", ""),
            "bankids[0].password_set: missing",
        ),
        (variant("\"bankid-anna\"", "\"bank id\""), "bankids[0].id"),
    ];
    let dir = tmp();
    let reg = SqliteRegistry::open(dir.path().join("r.db")).unwrap();
    for (json, expected) in &cases {
        let err = reg.import_json(json).expect_err(expected);
        let msg = err.to_string();
        assert!(msg.contains(expected), "expected {expected:?} in {msg:?}");
        assert_eq!(
            reg.counts().unwrap().people,
            0,
            "{expected}: something was written"
        );
        assert_eq!(
            reg.counts().unwrap().bankids,
            0,
            "{expected}: something was written"
        );
    }
}

#[test]
fn import_is_all_or_nothing_across_records() {
    let dir = tmp();
    let reg = SqliteRegistry::open(dir.path().join("r.db")).unwrap();
    reg.import_json(&registry_json()).unwrap();
    let before = reg.counts().unwrap();
    // A second person (valid) and a third whose passport is Anna's: the database refuses the third,
    // so the second is not written either.
    let id = |i| {
        bankid_activation::activation::national_id::make_national_id(
            bankid_activation::mrz::Date::new(1980, 3, 3).unwrap(),
            i,
            false,
        )
    };
    let mut ids = (0..500).filter_map(id);
    let (a, b) = (ids.next().unwrap(), ids.next().unwrap());
    let json = format!(
        r#"{{"people": [
          {{"id": "{}", "status": "not_checked", "surname": "Nordmann", "given_names": "Ola",
            "birth_date": "1980-03-03", "documents": []}},
          {{"id": "{}", "status": "checked", "surname": "Nordmann", "given_names": "Kari",
            "birth_date": "1980-03-03", "documents": [{{"type": "passport", "issuing_state": "UTO",
            "number": "L898902C3", "expiry_date": "2012-04-15"}}]}}]}}"#,
        a.as_str(),
        b.as_str()
    );
    match reg.import_json(&json) {
        Err(ImportError::Invalid {
            section: Section::People,
            index: 1,
            field,
            ..
        }) => assert_eq!(field, "documents[0].number"),
        other => panic!("{other:?}"),
    }
    assert_eq!(reg.counts().unwrap(), before);
    assert!(reg.person(&a).unwrap().is_none());
}

// ---------------------------------------------------------------- device keys

#[test]
fn device_keys() {
    let d = Device::from_pem("phone-1", &p256_pem(7)).unwrap();
    // RFC 7469-style pin: SHA-256 over the DER SubjectPublicKeyInfo.
    use sha2::Digest;
    assert_eq!(
        d.fingerprint_hex(),
        hex::encode(sha2::Sha256::digest(p256_spki(7)))
    );
    assert_eq!(d.kind().to_string(), "EC P-256");

    let mut off_curve = p256_spki(7);
    let last = off_curve.len() - 1;
    off_curve[last] ^= 1;
    let garbage: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("binary", vec![0xFF, 0x00, 0x30, 0x82]),
        ("text", b"hello world".to_vec()),
        (
            "private key label",
            p256_pem(7).replace("PUBLIC KEY", "PRIVATE KEY").into_bytes(),
        ),
        (
            "truncated base64",
            p256_pem(7).replacen("\n", "\n!!", 2).into_bytes(),
        ),
        (
            "off-curve point",
            der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &off_curve)
                .unwrap()
                .into_bytes(),
        ),
        (
            // Ed25519 SPKI (RFC 8410 §10.1 example key)
            "ed25519",
            b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n".to_vec(),
        ),
    ];
    let dir = tmp();
    for (name, bytes) in garbage {
        let path = dir.path().join("key.pem");
        std::fs::write(&path, &bytes).unwrap();
        let err = Device::from_pem_file("phone-1", &path).expect_err(name);
        assert!(
            matches!(
                err,
                DeviceError::NotPem(_)
                    | DeviceError::Malformed(_)
                    | DeviceError::InvalidKey(_)
                    | DeviceError::Unsupported(_)
            ),
            "{name}: {err:?}"
        );
    }
    let big = dir.path().join("big.pem");
    std::fs::write(&big, vec![b'A'; 100_000]).unwrap();
    assert!(matches!(
        Device::from_pem_file("phone-1", &big),
        Err(DeviceError::TooLarge { .. })
    ));
    assert!(matches!(
        Device::from_pem("bad id", &p256_pem(7)),
        Err(DeviceError::InvalidId)
    ));
}

// ---------------------------------------------------------------- binding store

#[test]
fn second_device_replaces_first() {
    let dir = tmp();
    let store = SqliteBindingStore::open(dir.path().join("s.db")).unwrap();
    let first = store
        .bind(approval("bankid-anna"), &device("phone-1", 1))
        .unwrap();
    assert_eq!(first.replaced_device_id, None);
    let second = store
        .bind(approval("bankid-anna"), &device("phone-2", 2))
        .unwrap();
    assert_eq!(second.replaced_device_id.as_deref(), Some("phone-1"));

    let active = store.active("bankid-anna").unwrap().unwrap();
    assert_eq!(active.device_id, "phone-2");
    assert_eq!(
        active.key_fingerprint,
        device("phone-2", 2).fingerprint_hex()
    );
    let history = store.history("bankid-anna").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].device_id, "phone-1");
    assert!(history[0].replaced_at_ms.is_some());
    assert_eq!(history[0].replaced_by_device_id.as_deref(), Some("phone-2"));
    assert_eq!(history[1].replaced_at_ms, None);

    let audit = store.audit("bankid-anna").unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|a| a.approved && a.reasons.is_empty()));
    assert_eq!(audit[1].replaced_device_id.as_deref(), Some("phone-1"));
    // The document number is stored only as a salted hash.
    let hash = audit[0].document_hash.clone().unwrap();
    assert_eq!(hash, store.document_hash("L898902C3"));
    let other = SqliteBindingStore::open(dir.path().join("other.db")).unwrap();
    assert_ne!(other.document_hash("L898902C3"), hash, "salt is per store");
    assert!(
        !std::fs::read(dir.path().join("s.db"))
            .unwrap()
            .windows(9)
            .any(|w| w == b"L898902C3")
    );
    store.check_consistency().unwrap();
}

#[test]
fn one_active_device_is_a_database_constraint() {
    let dir = tmp();
    let path = dir.path().join("s.db");
    let store = SqliteBindingStore::open(&path).unwrap();
    store.bind(approval("b1"), &device("phone-1", 1)).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let second_active = conn.execute(
        "INSERT INTO binding (bankid_id, device_id, key_fingerprint, public_key, bound_at_ms, audit_id)
         VALUES ('b1', 'rogue', 'x', x'00', 0, 1)",
        [],
    );
    assert!(
        second_active.unwrap_err().to_string().contains("UNIQUE"),
        "partial unique index"
    );
    assert!(
        conn.execute("DELETE FROM binding", []).is_err(),
        "history is append-only"
    );
    assert!(
        conn.execute("DELETE FROM audit", []).is_err(),
        "audit is append-only"
    );
    assert!(
        conn.execute("UPDATE binding SET device_id = 'x'", [])
            .is_err()
    );
}

#[test]
fn eight_threads_bind_concurrently() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 5;
    let dir = tmp();
    let path = dir.path().join("s.db");
    drop(SqliteBindingStore::open(&path).unwrap());
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let path = path.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                // Each thread its own connection: SQLite's locking, not our mutex, serialises them.
                let store = SqliteBindingStore::open(&path).unwrap();
                let dev = device(&format!("phone-{t}"), t as u8 + 1);
                barrier.wait();
                (0..ROUNDS)
                    .map(|_| store.bind(approval("bankid-anna"), &dev).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let outcomes: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let store = SqliteBindingStore::open(&path).unwrap();
    store.check_consistency().unwrap();
    let history = store.history("bankid-anna").unwrap();
    assert_eq!(history.len(), THREADS * ROUNDS, "history complete");
    assert_eq!(
        history
            .iter()
            .filter(|h| h.replaced_at_ms.is_none())
            .count(),
        1
    );
    assert_eq!(history.last().unwrap().replaced_at_ms, None);
    // The history is one chain: each binding replaced exactly the one before it.
    for w in history.windows(2) {
        assert_eq!(
            w[0].replaced_by_device_id.as_deref(),
            Some(w[1].device_id.as_str())
        );
    }
    // Every bind saw the device that was active just before it.
    let none = outcomes
        .iter()
        .filter(|o| o.replaced_device_id.is_none())
        .count();
    assert_eq!(none, 1, "only the very first bind replaced nothing");
    assert_eq!(store.audit("bankid-anna").unwrap().len(), THREADS * ROUNDS);
}

// ---------------------------------------------------------------- the flow

fn trust() -> TrustStore {
    TrustStore::load(&["fixtures/pki/csca"]).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    registry: SqliteRegistry,
    store: SqliteBindingStore,
}

fn world() -> World {
    let dir = tmp();
    let registry = SqliteRegistry::open(dir.path().join("registry.db")).unwrap();
    registry.import_json(&registry_json()).unwrap();
    let store = SqliteBindingStore::open(dir.path().join("store.db")).unwrap();
    World {
        _dir: dir,
        registry,
        store,
    }
}

fn run_flow(
    w: &World,
    mrz: &str,
    dump: &str,
    policy: &Policy,
    device_id: &str,
    events: &mut Vec<Progress>,
) -> flow::ActivationResult {
    let trust = trust();
    let mut sink = |p: &Progress| events.push(p.clone());
    flow::activate(
        "bankid-anna",
        anna_id().as_str(),
        &mut MrzText(mrz.into()),
        &mut DumpDirectory::new(Path::new("fixtures/dumps").join(dump))
            .personalised_with(&bankid_activation::mrz::Mrz::parse_lines(&ICAO_TD3).unwrap()),
        ActivationContext {
            trust: &trust,
            policy,
            today: specimen_today(),
        },
        &w.registry,
        &w.store,
        &device(device_id, 3),
        &mut sink,
    )
    .unwrap()
}

fn no_clone_check_policy() -> Policy {
    // The dump reader performs no clone check (the reader's AA/CA is not merged yet).
    Policy::new(PolicyConfig {
        clone_check: CloneCheckRequirement::Optional,
        ..PolicyConfig::default()
    })
}

#[test]
fn flow_over_a_signed_fixture_dump() {
    let w = world();
    let mrz = ICAO_TD3.join("\n");
    let policy = no_clone_check_policy();
    let mut events = Vec::new();
    let first = run_flow(&w, &mrz, "td3-rsa2048", &policy, "phone-1", &mut events);
    assert!(first.activated, "{first:?}");
    assert!(first.reasons.is_empty());
    assert_eq!(first.replaced_device_id, None);
    let steps: Vec<Step> = events
        .iter()
        .filter_map(|e| match e {
            Progress::StepDone { step, ok: true, .. } => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(
        steps,
        [
            Step::Mrz,
            Step::Chip,
            Step::Verify,
            Step::Decide,
            Step::Bind
        ]
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Progress::Chip(c) if c.step == "DG1"))
    );

    let second = run_flow(&w, &mrz, "td3-rsa2048", &policy, "phone-2", &mut Vec::new());
    assert!(second.activated);
    assert_eq!(second.device_id, "phone-2");
    assert_eq!(second.replaced_device_id.as_deref(), Some("phone-1"));
    let report = flow::bindings_report(&w.store, "bankid-anna").unwrap();
    assert_eq!(report.device.as_ref().unwrap().device_id, "phone-2");
    assert_eq!(report.history.len(), 2);
    let text = report.to_string();
    assert!(text.contains("bound device: phone-2"), "{text}");
    assert!(
        text.contains("replaced at") && text.contains("by phone-2"),
        "{text}"
    );
    // The contract fields of `activate --json`.
    let json = serde_json::to_value(&second).unwrap();
    for key in ["activated", "reasons", "device_id", "replaced_device_id"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn flow_rejections_are_audited_and_bind_nothing() {
    let w = world();
    let mrz = ICAO_TD3.join("\n");
    // Default policy: the clone check is required, and the dump reader performs none.
    let r = run_flow(
        &w,
        &mrz,
        "td3-rsa2048",
        &Policy::default(),
        "phone-1",
        &mut Vec::new(),
    );
    assert_eq!(r.reasons, ["clone_check_failed"]);
    // DG1 edited after signing: passive authentication fails, and DG1 no longer matches the scan.
    let policy = no_clone_check_policy();
    // The chip opens with the printed MRZ, but its DG1 says 740813.
    let r = run_flow(
        &w,
        &mrz,
        "tampered-dg1-edited",
        &policy,
        "phone-1",
        &mut Vec::new(),
    );
    assert_eq!(
        r.reasons,
        ["chip_unverified", "mrz_mismatch", "identity_mismatch"],
        "{r:?}"
    );
    // A signature by an untrusted CSCA.
    let r = run_flow(
        &w,
        &mrz,
        "tampered-wrong-csca",
        &policy,
        "phone-1",
        &mut Vec::new(),
    );
    assert_eq!(r.reasons, ["chip_unverified"]);
    // An MRZ with valid check digits that does not open the chip.
    let other = bankid_activation::mrz::MrzBuilder::new(bankid_activation::mrz::Format::Td3)
        .issuing_state("UTO")
        .surname("ERIKSSON")
        .given_names("ANNA MARIA")
        .document_number("L898902C4")
        .nationality("UTO")
        .birth_date("740812")
        .expiry_date("120415")
        .build_lines()
        .unwrap()
        .join("\n");
    let r = run_flow(
        &w,
        &other,
        "td3-rsa2048",
        &policy,
        "phone-1",
        &mut Vec::new(),
    );
    assert!(
        r.reasons.starts_with(&["chip_unreadable".to_string()]),
        "{r:?}"
    );
    // Garbage instead of an MRZ.
    let r = run_flow(
        &w,
        "not an mrz",
        "td3-rsa2048",
        &policy,
        "phone-1",
        &mut Vec::new(),
    );
    assert_eq!(r.reasons[..2], ["mrz_unreadable", "chip_unreadable"]);

    assert!(
        w.store.active("bankid-anna").unwrap().is_none(),
        "nothing bound"
    );
    let audit = w.store.audit("bankid-anna").unwrap();
    assert_eq!(audit.len(), 5);
    assert!(audit.iter().all(|a| !a.approved && !a.reasons.is_empty()));
}

#[test]
fn activate_files_as_the_cli_calls_it() {
    let dir = tmp();
    let registry_db = dir.path().join("registry.db");
    let store_db = dir.path().join("store.db");
    let key = dir.path().join("device.pem");
    let json = dir.path().join("registry.json");
    // The BankID names its holder, so no national ID needs typing.
    std::fs::write(
        &json,
        variant(
            "\"failed_password_attempts\": 0",
            &format!(
                "\"failed_password_attempts\": 0, \"national_id\": \"{}\"",
                anna_id().as_str()
            ),
        ),
    )
    .unwrap();
    bankid_activation::activation::registry::import_file(&json, &registry_db).unwrap();
    let csca = [std::path::PathBuf::from("fixtures/pki/csca")];
    let request = |key| flow::ActivateFiles {
        bankid_id: "bankid-anna",
        national_id: None,
        registry_db: &registry_db,
        store_db: &store_db,
        device_id: "phone-1",
        device_key_file: key,
        csca: &csca,
        date: Some(specimen_today()),
        policy: PolicyConfig {
            clone_check: CloneCheckRequirement::Optional,
            ..PolicyConfig::default()
        },
    };
    let dump = || DumpDirectory::new("fixtures/dumps/td3-rsa2048");
    let mrz = || MrzText(ICAO_TD3.join("\n"));

    // A garbage key file: a typed error before anything is read or written.
    std::fs::write(
        &key,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let err = flow::activate_files(
        &request(key.as_path()),
        &mut mrz(),
        &mut dump(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, flow::ActivateError::Device(_)), "{err:?}");
    assert!(!store_db.exists(), "nothing written");
    assert!(matches!(
        flow::bindings_report_file(&store_db, "bankid-anna"),
        Err(bankid_activation::activation::binding::BindingError::Missing(_))
    ));

    std::fs::write(&key, p256_pem(9)).unwrap();
    let r = flow::activate_files(
        &request(key.as_path()),
        &mut mrz(),
        &mut dump(),
        &mut |_| {},
    )
    .unwrap();
    assert!(r.activated, "{r:?}");
    let report = flow::bindings_report_file(&store_db, "bankid-anna").unwrap();
    assert_eq!(report.device.unwrap().device_id, "phone-1");
    assert_eq!(report.audit.len(), 1);
}
