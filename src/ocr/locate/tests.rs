//! Unit tests of `ocr::locate`.

use super::*;

fn line(x0: f32, x1: f32, y: f32, pitch: f32) -> TextLine {
    TextLine {
        start: (x0, y),
        end: (x1, y),
        height: pitch,
        blobs: ((x1 - x0) / pitch) as usize,
        pitch,
        pitch_ratio: None,
        word_gaps: 0,
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

/// The pixel-by-pixel labelling `blobs` replaced, kept as the reference it must match exactly.
fn blobs_by_pixel(mask: &InkMask, max_side: u32) -> Vec<Blob> {
    let (w, h) = (mask.width, mask.height);
    let mut labels = vec![0u32; w * h];
    let mut parent: Vec<u32> = vec![0];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if !mask.ink[i] {
                continue;
            }
            let mut neigh = [0u32; 4];
            if x > 0 {
                neigh[0] = labels[i - 1];
            }
            if y > 0 {
                neigh[1] = labels[i - w];
                if x > 0 {
                    neigh[2] = labels[i - w - 1];
                }
                if x + 1 < w {
                    neigh[3] = labels[i - w + 1];
                }
            }
            let label = match neigh.iter().copied().find(|&l| l != 0) {
                Some(l) => {
                    for &n in &neigh {
                        if n != 0 && n != l {
                            union(&mut parent, l, n);
                        }
                    }
                    l
                }
                None => {
                    let l = parent.len() as u32;
                    parent.push(l);
                    l
                }
            };
            labels[i] = label;
        }
    }
    let mut root_index = vec![u32::MAX; parent.len()];
    let mut out: Vec<Blob> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let l = labels[y * w + x];
            if l == 0 {
                continue;
            }
            let r = find(&mut parent, l) as usize;
            if root_index[r] == u32::MAX {
                root_index[r] = out.len() as u32;
                out.push(Blob {
                    x0: x as u32,
                    y0: y as u32,
                    x1: x as u32,
                    y1: y as u32,
                    area: 0,
                });
            }
            let b = &mut out[root_index[r] as usize];
            b.x0 = b.x0.min(x as u32);
            b.x1 = b.x1.max(x as u32);
            b.y1 = y as u32;
            b.area += 1;
        }
    }
    out.retain(|b| b.x1 - b.x0 < max_side && b.y1 - b.y0 < max_side);
    out
}

#[test]
fn run_labelling_matches_pixel_labelling() {
    let mut next = crate::ocr::test_rng(0x9e37_79b9_7f4a_7c15);
    for (w, h, density) in [
        (1, 1, 2),
        (1, 9, 2),
        (9, 1, 2),
        (17, 13, 2),
        (64, 48, 3),
        (150, 90, 5),
        (150, 90, 2),
    ] {
        let ink: Vec<bool> = (0..w * h)
            .map(|i| {
                // Mix noise with diagonal strokes, so diagonal-only contacts occur.
                next().is_multiple_of(density) || ((i % w) + i / w) % 13 == 0
            })
            .collect();
        let mask = InkMask {
            width: w,
            height: h,
            ink,
        };
        for max_side in [3, 10, 1000] {
            let a = blobs(&mask, max_side);
            let b = blobs_by_pixel(&mask, max_side);
            let key = |v: &[Blob]| {
                v.iter()
                    .map(|b| (b.x0, b.y0, b.x1, b.y1, b.area))
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                key(&a),
                key(&b),
                "{w}x{h} density {density} max_side {max_side}"
            );
        }
    }
}

/// A glyph-sized blob of `h` × 0.7 `h` pixels centred at `(cx, cy)`.
fn glyph(cx: f32, cy: f32, h: f32) -> Blob {
    let (hw, hh) = (0.35 * h, 0.5 * h);
    Blob {
        x0: (cx - hw) as u32,
        y0: (cy - hh) as u32,
        x1: (cx + hw) as u32,
        y1: (cy + hh) as u32,
        area: (h * h * 0.4) as u32,
    }
}

#[test]
fn pieces_of_a_tilted_line_across_a_gap_are_joined() {
    // Rows of horizontal text make the dominant direction 0°; the MRZ-like line below runs at a
    // slope of −0.1 and a glare gap of 7 glyph heights splits it into two 15-glyph pieces. Across
    // the gap the pieces' ends differ by 0.7 heights across the dominant direction, but each piece
    // extrapolated along its own slope meets the other.
    let (h, pitch) = (10.0f32, 11.0f32);
    let mut blobs = Vec::new();
    for row in 0..4 {
        for i in 0..40 {
            blobs.push(glyph(40.0 + i as f32 * pitch, 30.0 + row as f32 * 25.0, h));
        }
    }
    let slope = -0.1f32;
    let gap = 7.0 * h;
    for i in 0..30 {
        let x = 40.0 + i as f32 * pitch + if i >= 15 { gap } else { 0.0 };
        blobs.push(glyph(x, 300.0 + slope * (x - 40.0), h));
    }
    let lines = find_lines(&blobs, 8);
    let tilted: Vec<&TextLine> = lines.iter().filter(|l| l.start.1 > 200.0).collect();
    assert_eq!(tilted.len(), 1, "{tilted:?}");
    assert_eq!(tilted[0].blobs, 30);
    let span = tilted[0].end.0 - tilted[0].start.0;
    assert!(
        (span - (29.0 * pitch + gap + 0.7 * h)).abs() < 3.0,
        "{span}"
    );
}

/// Every cell's entries from a reference map, in insertion order.
fn reference_cells(
    entries: &[((i32, i32), usize)],
) -> std::collections::HashMap<(i32, i32), Vec<usize>> {
    let mut map: std::collections::HashMap<(i32, i32), Vec<usize>> =
        std::collections::HashMap::new();
    for &(cell, item) in entries {
        map.entry(cell).or_default().push(item);
    }
    map
}

#[test]
fn the_cell_index_returns_each_cells_items_in_order_dense_or_sparse() {
    // A frame's worth of blobs in a small box (dense table), then the same plus two far-off cells
    // at the ends of the i32 range (the box is too big for a table: binary search).
    let mut next = crate::ocr::test_rng(0x2545_f491_4f6c_dd1d);
    let dense: Vec<((i32, i32), usize)> = (0..600)
        .map(|i| {
            let r = next();
            (((r % 40) as i32 - 5, ((r >> 20) % 25) as i32 - 3), i)
        })
        .collect();
    let mut sparse = dense.clone();
    sparse.push(((i32::MAX, i32::MIN), 600));
    sparse.push(((i32::MIN, i32::MAX), 601));
    sparse.push(((7, 7), 602));
    for (entries, expect_dense) in [(&dense, true), (&sparse, false)] {
        let reference = reference_cells(entries);
        let index = CellIndex::new(entries.clone());
        assert_eq!(index.dense.is_some(), expect_dense);
        for y in -8..30 {
            for x in -8..45 {
                let got: Vec<usize> = index.get((x, y)).iter().map(|&(_, i)| i).collect();
                let want = reference.get(&(x, y)).cloned().unwrap_or_default();
                assert_eq!(got, want, "cell ({x}, {y})");
            }
        }
        for cell in [
            (i32::MAX, i32::MIN),
            (i32::MIN, i32::MAX),
            (i32::MAX, i32::MAX),
        ] {
            let got: Vec<usize> = index.get(cell).iter().map(|&(_, i)| i).collect();
            assert_eq!(got, reference.get(&cell).cloned().unwrap_or_default());
        }
    }
    // No entries: every lookup is empty.
    assert!(CellIndex::new(Vec::new()).get((0, 0)).is_empty());
}

#[test]
fn a_blob_whose_neighbour_is_taken_does_not_skip_to_the_next_one() {
    // The first line of an MRV-B (`V<UTOHAUMO<<DAL<<<…`, pitch 5.2 px, 18° tilt) as the search
    // image of fixtures/ocr/mrvb_phone_017.jpg binarised it from BT.601 luma: the glyphs `AUMO`
    // and part of the line below merged into one tall blob (the 18 × 10 one) whose centre sits low.
    // That blob chains onto the second `<` after it, the `<` it passed over then chained onto the
    // next free one, two further on, and so did every `<` after it: two interleaved chains at twice
    // the pitch, which no MRZ grouping accepts.
    let boxes: [(u32, u32, u32, u32, u32); 32] = [
        (143, 256, 147, 261, 19),
        (149, 255, 152, 258, 12),
        (153, 253, 157, 258, 20),
        (158, 251, 161, 255, 13),
        (163, 248, 172, 254, 37),
        (174, 242, 191, 251, 70),
        (193, 240, 196, 243, 11),
        (198, 238, 201, 242, 13),
        (203, 237, 206, 241, 18),
        (208, 235, 211, 240, 17),
        (212, 234, 216, 238, 11),
        (218, 232, 221, 235, 12),
        (223, 230, 226, 234, 11),
        (228, 229, 231, 232, 11),
        (233, 227, 235, 231, 10),
        (237, 226, 240, 229, 12),
        (242, 224, 246, 227, 11),
        (247, 222, 250, 226, 12),
        (252, 221, 255, 224, 11),
        (257, 219, 260, 223, 11),
        (262, 217, 265, 221, 12),
        (267, 216, 270, 219, 12),
        (272, 214, 275, 218, 13),
        (277, 213, 280, 216, 11),
        (282, 211, 285, 215, 13),
        (287, 209, 290, 213, 13),
        (292, 207, 295, 211, 13),
        (296, 206, 299, 210, 12),
        (301, 204, 305, 208, 14),
        (306, 203, 309, 206, 10),
        (311, 201, 314, 205, 13),
        (316, 199, 320, 203, 15),
    ];
    let blobs: Vec<Blob> = boxes
        .iter()
        .map(|&(x0, y0, x1, y1, area)| Blob {
            x0,
            y0,
            x1,
            y1,
            area,
        })
        .collect();
    let lines = find_lines(&blobs, 8);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let l = &lines[0];
    assert!(l.blobs >= 30, "{l:?}");
    assert!((l.pitch - 5.2).abs() < 0.3, "{l:?}");
    assert!((l.length() - 188.0).abs() < 3.0, "{l:?}");
}

#[test]
fn lines_whose_opposite_ends_carry_strays_still_group() {
    // Pitch 5, 9 px apart. Something chained onto the first line's start (22 px = 4.4 pitches out)
    // and onto the second line's end (16 px = 3.2 pitches): neither the starts nor the ends lie
    // within three pitches, but the spans share 93 % of the shorter line.
    let stray = [line(-22.0, 218.0, 0.0, 5.0), line(0.0, 234.0, 9.0, 5.0)];
    let groups = group_mrz(&stray);
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].lines.len(), 2);
    // Both ends five pitches apart, 90 % shared or less: two lines of text, not one MRZ.
    let apart = [line(0.0, 240.0, 0.0, 5.0), line(25.0, 265.0, 9.0, 5.0)];
    assert!(group_mrz(&apart).is_empty());
}

#[test]
fn the_pitch_ratio_of_a_line_seen_in_perspective_is_measured() {
    // 40 glyphs whose pitch grows linearly from 10 to 14 px along the line (the near side of a
    // tilted document): the halves' median pitches sit near a quarter and three quarters along,
    // at 11 and 13 px. A line of even pitch measures no change, and a short one measures none.
    let glyphs = |count: usize, pitch_at: &dyn Fn(f32) -> f32| -> Vec<Blob> {
        let mut x = 40.0f32;
        (0..count)
            .map(|i| {
                let b = glyph(x, 60.0, 10.0);
                x += pitch_at(i as f32 / (count - 1) as f32);
                b
            })
            .collect()
    };
    let growing = find_lines(&glyphs(40, &|t| 10.0 + 4.0 * t), 8);
    assert_eq!(growing.len(), 1, "{growing:?}");
    let ratio = growing[0].pitch_ratio.expect("measured");
    assert!((ratio - 13.0 / 11.0).abs() < 0.04, "{ratio}");
    let even = find_lines(&glyphs(40, &|_| 11.0), 8);
    let ratio = even[0].pitch_ratio.expect("measured");
    assert!((ratio - 1.0).abs() < 0.03, "{ratio}");
    let short = find_lines(&glyphs(2 * MIN_HALF_STEPS, &|_| 11.0), 8);
    assert_eq!(short[0].pitch_ratio, None, "{short:?}");
}

#[test]
fn word_gaps_count_one_and_two_empty_cells_only() {
    // 44 cells of 11 px; cells 5, 16–17 and 38 hold no glyph (word spaces of one, two and one
    // character), cells 26–33 none either (a glare gap of eight). A full cell leaves 4 px between
    // glyphs (0.36 pitch); one empty cell 15 px (1.36), two 26 px (2.36), eight 92 px. The two
    // wider gaps split the chain; the pieces (of at least 8 glyphs each) are joined, the joints
    // counted like the gaps within a piece.
    let (h, pitch) = (10.0f32, 11.0f32);
    let empty = |i: usize| i == 5 || (16..=17).contains(&i) || (26..=33).contains(&i) || i == 38;
    let blobs: Vec<Blob> = (0..44)
        .filter(|&i| !empty(i))
        .map(|i| glyph(40.0 + i as f32 * pitch, 50.0, h))
        .collect();
    let lines = find_lines(&blobs, 8);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].blobs, 44 - 12);
    assert_eq!(lines[0].word_gaps, 3);
    // Every cell full: none.
    let full: Vec<Blob> = (0..44)
        .map(|i| glyph(40.0 + i as f32 * pitch, 50.0, h))
        .collect();
    assert_eq!(find_lines(&full, 8)[0].word_gaps, 0);
}
