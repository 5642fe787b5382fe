//! Unit tests of `ocr::frame`.

use super::*;

#[test]
fn frame_rejects_short_buffers_and_bad_strides() {
    assert!(matches!(
        LumaFrame::new(10, 10, 10, &[0; 99]),
        Err(OcrError::BufferTooShort { .. })
    ));
    assert!(matches!(
        LumaFrame::new(10, 10, 9, &[0; 100]),
        Err(OcrError::Stride { .. })
    ));
    assert!(matches!(
        LumaFrame::new(0, 10, 10, &[]),
        Err(OcrError::Dimensions { .. })
    ));
    assert!(LumaFrame::new(10, 10, 12, &[0; 118]).is_ok());
}

#[test]
fn binarize_marks_a_dark_square_on_light_paper() {
    let mut px = vec![200u8; 40 * 40];
    for y in 15..25 {
        for x in 15..18 {
            px[y * 40 + x] = 30;
        }
    }
    let f = LumaFrame::new(40, 40, 40, &px).unwrap();
    let m = binarize(&f, 8, 0.15, 10);
    assert!(m.ink[20 * 40 + 16]);
    assert!(!m.ink[5 * 40 + 5]);
    assert!(!m.ink[20 * 40 + 30]);
}

#[test]
fn downscale_averages() {
    let px = vec![10u8, 20, 30, 40];
    let f = LumaFrame::new(2, 2, 2, &px).unwrap();
    let d = downscale(&f, 2);
    assert_eq!(d.pixels, vec![25]);
}

#[test]
fn range_in_sees_ink_and_not_saturated_paper() {
    // Left half: a dark bar on paper; right half: paper clipped to white.
    let mut px = vec![255u8; 60 * 20];
    for y in 5..15 {
        for x in 12..16 {
            px[y * 60 + x] = 60;
        }
    }
    let f = LumaFrame::new(60, 20, 60, &px).unwrap();
    assert!(range_in(&f, (14.0, 10.0), (10.0, 0.0), (0.0, 10.0)) > 150.0);
    assert!(range_in(&f, (45.0, 10.0), (10.0, 0.0), (0.0, 10.0)) < 1.0);
}

/// Deterministic pseudo-random grey image with dark strokes, gradients and flat areas.
fn test_image(w: usize, h: usize, seed: u64) -> Vec<u8> {
    let mut next = crate::ocr::test_rng(seed | 1);
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let base = 120 + (x * 100 / w.max(1)) as i32 - (y * 60 / h.max(1)) as i32;
            let r = next();
            let v = if r.is_multiple_of(7) {
                base - 90
            } else {
                base + (r % 23) as i32 - 11
            };
            if (x / 5 + y / 9) % 11 == 0 {
                255
            } else {
                v.clamp(0, 255)
            }
        })
        .map(|v| v.clamp(0, 255) as u8)
        .collect()
}

/// The definition of [`binarize`], computed the slow way: each window summed pixel by pixel (from
/// per-column running sums), its mean by division, the two tests in floating point.
fn reference_binarize(
    f: &LumaFrame<'_>,
    radius: usize,
    relative: f32,
    min_contrast: u8,
) -> Vec<bool> {
    let (w, h) = (f.width(), f.height());
    let keep = 1.0 - relative;
    let mut out = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(radius), (y + radius + 1).min(h));
        // Column sums over the window's rows.
        let cols: Vec<u64> = (0..w)
            .map(|x| (y0..y1).map(|yy| u64::from(f.get(x, yy))).sum())
            .collect();
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let sum: u64 = cols[x0..x1].iter().sum();
            let mean = sum / ((y1 - y0) * (x1 - x0)) as u64;
            let p = u64::from(f.get(x, y));
            out[y * w + x] = (p as f32) < mean as f32 * keep && p + u64::from(min_contrast) <= mean;
        }
    }
    out
}

#[test]
fn binarize_matches_the_definition_exactly_with_either_sum_width() {
    for (w, h, seed) in [
        (1, 1, 1),
        (7, 3, 2),
        (40, 23, 3),
        (200, 97, 4),
        (33, 120, 5),
    ] {
        let px = test_image(w, h, seed);
        let f = LumaFrame::new(w, h, w, &px).unwrap();
        let table = Integral::new(&f);
        let wide = SumTable::<u64>::new(&f);
        for radius in [0, 1, 6, 8, 17, 40, 300] {
            for (rel, minc) in [
                (0.08, 8),
                (0.04, 4),
                (0.12, 12),
                (0.0, 0),
                (1.0, 0),
                (-0.5, 3),
            ] {
                let want = reference_binarize(&f, radius, rel, minc);
                let fast = table.binarize(&f, radius, rel, minc);
                assert_eq!(fast.ink, want, "{w}x{h} r{radius} {rel} {minc}");
                assert_eq!(binarize(&f, radius, rel, minc).ink, want);
                assert_eq!(wide.binarize(&f, radius, rel, minc).ink, want, "64-bit");
            }
        }
    }
}

#[test]
fn windows_either_side_of_the_float_mean_bound_match_the_definition() {
    // Radius 127: interior windows of 255² = 65 025 pixels, the largest the f32 mean path takes;
    // radius 128: 257² = 66 049, through the threshold table (its edge rows, fewer than 255, take
    // the f32 path). The left part is flat grey 140 with pairs 139, 141 side by side: a window
    // holding whole pairs has a sum of exactly 140 · count (an integer quotient, where the 139 is
    // ink at relative 0); the right part is random (quotients just short of integers too).
    let (w, h) = (300, 262);
    let mut px = test_image(w, h, 11);
    for (i, v) in px.iter_mut().enumerate() {
        let (x, y) = (i % w, i / w);
        if x < 280 {
            *v = match (x % 10, y % 7) {
                (3, 0) => 139,
                (4, 0) => 141,
                _ => 140,
            };
        }
    }
    let f = LumaFrame::new(w, h, w, &px).unwrap();
    let table = Integral::new(&f);
    for radius in [127, 128] {
        let span = 2 * radius + 1;
        assert_eq!(
            (span * span < FLOAT_MEAN_COUNT as usize),
            radius == 127,
            "the two radii straddle the bound"
        );
        for (rel, minc) in [(0.0, 0), (0.08, 8), (0.04, 4)] {
            let want = reference_binarize(&f, radius, rel, minc);
            let fast = table.binarize(&f, radius, rel, minc);
            assert_eq!(fast.ink, want, "r{radius} {rel} {minc}");
        }
    }
}

#[test]
fn huge_radii_take_the_wide_table_without_overflow() {
    // A window over 2^32 / 256 pixels needs the 64-bit sums; a radius near usize::MAX must not
    // overflow the window arithmetic either.
    let (w, h) = (4200, 4100);
    let px: Vec<u8> = (0..w * h)
        .map(|i| if i % 7 == 0 { 10 } else { 240 })
        .collect();
    let f = LumaFrame::new(w, h, w, &px).unwrap();
    let table = Integral::new(&f);
    for radius in [2100, usize::MAX] {
        let mask = table.binarize(&f, radius, 0.08, 8);
        assert_eq!(mask.ink.len(), w * h);
        // The window is the whole frame: mean ≈ 207, so the dark pixels are ink and the rest not.
        assert!(
            mask.ink
                .iter()
                .enumerate()
                .all(|(i, &ink)| ink == (i % 7 == 0))
        );
    }
}

#[test]
fn downscale_by_constant_factors_matches_the_general_path() {
    for (w, h) in [(1, 1), (5, 7), (64, 33), (130, 71)] {
        let px = test_image(w, h, 9);
        let f = LumaFrame::new(w, h, w, &px).unwrap();
        for factor in 1..=5 {
            let a = downscale(&f, factor);
            let b = downscale_any(&f, factor);
            assert_eq!(
                (a.width, a.height, &a.pixels),
                (b.width, b.height, &b.pixels)
            );
        }
    }
}

#[test]
fn luma_plane_agrees_with_image_to_luma8() {
    // 2¹⁸ colours spread over the RGB cube (every 4th level of each channel, offset per channel
    // so the extremes 0 and 255 occur), as one RGB image, and the same pixels with an alpha that
    // must be ignored.
    let levels = |offset: u32| (0..64u32).map(move |i| ((i * 4 + offset).min(255)) as u8);
    let mut rgb = Vec::with_capacity(3 << 18);
    for r in levels(0) {
        for g in levels(3) {
            for b in levels(1) {
                rgb.extend([r, g, b]);
            }
        }
    }
    let rgba: Vec<u8> = rgb
        .chunks_exact(3)
        .enumerate()
        .flat_map(|(i, p)| [p[0], p[1], p[2], (i * 37) as u8])
        .collect();
    let image =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_raw(512, 512, rgb).expect("rgb"));
    let theirs = image.to_luma8().into_raw();
    let ours = luma_plane(&image);
    assert_eq!(ours.len(), theirs.len());
    // The table reads give exactly the weighted sum multiplied out and rounded.
    let image_rgb = image.as_rgb8().expect("rgb").as_raw();
    for (luma, p) in ours.iter().zip(image_rgb.chunks_exact(3)) {
        let [r, g, b] = LUMA_WEIGHTS;
        let sum = r * u32::from(p[0]) + g * u32::from(p[1]) + b * u32::from(p[2]);
        assert_eq!(u32::from(*luma), (sum + (1 << 15)) >> 16, "{p:?}");
    }
    let mut off_by_one = 0;
    for (a, b) in ours.iter().zip(&theirs) {
        assert!(a.abs_diff(*b) <= 1, "{a} against {b}");
        off_by_one += usize::from(a != b);
    }
    // 1 786 of all 2²⁴ colours differ (0.011 %); allow a few times that rate on this sample.
    assert!(off_by_one * 2000 < theirs.len(), "{off_by_one} differ");
    let with_alpha =
        image::DynamicImage::ImageRgba8(image::RgbaImage::from_raw(512, 512, rgba).expect("rgba"));
    assert_eq!(luma_plane(&with_alpha), ours);
    // Greys map to themselves, and a grey image is borrowed as it is.
    let greys: Vec<u8> = (0..=255u8).flat_map(|v| [v, v, v]).collect();
    let grey_rgb =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_raw(256, 1, greys).expect("grey"));
    assert_eq!(
        &*luma_plane(&grey_rgb),
        (0..=255u8).collect::<Vec<_>>().as_slice()
    );
    let grey = image::DynamicImage::ImageLuma8(
        image::GrayImage::from_raw(256, 1, (0..=255u8).collect()).expect("luma"),
    );
    assert!(matches!(luma_plane(&grey), std::borrow::Cow::Borrowed(_)));
    // Any other pixel format goes through `to_luma8`.
    let wide = image::DynamicImage::ImageRgb16(image::ImageBuffer::from_pixel(
        3,
        2,
        image::Rgb([65_535u16, 0, 0]),
    ));
    assert_eq!(&*luma_plane(&wide), wide.to_luma8().as_raw().as_slice());
}
