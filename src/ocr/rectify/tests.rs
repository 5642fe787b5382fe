//! Unit tests of `ocr::rectify`.

use super::*;

#[test]
fn homography_maps_the_corners() {
    let src = [(0.0, 0.0), (10.0, 0.0), (10.0, 1.0), (0.0, 1.0)];
    let dst = [(100.0, 50.0), (400.0, 60.0), (390.0, 120.0), (105.0, 110.0)];
    let h = Homography::from_points(src, dst).unwrap();
    for (s, d) in src.iter().zip(dst.iter()) {
        let p = h.apply(s.0, s.1);
        assert!(
            (p.0 - d.0).abs() < 1e-2 && (p.1 - d.1).abs() < 1e-2,
            "{p:?} vs {d:?}"
        );
    }
}

#[test]
fn degenerate_points_give_none() {
    let p = [(0.0, 0.0); 4];
    assert!(Homography::from_points(p, p).is_none());
}

#[test]
fn rotating_cells_twice_is_identity() {
    let cells: Vec<f32> = (0..CELL_LEN * 3).map(|i| i as f32).collect();
    assert_eq!(rotate_cells_180(&rotate_cells_180(&cells)), cells);
}

#[test]
fn least_squares_fit_recovers_a_projective_map() {
    let truth = Homography([12.0, 0.8, 300.0, -2.5, 14.0, 420.0, 0.004, -0.02, 1.0]);
    let mut src = Vec::new();
    let mut dst = Vec::new();
    for j in 0..2 {
        for i in 0..=8 {
            let p = (i as f32 * 5.5, j as f32);
            src.push(p);
            dst.push(truth.apply(p.0, p.1));
        }
    }
    let h = Homography::fit(&src, &dst).unwrap();
    for (x, y) in [(0.0, 0.5), (22.0, 0.0), (44.0, 1.0), (30.0, 0.3)] {
        let (a, b) = (h.apply(x, y), truth.apply(x, y));
        assert!(
            (a.0 - b.0).abs() < 0.05 && (a.1 - b.1).abs() < 0.05,
            "{a:?} vs {b:?}"
        );
    }
    // Collinear or too few points give no map.
    assert!(Homography::fit(&src[..3], &dst[..3]).is_none());
    let line: Vec<(f32, f32)> = (0..6).map(|i| (i as f32, 0.0)).collect();
    assert!(Homography::fit(&line, &line).is_none());
}

#[test]
fn alignment_boundaries_bow_between_fixed_ends() {
    let a = LineAlignment {
        offset: 0.25,
        stretch: 0.02,
        bow: 0.4,
    };
    assert!((a.boundary(0.0, 44) - 0.25).abs() < 1e-5);
    assert!((a.boundary(44.0, 44) - (0.25 + 44.0 * 1.02)).abs() < 1e-4);
    // The middle moves by −bow relative to the straight grid.
    assert!((a.boundary(22.0, 44) - (0.25 + 22.0 * 1.02 - 0.4)).abs() < 1e-4);
    // The local pitch is the derivative: shorter at the start, longer at the end for a positive bow.
    assert!((a.pitch_at(0.0, 44) - (1.02 - 1.6 / 44.0)).abs() < 1e-5);
    assert!((a.pitch_at(44.0, 44) - (1.02 + 1.6 / 44.0)).abs() < 1e-5);
}

/// A synthetic line of `chars` dark bars on white whose cell boundary `i` sits at image x
/// `x0 + f(i)`: each bar fills the middle 60 % of its cell.
fn bars(chars: usize, f: impl Fn(f32) -> f32) -> (Vec<u8>, usize, usize) {
    let (w, h) = (40 + f(chars as f32) as usize + 40, 60);
    let mut px = vec![230u8; w * h];
    for i in 0..chars {
        let (a, b) = (f(i as f32), f(i as f32 + 1.0));
        let (l, r) = (40.0 + a + 0.2 * (b - a), 40.0 + a + 0.8 * (b - a));
        for y in 20..40 {
            for x in (l.ceil() as usize)..(r.floor() as usize).min(w) {
                px[y * w + x] = 30;
            }
        }
    }
    (px, w, h)
}

#[test]
fn align_line_follows_a_pitch_that_changes_along_the_line() {
    // Pitch grows from 10.5 to 11.5 px along 44 cells (a perspective view), while the homography
    // assumes a uniform 11 px pitch: the middle of the line sits half a pitch left of a uniform grid.
    let chars = 44;
    let pitch = 11.0;
    let f = |i: f32| pitch * (i - 0.5 * 4.0 * i * (44.0 - i) / (44.0 * 44.0));
    let (px, w, h) = bars(chars, f);
    let frame = LumaFrame::new(w, h, w, &px).unwrap();
    let hm = Homography([pitch, 0.0, 40.0, 0.0, 20.0, 30.0, 0.0, 0.0, 1.0]);
    let a = align_line(&frame, &hm, 0, chars, 0.0);
    for i in [1usize, 11, 22, 33, 43] {
        let found = 40.0 + a.boundary(i as f32, chars) * pitch;
        let want = 40.0 + f(i as f32);
        assert!(
            (found - want).abs() < 0.15 * pitch,
            "boundary {i}: {found} vs {want} ({a:?})"
        );
    }
    assert!((a.bow - 0.5).abs() < 0.15, "{a:?}");
    assert!(a.offset.abs() < 0.15 && a.stretch.abs() < 0.01, "{a:?}");
    // The same bars seen through a homography that is off by a third of a pitch are still found.
    let shifted = Homography([
        pitch,
        0.0,
        40.0 - pitch / 3.0,
        0.0,
        20.0,
        30.0,
        0.0,
        0.0,
        1.0,
    ]);
    let b = align_line(&frame, &shifted, 0, chars, 0.0);
    assert!((b.offset - 1.0 / 3.0).abs() < 0.15, "{b:?}");
}

/// Bars whose pitch changes along the line so much that a uniform grid misses the middle by
/// `bow` pitches (a homography that got the perspective wrong), through a uniform homography.
fn strongly_bowed_bars(chars: usize, pitch: f32, bow: f32) -> (Vec<u8>, usize, usize, Homography) {
    let n = chars as f32;
    let (px, w, h) = bars(chars, |i| pitch * (i - bow * 4.0 * i * (n - i) / (n * n)));
    (
        px,
        w,
        h,
        Homography([pitch, 0.0, 40.0, 0.0, 20.0, 30.0, 0.0, 0.0, 1.0]),
    )
}

#[test]
fn an_expected_bow_lets_align_line_follow_a_perspective_the_homography_missed() {
    let (chars, pitch, bow) = (36, 12.0, 1.2);
    let (px, w, h, hm) = strongly_bowed_bars(chars, pitch, bow);
    let frame = LumaFrame::new(w, h, w, &px).unwrap();
    let n = chars as f32;
    let f = |i: f32| pitch * (i - bow * 4.0 * i * (n - i) / (n * n));
    let a = align_line(&frame, &hm, 0, chars, 1.1);
    for i in 1..chars {
        let found = a.boundary(i as f32, chars) * pitch;
        assert!(
            (found - f(i as f32)).abs() < 0.15 * pitch,
            "boundary {i}: {found} vs {} ({a:?})",
            f(i as f32)
        );
    }
    assert!((a.bow - bow).abs() < 0.1, "{a:?}");
    // Without it the coarse range (±0.4) leaves the middle of the line most of a pitch off.
    let plain = align_line(&frame, &hm, 0, chars, 0.0);
    assert!(plain.bow < 0.8, "{plain:?}");
    // Out-of-range expectations are bounded, not a panic or an endless lattice.
    for wild in [f32::NAN, f32::INFINITY, -1e30, 1e9] {
        let a = align_line(&frame, &hm, 0, chars, wild);
        assert!(a.bow.abs() <= MAX_EXPECTED_BOW + 0.6, "{wild}: {a:?}");
    }
}

#[test]
fn the_first_fine_fit_keeps_the_coarse_bow() {
    // A coarse start on the right bowed grid: the first refit (offset and pitch only) must fit
    // around that bow, not straighten the grid (then the second finds too few marks in its window).
    let (chars, pitch, bow) = (36, 12.0, 1.2);
    let (px, w, h, hm) = strongly_bowed_bars(chars, pitch, bow);
    let frame = LumaFrame::new(w, h, w, &px).unwrap();
    let profile = GapProfile::new(&frame, &hm, 0, chars);
    let start = LineAlignment {
        offset: 0.1,
        stretch: 0.0,
        bow: 1.2,
    };
    let a = fine_alignment(&profile, chars, start, 1.8);
    assert!((a.bow - bow).abs() < 0.1, "{a:?}");
    assert!(a.offset.abs() < 0.1 && a.stretch.abs() < 0.005, "{a:?}");
}

#[test]
fn expected_bow_moves_the_perspective_of_close_lines_to_the_measured_pitch_ratio() {
    // The two TD2 lines of `fixtures/ocr/td2_phone_022.jpg` as the locator finds them. Their end
    // points make the right end's line spacing 1.26 times the left's, so the homography makes
    // the pitch grow 1.59 times along the lines; the glyphs' own pitch grows about 1.22 times
    // (ratios 1.093 and 1.122 between the lines' halves). The bow that cancels the difference
    // (ln 1.59 − ln 1.22 = 0.26, times 36/8): about −1.2 pitches.
    let mut lines = [
        text_line((419.4, 568.6), (902.7, 437.3)),
        text_line((425.1, 586.6), (908.9, 460.4)),
    ];
    lines[0].pitch_ratio = Some(1.093);
    lines[1].pitch_ratio = Some(1.122);
    let h = mrz_homography(&lines, 36).unwrap();
    for line in 0..2 {
        let bow = expected_bow(&h, &lines, line, 36);
        assert!((-1.3..=-1.05).contains(&bow), "{bow}");
    }
    // Glyphs whose pitch agrees with the homography's: nothing to widen.
    let agree = 1.59f32.sqrt();
    lines.iter_mut().for_each(|l| l.pitch_ratio = Some(agree));
    assert_eq!(expected_bow(&h, &lines, 0, 36), 0.0);
    // Nothing measured: nothing expected.
    lines.iter_mut().for_each(|l| l.pitch_ratio = None);
    assert_eq!(expected_bow(&h, &lines, 0, 36), 0.0);
    // Far more perspective than any view has: at most MAX_EXPECTED_BOW.
    lines.iter_mut().for_each(|l| l.pitch_ratio = Some(0.5));
    assert_eq!(expected_bow(&h, &lines, 0, 36), -MAX_EXPECTED_BOW);
}

fn text_line(start: (f32, f32), end: (f32, f32)) -> TextLine {
    TextLine {
        start,
        end,
        height: 11.0,
        blobs: 44,
        pitch: 11.0,
        pitch_ratio: None,
        word_gaps: 0,
    }
}

#[test]
fn disagreeing_line_ends_give_a_second_homography() {
    let top = text_line((100.0, 100.0), (583.0, 100.0));
    let bottom = text_line((100.0, 120.0), (583.0, 120.0));
    assert_eq!(mrz_homography_options(&[top, bottom], 44).len(), 1);
    // A stray blob three pitches beyond the bottom line's end.
    let long = text_line((100.0, 120.0), (616.0, 120.0));
    let options = mrz_homography_options(&[top, long], 44);
    assert_eq!(options.len(), 2);
    // Union: the top line's grid reaches the long end; intersection: both end at the short end.
    let (u, i) = (options[0].apply(44.0, 0.0), options[1].apply(44.0, 1.0));
    assert!((u.0 - 616.0).abs() < 2.0, "{u:?}");
    assert!((i.0 - 583.0).abs() < 2.0, "{i:?}");
}

#[test]
fn grid_contrast_prefers_the_grid_on_the_gaps() {
    let chars = 30;
    let pitch = 11.0;
    let (px, w, h) = bars(chars, |i| pitch * i);
    let frame = LumaFrame::new(w, h, w, &px).unwrap();
    let hm = Homography([pitch, 0.0, 40.0, 0.0, 20.0, 30.0, 0.0, 0.0, 1.0]);
    let on = grid_contrast(&frame, &hm, 0, chars, &LineAlignment::default());
    let half = LineAlignment {
        offset: 0.5,
        ..LineAlignment::default()
    };
    let off = grid_contrast(&frame, &hm, 0, chars, &half);
    assert!(on < 0.5 && off > 1.5, "on {on}, off {off}");
}

#[test]
fn realign_line_corrects_a_small_residual_only() {
    let chars = 36;
    let pitch = 12.0;
    let (px, w, h) = bars(chars, |i| pitch * i);
    let frame = LumaFrame::new(w, h, w, &px).unwrap();
    // A homography a fifth of a pitch off: the fine stage alone finds the gaps again.
    let hm = Homography([
        pitch,
        0.0,
        40.0 - pitch / 5.0,
        0.0,
        20.0,
        30.0,
        0.0,
        0.0,
        1.0,
    ]);
    let a = realign_line(&frame, &hm, 0, chars);
    assert!((a.offset - 0.2).abs() < 0.1, "{a:?}");
    assert!(a.stretch.abs() < 0.01 && a.bow.abs() < 0.1, "{a:?}");
}

#[test]
fn two_ranks_agree_with_a_full_sort() {
    let mut next = crate::ocr::test_rng(0x2545_f491_4f6c_dd1d);
    for len in [1usize, 2, 3, 17, 280, 1000] {
        for _ in 0..20 {
            // Few distinct values, so ties are common.
            let v: Vec<f32> = (0..len)
                .map(|_| (next() % 23) as f32 * 11.5 - 40.0)
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f32::total_cmp);
            for (lo, hi) in [
                (0, 0),
                (len / 50, len * 9 / 10),
                (len / 100, len * 19 / 20),
                (0, len - 1),
            ] {
                assert_eq!(
                    two_ranks(&v, lo, hi),
                    (sorted[lo], sorted[hi]),
                    "len {len} ranks {lo} {hi}"
                );
            }
        }
    }
    // Every pair of ranks within 40 of the ends, against the sort.
    for len in [1usize, 5, 33, 64, 280] {
        let v: Vec<f32> = (0..len).map(|_| (next() % 29) as f32 * 3.25).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f32::total_cmp);
        for lo in 0..len.min(40) {
            for from_top in 0..len.min(40) {
                let hi = (len - 1 - from_top).max(lo);
                assert_eq!(
                    two_ranks(&v, lo, hi),
                    (sorted[lo], sorted[hi]),
                    "len {len} ranks {lo} {hi}"
                );
            }
        }
    }
    assert_eq!(two_ranks(&[], 0, 3), (0.0, 0.0));
    // Ranks past the end are clamped to the last value.
    assert_eq!(two_ranks(&[3.0, 1.0, 2.0], 5, 9), (3.0, 3.0));
}

#[test]
fn total_order_keys_order_as_total_cmp_and_turn_back_exactly() {
    let values = [
        f32::NEG_INFINITY,
        -1e30,
        -255.0,
        -1.5,
        -f32::MIN_POSITIVE,
        -0.0,
        0.0,
        1e-45,
        0.5,
        127.25,
        255.0,
        f32::INFINITY,
        f32::NAN,
        -f32::NAN,
    ];
    for &a in &values {
        assert_eq!(
            from_total_order_key(total_order_key(a)).to_bits(),
            a.to_bits(),
            "{a}"
        );
        for &b in &values {
            assert_eq!(
                total_order_key(a).cmp(&total_order_key(b)),
                a.total_cmp(&b),
                "{a} {b}"
            );
        }
    }
}

/// The coarse search as a plain exhaustive loop over the lattice, every sum in full: bows of
/// −0.4 to 0.4, then those of `centre` ± 1 step beyond that range.
fn coarse_alignment_exhaustive(profile: &GapProfile, chars: usize, centre: i32) -> LineAlignment {
    let n = chars as f32;
    let comb = |a: &LineAlignment| -> f32 {
        (1..chars)
            .map(|i| profile.at(a.boundary(i as f32, chars)))
            .sum()
    };
    let mut best = (f32::INFINITY, LineAlignment::default());
    let ds = 0.25 / n.max(1.0);
    let s_steps = (0.05 / ds).ceil() as i32;
    let mut bows: Vec<i32> = (-2..=2).collect();
    bows.extend((centre - 1..=centre + 1).filter(|b| b.abs() > 2));
    for bi in bows {
        for si in -s_steps..=s_steps {
            let stretch = si as f32 * ds;
            for oi in -4i32..=4 {
                let a = LineAlignment {
                    offset: oi as f32 / 8.0 - stretch * n / 2.0,
                    stretch,
                    bow: bi as f32 * 0.2,
                };
                let v = comb(&a);
                if v < best.0 {
                    best = (v, a);
                }
            }
        }
    }
    best.1
}

#[test]
fn the_coarse_search_finds_the_exhaustive_optimum() {
    // Profiles of glyph-like ink with gaps at a pitch a little off the nominal one, noise, ties
    // (flat stretches) and empty ends. The search shares each boundary's interpolation between its
    // nine shifts, so its sums differ from `at`'s by rounding only; on these profiles the optimum
    // leads by more than that, and it must be the same lattice point, bit for bit (ties: the first).
    let mut bits = crate::ocr::test_rng(0x2545_f491_4f6c_dd1d);
    let mut next = move || (bits() >> 40) as f32 / (1u64 << 24) as f32;
    for case in 0..200 {
        let chars = [30usize, 36, 44][case % 3];
        let count = (chars + 2) * STEPS + 1;
        let pitch = 1.0 + (next() - 0.5) * 0.08;
        let phase = next();
        let values: Vec<f32> = (0..count)
            .map(|k| {
                let x = -1.0 + k as f32 / STEPS as f32;
                let t = ((x - phase * 0.4) / pitch).rem_euclid(1.0);
                let ink = if (0.2..0.8).contains(&t) { 600.0 } else { 40.0 };
                let flat = case % 7 == 0 && k % 5 != 0;
                if flat {
                    100.0
                } else {
                    ink * (0.7 + 0.6 * next())
                }
            })
            .collect();
        let profile = GapProfile { values };
        let centre = [0, 0, -6, 4, 3, -10][case % 6];
        let fast = coarse_alignment(&profile, chars, centre);
        let slow = coarse_alignment_exhaustive(&profile, chars, centre);
        assert_eq!(fast.offset.to_bits(), slow.offset.to_bits(), "case {case}");
        assert_eq!(
            fast.stretch.to_bits(),
            slow.stretch.to_bits(),
            "case {case}"
        );
        assert_eq!(fast.bow.to_bits(), slow.bow.to_bits(), "case {case}");
    }
}

#[test]
fn comb_sums_are_the_interpolated_ink_at_each_shift() {
    // Each of the nine sums is the ink `at` gives at every position moved by d/8 pitch
    // (d = -4..=4), up to float rounding; positions that are not numbers add nothing.
    let mut bits = crate::ocr::test_rng(0x9e37_79b9_7f4a_7c15);
    let mut next = move || (bits() >> 40) as f32 / (1u64 << 24) as f32;
    for case in 0..50 {
        let chars = [30usize, 36, 44][case % 3];
        let count = (chars + 2) * STEPS + 1;
        let values: Vec<f32> = (0..count).map(|_| 2000.0 * next()).collect();
        let profile = GapProfile { values };
        let mut xs: Vec<f32> = (1..chars)
            .map(|i| i as f32 + (next() - 0.5) * 0.9)
            .collect();
        if case % 5 == 0 {
            xs.push(f32::NAN);
        }
        let sums = profile.comb_sums(&xs);
        for (d, &sum) in (-SHIFTS..=SHIFTS).zip(&sums) {
            let want: f32 = xs
                .iter()
                .filter(|x| !x.is_nan())
                .map(|&x| profile.at(x + d as f32 / STEPS as f32))
                .sum();
            assert!(
                (sum - want).abs() <= want.abs() * 1e-5,
                "case {case} shift {d}: {sum} against {want}"
            );
        }
    }
}

#[test]
fn a_window_of_cells_reads_as_in_the_whole_line_away_from_its_edges() {
    // Bars of different darkness on even paper (no glare): a cell whose five-cell level window lies
    // inside the sampled range is normalised by the same levels as in the whole line, so it reads
    // bit for bit the same, and so does a line's end cell when the range reaches two cells in from
    // it; the range is clipped to the line.
    let chars = 20;
    let pitch = 11.0;
    let (mut px, w, h) = bars(chars, |i| pitch * i);
    for (i, v) in px.iter_mut().enumerate() {
        if *v == 30 {
            let cell = ((i % w) as f32 - 40.0) / pitch;
            *v = 30 + 8 * (cell as u8 % 5);
        }
    }
    let frame = LumaFrame::new(w, h, w, &px).unwrap();
    let hm = Homography([pitch, 0.0, 40.0, 0.0, 20.0, 30.0, 0.0, 0.0, 1.0]);
    let align = align_line(&frame, &hm, 0, chars, 0.0);
    let mut whole = Vec::new();
    sample_line(&frame, &hm, 0, chars, align, (0.0, 0.0), &mut whole);
    assert_eq!(whole.len(), chars * CELL_LEN);
    let mut part = Vec::new();
    sample_line_cells(&frame, &hm, 0, chars, align, (0.0, 0.0), 4..12, &mut part);
    assert_eq!(part.len(), 8 * CELL_LEN);
    for cell in 6..10 {
        let a = &whole[cell * CELL_LEN..(cell + 1) * CELL_LEN];
        let b = &part[(cell - 4) * CELL_LEN..(cell - 3) * CELL_LEN];
        assert_eq!(a, b, "cell {cell}");
        assert!(a.iter().any(|&v| v > 0.5), "cell {cell} holds ink");
    }
    let mut clipped = Vec::new();
    sample_line_cells(
        &frame,
        &hm,
        0,
        chars,
        align,
        (0.0, 0.0),
        17..25,
        &mut clipped,
    );
    assert_eq!(clipped.len(), 3 * CELL_LEN);
    // The line's last cell: its window is cut by the line's end either way.
    assert_eq!(clipped[2 * CELL_LEN..], whole[19 * CELL_LEN..]);
    let mut none = Vec::new();
    sample_line_cells(&frame, &hm, 0, chars, align, (0.0, 0.0), 30..40, &mut none);
    assert!(none.is_empty());
}
