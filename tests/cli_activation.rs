//! The `activate`, `demo`, `registry import` and `bindings` commands end to end (DESIGN.md contract),
//! on the demo fixtures (fixtures/README.md, "Demo fixtures").

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn run(args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bankid-activation"))
        .args(args)
        .output()
        .expect("run the CLI");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), lines, stderr)
}

fn fixture(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

/// The demo passport's MRZ (fixtures/demo/mrz.txt).
const MRZ: [&str; 2] = [
    "P<UTOHANSEN<<KARI<<<<<<<<<<<<<<<<<<<<<<<<<<<",
    "UT47110082UTO9005178F3105168<<<<<<<<<<<<<<00",
];

/// A registry with the demo holder imported, and paths for a store.
struct Setup {
    _dir: tempfile::TempDir,
    registry: PathBuf,
    store: PathBuf,
    root: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = dir.path().join("registry.db");
    let (code, out, err) = run(&[
        "registry",
        "import",
        &fixture("fixtures/demo/registry.json"),
        "--db",
        registry.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out[0]["imported"], true);
    Setup {
        store: dir.path().join("store.db"),
        root: dir.path().to_path_buf(),
        registry,
        _dir: dir,
    }
}

fn activate(s: &Setup, extra: &[&str]) -> (i32, Vec<Value>, String) {
    activate_with(s, &["--mrz", MRZ[0], MRZ[1]], extra)
}

fn activate_with(s: &Setup, source: &[&str], extra: &[&str]) -> (i32, Vec<Value>, String) {
    let registry = s.registry.to_str().unwrap().to_string();
    let store = s.store.to_str().unwrap().to_string();
    let emulator = fixture("fixtures/dumps/demo-utopia");
    let csca = fixture("fixtures/pki/csca");
    let key1 = fixture("fixtures/demo/device-1.pub.pem");
    let mut args: Vec<&str> = vec![
        "activate",
        "--json",
        "--csca",
        &csca,
        "--registry",
        &registry,
        "--store",
        &store,
    ];
    args.extend(source);
    let has = |flag: &str| extra.contains(&flag);
    if !has("--emulator") {
        args.extend(["--emulator", &emulator]);
    }
    if !has("--bankid") {
        args.extend(["--bankid", "demo-bankid"]);
    }
    if !has("--device-id") {
        args.extend(["--device-id", "device-1"]);
    }
    if !has("--device-key") {
        args.extend(["--device-key", &key1]);
    }
    if !has("--date") {
        args.extend(["--date", "2026-12-01"]);
    }
    args.extend(extra);
    run(&args)
}

fn reasons(o: &Value) -> Vec<String> {
    o["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().expect("code").to_string())
        .collect()
}

#[test]
fn demo_activates_twice_and_the_second_device_replaces_the_first() {
    let (code, out, err) = run(&["demo", "--json", "--date", "2026-12-01"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.len(), 2, "one JSON line per activation");
    assert_eq!(out[0]["activated"], true);
    assert_eq!(out[0]["device_id"], "device-1");
    assert_eq!(out[0]["replaced_device_id"], Value::Null);
    assert_eq!(out[1]["activated"], true);
    assert_eq!(out[1]["device_id"], "device-2");
    assert_eq!(out[1]["replaced_device_id"], "device-1");
    for o in &out {
        assert_eq!(o["access"], "PACE", "the demo chip offers PACE");
        assert_eq!(o["clone_check"], "passed", "active authentication ran");
        assert_eq!(o["reasons"], serde_json::json!([]));
        for step in ["mrz", "chip", "verify", "decide", "bind"] {
            assert!(o["timings_ms"][step].is_f64(), "{step} timed: {o}");
        }
    }
}

#[test]
fn demo_text_prints_every_step_and_the_history() {
    let (code, _, err) = {
        let out = Command::new(env!("CARGO_BIN_EXE_bankid-activation"))
            .args(["demo", "--date", "2026-12-01"])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        for needle in [
            "registry import",
            "chip read",
            "passive authentication",
            "registry + rules",
            "binding",
            "replaced device-1",
            "history (2 bindings)",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in\n{text}");
        }
        (
            out.status.code(),
            (),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn bindings_after_a_demo_run_show_a_history_of_two() {
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path().join("demo");
    let (code, _, err) = run(&["demo", "--json", "--dir", work.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let store = work.join("store.db");
    let (code, out, err) = run(&[
        "bindings",
        "--store",
        store.to_str().unwrap(),
        "--bankid",
        "demo-bankid",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let history = out[0]["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["device_id"], "device-1");
    assert_eq!(history[0]["replaced_by_device_id"], "device-2");
    assert_eq!(history[1]["device_id"], "device-2");
    assert_eq!(out[0]["device"]["device_id"], "device-2");
    assert_eq!(out[0]["audit"].as_array().expect("audit").len(), 2);
}

#[test]
fn activate_approves_the_demo_holder_and_a_second_device_replaces_the_first() {
    let s = setup();
    let (code, out, err) = activate(&s, &[]);
    assert_eq!(code, 0, "{err} {out:?}");
    assert_eq!(out[0]["activated"], true);
    assert_eq!(out[0]["replaced_device_id"], Value::Null);
    assert_eq!(out[0]["access"], "BAC");
    let key2 = fixture("fixtures/demo/device-2.pub.pem");
    let (code, out, err) = activate(&s, &["--device-id", "device-2", "--device-key", &key2]);
    assert_eq!(code, 0, "{err} {out:?}");
    assert_eq!(out[0]["device_id"], "device-2");
    assert_eq!(out[0]["replaced_device_id"], "device-1");
}

#[test]
fn activate_over_pace_approves() {
    let s = setup();
    let (code, out, err) = activate(&s, &["--access", "pace:im:P-256:aes128"]);
    assert_eq!(code, 0, "{err} {out:?}");
    assert_eq!(out[0]["access"], "PACE");
    assert_eq!(out[0]["activated"], true);
}

#[test]
fn the_demo_photo_reads_exactly_and_valid() {
    let bytes = std::fs::read(fixture("fixtures/demo/passport.jpg")).expect("photo");
    let image = bankid_activation::ocr::decode_image(&bytes).expect("decode");
    let reading = bankid_activation::ocr::read_mrz(&image)
        .expect("read")
        .expect("an MRZ found");
    assert_eq!(reading.lines, MRZ);
    assert!(reading.valid);
    let text = std::fs::read_to_string(fixture("fixtures/demo/mrz.txt")).expect("mrz.txt");
    assert_eq!(text.lines().collect::<Vec<_>>(), MRZ);
}

#[test]
fn activate_from_the_photo_approves() {
    let s = setup();
    let (code, out, err) = activate_with(
        &s,
        &["--image", &fixture("fixtures/demo/passport.jpg")],
        &[],
    );
    assert_eq!(code, 0, "{err} {out:?}");
    assert_eq!(out[0]["activated"], true);
}

#[test]
fn activate_from_a_photo_without_an_mrz_is_mrz_unreadable() {
    let s = setup();
    // The face image of the chip dump: a JPEG with no MRZ in it.
    let face = s.root.join("face.jpg");
    let dg2 = std::fs::read(fixture("fixtures/dumps/demo-utopia/DG2.bin")).unwrap();
    let start = dg2
        .windows(2)
        .position(|w| w == [0xFF, 0xD8])
        .expect("JPEG SOI");
    std::fs::write(&face, &dg2[start..]).unwrap();
    let (code, out, _) = activate_with(&s, &["--image", face.to_str().unwrap()], &[]);
    assert_ne!(code, 0);
    let r = reasons(&out[0]);
    assert!(r.contains(&"mrz_unreadable".to_string()), "{r:?}");
}

#[test]
fn activate_with_an_unknown_bankid_is_rejected() {
    let s = setup();
    let (code, out, _) = activate(&s, &["--bankid", "no-such-bankid"]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["activated"], false);
    let r = reasons(&out[0]);
    assert!(r.contains(&"bankid_inactive".to_string()), "{r:?}");
    // Nobody typed a national ID and the BankID names no holder: no person to check against.
    assert!(r.contains(&"person_not_found".to_string()), "{r:?}");
}

#[test]
fn activate_with_a_wrong_national_id_is_rejected() {
    let s = setup();
    // 01019012345 has invalid check digits; 17059012355 is the holder.
    let (code, out, _) = activate(&s, &["--national-id", "01019012345"]);
    assert_ne!(code, 0);
    assert_eq!(reasons(&out[0]), ["person_not_found"]);
}

#[test]
fn activate_after_the_expiry_date_is_rejected() {
    let s = setup();
    // The passport expires 2031-05-16 (MRZ 310516).
    let (code, out, _) = activate(&s, &["--date", "2031-05-17"]);
    assert_ne!(code, 0);
    assert_eq!(reasons(&out[0]), ["document_expired"]);
    let (code, _, _) = activate(&s, &["--date", "2031-05-16"]);
    assert_eq!(code, 0, "valid on its expiry date");
}

#[test]
fn activate_runs_active_authentication_as_the_clone_check() {
    let s = setup();
    let (code, out, err) = activate(&s, &[]);
    assert_eq!(code, 0, "{err} {out:?}");
    assert_eq!(out[0]["clone_check"], "passed");
}

#[test]
fn a_chip_that_cannot_prove_its_dg15_key_fails_the_clone_check() {
    let s = setup();
    // The demo dump without AA.key.pem: DG15 announces a key the software chip cannot sign with.
    let chip = s.root.join("chip-without-aa-key");
    std::fs::create_dir(&chip).unwrap();
    for f in ["EF.COM.bin", "EF.SOD.bin", "DG1.bin", "DG2.bin", "DG15.bin"] {
        std::fs::copy(
            fixture(&format!("fixtures/dumps/demo-utopia/{f}")),
            chip.join(f),
        )
        .unwrap();
    }
    let (code, out, _) = activate(&s, &["--emulator", chip.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert_eq!(reasons(&out[0]), ["clone_check_failed"], "{out:?}");
    // With the clone check optional a failed one still rejects; only a missing one is tolerated.
    let (code, out, _) = activate(
        &s,
        &[
            "--emulator",
            chip.to_str().unwrap(),
            "--clone-check",
            "optional",
        ],
    );
    assert_ne!(code, 0);
    assert_eq!(reasons(&out[0]), ["clone_check_failed"], "{out:?}");
}

#[test]
fn activate_with_a_garbage_device_key_fails_and_writes_nothing() {
    let s = setup();
    let garbage = s.root.join("garbage.pem");
    std::fs::write(
        &garbage,
        b"-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let (code, out, _) = activate(&s, &["--device-key", garbage.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["activated"], false);
    let error = out[0]["error"].as_str().expect("an error message");
    assert!(!error.is_empty());
    assert!(!s.store.exists(), "no store written for a bad key");
}

#[test]
fn activate_on_a_chip_the_mrz_does_not_open_is_chip_unreadable() {
    let s = setup();
    // The ICAO specimen's chip does not open with the demo passport's MRZ.
    let registry = s.registry.to_str().unwrap().to_string();
    let store = s.store.to_str().unwrap().to_string();
    let (code, out, _) = run(&[
        "activate",
        "--json",
        "--bankid",
        "demo-bankid",
        "--mrz",
        MRZ[0],
        MRZ[1],
        "--emulator",
        &fixture("fixtures/dumps/td3-rsa2048"),
        "--csca",
        &fixture("fixtures/pki/csca"),
        "--registry",
        &registry,
        "--store",
        &store,
        "--device-id",
        "device-1",
        "--device-key",
        &fixture("fixtures/demo/device-1.pub.pem"),
        "--date",
        "2026-12-01",
        "--clone-check",
        "optional",
    ]);
    assert_ne!(code, 0);
    assert!(
        reasons(&out[0]).contains(&"chip_unreadable".to_string()),
        "{out:?}"
    );
}

#[test]
fn registry_import_of_malformed_json_fails_and_writes_nothing() {
    let s = setup();
    let bad = s.root.join("bad.json");
    // A valid person first, then the document breaks off: all or nothing.
    std::fs::write(
        &bad,
        br#"{"people": [{"id": "17059012355", "status": "not_checked", "surname": "X", "given_names": "Y", "birth_date": "1990-05-17", "documents": []}], "bankids": [ {"id": "#,
    )
    .unwrap();
    let (code, out, _) = run(&[
        "registry",
        "import",
        bad.to_str().unwrap(),
        "--db",
        s.registry.to_str().unwrap(),
        "--json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["imported"], false);
    // The registry still holds the original, "checked" holder: the activation is approved.
    let (code, out, err) = activate(&s, &[]);
    assert_eq!(code, 0, "{err} {out:?}");
}
