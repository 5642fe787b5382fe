//! Grey-level frames: borrowed camera buffers, owned downscaled copies, and local adaptive binarisation.

use super::OcrError;

/// Largest accepted frame side, in pixels (image-bomb guard).
pub const MAX_SIDE: usize = 16_384;
/// Largest accepted frame area, in pixels (image-bomb guard): 64 megapixels.
pub const MAX_PIXELS: usize = 64 * 1024 * 1024;

/// Refuses frames that are empty or over [`MAX_SIDE`]/[`MAX_PIXELS`] (image bombs), before any
/// pixel is touched or converted.
pub fn check_dimensions(width: usize, height: usize) -> Result<(), OcrError> {
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || width.saturating_mul(height) > MAX_PIXELS
    {
        return Err(OcrError::Dimensions { width, height });
    }
    Ok(())
}

/// Integer Rec. 709 luma weights (×2¹⁶, summing to 2¹⁶) for [`luma_plane`]: of all 2²⁴ 8-bit RGB
/// colours, 1 786 (0.011 %) get a grey level one off `image`'s `to_luma8` (which computes the
/// same weighted sum in `f32`), none more; greys map to themselves.
const LUMA_WEIGHTS: [u32; 3] = [13_936, 46_870, 4_730];

/// `weight · level` for every 8-bit level, plus `add`: one of [`LUMA_TABLES`].
const fn weighted_levels(weight: u32, add: u32) -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut level = 0;
    while level < 256 {
        table[level] = weight * level as u32 + add;
        level += 1;
    }
    table
}

/// [`LUMA_WEIGHTS`] times every level of red, green and blue, the rounding half (2¹⁵) folded into
/// blue's: a pixel's luma is the three entries' sum shifted right by 16 — the same integer as
/// multiplying out, in three table reads instead of three multiplications (about twice as fast on
/// interleaved RGB, which the compiler does not vectorise: 0.69–0.70 against 1.29–1.30 ms for a
/// 1280×720 frame, `cargo bench --bench ocr -- luma`, 2026-12-07). 3 KiB.
static LUMA_TABLES: [[u32; 256]; 3] = [
    weighted_levels(LUMA_WEIGHTS[0], 0),
    weighted_levels(LUMA_WEIGHTS[1], 0),
    weighted_levels(LUMA_WEIGHTS[2], 1 << 15),
];

/// The luma of the RGB pixels in `pixels`, `step` bytes apart (3: RGB, 4: RGBA, alpha ignored).
fn weigh_pixels(pixels: &[u8], step: usize) -> Vec<u8> {
    let [r, g, b] = &LUMA_TABLES;
    let mut out = vec![0u8; pixels.len() / step];
    for (luma, p) in out.iter_mut().zip(pixels.chunks_exact(step)) {
        if let [pr, pg, pb, ..] = *p {
            // At most 255 · 2¹⁶ + 2¹⁵ before the shift: the result fits a u8.
            let sum = r[usize::from(pr)] + g[usize::from(pg)] + b[usize::from(pb)];
            *luma = (sum >> 16) as u8;
        }
    }
    out
}

/// The 8-bit luma plane of a decoded image, `width` bytes per row, top row first: borrowed from
/// an 8-bit grey image; computed with `LUMA_WEIGHTS` for 8-bit RGB and RGBA (alpha ignored, as
/// `to_luma8` ignores it), about four times faster than `to_luma8` (0.69–0.70 against 2.76–2.90 ms
/// for a 1280×720 frame in the same criterion run, `luma_plane_rgb_720p` and
/// `image_to_luma8_rgb_720p` in `benches/ocr.rs`); any other pixel format through `to_luma8`.
///
/// The caller checks the dimensions first ([`check_dimensions`]).
pub fn luma_plane(image: &image::DynamicImage) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    match image {
        image::DynamicImage::ImageLuma8(grey) => Cow::Borrowed(grey.as_raw().as_slice()),
        image::DynamicImage::ImageRgb8(rgb) => Cow::Owned(weigh_pixels(rgb.as_raw(), 3)),
        image::DynamicImage::ImageRgba8(rgba) => Cow::Owned(weigh_pixels(rgba.as_raw(), 4)),
        other => Cow::Owned(other.to_luma8().into_raw()),
    }
}

/// Runs `read` on the luma frame of a decoded image ([`luma_plane`]), after [`check_dimensions`]:
/// the one way both readers' `read_image` turn an image into a frame.
pub fn read_decoded<T, E: From<OcrError>>(
    image: &image::DynamicImage,
    read: impl FnOnce(&LumaFrame<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    check_dimensions(w, h)?;
    let luma = luma_plane(image);
    read(&LumaFrame::new(w, h, w, &luma)?)
}

/// A borrowed 8-bit luma frame, as a camera pipeline hands it over (Y plane of NV21/YUV420, or grey).
///
/// Row `y` starts at `data[y * stride]`; only the first `width` bytes of each row are read.
#[derive(Clone, Copy, Debug)]
pub struct LumaFrame<'a> {
    width: usize,
    height: usize,
    stride: usize,
    data: &'a [u8],
}

impl<'a> LumaFrame<'a> {
    /// Wraps a luma buffer without copying. Fails when the buffer is too short for
    /// `stride * (height - 1) + width` bytes, when `stride < width`, or when the frame is empty
    /// or larger than [`MAX_SIDE`]/[`MAX_PIXELS`].
    pub fn new(
        width: usize,
        height: usize,
        stride: usize,
        data: &'a [u8],
    ) -> Result<Self, OcrError> {
        check_dimensions(width, height)?;
        if stride < width {
            return Err(OcrError::Stride { stride, width });
        }
        let needed = stride
            .checked_mul(height - 1)
            .and_then(|v| v.checked_add(width))
            .ok_or(OcrError::Dimensions { width, height })?;
        if data.len() < needed {
            return Err(OcrError::BufferTooShort {
                needed,
                actual: data.len(),
            });
        }
        Ok(LumaFrame {
            width,
            height,
            stride,
            data,
        })
    }

    /// Frame width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Frame height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Pixel at (x, y); 0 outside the frame.
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u8 {
        if x >= self.width {
            return 0;
        }
        self.data
            .get(y.wrapping_mul(self.stride).wrapping_add(x))
            .copied()
            .unwrap_or(0)
    }

    /// Row `y` (exactly `width` bytes), or an empty slice outside the frame.
    pub fn row(&self, y: usize) -> &'a [u8] {
        let start = y.saturating_mul(self.stride);
        self.data
            .get(start..start.saturating_add(self.width))
            .unwrap_or(&[])
    }

    /// Bilinear sample at sub-pixel (x, y), coordinates clamped to the frame.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let maxx = (self.width - 1) as f32;
        let maxy = (self.height - 1) as f32;
        let x = if x.is_finite() {
            x.clamp(0.0, maxx)
        } else {
            0.0
        };
        let y = if y.is_finite() {
            y.clamp(0.0, maxy)
        } else {
            0.0
        };
        // Finite and in 0..=max (far below 2^31): the conversion through `i32` is the same truncation
        // as `as usize`, with a cheaper instruction sequence.
        let x0 = x as i32 as usize;
        let y0 = y as i32 as usize;
        let fx = x - x0 as f32;
        let fy = y - y0 as f32;
        // The four neighbours as offsets from the first (the next column and row, or the same one
        // at the last column or row): one index computation per sample.
        let at = y0 * self.stride + x0;
        let right = usize::from(x0 + 1 < self.width);
        let down = if y0 + 1 < self.height { self.stride } else { 0 };
        let px = |i: usize| f32::from(self.data.get(i).copied().unwrap_or(0));
        let a = px(at);
        let b = px(at + right);
        let c = px(at + down);
        let d = px(at + down + right);
        (a + (b - a) * fx) * (1.0 - fy) + (c + (d - c) * fx) * fy
    }

    /// A view of the rectangle starting at (x, y), clipped to the frame; `None` when empty.
    pub fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> Option<LumaFrame<'a>> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let w = w.min(self.width - x);
        let h = h.min(self.height - y);
        if w == 0 || h == 0 {
            return None;
        }
        let start = y.checked_mul(self.stride)?.checked_add(x)?;
        let data = self.data.get(start..)?;
        LumaFrame::new(w, h, self.stride, data).ok()
    }
}

/// An owned grey image (tightly packed rows).
#[derive(Clone, Debug)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` bytes, row-major.
    pub pixels: Vec<u8>,
}

impl GrayImage {
    /// Borrows this image as a [`LumaFrame`].
    pub fn as_frame(&self) -> Result<LumaFrame<'_>, OcrError> {
        LumaFrame::new(self.width, self.height, self.width, &self.pixels)
    }
}

/// Box-filter downscale by an integer `factor` (≥ 1).
pub fn downscale(frame: &LumaFrame<'_>, factor: usize) -> GrayImage {
    // The common factors get their own copy with the block size known at compile time, so the
    // block sum and the division by the block area need no per-pixel loop or divide instruction.
    match factor.max(1) {
        1 => downscale_by::<1>(frame),
        2 => downscale_by::<2>(frame),
        3 => downscale_by::<3>(frame),
        4 => downscale_by::<4>(frame),
        f => downscale_any(frame, f),
    }
}

/// [`downscale`] for a block size fixed at compile time: each output row sums its `F` input rows
/// column-wise into 16-bit lanes (at most `F` · 255 each), then each group of `F` lanes, so the
/// loops run over fixed-size chunks the compiler can vectorise.
fn downscale_by<const F: usize>(frame: &LumaFrame<'_>) -> GrayImage {
    let w = (frame.width / F).max(1);
    let h = (frame.height / F).max(1);
    let mut pixels = vec![0u8; w * h];
    // Column sums of the block's rows, for the `w · F` columns the output covers.
    let mut cols = vec![0u16; w * F];
    let area = (F * F) as u32;
    for (oy, out_row) in pixels.chunks_exact_mut(w).enumerate() {
        for dy in 0..F {
            // A row narrower than one block (width < F) sums as zeros, as in `downscale_any`.
            let row = frame.row(oy * F + dy).get(..w * F).unwrap_or(&[]);
            if dy == 0 {
                cols.iter_mut()
                    .zip(row)
                    .for_each(|(c, &p)| *c = u16::from(p));
                cols.iter_mut().skip(row.len()).for_each(|c| *c = 0);
            } else {
                cols.iter_mut()
                    .zip(row)
                    .for_each(|(c, &p)| *c += u16::from(p));
            }
        }
        let (blocks, _) = cols.as_chunks::<F>();
        for (o, block) in out_row.iter_mut().zip(blocks) {
            let s: u32 = block.iter().map(|&c| u32::from(c)).sum();
            *o = (s / area).min(255) as u8;
        }
    }
    GrayImage {
        width: w,
        height: h,
        pixels,
    }
}

/// [`downscale`] for any block size.
fn downscale_any(frame: &LumaFrame<'_>, factor: usize) -> GrayImage {
    let w = (frame.width / factor).max(1);
    let h = (frame.height / factor).max(1);
    let mut pixels = vec![0u8; w * h];
    let mut acc = vec![0u32; w];
    let area = (factor * factor) as u32;
    for (oy, out_row) in pixels.chunks_exact_mut(w).enumerate() {
        acc.iter_mut().for_each(|a| *a = 0);
        for dy in 0..factor {
            let row = frame.row(oy * factor + dy);
            for (a, seg) in acc.iter_mut().zip(row.chunks_exact(factor)) {
                *a += seg.iter().map(|&p| u32::from(p)).sum::<u32>();
            }
        }
        for (o, a) in out_row.iter_mut().zip(&acc) {
            *o = (a / area).min(255) as u8;
        }
    }
    GrayImage {
        width: w,
        height: h,
        pixels,
    }
}

/// Grey-level range (brightest minus darkest sample) over a parallelogram: `centre ± 0.5·ex ± 0.5·ey`,
/// sampled on a 5 × 7 grid. A character cell with almost no range holds no ink: on a document, where
/// every MRZ position is printed, that means the ink was washed out (glare saturating the sensor).
pub fn range_in(frame: &LumaFrame<'_>, centre: (f32, f32), ex: (f32, f32), ey: (f32, f32)) -> f32 {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for j in 0..7 {
        let fy = j as f32 / 6.0 - 0.5;
        for i in 0..5 {
            let fx = i as f32 / 4.0 - 0.5;
            let v = frame.sample(
                centre.0 + ex.0 * fx + ey.0 * fy,
                centre.1 + ex.1 * fx + ey.1 * fy,
            );
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (hi - lo).max(0.0)
}

/// Darkest and brightest sample over the parallelogram of [`range_in`], and whether all of it lies
/// inside the frame (samples outside are clamped to the border, so they say nothing).
pub fn levels_in(
    frame: &LumaFrame<'_>,
    centre: (f32, f32),
    ex: (f32, f32),
    ey: (f32, f32),
) -> (f32, f32, bool) {
    let (mut lo, mut hi, mut inside) = (f32::INFINITY, f32::NEG_INFINITY, true);
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    for j in 0..7 {
        let fy = j as f32 / 6.0 - 0.5;
        for i in 0..5 {
            let fx = i as f32 / 4.0 - 0.5;
            let (x, y) = (
                centre.0 + ex.0 * fx + ey.0 * fy,
                centre.1 + ex.1 * fx + ey.1 * fy,
            );
            inside &= x.is_finite() && y.is_finite() && x >= 0.0 && y >= 0.0 && x < w && y < h;
            let v = frame.sample(x, y);
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo, hi, inside)
}

/// A binary mask: `true` where ink (darker than its surroundings).
#[derive(Clone, Debug)]
pub struct InkMask {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` flags, row-major.
    pub ink: Vec<bool>,
}

/// Local adaptive binarisation (Bradley–Roth style, integral image): a pixel is ink when it is
/// at least `relative` darker than the mean of its `(2r+1)²` window and at least `min_contrast`
/// grey levels below it. Robust to lighting gradients and, partly, to glare.
pub fn binarize(frame: &LumaFrame<'_>, radius: usize, relative: f32, min_contrast: u8) -> InkMask {
    Integral::new(frame).binarize(frame, radius, relative, min_contrast)
}

/// The summed-area table of a frame, for window means at any radius; build it once and binarise
/// the same frame several times ([`Integral::binarize`]).
///
/// Sums are kept modulo 2³², which is exact for any window of fewer than 2³² / 255 pixels: the
/// difference of four corners is taken with wrapping arithmetic. Larger windows (radii in the
/// thousands) are binarised from a 64-bit table built on demand.
#[derive(Clone, Debug)]
pub struct Integral {
    table: SumTable<u32>,
}

/// Windows at most this large (pixels) have sums below 2³² (255 per pixel); larger ones take the
/// 64-bit table.
const MAX_WINDOW: u64 = (u32::MAX / 256) as u64;

impl Integral {
    /// Builds the table of `frame`.
    pub fn new(frame: &LumaFrame<'_>) -> Integral {
        Integral {
            table: SumTable::new(frame),
        }
    }

    /// [`binarize`] of the frame this table was built from (`frame` supplies the pixels; a frame of
    /// another size gives an empty mask).
    pub fn binarize(
        &self,
        frame: &LumaFrame<'_>,
        radius: usize,
        relative: f32,
        min_contrast: u8,
    ) -> InkMask {
        let (w, h) = (self.table.width, self.table.height);
        let r = radius.min(w.max(h));
        let window_px = (2 * r + 1).min(w) as u64 * (2 * r + 1).min(h) as u64;
        if window_px > MAX_WINDOW {
            return SumTable::<u64>::new(frame).binarize(frame, r, relative, min_contrast);
        }
        self.table.binarize(frame, r, relative, min_contrast)
    }
}

/// Windows of fewer pixels than this are binarised through their mean in f32 (exact: every sum
/// is below 2²⁴ and `count · 256 ≤ 2²⁴`); larger ones through the threshold table.
const FLOAT_MEAN_COUNT: u64 = 1 << 16;

/// Ink flags from window sums of `count` pixels (fewer than [`FLOAT_MEAN_COUNT`]): `p` is ink when
/// `p < mean · keep` and `p + min_contrast ≤ mean`, `mean = ⌊sum / count⌋`. In f32, which is exact
/// here: every sum is below 2²⁴, and the correctly rounded quotient of two exact values truncates
/// to ⌊sum / count⌋ when `count · 256 ≤ 2²⁴` (a quotient short of the next integer by at least
/// 1/count cannot round up to it). Straight-line arithmetic over equal-length slices, so the
/// compiler vectorises it.
fn ink_from_means(
    out: &mut [bool],
    pixels: &[u8],
    sums: &[u32],
    count: f32,
    keep: f32,
    min_contrast: u8,
) {
    let n = out.len().min(pixels.len()).min(sums.len());
    let (Some(out), Some(pixels), Some(sums)) = (out.get_mut(..n), pixels.get(..n), sums.get(..n))
    else {
        return;
    };
    // ⌊q⌋ for 0 ≤ q < 2²³ without a float-to-integer conversion (which does not vectorise):
    // adding and removing 2²³ rounds q to an integer, one too many when it rounded up.
    const ROUND: f32 = 8_388_608.0;
    let contrast = f32::from(min_contrast);
    for ((cell, &p), &sum) in out.iter_mut().zip(pixels).zip(sums) {
        let q = sum as i32 as f32 / count;
        let near = (q + ROUND) - ROUND;
        let mean = if near > q { near - 1.0 } else { near };
        let p = f32::from(p);
        *cell = (p < mean * keep) & (p + contrast <= mean);
    }
}

/// An unsigned sum type for [`SumTable`]: pixel sums with wrapping arithmetic, widened to `u64`
/// for the comparison.
trait PixelSum: Copy + Default {
    fn plus(self, other: Self) -> Self;
    fn minus(self, other: Self) -> Self;
    fn pixel(p: u8) -> Self;
    fn wide(self) -> u64;
    /// The low 32 bits (the whole sum when it is below 2³²).
    fn low_bits(self) -> u32;
    /// `bound` in this type, saturating at its maximum; `sum ≥ at_least(bound)` is then
    /// `sum.wide() ≥ bound` for every window sum below the maximum, which is every window sum
    /// [`SumTable::binarize`]'s callers allow (at most 255 per pixel of a window that fits).
    fn at_least(bound: u64) -> Self;
    /// `self ≥ t`.
    fn at_or_above(self, t: Self) -> bool;
}

/// [`PixelSum`] for a primitive unsigned integer at least 32 bits wide.
macro_rules! pixel_sum {
    ($t:ty) => {
        impl PixelSum for $t {
            fn plus(self, other: $t) -> $t {
                self.wrapping_add(other)
            }
            fn minus(self, other: $t) -> $t {
                self.wrapping_sub(other)
            }
            fn pixel(p: u8) -> $t {
                <$t>::from(p)
            }
            fn wide(self) -> u64 {
                u64::from(self)
            }
            fn low_bits(self) -> u32 {
                self as u32
            }
            fn at_least(bound: u64) -> $t {
                <$t>::try_from(bound).unwrap_or(<$t>::MAX)
            }
            fn at_or_above(self, t: $t) -> bool {
                self >= t
            }
        }
    };
}

pixel_sum!(u32);
pixel_sum!(u64);

/// A summed-area table with sums of type `S` (exact for windows whose sum fits in `S`).
#[derive(Clone, Debug)]
struct SumTable<S> {
    width: usize,
    height: usize,
    /// `(width + 1) × (height + 1)`, row-major; row 0 and column 0 are zero.
    sums: Vec<S>,
}

impl<S: PixelSum> SumTable<S> {
    fn new(frame: &LumaFrame<'_>) -> SumTable<S> {
        let (w, h) = (frame.width, frame.height);
        let iw = w + 1;
        // Each row is built in `last` (the row above, in cache) and appended once: the table is
        // written a single time, not zeroed first and then written twice (running sums, then the
        // row above added). `Integral::new` −8 % instructions (BENCHMARKS.md, sessions 17–18).
        let mut sums = Vec::with_capacity(iw * (h + 1));
        let mut last = vec![S::default(); iw];
        sums.extend_from_slice(&last);
        for y in 0..h {
            let Some(cells) = last.get_mut(1..) else {
                break;
            };
            let mut run = S::default();
            for (cell, &p) in cells.iter_mut().zip(frame.row(y)) {
                run = run.plus(S::pixel(p));
                *cell = cell.plus(run);
            }
            sums.extend_from_slice(&last);
        }
        SumTable {
            width: w,
            height: h,
            sums,
        }
    }

    /// [`binarize`] with window radius `radius` (at most the frame's larger side); the caller
    /// makes sure every window's sum fits in `S`.
    fn binarize(
        &self,
        frame: &LumaFrame<'_>,
        radius: usize,
        relative: f32,
        min_contrast: u8,
    ) -> InkMask {
        let (w, h) = (self.width, self.height);
        if frame.width != w || frame.height != h {
            return InkMask {
                width: 0,
                height: 0,
                ink: Vec::new(),
            };
        }
        let r = radius.min(w.max(h));
        let iw = w + 1;
        // A pixel p is ink when (p as f32) < mean · (1 − relative) and p + min_contrast ≤ mean,
        // with mean = ⌊sum / count⌋ ≤ 255. Both tests only get easier as the mean grows, so they
        // hold exactly when mean ≥ need[p], the least mean (0..=255) passing both (256: none), and
        // ⌊sum / count⌋ ≥ m ⇔ sum ≥ m · count: no division per pixel.
        let keep = 1.0 - relative;
        let mut need = [256u64; 256];
        for (p, slot) in need.iter_mut().enumerate() {
            // No mean below p + min_contrast passes, so the search starts there.
            let lowest = p + usize::from(min_contrast);
            if let Some(m) = (lowest..=255usize).find(|&m| (p as f32) < m as f32 * keep) {
                *slot = m as u64;
            }
        }
        let mut ink = vec![false; w * h];
        // need[p] · count for the interior columns' window, rebuilt when the window's row count
        // changes (near the top and bottom edges only): one comparison per pixel, in `S`.
        let mut threshold = [S::default(); 256];
        let mut threshold_rows = None;
        let mut scratch: Vec<u32> = Vec::with_capacity(w);
        for (y, out_row) in ink.chunks_exact_mut(w).enumerate() {
            let y0 = y.saturating_sub(r);
            let y1 = (y + r + 1).min(h);
            let top = self.sums.get(y0 * iw..(y0 + 1) * iw).unwrap_or(&[]);
            let bottom = self.sums.get(y1 * iw..(y1 + 1) * iw).unwrap_or(&[]);
            let rows = (y1 - y0) as u64;
            let row = frame.row(y);
            let at = |s: &[S], x: usize| s.get(x).copied().unwrap_or_default();
            let window = |x0: usize, x1: usize| {
                at(bottom, x1)
                    .plus(at(top, x0))
                    .minus(at(top, x1))
                    .minus(at(bottom, x0))
            };
            let edge = |x: usize, cell: &mut bool, p: u8| {
                let x0 = x.saturating_sub(r);
                let x1 = (x + r + 1).min(w);
                let count = rows * (x1 - x0) as u64;
                *cell = window(x0, x1).wide() >= need[usize::from(p)] * count.max(1);
            };
            // Interior columns (the whole window inside the row) in one pass over aligned slices.
            let span = 2 * r + 1;
            let interior = if w >= span { w - span + 1 } else { 0 };
            let count = rows * span as u64;
            if interior > 0 && count >= FLOAT_MEAN_COUNT && threshold_rows != Some(rows) {
                for (t, &n) in threshold.iter_mut().zip(&need) {
                    *t = S::at_least(n * count);
                }
                threshold_rows = Some(rows);
            }
            if interior > 0 {
                for x in 0..r.min(w) {
                    if let (Some(cell), Some(&p)) = (out_row.get_mut(x), row.get(x)) {
                        edge(x, cell, p);
                    }
                }
                let (Some(bl), Some(br), Some(tl), Some(tr), Some(px), Some(out)) = (
                    bottom.get(..interior),
                    bottom.get(span..span + interior),
                    top.get(..interior),
                    top.get(span..span + interior),
                    row.get(r..r + interior),
                    out_row.get_mut(r..r + interior),
                ) else {
                    continue;
                };
                if count < FLOAT_MEAN_COUNT {
                    // Window sums first (integer lanes), then both tests on the mean itself.
                    scratch.clear();
                    scratch.extend(bl.iter().zip(br).zip(tl).zip(tr).map(
                        |(((&bl, &br), &tl), &tr)| br.plus(tl).minus(tr).minus(bl).low_bits(),
                    ));
                    ink_from_means(out, px, &scratch, count as f32, keep, min_contrast);
                } else {
                    for (((((cell, &p), &bl), &br), &tl), &tr) in
                        out.iter_mut().zip(px).zip(bl).zip(br).zip(tl).zip(tr)
                    {
                        let sum = br.plus(tl).minus(tr).minus(bl);
                        *cell = threshold
                            .get(usize::from(p))
                            .is_some_and(|&t| sum.at_or_above(t));
                    }
                }
                for x in r + interior..w {
                    if let (Some(cell), Some(&p)) = (out_row.get_mut(x), row.get(x)) {
                        edge(x, cell, p);
                    }
                }
            } else {
                for (x, (cell, &p)) in out_row.iter_mut().zip(row).enumerate() {
                    edge(x, cell, p);
                }
            }
        }
        InkMask {
            width: w,
            height: h,
            ink,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
