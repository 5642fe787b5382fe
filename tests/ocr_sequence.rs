//! The multi-frame [`ocr::MrzTracker`] on glare sequences (`fixtures/ocr-sequence/`): every frame of a
//! document loses some MRZ cells to a moving glare, so single frames are refused (or, rarely, read
//! exactly); fed the frames in order, the tracker must reach the exact MRZ, valid, and must never
//! report a wrong one on the way. Fed the same frames in reverse order (the glare moving the other
//! way), it must never report a wrong MRZ either. Single frames must never be valid and wrong.
//!
//! `OCR_SEQUENCE_DIR` points the test at another sequence directory (one made with
//! `cargo run --release --example make_ocr_fixtures -- --glare-sequence DIR --seed S`); the test
//! then prints, per order, the wrong reports and the documents read before asserting.

use bankid_activation::ocr;

/// One frame as read alone.
struct Frame {
    file: String,
    reading: Option<ocr::MrzReading>,
}

/// One document's outcome in one frame order: the tracker's first valid consensus and every wrong
/// one it reported.
struct Outcome {
    tracked: Option<Vec<String>>,
    tracked_at: usize,
    wrong: Vec<(String, Vec<String>)>,
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

/// Reads every frame of a document alone, printing each outcome.
fn read_frames(
    reader: &ocr::MrzReader,
    dir: &str,
    doc: &serde_json::Value,
    expected: &[String],
) -> Vec<Frame> {
    let mut out = Vec::new();
    for frame in doc["frames"].as_array().expect("frames") {
        let file = frame["file"].as_str().expect("file");
        let bytes = std::fs::read(format!("{dir}/{file}")).expect("frame");
        let reading = reader
            .read_image(&ocr::decode_image(&bytes).expect("decode"))
            .expect("read");
        let illegible = frame["illegible"].as_array().map_or(0, Vec::len);
        eprintln!(
            "{file} ({illegible} illegible cells): {}",
            match &reading {
                None => "no MRZ".to_string(),
                Some(r) if r.lines == expected =>
                    format!("exact (valid {}, washed {})", r.valid, r.washed_out.len()),
                Some(r) => format!(
                    "not exact, {}, valid {} ({:.3}), washed {}: {:?}",
                    r.format.name(),
                    r.valid,
                    r.confidence,
                    r.washed_out.len(),
                    r.lines
                ),
            }
        );
        out.push(Frame {
            file: file.to_string(),
            reading,
        });
    }
    out
}

/// Feeds the frames (in the order given) to a fresh tracker.
fn track<'a>(frames: impl Iterator<Item = &'a Frame>, expected: &[String]) -> Outcome {
    let mut tracker = ocr::MrzTracker::new(2);
    let mut out = Outcome {
        tracked: None,
        tracked_at: 0,
        wrong: Vec::new(),
    };
    for (n, frame) in frames.enumerate() {
        let Some(reading) = &frame.reading else {
            continue;
        };
        let Some(consensus) = tracker.push(reading) else {
            continue;
        };
        assert!(consensus.valid, "the tracker reports only valid readings");
        if consensus.lines != expected {
            out.wrong
                .push((frame.file.clone(), consensus.lines.clone()));
        }
        if out.tracked.is_none() {
            out.tracked = Some(consensus.lines);
            out.tracked_at = n + 1;
        }
    }
    out
}

#[test]
fn tracker_reads_through_a_moving_glare() {
    let dir = std::env::var("OCR_SEQUENCE_DIR").unwrap_or_else(|_| "fixtures/ocr-sequence".into());
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/truth.json")).expect("truth.json"))
            .expect("json");
    let reader = ocr::MrzReader::new().expect("embedded model");
    let (mut frames, mut single_exact) = (0, 0);
    let mut single_wrong_valid = Vec::new();
    // Per order (forward, reverse): documents read exactly, and the wrong reports.
    let mut tracked = [0usize; 2];
    let mut wrong: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    let docs = truth["documents"].as_array().expect("documents");
    for doc in docs {
        let expected = expected_lines(doc);
        let read = read_frames(&reader, &dir, doc, &expected);
        frames += read.len();
        for f in &read {
            let Some(r) = &f.reading else { continue };
            single_exact += usize::from(r.lines == expected);
            if r.valid && r.lines != expected {
                single_wrong_valid.push(format!("{}: {:?}", f.file, r.lines));
            }
        }
        let outcomes = [
            track(read.iter(), &expected),
            track(read.iter().rev(), &expected),
        ];
        for (order, o) in outcomes.iter().enumerate() {
            eprintln!(
                "document {} ({}): tracker: {:?} after {} frames",
                doc["document"],
                ["forward", "reverse"][order],
                o.tracked,
                o.tracked_at
            );
            if o.tracked.as_ref() == Some(&expected) {
                tracked[order] += 1;
            }
            for (file, lines) in &o.wrong {
                wrong[order].push(format!("document {} at {file}: {lines:?}", doc["document"]));
            }
        }
    }
    eprintln!(
        "single frames exact: {single_exact}/{frames}; valid and wrong: {}",
        single_wrong_valid.len()
    );
    for (order, name) in ["forward", "reverse"].iter().enumerate() {
        eprintln!(
            "{name}: documents tracked exactly {}/{}; wrong reports {}",
            tracked[order],
            docs.len(),
            wrong[order].len()
        );
        for w in &wrong[order] {
            eprintln!("  wrong: {w}");
        }
    }
    assert!(
        single_wrong_valid.is_empty(),
        "single frames read valid and wrong: {single_wrong_valid:?}"
    );
    assert!(
        wrong.iter().all(Vec::is_empty),
        "the tracker reported a wrong MRZ: {wrong:?}"
    );
    assert_eq!(
        tracked[0],
        docs.len(),
        "the tracker must read every document (frames in order)"
    );
    assert!(
        single_exact * 2 < frames,
        "the sequences should defeat most single frames ({single_exact}/{frames} exact)"
    );
}
