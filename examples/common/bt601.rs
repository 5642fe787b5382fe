//! BT.601 luma of a decoded image for the evaluation examples: the Y plane a camera hands
//! `read_luma` (and a JPEG stores), where `read_mrz` computes Rec. 709 luma
//! (`ocr::frame::luma_plane`).

/// The BT.601 luma plane, `width` bytes per row (weights ×2¹⁶: 19 595, 38 470, 7 471, rounded to
/// nearest). From decoded RGB this is the JPEG's own Y plane up to rounding: it inverts the
/// decoder's YCbCr → RGB step.
pub fn luma(image: &image::DynamicImage) -> Vec<u8> {
    image
        .to_rgb8()
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            let sum = 19_595 * u32::from(p[0]) + 38_470 * u32::from(p[1]) + 7_471 * u32::from(p[2]);
            ((sum + (1 << 15)) >> 16) as u8
        })
        .collect()
}
