//! The multi-frame [`ocr::MrzTracker`] on glare sequences (`fixtures/ocr-sequence/`): every frame of a
//! document loses some MRZ cells to a moving glare, so single frames are refused (or, rarely, read
//! exactly); fed the frames in order, the tracker must reach the exact MRZ, valid, and must never
//! report a wrong one on the way. Single frames must never be valid and wrong either.
//!
//! `OCR_SEQUENCE_DIR` points the test at another sequence directory (one made with
//! `cargo run --release --example make_ocr_fixtures -- --glare-sequence DIR --seed S`).

use bankid_activation::ocr;

/// One document's outcome: frames read exactly alone, and the tracker's first valid consensus.
struct Outcome {
    single_exact: usize,
    frames: usize,
    tracked: Option<Vec<String>>,
    tracked_at: usize,
}

/// A document's true MRZ lines from `truth.json`.
fn expected_lines(doc: &serde_json::Value) -> Vec<String> {
    doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l.as_str().expect("line").to_string())
        .collect()
}

fn run_document(reader: &ocr::MrzReader, dir: &str, doc: &serde_json::Value) -> Outcome {
    let expected = expected_lines(doc);
    let mut tracker = ocr::MrzTracker::new(2);
    let mut out = Outcome {
        single_exact: 0,
        frames: 0,
        tracked: None,
        tracked_at: 0,
    };
    for frame in doc["frames"].as_array().expect("frames") {
        let file = frame["file"].as_str().expect("file");
        let bytes = std::fs::read(format!("{dir}/{file}")).expect("frame");
        let reading = reader
            .read_image(&ocr::decode_image(&bytes).expect("decode"))
            .expect("read");
        out.frames += 1;
        let illegible = frame["illegible"].as_array().map_or(0, Vec::len);
        eprintln!(
            "{file} ({illegible} illegible cells): {}",
            match &reading {
                None => "no MRZ".to_string(),
                Some(r) if r.lines == expected =>
                    format!("exact (valid {}, washed {})", r.valid, r.washed_out.len()),
                Some(r) => format!(
                    "not exact, valid {}, washed {}: {:?}",
                    r.valid,
                    r.washed_out.len(),
                    r.lines
                ),
            }
        );
        let Some(reading) = reading else { continue };
        assert!(
            !reading.valid || reading.lines == expected,
            "{file}: a single frame read valid and wrong: {:?}",
            reading.lines
        );
        out.single_exact += usize::from(reading.lines == expected);
        if let Some(consensus) = tracker.push(&reading)
            && out.tracked.is_none()
        {
            assert!(consensus.valid);
            out.tracked = Some(consensus.lines);
            out.tracked_at = out.frames;
        }
    }
    eprintln!(
        "consensus at the end: {:?}",
        tracker
            .consensus()
            .map(|c| (c.lines, c.valid, c.checks, c.confidence, c.min_confidence))
    );
    out
}

#[test]
fn tracker_reads_through_a_moving_glare() {
    let dir = std::env::var("OCR_SEQUENCE_DIR").unwrap_or_else(|_| "fixtures/ocr-sequence".into());
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/truth.json")).expect("truth.json"))
            .expect("json");
    let reader = ocr::MrzReader::new().expect("embedded model");
    let (mut frames, mut single_exact, mut tracked) = (0, 0, 0);
    let docs = truth["documents"].as_array().expect("documents");
    for doc in docs {
        let expected = expected_lines(doc);
        let o = run_document(&reader, &dir, doc);
        eprintln!(
            "document {}: {}/{} frames exact alone; tracker: {:?} after {} frames",
            doc["document"], o.single_exact, o.frames, o.tracked, o.tracked_at
        );
        if let Some(lines) = &o.tracked {
            assert_eq!(
                *lines, expected,
                "document {}: the tracker reported a wrong MRZ",
                doc["document"]
            );
            tracked += 1;
        }
        frames += o.frames;
        single_exact += o.single_exact;
    }
    eprintln!(
        "single frames exact: {single_exact}/{frames}; documents tracked: {tracked}/{}",
        docs.len()
    );
    assert_eq!(tracked, docs.len(), "the tracker must read every document");
    assert!(
        single_exact * 2 < frames,
        "the sequences should defeat most single frames ({single_exact}/{frames} exact)"
    );
}
