//! Unit tests of `ocr::locate`.

use super::*;

fn line(x0: f32, x1: f32, y: f32, pitch: f32) -> TextLine {
    TextLine {
        start: (x0, y),
        end: (x1, y),
        height: pitch,
        blobs: ((x1 - x0) / pitch) as usize,
        pitch,
    }
}

#[test]
fn common_extent_restores_a_line_shortened_by_glare() {
    // TD1: three lines of 30 characters at pitch 10; the last lost its final 9 glyphs.
    let full = (30.0 - EXTENT_SHORTFALL) * 10.0;
    let lines = [
        line(100.0, 100.0 + full, 50.0, 10.0),
        line(101.0, 100.0 + full, 70.0, 10.0),
        line(100.0, 100.0 + full - 90.0, 90.0, 10.0),
    ];
    let out = common_extent(&lines);
    assert_eq!(out.len(), 3);
    assert!((out[2].end.0 - (100.0 + full)).abs() < 1.0);
    // Lines already consistent keep their measured end points.
    assert_eq!(out[1].start, lines[1].start);
    assert_eq!(out[0].end, lines[0].end);
}

#[test]
fn common_extent_drops_a_stray_blob_chained_onto_two_lines() {
    // Two of three lines start 3 pitches early (a document edge chained on); the full-length window wins.
    let full = (30.0 - EXTENT_SHORTFALL) * 10.0;
    let lines = [
        line(70.0, 100.0 + full, 50.0, 10.0),
        line(100.0, 100.0 + full, 70.0, 10.0),
        line(70.0, 100.0 + full, 90.0, 10.0),
    ];
    let out = common_extent(&lines);
    for l in &out {
        assert!((l.start.0 - 100.0).abs() < 1.0, "{:?}", l.start);
    }
}

#[test]
fn common_extent_leaves_lines_alone_when_no_pair_fits_a_format() {
    // Two 25-pitch lines: neither 36 nor 44 characters; nothing to vouch for a longer extent.
    let lines = [line(0.0, 250.0, 0.0, 10.0), line(0.0, 240.0, 20.0, 10.0)];
    let out = common_extent(&lines);
    assert_eq!(out[0].end, lines[0].end);
    assert_eq!(out[1].end, lines[1].end);
}
