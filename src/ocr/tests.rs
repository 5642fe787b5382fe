use super::*;
use proptest::prelude::*;

const CLEAN_TD3: &[u8] = include_bytes!("../../fixtures/ocr/td3_clean_000.jpg");

#[test]
fn truncated_and_corrupt_files_are_errors_not_panics() {
    for cut in [
        0,
        1,
        10,
        100,
        1000,
        CLEAN_TD3.len() / 2,
        CLEAN_TD3.len() - 1,
    ] {
        let truncated = &CLEAN_TD3[..cut];
        // Either a decode error, or (a JPEG decoder may pad a truncated scan) an image that reads without panicking.
        if let Ok(img) = decode_image(truncated) {
            let _ = read_mrz(&img);
        }
    }
    let mut flipped = CLEAN_TD3.to_vec();
    for i in (200..flipped.len()).step_by(97) {
        flipped[i] ^= 0x5A;
    }
    if let Ok(img) = decode_image(&flipped) {
        let _ = read_mrz(&img);
    }
    assert!(matches!(
        decode_image(b"not an image at all"),
        Err(OcrError::Decode(_))
    ));
}

#[test]
fn oversized_dimensions_are_rejected_before_allocation() {
    // A PNG header claiming 100000 x 100000 pixels (an image bomb): IHDR only, no data.
    let mut png = vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 0, 0, 0, 0]);
    png.extend_from_slice(&[0, 0, 0, 0]);
    assert!(decode_image(&png).is_err());
    assert!(matches!(
        read_luma(100_000, 10, 100_000, &[]),
        Err(OcrError::Dimensions { .. })
    ));
}

#[test]
fn a_blank_frame_has_no_mrz() {
    let px = vec![180u8; 1280 * 720];
    assert!(read_luma(1280, 720, 1280, &px).unwrap().is_none());
}

#[test]
fn reads_a_clean_fixture_exactly() {
    // fixtures/ocr/truth.json, td3_clean_000.jpg
    let truth: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/ocr/truth.json")).unwrap();
    let item = truth["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == "td3_clean_000.jpg")
        .unwrap();
    let expected: Vec<String> = item["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    let reading = read_mrz(&decode_image(CLEAN_TD3).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(reading.lines, expected);
    assert!(reading.valid);
    assert_eq!(reading.format, MrzFormat::Td3);
    assert_eq!(reading.candidates.len(), 2);
    assert!(
        reading
            .candidates
            .iter()
            .all(|row| row.len() == 44 && row.iter().all(|alts| !alts.is_empty()))
    );
}

#[test]
fn glare_over_a_visa_lines_end_is_not_a_valid_shorter_visa() {
    // `make_ocr_fixtures --glare-sequence --seed 2`, doc03_f04: an MRV-A visa whose columns
    // 35..43 of both lines the glare washed out. Its first 36 characters pass every MRV-B check.
    let bytes = include_bytes!("../../fixtures/ocr-glare-end/mrva_glare_end.jpg");
    let reading = read_mrz(&decode_image(bytes).unwrap()).unwrap();
    assert!(
        reading.as_ref().is_none_or(|r| !r.valid),
        "{:?}",
        reading.map(|r| (r.format, r.lines))
    );
}

#[test]
fn a_visa_whose_line_ends_glare_hid_never_reads_as_a_valid_mrv_b() {
    // Fresh glare sequences (`make_ocr_fixtures --glare-sequence DIR --docs 5 --seed S`,
    // `--frames 5` or 8), document 3: MRV-A visas whose columns 36.. a glare faded or washed
    // out, each of which read as a valid MRV-B (the first 36 columns, confidence > 0.97)
    // before the cells past the 36th were judged: they hold faded ink or a glare gradient.
    let frames: [(&str, &[u8]); 4] = [
        (
            "seed 5, frame 4 of 5",
            include_bytes!("../../fixtures/ocr-glare-end/mrva_glare_end_seed5_f04.jpg"),
        ),
        (
            "seed 6, frame 4 of 5",
            include_bytes!("../../fixtures/ocr-glare-end/mrva_glare_end_seed6_f04.jpg"),
        ),
        (
            "seed 2, frame 7 of 8",
            include_bytes!("../../fixtures/ocr-glare-end/mrva_glare_end_seed2_8f_f07.jpg"),
        ),
        (
            "seed 5, frame 7 of 8",
            include_bytes!("../../fixtures/ocr-glare-end/mrva_glare_end_seed5_8f_f07.jpg"),
        ),
    ];
    let mut read_short = 0;
    for (name, bytes) in frames {
        let reading = read_mrz(&decode_image(bytes).unwrap()).unwrap();
        assert!(
            reading
                .as_ref()
                .is_none_or(|r| !r.valid || r.format == MrzFormat::MrvA),
            "{name}: {:?}",
            reading.map(|r| (r.format, r.lines, r.confidence))
        );
        // Read as the shorter visa, the reading says its lines may run on (the tracker then
        // never lets such frames alone decide the format).
        if let Some(r) = reading.filter(|r| r.format == MrzFormat::MrvB) {
            assert!(r.may_continue, "{name}: {:?}", r.lines);
            read_short += 1;
        }
    }
    assert!(read_short > 0, "the frames still read as the shorter visa");
}

#[test]
fn the_document_letter_is_the_first_letter_or_filler_alternative() {
    // The class of the first position is letters and filler: a digit listed first gives way
    // to the first letter after it, as correction picks it.
    assert!(document_letter(&[('1', 0.6), ('I', 0.3)], 3, 30));
    assert!(document_letter(&[('P', 0.99)], 2, 44));
    assert!(document_letter(
        &[('0', 0.5), ('8', 0.2), ('V', 0.1)],
        2,
        36
    ));
    // A filler or a letter no document code starts with, even ahead of a code letter.
    assert!(!document_letter(&[('<', 0.9), ('P', 0.1)], 2, 44));
    assert!(!document_letter(&[('K', 0.6), ('A', 0.3)], 3, 30));
    // No letter or filler at all: the first alternative stands.
    assert!(!document_letter(&[('0', 0.9), ('8', 0.1)], 2, 44));
    assert!(!document_letter(&[], 2, 44));
}

#[test]
fn each_shape_opens_with_its_own_document_code_letters() {
    // ICAO 9303: TD3 `P` and MRV-A `V` (2 × 44), TD2 `A`/`C`/`I` and MRV-B `V` (2 × 36),
    // TD1 `A`/`C`/`I` (3 × 30).
    let opening = |lines: usize, chars: usize| -> String {
        ('A'..='Z')
            .filter(|&c| is_document_code_letter(c, lines, chars))
            .collect()
    };
    assert_eq!(opening(2, 44), "PV");
    assert_eq!(opening(2, 36), "ACIV");
    assert_eq!(opening(3, 30), "ACI");
    assert_eq!(opening(3, 36), "");
    assert_eq!(opening(1, 44), "");
    assert!(!is_document_code_letter('<', 2, 44));
    // A letter of another shape's codes, first alternative or not, does not open.
    assert!(!document_letter(&[('I', 0.9), ('P', 0.05)], 2, 44));
    assert!(!document_letter(&[('P', 0.9)], 2, 36));
    assert!(!document_letter(&[('V', 0.9)], 3, 30));
}

/// `lines` moved along themselves by `pitches` of their own pitch.
fn moved_along(lines: &[locate::TextLine], pitches: f32) -> Vec<locate::TextLine> {
    lines
        .iter()
        .map(|l| {
            let len = l.length();
            let d = (
                (l.end.0 - l.start.0) / len * pitches * l.pitch,
                (l.end.1 - l.start.1) / len * pitches * l.pitch,
            );
            let mut out = *l;
            out.start = (l.start.0 + d.0, l.start.1 + d.1);
            out.end = (l.end.0 + d.0, l.end.1 + d.1);
            out
        })
        .collect()
}

#[test]
fn every_committed_fixture_opens_with_a_letter_of_its_shape() {
    // The generator draws the document codes of each format on its own (`P…` for TD3, `I…`,
    // `A…`, `C…` for TD1 and TD2, `V…` for visas): every truth MRZ opens its own shape.
    let truth: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/ocr/truth.json")).unwrap();
    let mut checked = 0;
    for item in truth["images"].as_array().unwrap() {
        let Some(lines) = item["lines"].as_array() else {
            continue;
        };
        let first = lines[0].as_str().unwrap().chars().next().unwrap();
        let chars = lines[0].as_str().unwrap().chars().count();
        assert!(
            is_document_code_letter(first, lines.len(), chars),
            "{}: {first} on {} × {chars}",
            item["file"],
            lines.len()
        );
        // A passport's letter opens no card-sized shape, a card's no passport-sized one.
        let others: &[(usize, usize)] = match first {
            'P' => &[(2, 36), (3, 30)],
            'A' | 'C' | 'I' => &[(2, 44)],
            _ => &[(3, 30)],
        };
        for &(l, c) in others {
            assert!(!is_document_code_letter(first, l, c), "{}", item["file"]);
        }
        checked += 1;
    }
    assert_eq!(checked, 300);
}

#[test]
fn a_reading_opening_with_another_shapes_letter_is_hopeless() {
    // A sure reading of fillers whose first character is `first`: only the document code letter
    // decides.
    let text = |first: char, lines: usize, chars: usize| -> Vec<Vec<char>> {
        (0..lines)
            .map(|l| {
                (0..chars)
                    .map(|c| if l == 0 && c == 0 { first } else { '<' })
                    .collect()
            })
            .collect()
    };
    let sure = |lines: usize, chars: usize| vec![vec![0.99f32; chars]; lines];
    let hopeless_with =
        |first, lines, chars| hopeless(&text(first, lines, chars), &sure(lines, chars), 0);
    assert!(!hopeless_with('P', 2, 44));
    assert!(!hopeless_with('V', 2, 44));
    assert!(hopeless_with('I', 2, 44));
    assert!(!hopeless_with('I', 2, 36));
    assert!(hopeless_with('P', 2, 36));
    assert!(!hopeless_with('C', 3, 30));
    assert!(hopeless_with('V', 3, 30));
    assert!(hopeless_with('K', 2, 44));
}

#[test]
fn a_line_set_opening_with_no_document_letter_is_not_read() {
    // The clean TD3 (`P<NLDORNDE…`) with its lines moved along themselves by whole pitches:
    // by one, a shift trial still brings the `P` into the first cell, so the lines are read
    // in full; by five, the first cell and its neighbours hold `R`, `N`, `D` and the read is
    // left before the full classification.
    let img = decode_image(CLEAN_TD3).unwrap().to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let frame = LumaFrame::new(w, h, w, img.as_raw()).unwrap();
    let reader = MrzReader::new().unwrap();
    let lines = mrz_line_candidates(&frame).unwrap().remove(0);
    let moved = |pitches: f32| moved_along(&lines, pitches);
    assert!(
        reader
            .read_layout(&frame, &moved(0.0), 44)
            .is_some_and(|r| r.valid)
    );
    assert!(reader.read_layout(&frame, &moved(1.0), 44).is_some());
    assert!(reader.read_layout(&frame, &moved(5.0), 44).is_none());
}

#[test]
fn the_opener_check_keeps_an_mrz_ends_a_shifted_one_and_reuses_its_alignments() {
    // The clean TD3's lines moved along themselves as above: unmoved and by one pitch either
    // way a `P` is in reach, by five it is not (`R`, `N`, `D` there). The grid built on the
    // check's alignments is exactly the one `MrzGrid::new` builds.
    let img = decode_image(CLEAN_TD3).unwrap().to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let frame = LumaFrame::new(w, h, w, img.as_raw()).unwrap();
    let reader = MrzReader::new().unwrap();
    let lines = mrz_line_candidates(&frame).unwrap().remove(0);
    let moved = |pitches: f32| moved_along(&lines, pitches);
    for pitches in [0.0, -1.0, 1.0] {
        let lines = moved(pitches);
        let (options, known) = reader
            .may_open(&frame, &lines, 44)
            .unwrap_or_else(|| panic!("moved by {pitches}: the P is in reach"));
        assert!(known.iter().flatten().any(Option::is_some));
        let reused = MrzGrid::build(&frame, &lines, 44, options, &known).unwrap();
        let fresh = MrzGrid::new(&frame, &lines, 44).unwrap();
        assert_eq!(format!("{reused:?}"), format!("{fresh:?}"));
    }
    assert!(reader.may_open(&frame, &moved(5.0), 44).is_none());
    assert!(reader.may_open(&frame, &moved(-5.0), 44).is_none());
}

#[test]
fn a_filler_read_in_a_date_is_not_valid() {
    // `make_ocr_fixtures --glare-sequence DIR --frames 5 --docs 5 --seed 6`, doc04_f02: an MRV-B
    // whose birth-date digit `0` under the glare read as `<`, which its check digit counts as 0.
    let bytes = include_bytes!("../../fixtures/ocr-glare-end/mrvb_glare_date_seed6_f02.jpg");
    let truth = [
        "VDISLORN<<BER<<<<<<<<<<<<<<<<<<<<<<<",
        "7273891151NLD6407070M350307483678342",
    ];
    let reading = read_mrz(&decode_image(bytes).unwrap()).unwrap();
    assert!(
        reading
            .as_ref()
            .is_none_or(|r| !r.valid || r.lines == truth),
        "{:?}",
        reading.map(|r| r.lines)
    );
    // The same on the TD1 specimen: an expiry `0` read surely as `<`.
    let mut rows = sure_rows(&TD1);
    rows[1][10] = vec![('<', 0.98), ('0', 0.01)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert!(!r.valid || r.lines == TD1, "{:?}", r.lines);
}

#[test]
fn a_visa_cut_by_the_frame_edge_is_not_valid() {
    // The frame ends after 36 of an MRV-A's 44 columns: whatever is read, never a valid MRV-B.
    let img = decode_image(include_bytes!("../../fixtures/ocr/mrva_clean_000.jpg"))
        .unwrap()
        .to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let frame = LumaFrame::new(w, h, w, img.as_raw()).unwrap();
    let lines = mrz_line_candidates(&frame).unwrap().remove(0);
    let grid = MrzGrid::new(&frame, &lines, 44).unwrap();
    let cut = grid.homography.apply(36.1, 0.5).0.max(1.0) as usize;
    let cropped = frame.crop(0, 0, cut.min(w), h).unwrap();
    let reading = MrzReader::new().unwrap().read_frame(&cropped).unwrap();
    assert!(reading.is_none_or(|r| !r.valid || r.format == MrzFormat::MrvA));
}

#[test]
fn characters_washed_out_to_white_never_read_valid() {
    // Saturate six characters in the middle of the second line to white, as a glare core does.
    let img = decode_image(CLEAN_TD3).unwrap().to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let frame = LumaFrame::new(w, h, w, img.as_raw()).unwrap();
    let lines = mrz_line_candidates(&frame).unwrap().remove(0);
    let grid = MrzGrid::new(&frame, &lines, 44).unwrap();
    assert_eq!(grid.blank_cells(&frame), 0);
    let mut px = img.as_raw().clone();
    for col in 20..26 {
        let c = grid.homography.apply(col as f32 + 0.5, 1.0);
        for y in (c.1 as usize).saturating_sub(16)..(c.1 as usize + 16).min(h) {
            for x in (c.0 as usize).saturating_sub(12)..(c.0 as usize + 12).min(w) {
                px[y * w + x] = 255;
            }
        }
    }
    let washed = LumaFrame::new(w, h, w, &px).unwrap();
    assert!(
        MrzGrid::new(&washed, &lines, 44)
            .unwrap()
            .blank_cells(&washed)
            >= 6
    );
    let reading = read_luma(w, h, w, &px).unwrap();
    assert!(reading.is_none_or(|r| !r.valid));
}

#[test]
fn veiled_characters_are_faint_not_blank() {
    // A glare veil over five characters of the second line: their ink keeps a tenth of its
    // contrast against the paper (pixel → 235 + (pixel − 235) / 10), not blank, but faint.
    let img = decode_image(CLEAN_TD3).unwrap().to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let frame = LumaFrame::new(w, h, w, img.as_raw()).unwrap();
    let lines = mrz_line_candidates(&frame).unwrap().remove(0);
    let grid = MrzGrid::new(&frame, &lines, 44).unwrap();
    assert_eq!(grid.blank_and_faint(&frame), (Vec::new(), Vec::new()));
    let mut px = img.as_raw().clone();
    let (a, b) = (
        grid.homography.apply(9.9, 1.0),
        grid.homography.apply(15.1, 1.0),
    );
    for y in (a.1 as usize).saturating_sub(16)..(b.1 as usize + 16).min(h) {
        for x in a.0 as usize..(b.0 as usize).min(w) {
            let v = f32::from(px[y * w + x]);
            px[y * w + x] = (235.0 + (v - 235.0) / 10.0).round() as u8;
        }
    }
    let veiled = LumaFrame::new(w, h, w, &px).unwrap();
    let (blank, faint) = grid.blank_and_faint(&veiled);
    assert!(blank.is_empty(), "{blank:?}");
    assert_eq!(faint, (10..15).map(|c| (1, c)).collect::<Vec<_>>());
}

/// Two lines of 30 pitches (10 px) from `x0`, at y 300 and 320, in a 1280×720 frame of grey paper.
fn short_lines(x0: f32) -> Vec<locate::TextLine> {
    [300.0f32, 320.0]
        .iter()
        .map(|&y| locate::TextLine {
            start: (x0, y),
            end: (x0 + 297.0, y),
            height: 10.0,
            blobs: 30,
            pitch: 10.0,
            pitch_ratio: None,
            word_gaps: 0,
        })
        .collect()
}

#[test]
fn lines_run_on_only_into_glare_or_past_the_frame_edge() {
    let (w, h) = (1280usize, 720usize);
    let lines = short_lines(400.0);
    // Plain paper past both ends: a short line of text, not a hidden MRZ.
    let paper = vec![200u8; w * h];
    let frame = LumaFrame::new(w, h, w, &paper).unwrap();
    assert!(hidden_end_layouts(&frame, &lines).is_empty());
    // Glare clipped to white just before the lines' start: run on there, to 36 characters
    // (the 44-character format would hide 14, more than MAX_HIDDEN_CHARS).
    let mut glare = paper.clone();
    for y in 280..340 {
        for x in 330..398 {
            glare[y * w + x] = 255;
        }
    }
    let frame = LumaFrame::new(w, h, w, &glare).unwrap();
    let got = hidden_end_layouts(&frame, &lines);
    assert_eq!(got.len(), 1);
    let (run_on, chars) = &got[0];
    assert_eq!(*chars, 36);
    for (r, l) in run_on.iter().zip(&lines) {
        assert_eq!(r.end, l.end);
        assert!(
            (r.start.0 - (l.end.0 - 357.0)).abs() < 1e-3,
            "{:?}",
            r.start
        );
        assert!((r.start.1 - l.start.1).abs() < 1e-3);
    }
    // Lines starting at the frame's left edge run on past it; lines two blank cells from it
    // do not.
    assert!(
        hidden_end_layouts(
            &LumaFrame::new(w, h, w, &paper).unwrap(),
            &short_lines(25.0)
        )
        .is_empty()
    );
    let lines = short_lines(5.0);
    let frame = LumaFrame::new(w, h, w, &paper).unwrap();
    let got = hidden_end_layouts(&frame, &lines);
    assert_eq!(got.len(), 1);
    assert!(got[0].0[0].start.0 < 0.0);
    // One line is no MRZ: it never runs on.
    assert!(hidden_end_layouts(&LumaFrame::new(w, h, w, &glare).unwrap(), &lines[..1]).is_empty());
}

/// Two lines of `extent` pitches (pitch 10, 18 px apart), tilted by 0.1 rad, starting at x = 100.
fn tilted_lines(extent: f32) -> Vec<locate::TextLine> {
    let (c, s) = (0.1f32.cos(), 0.1f32.sin());
    let len = (extent - 0.3) * 10.0;
    [200.0f32, 218.0]
        .iter()
        .map(|&y| locate::TextLine {
            start: (100.0, y),
            end: (100.0 + c * len, y + s * len),
            height: 10.0,
            blobs: 44,
            pitch: 10.0,
            pitch_ratio: None,
            word_gaps: 0,
        })
        .collect()
}

#[test]
fn overlong_lines_are_cut_back_to_44_characters_at_either_end() {
    // 47.6 pitches: too long for any format, by less than MAX_STRAY_CHARS.
    let lines = tilted_lines(47.6);
    assert!(char_count_options(&lines).is_empty());
    let got = overlong_layouts(&lines);
    assert_eq!(got.len(), 2);
    let full = 43.7 * 10.0;
    for ((cut, chars), at_start) in got.iter().zip([true, false]) {
        assert_eq!(*chars, 44);
        for (c, l) in cut.iter().zip(&lines) {
            assert!((c.length() - full).abs() < 1e-2, "{c:?}");
            // The kept end stays, the direction too.
            let kept = if at_start {
                (c.end, l.end)
            } else {
                (c.start, l.start)
            };
            assert_eq!(kept.0, kept.1);
            let dir = |t: &locate::TextLine| ((t.end.1 - t.start.1) / (t.end.0 - t.start.0)).atan();
            assert!((dir(c) - 0.1).abs() < 1e-4);
        }
        assert_eq!(char_count_options(cut), vec![44]);
    }
    // Within the range (read as they are), or longer than a stray explains, or one line: none.
    assert!(overlong_layouts(&tilted_lines(46.5)).is_empty());
    assert!(overlong_layouts(&tilted_lines(48.5)).is_empty());
    assert!(overlong_layouts(&tilted_lines(47.6)[..1]).is_empty());
}

#[test]
fn an_mrz_whose_lines_run_into_the_document_edge_is_cut_back_and_read() {
    // With gamma 0.8 the search chains a fragment of the document's edge onto the start of both
    // lines of this MRV-A: 47.4 pitches, which no format reads. Cut back to 44 it reads exactly.
    let img = decode_image(include_bytes!("../../fixtures/ocr/mrva_phone_018.jpg")).unwrap();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let luma: Vec<u8> = frame::luma_plane(&img)
        .iter()
        .map(|&v| (255.0 * (f32::from(v) / 255.0).powf(0.8)).round() as u8)
        .collect();
    let frame = LumaFrame::new(w, h, w, &luma).unwrap();
    let candidates = mrz_line_candidates(&frame).unwrap();
    assert!(
        candidates
            .first()
            .is_some_and(|c| char_count_options(c).is_empty() && !overlong_layouts(c).is_empty()),
        "{candidates:?}"
    );
    let got = MrzReader::new()
        .unwrap()
        .read_frame(&frame)
        .unwrap()
        .unwrap();
    assert!(got.valid);
    assert_eq!(
        got.lines,
        [
            "V<POLJOH<<NOR<TORBJ<<<<<<<<<<<<<<<<<<<<<<<<<",
            "Q3R3365951NLD2107246<7401112<<<<<<<<<<<<<<<<"
        ]
    );
}

#[test]
fn raw_luma_with_padding_stride_reads_like_the_image() {
    let img = decode_image(CLEAN_TD3).unwrap().to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let stride = w + 64;
    let mut buf = vec![0u8; stride * h];
    for y in 0..h {
        buf[y * stride..y * stride + w].copy_from_slice(&img.as_raw()[y * w..(y + 1) * w]);
    }
    let a = read_luma(w, h, stride, &buf).unwrap().map(|r| r.lines);
    let b = read_luma(w, h, w, img.as_raw()).unwrap().map(|r| r.lines);
    assert!(a.is_some());
    assert_eq!(a, b);
}

/// Ranked alternatives for `lines` as a sure classifier would give them (0.98, then `<`/`0`).
fn sure_rows(lines: &[&str]) -> Vec<Vec<Vec<Alternative>>> {
    lines
        .iter()
        .map(|l| {
            l.chars()
                .map(|c| vec![(c, 0.98), (if c == '<' { '0' } else { '<' }, 0.01)])
                .collect()
        })
        .collect()
}

// ICAO 9303 Part 5, Appendix A: the TD1 specimen of Utopia.
const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

#[test]
fn class_violations_count_cells_whose_best_alternative_is_not_the_fields_character() {
    use layout::CharClass::{Alpha, Digit};
    // A digit field takes the best digit once letter look-alikes count for theirs: a violation
    // is a best alternative other than that digit, the look-alike `O` included (the field
    // reads `0`, but the classifier saw a letter), and an allowed digit that the folded
    // look-alikes outweigh.
    assert!(!class_violation(&[('0', 0.9), ('O', 0.1)], Digit));
    assert!(class_violation(&[('O', 0.9), ('5', 0.05)], Digit));
    assert!(class_violation(&[('K', 0.9), ('7', 0.1)], Digit));
    assert!(class_violation(
        &[('1', 0.4), ('O', 0.35), ('0', 0.25)],
        Digit
    ));
    // A letters field: a digit read there is one (no folding into letters), a filler is not.
    assert!(class_violation(&[('0', 0.9), ('O', 0.1)], Alpha));
    assert!(!class_violation(&[('<', 0.9), ('K', 0.1)], Alpha));
    // `correct` reports as many as were planted in the TD1 specimen: a `K` in the birth date,
    // a `7` in the surname, an `O` for the `0` of the expiry date.
    let mut rows = sure_rows(&TD1);
    rows[1][3] = vec![('K', 0.9), ('8', 0.05)];
    rows[2][1] = vec![('7', 0.9), ('R', 0.05)];
    rows[1][10] = vec![('O', 0.9), ('0', 0.05)];
    assert_eq!(correct(MrzFormat::Td1, rows, false).class_violations, 3);
    assert_eq!(
        correct(MrzFormat::Td1, sure_rows(&TD1), false).class_violations,
        0
    );
}

#[test]
fn a_sure_specimen_is_valid() {
    let r = correct(MrzFormat::Td1, sure_rows(&TD1), false);
    assert_eq!(r.lines, TD1);
    assert!(r.valid);
}

#[test]
fn a_letter_read_in_a_digit_field_stands_for_its_look_alike() {
    // The birth date's `0` read as `O` (0.9), the only digit listed a `5` (0.03): the date
    // holds the `0`, not the `5` that a check-digit repair would then have to compensate.
    let mut rows = sure_rows(&TD1);
    rows[1][2] = vec![('O', 0.9), ('G', 0.05), ('5', 0.03)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(r.lines, TD1);
    assert_eq!(r.checks, (4, 4));
    // The field type settles the shape and the check digit the value: valid.
    assert!(r.valid);
    assert!(r.min_confidence >= 0.9, "{}", r.min_confidence);
}

#[test]
fn a_look_alike_counts_only_in_a_digit_field() {
    // The surname's `O` read as `0` (0.97): the name field takes the `O`, but no check digit
    // covers names, so the letter keeps the classifier's own 0.02 and the reading is not valid.
    let mut rows = sure_rows(&TD1);
    rows[2][6] = vec![('0', 0.97), ('O', 0.02)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(r.lines, TD1);
    assert_eq!(r.checks, (4, 4));
    assert!(!r.valid);
}

#[test]
fn a_digit_read_in_a_known_code_counts_for_its_letter() {
    // "UTO" with its `O` read as `0` (0.97): the lexicon settles the code, and the `0`'s
    // probability counts for the `O` (it alone would fail the 0.2 floor).
    let mut rows = sure_rows(&TD1);
    rows[0][4] = vec![('0', 0.97), ('O', 0.02)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(r.lines, TD1);
    assert!(r.valid);
}

#[test]
fn unsure_characters_whose_alternatives_also_pass_every_check_digit_are_not_valid() {
    // The document number `D23145890`: its `D` (13) read as `F` (15) and its `2` as `4`, both
    // unsure. At weights 7 and 3 the sum changes by 2 · 7 + 2 · 3 = 20, and the number opens the
    // composite too: every check digit holds for `F4` and for the true `D2` alike.
    // The premise, checked by an independent implementation (the `mrz` crate): the specimen with
    // `F4`, `D4` or `F2` in place of `D2`, and with `O`/`Z` for them.
    let with_number_start = |start: &str| -> bool {
        let line = format!("{}{start}{}", &TD1[0][..5], &TD1[0][7..]);
        ::mrz::parse_td1(&line, TD1[1], TD1[2]).is_ok_and(|m| m.valid())
    };
    assert!(with_number_start("D2"));
    assert!(with_number_start("F4"));
    assert!(!with_number_start("D4") && !with_number_start("F2"));
    assert!(!with_number_start("O2") && !with_number_start("DZ") && !with_number_start("OZ"));
    let mut rows = sure_rows(&TD1);
    rows[0][5] = vec![('F', 0.40), ('D', 0.35), ('E', 0.10)];
    rows[0][6] = vec![('4', 0.42), ('2', 0.38)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(&r.lines[0][5..7], "F4");
    assert_eq!(r.checks, (4, 4));
    assert!(!r.valid);
    // Read right, with the same alternatives: the check digits cannot tell either, so not valid.
    let mut rows = sure_rows(&TD1);
    rows[0][5] = vec![('D', 0.40), ('F', 0.35)];
    rows[0][6] = vec![('2', 0.45), ('4', 0.40)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(r.lines, TD1);
    assert!(!r.valid);
    // Alternatives the check digits rule out (`O` for the `D`: 11 · 7; `Z` for the `2`: 33 · 3;
    // both: 176): the reading is the only one that holds, valid.
    let mut rows = sure_rows(&TD1);
    rows[0][5] = vec![('D', 0.40), ('O', 0.35)];
    rows[0][6] = vec![('2', 0.45), ('Z', 0.35)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(r.lines, TD1);
    assert!(r.valid);
    // One unsure character whose alternative's value differs by 10: the document number's last
    // `0` with `A` next (weight 1 in the number and in the composite) passes every check digit too.
    let a_for_0 = format!("{}A{}", &TD1[0][..13], &TD1[0][14..]);
    assert!(::mrz::parse_td1(&a_for_0, TD1[1], TD1[2]).is_ok_and(|m| m.valid()));
    let mut rows = sure_rows(&TD1);
    rows[0][13] = vec![('0', 0.45), ('A', 0.40)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(r.lines, TD1);
    assert!(!r.valid);
    // More unsure covered characters than the gate tries combinations for: not valid, whatever
    // their alternatives (here none at all). Eight are tried, and with no alternative they vouch.
    let unsure_digits = |n: usize| {
        let mut rows = sure_rows(&TD1);
        // The birth date and expiry digits (line 2, columns 0–5 and 8–13).
        for &c in [0usize, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13].iter().take(n) {
            let ch = TD1[1].as_bytes()[c] as char;
            rows[1][c] = vec![(ch, 0.45)];
        }
        correct(MrzFormat::Td1, rows, false)
    };
    let r = unsure_digits(MAX_VOUCHED_GUESSES);
    assert_eq!(r.lines, TD1);
    assert!(r.valid);
    let r = unsure_digits(MAX_VOUCHED_GUESSES + 1);
    assert_eq!(r.lines, TD1);
    assert!(!r.valid);
}

#[test]
fn an_erased_nationality_is_not_valid() {
    // Glare erased "UTO": the classifier reads "TO<" with confidence. No check digit covers the
    // nationality, so every check still holds; the lexicon must refuse it.
    let mut rows = sure_rows(&TD1);
    for (k, c) in ['T', 'O', '<'].into_iter().enumerate() {
        rows[1][15 + k] = vec![(c, 0.97), ('D', 0.01)];
    }
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(r.checks, (4, 4));
    assert!(!r.valid, "{:?}", r.lines);
    assert_eq!(
        &r.lines[1][15..18],
        "TO<",
        "no close code: the field stays as read"
    );
}

#[test]
fn the_lexicon_corrects_a_code_to_the_nearest_known_one() {
    // "UTO" read with the `T` unsure between I and T: "UIO" is no code, "UTO" is.
    let mut rows = sure_rows(&TD1);
    rows[0][3] = vec![('I', 0.55), ('T', 0.40), ('1', 0.05)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(&r.lines[0][2..5], "UTO");
    assert!(r.valid);
    // A shifted issuing state ("<UT") matches no code closely: not valid.
    let mut rows = sure_rows(&TD1);
    for (k, c) in ['<', 'U', 'T'].into_iter().enumerate() {
        rows[0][2 + k] = vec![(c, 0.97), ('O', 0.02)];
    }
    assert!(!correct(MrzFormat::Td1, rows, false).valid);
}

#[test]
fn an_unsure_name_letter_is_not_valid() {
    // Names are covered by no check digit: a letter at 0.6 against 0.4 fails closed.
    let mut rows = sure_rows(&TD1);
    rows[2][0] = vec![('E', 0.6), ('F', 0.4)];
    let r = correct(MrzFormat::Td1, rows.clone(), false);
    assert_eq!(r.checks, (4, 4));
    assert!(!r.valid);
    // A digit alternative is settled by the field type: `O` (0.45) against `0` (0.55) in a name.
    rows[2][0] = vec![('E', 0.98)];
    rows[2][3] = vec![('0', 0.55), ('K', 0.45)];
    let r = correct(MrzFormat::Td1, rows, false);
    assert_eq!(&r.lines[2][..8], "ERIKSSON");
    assert!(r.valid);
}

#[test]
fn a_bad_sex_or_document_code_is_not_valid() {
    let mut rows = sure_rows(&TD1);
    rows[0][0] = vec![('B', 0.99)];
    assert!(!correct(MrzFormat::Td1, rows, false).valid);
    let mut rows = sure_rows(&TD1);
    rows[1][7] = vec![('F', 0.5), ('M', 0.5)];
    assert!(!correct(MrzFormat::Td1, rows, false).valid);
}

/// `n` horizontal lines `pitches` pitches long (pitch 10 px), 20 px apart.
fn lines_of(n: usize, pitches: f32) -> Vec<locate::TextLine> {
    (0..n)
        .map(|i| locate::TextLine {
            start: (50.0, 100.0 + 20.0 * i as f32),
            end: (50.0 + 10.0 * pitches, 100.0 + 20.0 * i as f32),
            height: 11.0,
            blobs: pitches as usize,
            pitch: 10.0,
            pitch_ratio: None,
            word_gaps: 0,
        })
        .collect()
}

#[test]
fn character_counts_follow_the_extent_and_text_lines_get_none() {
    // Full lines (N − 0.3 pitches of ink).
    assert_eq!(char_count_options(&lines_of(3, 29.7)), vec![30]);
    assert_eq!(char_count_options(&lines_of(2, 35.7)), vec![36]);
    assert_eq!(char_count_options(&lines_of(2, 43.7)), vec![44]);
    // In between, both, the nearer first.
    assert_eq!(char_count_options(&lines_of(2, 38.9)), vec![36, 44]);
    assert_eq!(char_count_options(&lines_of(2, 40.9)), vec![44, 36]);
    // Glare-shortened lines are still tried.
    assert_eq!(char_count_options(&lines_of(3, 25.0)), vec![30]);
    assert_eq!(char_count_options(&lines_of(2, 31.0)), vec![36]);
    // Far too short or too long for any format (lines of ordinary text): nothing to read.
    assert!(char_count_options(&lines_of(3, 36.0)).is_empty());
    assert!(char_count_options(&lines_of(3, 20.0)).is_empty());
    assert!(char_count_options(&lines_of(2, 25.0)).is_empty());
    assert!(char_count_options(&lines_of(2, 50.0)).is_empty());
    // The longest line decides.
    let mut mixed = lines_of(2, 30.0);
    mixed[1].end.0 = 50.0 + 10.0 * 43.7;
    assert_eq!(char_count_options(&mixed), vec![44]);
}

#[test]
fn tracker_reports_after_agreeing_frames() {
    let reading = read_mrz(&decode_image(CLEAN_TD3).unwrap())
        .unwrap()
        .unwrap();
    let mut tracker = MrzTracker::new(2);
    assert!(reading.valid);
    // One frame is never enough with `min_frames` 2, however sure.
    assert!(tracker.push(&reading).is_none());
    let second = tracker.push(&reading).expect("two agreeing valid frames");
    assert_eq!(second.lines, reading.lines);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn read_luma_never_panics(w in 1usize..200, h in 1usize..120, pad in 0usize..8, seed in any::<u64>()) {
        let stride = w + pad;
        let mut state = seed;
        let data: Vec<u8> = (0..stride * h).map(|_| { state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (state >> 56) as u8 }).collect();
        let _ = read_luma(w, h, stride, &data);
        let _ = read_luma(w, h, stride, &data[..data.len() / 2]);
    }

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_image(&bytes);
    }
}

#[test]
fn close_lines_whose_end_points_overstate_the_perspective_are_read() {
    // This TD2 is seen at a slant: its glyphs' pitch grows about 1.22 times along the lines, but
    // the lines' end points imply 1.59 (their spacing at the right end is 1.26 times the left's).
    // The grid of the end points' homography misses the middle of each line by more than a
    // pitch; the lines' measured pitch ratio widens the alignment's search to where the glyphs are.
    let img = decode_image(include_bytes!("../../fixtures/ocr/td2_phone_022.jpg")).unwrap();
    let got = read_mrz(&img).unwrap().unwrap();
    assert!(got.valid);
    assert_eq!(
        got.lines,
        [
            "IDNLDORNDALBER<<GEAN<RIND<<<<<<<<<<<",
            "4764477230FRA0501013M8002147<<<<<<<0"
        ]
    );
}

/// The committed set's densest text page as a luma plane: width, height, pixels.
fn dense_text_page() -> (usize, usize, Vec<u8>) {
    let img = decode_image(include_bytes!(
        "../../fixtures/ocr/negative_text_page_016.jpg"
    ))
    .unwrap();
    let (w, h) = (img.width() as usize, img.height() as usize);
    (w, h, frame::luma_plane(&img).into_owned())
}

#[test]
fn line_sets_of_ordinary_text_are_no_candidates() {
    // The committed set's densest text page: lines of words whose lengths fit an MRZ format.
    let (w, h, luma) = dense_text_page();
    let frame = LumaFrame::new(w, h, w, &luma).unwrap();
    // The search stage's lines, as `candidates_in` finds them before grouping.
    let small = frame::downscale(&frame, search_factor(&frame));
    let sf = small.as_frame().unwrap();
    let bin = Binarization::NORMAL;
    let mask = frame::Integral::new(&sf).binarize(&sf, 8, bin.relative, bin.min_contrast);
    let lines = locate::find_lines(&locate::blobs(&mask, 80), 8);
    let wordy = |l: &locate::TextLine| l.word_gaps > MAX_WORD_GAPS;
    let groups = locate::group_mrz(&lines);
    assert!(
        groups.iter().take(3).any(|g| g.lines.iter().any(wordy)),
        "{groups:?}"
    );
    for pass in [Binarization::NORMAL, Binarization::SENSITIVE] {
        for set in mrz_line_candidates_with(&frame, pass).unwrap() {
            assert!(!set.iter().any(wordy), "{set:?}");
        }
    }
    assert!(
        MrzReader::new()
            .unwrap()
            .read_frame(&frame)
            .unwrap()
            .is_none()
    );
}

#[test]
fn the_window_test_gives_up_only_on_reads_the_whole_lines_give_up() {
    // On the densest committed text page, every line set that could be read: where the cells of
    // the checked fields, sampled in windows, already hold too many class violations, the first
    // read of the whole lines holds them too. No glare there, so each window cell is exactly the
    // whole line's.
    let (w, h, luma) = dense_text_page();
    let frame = LumaFrame::new(w, h, w, &luma).unwrap();
    let reader = MrzReader::new().unwrap();
    let (mut far_reads, mut windows) = (0, 0);
    for pass in [Binarization::NORMAL, Binarization::SENSITIVE] {
        for lines in mrz_line_candidates_with(&frame, pass).unwrap() {
            for chars in char_count_options(&lines) {
                let Some(grid) = MrzGrid::new(&frame, &lines, chars) else {
                    continue;
                };
                let mut cells = Vec::new();
                for line in 0..lines.len() {
                    grid.sample(&frame, line, 0.0, (0.0, 0.0), &mut cells);
                }
                for upside_down in [false, true] {
                    let mut reads = Vec::new();
                    let far = reader.far_in_windows(&frame, &grid, chars, upside_down, &mut reads);
                    for r in &reads {
                        let whole = cells.get(r.index * CELL_LEN..(r.index + 1) * CELL_LEN);
                        assert_eq!(whole, Some(&r.cell[..]), "cell {}", r.index);
                        windows += 1;
                    }
                    if far {
                        far_reads += 1;
                        let mut memo = CellMemo::new(cells.len() / CELL_LEN, upside_down);
                        assert!(reader.far_first_read(&cells, &mut memo, lines.len(), chars));
                    }
                }
            }
        }
    }
    assert!(far_reads > 0 && windows > 0, "{far_reads} {windows}");
}

#[test]
fn the_window_test_leaves_an_mrz_after_a_few_digits() {
    // The clean TD3 upright: the first four cells judged, its birth date's, read as digits, so
    // the test leaves the read to the whole lines after one window.
    let img = decode_image(CLEAN_TD3).unwrap().to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let frame = LumaFrame::new(w, h, w, img.as_raw()).unwrap();
    let reader = MrzReader::new().unwrap();
    let lines = mrz_line_candidates(&frame).unwrap().remove(0);
    let grid = MrzGrid::new(&frame, &lines, 44).unwrap();
    let mut reads = Vec::new();
    assert!(!reader.far_in_windows(&frame, &grid, 44, false, &mut reads));
    assert_eq!(reads.len(), FIRST_LOOK);
    let chars: String = reads
        .iter()
        .filter_map(|r| r.alts.first().map(|a| a.0))
        .collect();
    assert!(chars.chars().all(|c| c.is_ascii_digit()), "{chars}");
}
