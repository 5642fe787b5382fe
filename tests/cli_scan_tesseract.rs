//! `scan --backend tesseract --json` (feature `tesseract`): the DESIGN.md contract with Tesseract
//! as the recogniser.
#![cfg(feature = "tesseract")]

use std::process::Command;

use serde_json::Value;

fn truth_lines(file: &str) -> Vec<String> {
    let truth: Value =
        serde_json::from_str(include_str!("../fixtures/ocr/truth.json")).expect("truth.json");
    truth["images"]
        .as_array()
        .expect("images")
        .iter()
        .find(|i| i["file"] == file)
        .and_then(|i| i["lines"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn scan_with_tesseract_follows_the_json_contract() {
    let files = [
        "td3_clean_000.jpg",
        "td3_clean_001.jpg",
        "td3_clean_002.jpg",
        "negative_doc_without_mrz_002.jpg",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ocr");
    let mut args = vec![
        "scan".to_string(),
        "--json".into(),
        "--backend".into(),
        "tesseract".into(),
    ];
    args.extend(files.iter().map(|f| dir.join(f).display().to_string()));
    args.push(dir.join("no_such_file.jpg").display().to_string());
    let out = Command::new(env!("CARGO_BIN_EXE_bankid-activation"))
        .args(&args)
        .env_remove("OMP_THREAD_LIMIT")
        .output()
        .expect("run the CLI");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert_eq!(rows.len(), files.len() + 1, "one object per image");
    for o in &rows {
        for key in ["file", "found", "format", "lines", "valid", "ms", "error"] {
            assert!(o.get(key).is_some(), "{key} missing in {o}");
        }
    }
    let mut exact_lines = 0;
    for (o, file) in rows.iter().zip(files) {
        let expected = truth_lines(file);
        if expected.is_empty() {
            assert_eq!(o["valid"], false, "negative {file}: {o}");
            continue;
        }
        assert_eq!(o["found"], true, "{file}: {o}");
        assert_eq!(o["format"], "TD3", "{file}: {o}");
        assert!(o["ms"].as_f64().is_some_and(|ms| ms > 0.0));
        if o["valid"] == true {
            assert_eq!(
                o["lines"],
                serde_json::json!(expected),
                "wrong valid MRZ for {file}"
            );
        }
        exact_lines += usize::from(o["lines"] == serde_json::json!(expected));
    }
    assert!(
        exact_lines >= 2,
        "at least two of three clean TD3 read exactly: {rows:?}"
    );
    let missing = rows.last().expect("row");
    assert_eq!(missing["found"], false);
    assert!(missing["error"].is_string());
}
