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
