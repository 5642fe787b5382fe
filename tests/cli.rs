//! The command-line contract (DESIGN.md): `mrz` and `keys` output, exit codes, errors.

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

// ICAO 9303 Part 4, Appendix A: the TD3 specimen.
const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

#[test]
fn mrz_json_has_the_contract_fields() {
    let (code, out, _) = run(&["mrz", "--json", "--date", "2026-12-01", TD3[0], TD3[1]]);
    assert_eq!(code, 0);
    assert_eq!(out.len(), 1, "one JSON object per line");
    let o = &out[0];
    assert_eq!(o["found"], true);
    assert_eq!(o["format"], "TD3");
    assert_eq!(o["valid"], true);
    assert_eq!(o["error"], Value::Null);
    assert!(o["ms"].is_f64());
    assert_eq!(o["lines"], serde_json::json!(TD3));
    assert_eq!(o["document_number"], "L898902C3");
    assert_eq!(o["issuing_state"], "UTO");
    assert_eq!(o["nationality"], "UTO");
    assert_eq!(o["birth_date"], "740812");
    assert_eq!(o["expiry_date"], "120415");
    assert_eq!(o["birth_date_full"], "1974-08-12");
    assert_eq!(o["sex"], "F");
    assert_eq!(o["surname"], "ERIKSSON");
    assert_eq!(o["given_names"], "ANNA MARIA");
}

#[test]
fn mrz_accepts_lines_in_one_argument_and_each_layout() {
    // ICAO 9303 Part 5, Appendix A (TD1) in one argument, newline separated.
    let td1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let (code, out, _) = run(&["mrz", "--json", td1]);
    assert_eq!(code, 0);
    assert_eq!(out[0]["format"], "TD1");
    assert_eq!(out[0]["document_number"], "D23145890");
    // ICAO 9303 Part 6, Appendix A (TD2).
    let (code, out, _) = run(&[
        "mrz",
        "--json",
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out[0]["format"], "TD2");
}

#[test]
fn mrz_corrects_look_alikes_and_reports_them() {
    // Two zeros of the dates read as the letter O.
    let (code, out, _) = run(&[
        "mrz",
        "--json",
        TD3[0],
        "L898902C36UTO74O8122F12O4159ZE184226B<<<<<10",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out[0]["valid"], true);
    assert_eq!(out[0]["lines"][1], TD3[1]);
    assert_eq!(out[0]["corrections"].as_array().map(Vec::len), Some(2));
    // With --no-correct the same text is invalid.
    let (code, out, _) = run(&[
        "mrz",
        "--json",
        "--no-correct",
        TD3[0],
        "L898902C36UTO74O8122F12O4159ZE184226B<<<<<10",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["valid"], false);
}

#[test]
fn mrz_failing_check_digit_is_invalid_with_an_error_naming_it() {
    let (code, out, stderr) = run(&[
        "mrz",
        "--json",
        TD3[0],
        "L898902C36UTO7408123F1204159ZE184226B<<<<<10",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["found"], true);
    assert_eq!(out[0]["valid"], false);
    let err = out[0]["error"].as_str().unwrap_or_default();
    assert!(
        err.contains("birth_date check digit at line 2, column 20"),
        "{err} / {stderr}"
    );
}

#[test]
fn mrz_garbage_is_a_clear_error_not_a_panic() {
    for bad in [
        &["mrz", "--json", "hello"][..],
        &["mrz", "--json", "é", "ß"],
        &["mrz", "--json", "P<", "<<"],
    ] {
        let (code, out, stderr) = run(bad);
        assert_ne!(code, 0);
        assert_eq!(out[0]["valid"], false);
        assert_eq!(out[0]["found"], false);
        assert!(out[0]["error"].as_str().is_some_and(|e| !e.is_empty()));
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let (code, out, stderr) = run(&["mrz", "short", "lines"]);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(stderr.contains("error"), "{stderr}");
}

#[test]
fn keys_reproduce_icao_part11_vectors() {
    // ICAO 9303 Part 11, Appendix D.2: BAC keys from MRZ information L898902C<369080619406236.
    let (code, out, _) = run(&["keys", "--json", "--mrz-info", "L898902C<369080619406236"]);
    assert_eq!(code, 0);
    assert_eq!(out[0]["k_seed"], "239AB9CB282DAF66231DC5A4DF6BFBAE");
    assert_eq!(out[0]["k_enc"], "AB94FDECF2674FDFB9B391F85D7F76F2");
    assert_eq!(out[0]["k_mac"], "7962D9ECE03D1ACD4C76089DCE131543");
    // ICAO 9303 Part 11, Appendix G.1: K_pi from MRZ T22000129 / 640812 / 101031.
    let (code, out, _) = run(&["keys", "--json", "--mrz-info", "T22000129364081251010318"]);
    assert_eq!(code, 0);
    assert_eq!(out[0]["k_pi"], "89DED1B26624EC1E634C1989302849DD");
}

#[test]
fn keys_from_mrz_lines_use_the_long_td1_number() {
    // ICAO 9303 Part 11 long-document-number example (TD1, number D23145890734, check digit 9).
    let (code, out, _) = run(&[
        "keys",
        "--json",
        "--mrz",
        "I<UTOD23145890<7349<<<<<<<<<<<",
        "3407127M9507122UTO<<<<<<<<<<<2",
        "STEVENSON<<PETER<JOHN<<<<<<<<<",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out[0]["mrz_information"], "D23145890734934071279507122");
    assert_eq!(out[0]["password"], "MRZ");
}

#[test]
fn keys_from_can_and_bad_input() {
    let (code, out, _) = run(&["keys", "--json", "--can", "123456"]);
    assert_eq!(code, 0);
    assert_eq!(out[0]["password"], "CAN");
    assert_eq!(out[0]["k_pi"].as_str().map(str::len), Some(32));
    assert!(out[0].get("k_seed").is_none(), "a CAN gives no BAC keys");
    let (code, out, _) = run(&["keys", "--json", "--can", "12a456"]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["valid"], false);
    let (code, out, _) = run(&["keys", "--json", "--mrz-info", "short"]);
    assert_ne!(code, 0);
    assert!(
        out[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("MRZ information"))
    );
    // Two password sources at once is a usage error.
    let (code, _, _) = run(&[
        "keys",
        "--can",
        "1",
        "--mrz-info",
        "L898902C<369080619406236",
    ]);
    assert_ne!(code, 0);
}

#[test]
fn verify_valid_dump_against_csca_directory_and_master_list() {
    for csca in [
        "fixtures/pki/csca",
        "fixtures/pki/masterlist/UT-masterlist.ml",
    ] {
        let (code, out, stderr) = run(&[
            "verify",
            "fixtures/dumps/td3-rsa2048",
            "--csca",
            csca,
            "--json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let o = &out[0];
        assert_eq!(o["valid"], true);
        assert_eq!(o["signature_valid"], true);
        assert_eq!(o["chain_valid"], true);
        assert_eq!(o["errors"], serde_json::json!([]));
        for dg in ["1", "2", "7", "11", "12", "14", "15"] {
            assert_eq!(o["data_groups"][dg], "valid", "DG{dg}");
        }
    }
}

#[test]
fn verify_tampered_dumps_fail_closed() {
    let (code, out, _) = run(&[
        "verify",
        "fixtures/dumps/tampered-dg2-edited",
        "--csca",
        "fixtures/pki/csca",
        "--json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["valid"], false);
    assert_eq!(out[0]["signature_valid"], true);
    assert_eq!(out[0]["data_groups"]["2"], "invalid");
    assert_eq!(out[0]["data_groups"]["1"], "valid");

    let (code, out, _) = run(&[
        "verify",
        "fixtures/dumps/tampered-wrong-csca",
        "--csca",
        "fixtures/pki/csca",
        "--json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["valid"], false);
    assert_eq!(out[0]["chain_valid"], false);

    // No trust anchor at all: an error, never "valid".
    let (code, out, _) = run(&[
        "verify",
        "fixtures/dumps/td3-rsa2048",
        "--csca",
        "fixtures/dumps/td3-rsa2048/DG1.bin",
        "--json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["valid"], false);
    assert!(!out[0]["errors"].as_array().is_none_or(Vec::is_empty));
}

#[test]
fn read_emulator_over_bac_writes_an_identical_dump_that_verifies() {
    let out_dir = std::env::temp_dir().join(format!("bankid-cli-read-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    let out_s = out_dir.to_string_lossy().into_owned();
    let (code, out, stderr) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--access",
        "bac",
        "--mrz",
        TD3[0],
        TD3[1],
        "--out",
        &out_s,
        "--csca",
        "fixtures/pki/csca",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let o = &out[0];
    assert_eq!(o["access"], "BAC");
    assert_eq!(o["dg1_mrz"], serde_json::json!(TD3));
    assert_eq!(o["valid"], true);
    assert_eq!(o["signature_valid"], true);
    assert_eq!(o["chain_valid"], true);
    assert!(o["apdus"].as_u64().is_some_and(|n| n > 2));
    // A BAC-only software chip withholds the dump's EF.CardAccess (it offers PACE), so the
    // dump has none; `read_emulator_over_pace_…` reads it from a PACE chip.
    assert!(!out_dir.join("EF.CardAccess.bin").exists());
    assert_eq!(o["pace"], Value::Null);
    for name in [
        "EF.COM", "EF.SOD", "DG1", "DG2", "DG7", "DG11", "DG12", "DG14", "DG15",
    ] {
        let fixture =
            std::fs::read(format!("fixtures/dumps/td3-rsa2048/{name}.bin")).expect("fixture");
        let read = std::fs::read(out_dir.join(format!("{name}.bin"))).expect("dump file");
        assert_eq!(read, fixture, "{name} differs");
        assert_eq!(o["files"][name], fixture.len(), "{name} size in JSON");
    }
    assert!(
        !out_dir.join("AA.key.pem").exists(),
        "a reader never writes chip keys"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
}

#[test]
fn read_with_wrong_mrz_is_access_denied() {
    let (code, out, _) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--document-number",
        "L898902C3",
        "--birth-date",
        "740813",
        "--expiry-date",
        "120415",
        "--json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["valid"], false);
    assert_eq!(out[0]["error"], "access denied (BAC)");
    let (code, _, stderr) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--document-number",
        "L898902C3",
        "--birth-date",
        "740813",
        "--expiry-date",
        "120415",
    ]);
    assert_ne!(code, 0);
    assert!(stderr.contains("access denied (BAC)"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn read_emulator_over_pace_with_can_reports_the_variant_and_verifies() {
    let out_dir = std::env::temp_dir().join(format!("bankid-cli-pace-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    let out_s = out_dir.to_string_lossy().into_owned();
    let (code, out, stderr) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--access",
        "pace:gm:brainpoolP256r1:aes128",
        "--can",
        "123456",
        "--out",
        &out_s,
        "--csca",
        "fixtures/pki/csca",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let o = &out[0];
    assert_eq!(o["access"], "PACE");
    assert_eq!(
        o["pace"],
        serde_json::json!({"mapping": "GM", "group": "brainpoolP256r1", "cipher": "aes128"})
    );
    assert_eq!(o["valid"], true);
    assert_eq!(o["dg1_mrz"], serde_json::json!(TD3));
    assert_eq!(o["error"], Value::Null);
    // Every file as in the fixture, EF.CardAccess included (the chip's own for these
    // parameters is the fixture's byte for byte).
    for name in [
        "EF.COM",
        "EF.SOD",
        "EF.CardAccess",
        "DG1",
        "DG2",
        "DG7",
        "DG11",
        "DG12",
        "DG14",
        "DG15",
    ] {
        let fixture =
            std::fs::read(format!("fixtures/dumps/td3-rsa2048/{name}.bin")).expect("fixture");
        let read = std::fs::read(out_dir.join(format!("{name}.bin"))).expect("dump file");
        assert_eq!(read, fixture, "{name} differs");
    }
    let _ = std::fs::remove_dir_all(&out_dir);

    // The MRZ with another variant and a chip CAN that is not the default; text output names
    // the variant.
    let (code, out, stderr) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--access",
        "pace:im:modp2048-256:3des",
        "--chip-can",
        "987654",
        "--mrz",
        TD3[0],
        TD3[1],
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out[0]["access"], "PACE");
    assert_eq!(out[0]["pace"]["mapping"], "IM");
    assert_eq!(out[0]["pace"]["group"], "modp2048-256");
    assert_eq!(out[0]["pace"]["cipher"], "3des");
}

#[test]
fn read_emulator_over_pace_with_a_wrong_can_is_access_denied() {
    let (code, out, _) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--access",
        "pace:gm:brainpoolP256r1:aes128",
        "--can",
        "123457",
        "--json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(out[0]["valid"], false);
    assert_eq!(out[0]["error"], "access denied (PACE)");
    let (code, _, stderr) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--access",
        "pace:gm:brainpoolP256r1:aes128",
        "--chip-can",
        "111111",
        "--can",
        "123456",
    ]);
    assert_ne!(code, 0);
    assert!(stderr.contains("access denied (PACE)"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn read_emulator_access_specs_are_checked() {
    for (access, needle) in [
        ("pace:cam:brainpoolP256r1:aes128", "CAM"),
        ("pace:gm:brainpoolP999r1:aes128", "brainpoolP999r1"),
        ("pace:gm:P-256", "pace:MAPPING:GROUP:CIPHER"),
        ("chipauth", "expected `bac` or `pace:MAPPING:GROUP:CIPHER`"),
    ] {
        let (code, out, _) = run(&[
            "read",
            "--emulator",
            "fixtures/dumps/td3-rsa2048",
            "--access",
            access,
            "--can",
            "123456",
            "--json",
        ]);
        assert_ne!(code, 0, "{access}");
        let error = out[0]["error"].as_str().unwrap_or_default();
        assert!(error.contains(needle), "{access}: {error}");
    }
    // A CAN against the BAC-only chip: a clear error, not a crash.
    let (code, out, _) = run(&[
        "read",
        "--emulator",
        "fixtures/dumps/td3-rsa2048",
        "--can",
        "123456",
        "--json",
    ]);
    assert_ne!(code, 0);
    let error = out[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("does not offer PACE"), "{error}");
}
