//! Accuracy floor of the native MRZ reader on the committed fixture set (`fixtures/ocr/truth.json`).
//!
//! Runs every fifth image so a debug-mode `cargo test` stays quick; `examples/ocr_accuracy.rs` runs the whole
//! set in release mode. The floors sit a little under what the reader measured when they were set, so a
//! regression fails the test; negatives must never read as a valid MRZ. A positive whose MRZ has cells the
//! glare washed out (`illegible` in `truth.json`) may be refused, but never reported valid with other
//! lines: that is checked over the whole set, not every fifth image.

use bankid_activation::ocr;
use std::collections::BTreeMap;

#[test]
fn fixture_accuracy_floors_hold_and_negatives_never_validate() {
    let truth: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/ocr/truth.json")).expect("truth.json");
    let reader = ocr::MrzReader::new().expect("embedded model");
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for item in truth["images"]
        .as_array()
        .expect("images")
        .iter()
        .step_by(5)
    {
        let file = item["file"].as_str().expect("file");
        let category = item["category"].as_str().expect("category").to_string();
        let bytes = std::fs::read(format!("fixtures/ocr/{file}")).expect("fixture");
        let reading = reader
            .read_image(&ocr::decode_image(&bytes).expect("decode"))
            .expect("read");
        let entry = tally.entry(category.clone()).or_default();
        entry.1 += 1;
        match item["lines"].as_array() {
            None => {
                assert!(
                    !reading.as_ref().is_some_and(|r| r.valid),
                    "{file}: a negative read as a valid MRZ: {reading:?}"
                );
                entry.0 += usize::from(reading.is_none());
            }
            Some(lines) => {
                let expected: Vec<String> = lines
                    .iter()
                    .map(|l| l.as_str().expect("line").to_string())
                    .collect();
                entry.0 += usize::from(reading.is_some_and(|r| r.lines == expected));
            }
        }
    }
    // Every positive with glare-washed cells: exact, or not reported valid.
    let mut illegible = 0;
    for item in truth["images"].as_array().expect("images") {
        if item["illegible"].as_array().is_none_or(Vec::is_empty) {
            continue;
        }
        illegible += 1;
        let file = item["file"].as_str().expect("file");
        let expected: Vec<&str> = item["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| l.as_str().expect("line"))
            .collect();
        let bytes = std::fs::read(format!("fixtures/ocr/{file}")).expect("fixture");
        let reading = reader
            .read_image(&ocr::decode_image(&bytes).expect("decode"))
            .expect("read");
        if let Some(r) = reading.filter(|r| r.valid) {
            assert_eq!(
                r.lines, expected,
                "{file}: glare washed out MRZ cells, yet a wrong reading was reported valid"
            );
        }
    }
    assert!(
        illegible >= 10,
        "only {illegible} images list illegible cells"
    );
    let rate = |k: &str| {
        tally
            .get(k)
            .map_or(0.0, |&(ok, n)| ok as f64 / n.max(1) as f64)
    };
    eprintln!("{tally:?}");
    assert!(rate("clean") >= 0.95, "clean {}", rate("clean"));
    assert!(rate("phone") >= 0.85, "phone {}", rate("phone"));
    assert!(rate("hard") >= 0.5, "hard {}", rate("hard"));
    assert!(rate("negative") >= 0.99, "negative {}", rate("negative"));
}

#[test]
fn fixture_truth_is_valid_mrz_for_the_mrz_module() {
    // The generator computes check digits with its own small builder; the crate's `mrz` parser must agree.
    let truth: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/ocr/truth.json")).expect("truth.json");
    let mut checked = 0;
    for item in truth["images"].as_array().expect("images") {
        let Some(lines) = item["lines"].as_array() else {
            continue;
        };
        let lines: Vec<&str> = lines.iter().map(|l| l.as_str().expect("line")).collect();
        let m = bankid_activation::mrz::parse(&lines)
            .unwrap_or_else(|e| panic!("{}: {e}", item["file"]));
        assert!(m.is_valid(), "{}: check digits", item["file"]);
        assert_eq!(
            m.format().contract_name(),
            item["format"].as_str().expect("format"),
            "{}",
            item["file"]
        );
        checked += 1;
    }
    assert_eq!(checked, 300);
}

/// Reads one committed fixture and returns the reading with its true lines.
fn read_fixture(file: &str) -> (Option<ocr::MrzReading>, Vec<String>) {
    let truth: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/ocr/truth.json")).expect("truth.json");
    let item = truth["images"]
        .as_array()
        .expect("images")
        .iter()
        .find(|i| i["file"] == file)
        .expect("fixture listed");
    let expected = item["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l.as_str().expect("line").to_string())
        .collect();
    let bytes = std::fs::read(format!("fixtures/ocr/{file}")).expect("fixture");
    let reader = ocr::MrzReader::new().expect("embedded model");
    let reading = reader
        .read_image(&ocr::decode_image(&bytes).expect("decode"))
        .expect("read");
    (reading, expected)
}

#[test]
fn a_name_line_shifted_one_pitch_is_never_valid() {
    // td1_hard_009 (lowres): the grid of the TD1 name line moved one pitch looks surer than the
    // right one, and no check digit covers names; the shifted reading must not be reported valid.
    let (reading, expected) = read_fixture("td1_hard_009.jpg");
    let reading = reading.expect("an MRZ is found");
    assert!(
        !reading.valid || reading.lines == expected,
        "wrong valid: {:?}",
        reading.lines
    );
}
