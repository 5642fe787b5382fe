//! Rectification and fixed-pitch segmentation: a homography from the MRZ lines' end points, a
//! per-line pitch alignment, and sampling of one normalised cell per character position.

use super::frame::LumaFrame;
use super::locate::TextLine;

/// Cell width in samples (one character pitch).
pub const CELL_W: usize = 14;
/// Cell height in samples (1.5 cap heights).
pub const CELL_H: usize = 20;
/// Samples per cell.
pub const CELL_LEN: usize = CELL_W * CELL_H;
/// OCR-B cap height over pitch at 10 characters per inch (measured on the Debian `fonts-ocr-b` OCRB.otf).
const CAP_OVER_PITCH: f32 = 1.01;
/// Where the first glyph's left ink edge sits inside its cell, in pitches (typical OCR-B side bearing).
const SIDE_BEARING: f32 = 0.05;

/// A 3x3 projective map, row-major, from rectified MRZ coordinates (x in pitches, y in line index)
/// to image pixels.
#[derive(Clone, Copy, Debug)]
pub struct Homography(pub [f32; 9]);

impl Homography {
    /// The map taking each `src` point to the matching `dst` point; `None` if degenerate.
    pub fn from_points(src: [(f32, f32); 4], dst: [(f32, f32); 4]) -> Option<Homography> {
        let mut a = [[0f64; 9]; 8];
        for (i, (s, d)) in src.iter().zip(dst.iter()).enumerate() {
            let (x, y) = (f64::from(s.0), f64::from(s.1));
            let (u, v) = (f64::from(d.0), f64::from(d.1));
            *a.get_mut(2 * i)? = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            *a.get_mut(2 * i + 1)? = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let piv = (col..8).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
            a.swap(col, piv);
            let pivot_row = a[col];
            let pv = pivot_row[col];
            if pv.abs() < 1e-9 {
                return None;
            }
            for (r, row) in a.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pv;
                    for (x, p) in row.iter_mut().zip(pivot_row.iter()).skip(col) {
                        *x -= f * p;
                    }
                }
            }
        }
        let mut h = [0f32; 9];
        for (i, (hv, row)) in h.iter_mut().zip(a.iter()).enumerate() {
            *hv = (row[8] / row[i]) as f32;
        }
        h[8] = 1.0;
        h.iter().all(|v| v.is_finite()).then_some(Homography(h))
    }

    /// Maps a point.
    #[inline]
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        let w = if w.abs() < 1e-9 { 1e-9 } else { w };
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }
}

/// Rectifies the MRZ from its lines (full-resolution pixels, top to bottom) for `chars` characters per line.
///
/// The outer glyph edges of the first and last line span the quadrilateral; perspective is thereby
/// removed, not only rotation. Returns `None` for degenerate geometry.
pub fn mrz_homography(lines: &[TextLine], chars: usize) -> Option<Homography> {
    let first = lines.first()?;
    let last = lines.last()?;
    let k = (lines.len() - 1) as f32;
    // The lines share their left and right margins: extend a short line (a glyph lost to glare) to the longer one.
    let [top_s, top_e, bot_s, bot_e] = common_extent(first, last);
    let n = chars as f32;
    Homography::from_points(
        [
            (SIDE_BEARING, 0.0),
            (n - SIDE_BEARING, 0.0),
            (n - SIDE_BEARING, k),
            (SIDE_BEARING, k),
        ],
        [top_s, top_e, bot_e, bot_s],
    )
}

/// Top start, top end, bottom start, bottom end.
fn common_extent(a: &TextLine, b: &TextLine) -> [(f32, f32); 4] {
    let la = a.length().max(1e-3);
    let lb = b.length().max(1e-3);
    let da = ((a.end.0 - a.start.0) / la, (a.end.1 - a.start.1) / la);
    let db = ((b.end.0 - b.start.0) / lb, (b.end.1 - b.start.1) / lb);
    // Parameter of b's start projected onto a's direction relative to a.start, and vice versa.
    let proj = |p: (f32, f32), o: (f32, f32), d: (f32, f32)| (p.0 - o.0) * d.0 + (p.1 - o.1) * d.1;
    let at = |o: (f32, f32), d: (f32, f32), t: f32| (o.0 + d.0 * t, o.1 + d.1 * t);
    let (mut a_s, mut a_e) = (0.0f32, la);
    let (mut b_s, mut b_e) = (0.0f32, lb);
    let bs_on_a = proj(b.start, a.start, da);
    let be_on_a = proj(b.end, a.start, da);
    let as_on_b = proj(a.start, b.start, db);
    let ae_on_b = proj(a.end, b.start, db);
    let h = a.height.max(b.height);
    // Only extend by a few glyphs; a large mismatch means a misdetection that the checks will reject.
    if bs_on_a < a_s && bs_on_a > -6.0 * h {
        a_s = bs_on_a;
    }
    if be_on_a > a_e && be_on_a < la + 6.0 * h {
        a_e = be_on_a;
    }
    if as_on_b < b_s && as_on_b > -6.0 * h {
        b_s = as_on_b;
    }
    if ae_on_b > b_e && ae_on_b < lb + 6.0 * h {
        b_e = ae_on_b;
    }
    [
        at(a.start, da, a_s),
        at(a.start, da, a_e),
        at(b.start, db, b_s),
        at(b.start, db, b_e),
    ]
}

/// Per-line fixed-pitch alignment: `x_rect = offset + (i + 0.5) * (1 + stretch)` is the centre of character `i`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineAlignment {
    /// Shift of the character grid, in pitches.
    pub offset: f32,
    /// Relative pitch correction.
    pub stretch: f32,
}

/// Finds, for line `line`, the pitch grid whose cell boundaries fall into the inter-glyph gaps
/// (least ink) — this splits touching glyphs and joins broken ones, unlike connected components.
pub fn align_line(
    frame: &LumaFrame<'_>,
    h: &Homography,
    line: usize,
    chars: usize,
) -> LineAlignment {
    const STEPS: usize = 8;
    let y = line as f32;
    let n = chars as f32;
    let count = (chars + 2) * STEPS;
    // Ink profile at x = -1 + k / STEPS.
    let profile: Vec<f32> = (0..count)
        .map(|k| {
            let x = -1.0 + k as f32 / STEPS as f32;
            (0..7)
                .map(|j| {
                    let (px, py) = h.apply(x, y + (j as f32 - 3.0) * 0.09);
                    255.0 - frame.sample(px, py)
                })
                .sum()
        })
        .collect();
    let at = |x: f32| -> f32 {
        let pos = (x + 1.0) * STEPS as f32;
        if pos < 0.0 {
            return 0.0;
        }
        let k = pos as usize;
        let f = pos - k as f32;
        let a = profile.get(k).copied().unwrap_or(0.0);
        let b = profile.get(k + 1).copied().unwrap_or(a);
        a + (b - a) * f
    };
    // Each cell boundary i should sit in the inter-glyph gap nearest to x = i: find that local minimum.
    let mut marks: Vec<(f32, f32)> = Vec::with_capacity(chars + 1);
    for i in 0..=chars {
        let centre = i as f32;
        let mut best = (f32::INFINITY, centre);
        for d in -3i32..=3 {
            let x = centre + d as f32 / STEPS as f32;
            let v = at(x - 0.0625) + 2.0 * at(x) + at(x + 0.0625);
            if v < best.0 {
                best = (v, x);
            }
        }
        marks.push((i as f32, best.1));
    }
    // Robust straight-line fit b_i = offset + i · (1 + stretch): median pitch and offset, then least squares on inliers.
    let mut steps: Vec<f32> = marks
        .windows(3)
        .filter_map(|w| match w {
            [a, _, c] => Some((c.1 - a.1) / 2.0),
            _ => None,
        })
        .collect();
    steps.sort_by(f32::total_cmp);
    let pitch = steps
        .get(steps.len() / 2)
        .copied()
        .unwrap_or(1.0)
        .clamp(0.96, 1.04);
    let mut offs: Vec<f32> = marks.iter().map(|&(i, b)| b - i * pitch).collect();
    offs.sort_by(f32::total_cmp);
    let offset = offs.get(offs.len() / 2).copied().unwrap_or(0.0);
    let inliers: Vec<(f32, f32)> = marks
        .iter()
        .copied()
        .filter(|&(i, b)| (b - offset - i * pitch).abs() < 0.2)
        .collect();
    if inliers.len() * 2 < marks.len() {
        return LineAlignment {
            offset,
            stretch: pitch - 1.0,
        };
    }
    let k = inliers.len() as f32;
    let mi = inliers.iter().map(|p| p.0).sum::<f32>() / k;
    let mb = inliers.iter().map(|p| p.1).sum::<f32>() / k;
    let sii: f32 = inliers.iter().map(|p| (p.0 - mi).powi(2)).sum();
    let sib: f32 = inliers.iter().map(|p| (p.0 - mi) * (p.1 - mb)).sum();
    let slope = if sii > 1e-3 {
        (sib / sii).clamp(0.95, 1.05)
    } else {
        pitch
    };
    let _ = n;
    LineAlignment {
        offset: mb - slope * mi,
        stretch: slope - 1.0,
    }
}

/// Samples one cell per character of line `line` into `out` (`chars * CELL_LEN` values in 0..=1, 1 = ink),
/// normalised against the local paper and ink levels so lighting gradients and glare cancel out.
pub fn sample_line(
    frame: &LumaFrame<'_>,
    h: &Homography,
    line: usize,
    chars: usize,
    align: LineAlignment,
    jitter: (f32, f32),
    out: &mut Vec<f32>,
) {
    let y = line as f32;
    let pitch = 1.0 + align.stretch;
    let start = out.len();
    let mut raw = vec![0f32; chars * CELL_LEN];
    for i in 0..chars {
        let cx = align.offset + (i as f32 + 0.5) * pitch + jitter.0;
        let c = h.apply(cx, y);
        let r = h.apply(cx + 0.5, y);
        let l = h.apply(cx - 0.5, y);
        let ex = (r.0 - l.0, r.1 - l.1);
        let pitch_px = (ex.0 * ex.0 + ex.1 * ex.1).sqrt().max(1e-3);
        let d = h.apply(cx, y + 0.25);
        let u = h.apply(cx, y - 0.25);
        let vy = (d.0 - u.0, d.1 - u.1);
        let vl = (vy.0 * vy.0 + vy.1 * vy.1).sqrt().max(1e-3);
        // Vertical unit: one cap height, along the document's vertical direction.
        let ey = (
            vy.0 / vl * pitch_px * CAP_OVER_PITCH,
            vy.1 / vl * pitch_px * CAP_OVER_PITCH,
        );
        let step = pitch_px / CELL_W as f32;
        let sub: &[(f32, f32)] = if step > 1.4 {
            &[(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)]
        } else {
            &[(0.0, 0.0)]
        };
        let cy = jitter.1;
        for row in 0..CELL_H {
            for col in 0..CELL_W {
                let mut acc = 0.0;
                for &(sx, sy) in sub {
                    let fx = (col as f32 + 0.5 + sx) / CELL_W as f32 - 0.5;
                    let fy = ((row as f32 + 0.5 + sy) / CELL_H as f32 - 0.5) * 1.5 + cy;
                    acc += frame.sample(c.0 + ex.0 * fx + ey.0 * fy, c.1 + ex.1 * fx + ey.1 * fy);
                }
                if let Some(slot) = raw.get_mut(i * CELL_LEN + row * CELL_W + col) {
                    *slot = acc / sub.len() as f32;
                }
            }
        }
    }
    // Local paper (bright) and ink (dark) levels over a window of five cells.
    let mut lo = vec![0f32; chars];
    let mut hi = vec![0f32; chars];
    for i in 0..chars {
        let Some(cell) = raw.get(i * CELL_LEN..(i + 1) * CELL_LEN) else {
            continue;
        };
        let mut v: Vec<f32> = cell.to_vec();
        v.sort_by(f32::total_cmp);
        lo[i] = v.get(CELL_LEN / 50).copied().unwrap_or(0.0);
        hi[i] = v.get(CELL_LEN * 9 / 10).copied().unwrap_or(255.0);
    }
    for i in 0..chars {
        let a = i.saturating_sub(2);
        let b = (i + 3).min(chars);
        let ink = lo
            .get(a..b)
            .map_or(0.0, |s| s.iter().copied().fold(f32::INFINITY, f32::min));
        let paper = hi.get(a..b).map_or(255.0, |s| {
            s.iter().copied().fold(f32::NEG_INFINITY, f32::max)
        });
        let span = (paper - ink).max(16.0);
        let Some(cell) = raw.get(i * CELL_LEN..(i + 1) * CELL_LEN) else {
            continue;
        };
        out.extend(cell.iter().map(|&p| ((paper - p) / span).clamp(0.0, 1.0)));
    }
    debug_assert_eq!(out.len() - start, chars * CELL_LEN);
}

/// Turns cells sampled for one orientation into the cells of the MRZ read upside down:
/// line order and character order reverse, and each cell rotates by 180°.
pub fn rotate_cells_180(cells: &[f32]) -> Vec<f32> {
    let mut out: Vec<f32> = Vec::with_capacity(cells.len());
    for cell in cells.chunks_exact(CELL_LEN).rev() {
        out.extend(cell.iter().rev());
    }
    out
}

/// An upright grey image of the whole MRZ, for recognisers that read whole text lines (the Tesseract
/// backend): the region of `lines` lines of `chars` characters under `h`, resampled so that a cap
/// height is about `cap_px` pixels, with a margin of one pitch left and right and one line spacing
/// above and below, dark ink on a white background.
///
/// Contrast is normalised per band of a few pitches (local paper and ink levels), so a lighting
/// gradient or a glare patch does not wash out part of a line. `None` for degenerate geometry or a
/// `cap_px` outside 8..=96.
///
/// Character `i` of line `l` is centred near `((i + 1.5) * pitch, (l + 1) * spacing)` in the crop.
pub fn sample_mrz_crop(
    frame: &LumaFrame<'_>,
    h: &Homography,
    lines: usize,
    chars: usize,
    cap_px: f32,
) -> Option<MrzCrop> {
    if lines == 0 || chars == 0 || !(8.0..=96.0).contains(&cap_px) {
        return None;
    }
    let n = chars as f32;
    let k = (lines - 1) as f32;
    let dist = |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).hypot(a.1 - b.1);
    // Pitch and line spacing as they are in the image, for the aspect of the output.
    let pitch_img = (dist(h.apply(0.0, 0.0), h.apply(n, 0.0))
        + dist(h.apply(0.0, k), h.apply(n, k)))
        / (2.0 * n);
    let ratio = if lines > 1 {
        dist(h.apply(n / 2.0, 0.0), h.apply(n / 2.0, k)) / k / pitch_img.max(1e-3)
    } else {
        2.0
    };
    if !pitch_img.is_finite() || pitch_img < 1e-3 || !ratio.is_finite() {
        return None;
    }
    let ratio = ratio.clamp(1.2, 4.0);
    let pitch = cap_px * CAP_OVER_PITCH;
    let spacing = pitch * ratio;
    let width = ((n + 2.0) * pitch).ceil() as usize;
    let height = (k * spacing + 2.0 * spacing).ceil() as usize;
    // Supersample when the image is finer than the output (avoids aliasing thin strokes away).
    let sub: &[(f32, f32)] = if pitch_img > 1.4 * pitch {
        &[(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)]
    } else {
        &[(0.0, 0.0)]
    };
    let mut raw = vec![0f32; width * height];
    for (v, row) in raw.chunks_exact_mut(width).enumerate() {
        for (u, px) in row.iter_mut().enumerate() {
            let mut acc = 0.0;
            for &(sx, sy) in sub {
                let x = (u as f32 + 0.5 + sx) / pitch - 1.0;
                let y = (v as f32 + 0.5 + sy) / spacing - 1.0;
                let (ix, iy) = h.apply(x, y);
                acc += frame.sample(ix, iy);
            }
            *px = acc / sub.len() as f32;
        }
    }
    // Paper and ink levels per band of one pitch, then over a window of five bands.
    let band = (pitch.round() as usize).max(1);
    let bands = width.div_ceil(band);
    let mut lo = vec![0f32; bands];
    let mut hi = vec![255f32; bands];
    let mut column: Vec<f32> = Vec::with_capacity(band * height);
    for b in 0..bands {
        column.clear();
        for row in raw.chunks_exact(width) {
            if let Some(seg) = row.get(b * band..((b + 1) * band).min(width)) {
                column.extend_from_slice(seg);
            }
        }
        column.sort_by(f32::total_cmp);
        let len = column.len();
        if len > 0 {
            lo[b] = column.get(len / 100).copied().unwrap_or(0.0);
            hi[b] = column.get(len * 19 / 20).copied().unwrap_or(255.0);
        }
    }
    let mut pixels = vec![255u8; width * height];
    for b in 0..bands {
        let (a, e) = (b.saturating_sub(2), (b + 3).min(bands));
        let ink = lo
            .get(a..e)
            .map_or(0.0, |s| s.iter().copied().fold(f32::INFINITY, f32::min));
        let paper = hi.get(a..e).map_or(255.0, |s| {
            s.iter().copied().fold(f32::NEG_INFINITY, f32::max)
        });
        let span = (paper - ink).max(16.0);
        for (out_row, in_row) in pixels.chunks_exact_mut(width).zip(raw.chunks_exact(width)) {
            let range = b * band..((b + 1) * band).min(width);
            let (Some(o), Some(i)) = (out_row.get_mut(range.clone()), in_row.get(range)) else {
                continue;
            };
            for (o, &i) in o.iter_mut().zip(i) {
                *o = (255.0 * ((i - ink) / span).clamp(0.0, 1.0)) as u8;
            }
        }
    }
    Some(MrzCrop {
        image: super::frame::GrayImage {
            width,
            height,
            pixels,
        },
        pitch,
        spacing,
    })
}

/// The rectified MRZ image of [`sample_mrz_crop`] and its grid.
#[derive(Clone, Debug)]
pub struct MrzCrop {
    /// The image: upright, ink dark on white.
    pub image: super::frame::GrayImage,
    /// Character pitch in crop pixels.
    pub pitch: f32,
    /// Line spacing in crop pixels.
    pub spacing: f32,
}

/// The same image turned by 180° (for a document read upside down).
pub fn rotate_image_180(image: &super::frame::GrayImage) -> super::frame::GrayImage {
    let mut pixels = image.pixels.clone();
    pixels.reverse();
    super::frame::GrayImage {
        width: image.width,
        height: image.height,
        pixels,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
