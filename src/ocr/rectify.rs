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
            let [r0, r1] = dlt_rows(*s, *d);
            *a.get_mut(2 * i)? = r0;
            *a.get_mut(2 * i + 1)? = r1;
        }
        let h = solve8(a)?;
        Homography::from_solution(&h)
    }

    /// The least-squares map taking `src` points to `dst` points (at least four, not collinear);
    /// coordinates are normalised first so the fit is well conditioned. `None` if degenerate.
    pub fn fit(src: &[(f32, f32)], dst: &[(f32, f32)]) -> Option<Homography> {
        if src.len() != dst.len() || src.len() < 4 {
            return None;
        }
        let (ts, _) = normaliser(src)?;
        let (td, td_inv) = normaliser(dst)?;
        let mut ata = [[0f64; 9]; 8];
        for (s, d) in src.iter().zip(dst) {
            let sn = apply3(&ts, f64::from(s.0), f64::from(s.1));
            let dn = apply3(&td, f64::from(d.0), f64::from(d.1));
            for row in dlt_rows_f64(sn, dn) {
                for (r, ar) in ata.iter_mut().enumerate() {
                    for c in 0..9 {
                        ar[c] += row[r] * row[c];
                    }
                }
            }
        }
        let hn = solve8(ata)?;
        let hn = [hn[0], hn[1], hn[2], hn[3], hn[4], hn[5], hn[6], hn[7], 1.0];
        // H = Td⁻¹ · Hn · Ts.
        let m = mul3(&td_inv, &mul3(&hn, &ts));
        if m[8].abs() < 1e-12 {
            return None;
        }
        let h: Vec<f64> = m.iter().map(|v| v / m[8]).collect();
        Homography::from_solution(h.get(..8)?)
    }

    fn from_solution(h8: &[f64]) -> Option<Homography> {
        let mut h = [0f32; 9];
        for (hv, v) in h.iter_mut().zip(h8) {
            *hv = *v as f32;
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

/// The two DLT equations of one correspondence, for `h33 = 1`: `[coefficients of h0..h7 | rhs]`.
fn dlt_rows(s: (f32, f32), d: (f32, f32)) -> [[f64; 9]; 2] {
    dlt_rows_f64(
        (f64::from(s.0), f64::from(s.1)),
        (f64::from(d.0), f64::from(d.1)),
    )
}

fn dlt_rows_f64((x, y): (f64, f64), (u, v): (f64, f64)) -> [[f64; 9]; 2] {
    [
        [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u],
        [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v],
    ]
}

/// Gauss-Jordan elimination with partial pivoting of an 8×8 system stored as `[A | b]`.
fn solve8(mut a: [[f64; 9]; 8]) -> Option<[f64; 8]> {
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
    let mut h = [0f64; 8];
    for (i, (hv, row)) in h.iter_mut().zip(a.iter()).enumerate() {
        *hv = row[8] / row[i];
    }
    h.iter().all(|v| v.is_finite()).then_some(h)
}

/// Similarity moving the points' centroid to the origin with mean distance √2, and its inverse.
fn normaliser(p: &[(f32, f32)]) -> Option<([f64; 9], [f64; 9])> {
    let k = p.len() as f64;
    let mx = p.iter().map(|q| f64::from(q.0)).sum::<f64>() / k;
    let my = p.iter().map(|q| f64::from(q.1)).sum::<f64>() / k;
    let md = p
        .iter()
        .map(|q| (f64::from(q.0) - mx).hypot(f64::from(q.1) - my))
        .sum::<f64>()
        / k;
    if md.is_nan() || md <= 1e-9 {
        return None;
    }
    let s = std::f64::consts::SQRT_2 / md;
    Some((
        [s, 0.0, -s * mx, 0.0, s, -s * my, 0.0, 0.0, 1.0],
        [1.0 / s, 0.0, mx, 0.0, 1.0 / s, my, 0.0, 0.0, 1.0],
    ))
}

fn apply3(m: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let w = m[6] * x + m[7] * y + m[8];
    (
        (m[0] * x + m[1] * y + m[2]) / w,
        (m[3] * x + m[4] * y + m[5]) / w,
    )
}

fn mul3(a: &[f64; 9], b: &[f64; 9]) -> [f64; 9] {
    let mut out = [0f64; 9];
    for r in 0..3 {
        for c in 0..3 {
            out[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
        }
    }
    out
}

/// Rectifies the MRZ from its lines (full-resolution pixels, top to bottom) for `chars` characters per line.
///
/// The outer glyph edges of the first and last line span the quadrilateral; perspective is thereby
/// removed, not only rotation. Returns `None` for degenerate geometry.
pub fn mrz_homography(lines: &[TextLine], chars: usize) -> Option<Homography> {
    homography_from_extent(lines, chars, true)
}

/// The homographies worth trying for these lines: from the union of the first and last line's
/// extents (a glyph lost to glare at a line end) and, when the lines' ends disagree by more than
/// half a pitch, from their intersection (a stray blob chained onto one line's end).
pub fn mrz_homography_options(lines: &[TextLine], chars: usize) -> Vec<Homography> {
    let mut out: Vec<Homography> = homography_from_extent(lines, chars, true)
        .into_iter()
        .collect();
    if let (Some(a), Some(b)) = (lines.first(), lines.last()) {
        let union = common_extent(a, b, true);
        let inter = common_extent(a, b, false);
        let pitch = a.pitch.max(b.pitch).max(1.0);
        let differs = union
            .iter()
            .zip(inter.iter())
            .any(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1) > 0.5 * pitch);
        if differs && let Some(h) = homography_from_extent(lines, chars, false) {
            out.push(h);
        }
    }
    out
}

fn homography_from_extent(lines: &[TextLine], chars: usize, extend: bool) -> Option<Homography> {
    let first = lines.first()?;
    let last = lines.last()?;
    let k = (lines.len() - 1) as f32;
    let [top_s, top_e, bot_s, bot_e] = common_extent(first, last, extend);
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

/// Top start, top end, bottom start, bottom end. The lines share their left and right margins:
/// with `extend`, a short line is extended to the longer one; without, the longer is cut to the shorter.
fn common_extent(a: &TextLine, b: &TextLine, extend: bool) -> [(f32, f32); 4] {
    let la = a.length().max(1e-3);
    let lb = b.length().max(1e-3);
    let da = ((a.end.0 - a.start.0) / la, (a.end.1 - a.start.1) / la);
    let db = ((b.end.0 - b.start.0) / lb, (b.end.1 - b.start.1) / lb);
    // Parameter of b's start projected onto a's direction relative to a.start, and vice versa.
    let proj = |p: (f32, f32), o: (f32, f32), d: (f32, f32)| (p.0 - o.0) * d.0 + (p.1 - o.1) * d.1;
    let at = |o: (f32, f32), d: (f32, f32), t: f32| (o.0 + d.0 * t, o.1 + d.1 * t);
    let bs_on_a = proj(b.start, a.start, da);
    let be_on_a = proj(b.end, a.start, da);
    let as_on_b = proj(a.start, b.start, db);
    let ae_on_b = proj(a.end, b.start, db);
    let h = a.height.max(b.height);
    // Only move an end by a few glyphs; a large mismatch means a misdetection that the checks will reject.
    let near = |t: f32, base: f32| (t - base).abs() < 6.0 * h;
    // A start takes the other line's start when that lies outward (extend) or inward (cut); an end
    // likewise with the other line's end.
    let start = |cur: f32, other: f32| {
        if near(other, cur) && (other < cur) == extend {
            other
        } else {
            cur
        }
    };
    let end = |cur: f32, other: f32| {
        if near(other, cur) && (other > cur) == extend {
            other
        } else {
            cur
        }
    };
    let (a_s, a_e) = (start(0.0, bs_on_a), end(la, be_on_a));
    let (b_s, b_e) = (start(0.0, as_on_b), end(lb, ae_on_b));
    [
        at(a.start, da, a_s),
        at(a.start, da, a_e),
        at(b.start, db, b_s),
        at(b.start, db, b_e),
    ]
}

/// Per-line pitch alignment in rectified coordinates: the boundary left of character `i` sits at
/// `offset + i · (1 + stretch) + bow · 4i(i − n)/n²` (n characters), so the grid can follow a pitch
/// that the homography gets slightly wrong, including the gradual change of a perspective view.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineAlignment {
    /// Shift of the character grid, in pitches.
    pub offset: f32,
    /// Relative pitch correction.
    pub stretch: f32,
    /// Displacement of the middle of the line relative to its ends, in pitches (0: uniform pitch).
    pub bow: f32,
}

impl LineAlignment {
    /// Rectified x of boundary `i` (a fraction gives a point inside a cell) on a line of `chars` characters.
    pub fn boundary(&self, i: f32, chars: usize) -> f32 {
        let n = (chars as f32).max(1.0);
        self.offset + i * (1.0 + self.stretch) + self.bow * 4.0 * i * (i - n) / (n * n)
    }

    /// Local pitch (rectified units per character) at boundary position `i`.
    pub fn pitch_at(&self, i: f32, chars: usize) -> f32 {
        let n = (chars as f32).max(1.0);
        1.0 + self.stretch + self.bow * 4.0 * (2.0 * i - n) / (n * n)
    }
}

/// Inter-glyph gap evidence along one line: the ink profile of the rectified line, sampled every
/// 1/`STEPS` pitch from x = −1 to x = n + 1.
struct GapProfile {
    values: Vec<f32>,
}

const STEPS: usize = 8;

impl GapProfile {
    fn new(frame: &LumaFrame<'_>, h: &Homography, line: usize, chars: usize) -> GapProfile {
        let y = line as f32;
        let count = (chars + 2) * STEPS + 1;
        let raw: Vec<f32> = (0..count)
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
        // Smoothed with a [1 2 1] kernel (the search works on this).
        let values = (0..count)
            .map(|k| {
                let a = raw
                    .get(k.wrapping_sub(1))
                    .or(raw.get(k))
                    .copied()
                    .unwrap_or(0.0);
                let b = raw.get(k).copied().unwrap_or(0.0);
                let c = raw.get(k + 1).or(raw.get(k)).copied().unwrap_or(0.0);
                a + 2.0 * b + c
            })
            .collect();
        GapProfile { values }
    }

    /// Ink at rectified x (linear interpolation; outside the profile counts as no ink).
    fn at(&self, x: f32) -> f32 {
        let pos = (x + 1.0) * STEPS as f32;
        if pos.is_nan() || pos < 0.0 {
            return 0.0;
        }
        // Through i32 (one conversion instruction; f32 to u64 takes a branchy sequence on
        // x86-64): the same k below 2³¹, and beyond it both lie past the profile's end.
        let k = pos as i32 as usize;
        let f = pos - k as f32;
        let a = self.values.get(k).copied().unwrap_or(0.0);
        let b = self.values.get(k + 1).copied().unwrap_or(a);
        a + (b - a) * f
    }

    /// The ink summed over the boundaries at rectified x `xs`, each moved by `d` profile steps for
    /// `d` = −[`SHIFTS`]..=[`SHIFTS`] (one sum per shift, in that order): the shifts share each
    /// boundary's fraction between two samples. Samples past either end of the profile count as
    /// no ink, so within a step of the ends this interpolates towards zero where [`GapProfile::at`]
    /// gives none or holds the last value (the coarse search's boundaries stay more than a pitch
    /// inside); a position that is not a number, or absurdly far off, adds nothing.
    fn comb_sums(&self, xs: &[f32]) -> [f32; SHIFT_COUNT] {
        let mut sums = [0f32; SHIFT_COUNT];
        let len = self.values.len() as i64;
        for &x in xs {
            let pos = (x + 1.0) * STEPS as f32;
            if !pos.is_finite() || pos.abs() > 1e9 {
                continue;
            }
            // The floor through a truncation (`floor` is a library call on baseline x86-64).
            let truncated = pos as i64;
            let whole = truncated - i64::from(truncated as f32 > pos);
            let f = pos - whole as f32;
            let first = whole - i64::from(SHIFTS);
            let mut window = [0f32; SHIFT_COUNT + 1];
            if first >= 0 && first + (SHIFT_COUNT as i64) < len {
                // The usual case: the whole window inside the profile.
                let from = first as usize;
                if let Some(inside) = self.values.get(from..from + SHIFT_COUNT + 1) {
                    window.copy_from_slice(inside);
                }
            } else {
                for (k, w) in window.iter_mut().enumerate() {
                    let at = first + k as i64;
                    if (0..len).contains(&at) {
                        *w = self.values.get(at as usize).copied().unwrap_or(0.0);
                    }
                }
            }
            let (left, right) = (&window[..SHIFT_COUNT], &window[1..]);
            for ((s, &a), &b) in sums.iter_mut().zip(left).zip(right) {
                *s += a + (b - a) * f;
            }
        }
        sums
    }
}

/// Least-squares fit of `b = offset + i·(1 + stretch) + bow·u(i)` to `(i, b)` marks, the bow fixed
/// at `bow` when it is `Some`; `None` if singular.
fn fit_alignment(marks: &[(f32, f32)], chars: usize, bow: Option<f32>) -> Option<LineAlignment> {
    let n = (chars as f32).max(1.0);
    let u = |i: f32| 4.0 * i * (i - n) / (n * n);
    let basis = |i: f32| [1.0f64, f64::from(i), f64::from(u(i))];
    let fixed = bow.unwrap_or(0.0);
    let dim = if bow.is_none() { 3 } else { 2 };
    let mut m = [[0f64; 4]; 3];
    for &(i, b) in marks {
        let v = basis(i);
        for r in 0..dim {
            for c in 0..dim {
                m[r][c] += v[r] * v[c];
            }
            m[r][3] += v[r] * f64::from(b - i - fixed * u(i));
        }
    }
    let sol = solve_small(&mut m, dim)?;
    Some(LineAlignment {
        offset: sol[0] as f32,
        stretch: sol[1] as f32,
        bow: bow.unwrap_or(sol[2] as f32),
    })
}

/// Solves the `dim`×`dim` system stored as `[a | b]` rows (Gauss-Jordan with partial pivoting).
fn solve_small(m: &mut [[f64; 4]; 3], dim: usize) -> Option<[f64; 3]> {
    for col in 0..dim {
        let piv = (col..dim).max_by(|&p, &q| m[p][col].abs().total_cmp(&m[q][col].abs()))?;
        m.swap(col, piv);
        let pivot_row = m[col];
        if pivot_row[col].abs() < 1e-9 {
            return None;
        }
        for (r, row) in m.iter_mut().enumerate().take(dim) {
            if r != col {
                let f = row[col] / pivot_row[col];
                for c in col..4 {
                    row[c] -= f * pivot_row[c];
                }
            }
        }
    }
    let mut out = [0f64; 3];
    for (k, o) in out.iter_mut().enumerate().take(dim) {
        *o = m[k][3] / m[k][k];
    }
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// Finds, for line `line`, the pitch grid whose cell boundaries fall into the inter-glyph gaps
/// (least ink) — this splits touching glyphs and joins broken ones, unlike connected components.
///
/// A coarse search over shift and pitch first (the comb of interior boundaries with least ink), then
/// each interior boundary is snapped to its gap and a robust least-squares fit follows the marks,
/// allowing the pitch to change gradually along the line (`bow`). `expected_bow` (from
/// [`expected_bow`]) widens the coarse search's bow range around it; 0 leaves the range as it is,
/// and values beyond ±[`MAX_EXPECTED_BOW`] count as that bound.
pub fn align_line(
    frame: &LumaFrame<'_>,
    h: &Homography,
    line: usize,
    chars: usize,
    expected_bow: f32,
) -> LineAlignment {
    let profile = GapProfile::new(frame, h, line, chars);
    // Clamped (and NaN taken as 0) so that any input gives a bounded lattice.
    let expected_bow = if expected_bow.is_nan() {
        0.0
    } else {
        expected_bow.clamp(-MAX_EXPECTED_BOW, MAX_EXPECTED_BOW)
    };
    let centre = (expected_bow / BOW_STEP).round() as i32;
    let start = coarse_alignment(&profile, chars, centre);
    // The fine fit may go as far past the farthest bow searched as it may past COARSE_BOW.
    let farthest = if centre == 0 {
        COARSE_BOW
    } else {
        ((centre.unsigned_abs() + 1) as f32 * BOW_STEP).max(COARSE_BOW)
    };
    fine_alignment(&profile, chars, start, farthest + MAX_BOW - COARSE_BOW)
}

/// [`align_line`] for line `line` of the MRZ lines `lines` under `h`, with the bow their measured
/// pitch change calls for ([`expected_bow`]): the first alignment of a grid.
pub fn align_mrz_line(
    frame: &LumaFrame<'_>,
    h: &Homography,
    lines: &[TextLine],
    line: usize,
    chars: usize,
) -> LineAlignment {
    align_line(frame, h, line, chars, expected_bow(h, lines, line, chars))
}

/// Bow step of the coarse search, and its range around 0 (around an expected bow: one step).
const BOW_STEP: f32 = 0.2;
const COARSE_BOW: f32 = 0.4;
/// Largest bow the fine fit may reach from a coarse start within [`COARSE_BOW`].
const MAX_BOW: f32 = 0.6;
/// An expected bow smaller than this leaves the coarse range as it is.
const MIN_EXPECTED_BOW: f32 = 0.5;
/// Largest expected bow ([`expected_bow`], [`align_line`]).
pub const MAX_EXPECTED_BOW: f32 = 2.0;

/// The bow of [`LineAlignment`] that makes the change of pitch along line `line` under `h` the
/// one the glyphs show ([`TextLine::pitch_ratio`], averaged over the lines that measured it);
/// 0 when it is below `MIN_EXPECTED_BOW` (0.5 pitch) or nothing was measured, at most [`MAX_EXPECTED_BOW`].
///
/// The end points of two or three close lines fix the lines' directions well but the perspective
/// along them poorly. A pixel's error in where a line ends changes the ratio of the left and right
/// line spacing by several per cent, and the pitch ratio along the lines by twice that: under a
/// homography the pitch scales with the square of the spacing. The pitch of the glyphs in each
/// half of a line measures it directly. A pitch growing linearly from `1 − g` to `1 + g` along `n`
/// characters has a log ratio `r ≈ 2g` between the line's ends and `g` between the middles of its
/// halves, and a grid of uniform pitch misses the middle of the line by `g·n/4 = r·n/8` pitches.
pub fn expected_bow(h: &Homography, lines: &[TextLine], line: usize, chars: usize) -> f32 {
    let measured: Vec<f32> = lines
        .iter()
        .filter_map(|l| l.pitch_ratio)
        .filter(|&r| r.is_finite() && r > 0.0)
        .map(|r| 2.0 * r.ln())
        .collect();
    if measured.is_empty() {
        return 0.0;
    }
    let measured = measured.iter().sum::<f32>() / measured.len() as f32;
    let (y, n) = (line as f32, chars as f32);
    let step = |i: f32| {
        let (a, b) = (h.apply(i, y), h.apply(i + 1.0, y));
        (b.0 - a.0).hypot(b.1 - a.1)
    };
    let (first, last) = (step(0.0), step(n - 1.0));
    if !(first > 0.0 && last > 0.0 && first.is_finite() && last.is_finite()) {
        return 0.0;
    }
    let implied = (last / first).ln();
    let bow = -(implied - measured) * n / 8.0;
    if bow.abs() >= MIN_EXPECTED_BOW {
        bow.clamp(-MAX_EXPECTED_BOW, MAX_EXPECTED_BOW)
    } else {
        0.0
    }
}

/// As [`align_line`] without the coarse search: for a homography already refitted to the line's
/// grid, whose boundaries are within a fraction of a pitch of the gaps.
pub fn realign_line(
    frame: &LumaFrame<'_>,
    h: &Homography,
    line: usize,
    chars: usize,
) -> LineAlignment {
    realign_line_with_contrast(frame, h, line, chars).0
}

/// [`realign_line`] and the [`grid_contrast`] of the alignment it finds, from one profile of the line.
pub fn realign_line_with_contrast(
    frame: &LumaFrame<'_>,
    h: &Homography,
    line: usize,
    chars: usize,
) -> (LineAlignment, f32) {
    let profile = GapProfile::new(frame, h, line, chars);
    let align = fine_alignment(&profile, chars, LineAlignment::default(), MAX_BOW);
    (align, contrast_on(&profile, chars, &align))
}

/// The shift, pitch and bow whose interior boundaries carry the least ink, on a coarse lattice.
///
/// Coarse: shift ±0.5 pitch in 1/8 steps, pitch ±5 % with the far end moving 1/4 pitch per step, and
/// a bow of up to ±0.4 pitch in 0.2 steps (perspective the end points got wrong), and also within
/// ±0.2 of `centre` × 0.2 (an expected bow, [`expected_bow`]). The lattice is searched in a
/// fixed order and the first least sum wins.
///
/// The shift step is the profile's own step (1/[`STEPS`] pitch), so the nine shifts of one pitch
/// and bow put each boundary at the same fraction between two profile samples, one sample apart:
/// each boundary's interpolation weight is found once and its ink added to all nine sums in one
/// pass over ten neighbouring samples ([`GapProfile::comb_sums`]). The sums are the linear
/// interpolation [`GapProfile::at`] gives, up to float rounding (the fraction is taken once from
/// the unshifted position instead of from each shifted one).
fn coarse_alignment(profile: &GapProfile, chars: usize, centre: i32) -> LineAlignment {
    let n = chars as f32;
    let nb = n.max(1.0);
    let mut best = (f32::INFINITY, LineAlignment::default());
    let ds = 0.25 / n.max(1.0);
    let s_steps = (0.05 / ds).ceil() as i32;
    let interior: Vec<f32> = (1..chars).map(|i| i as f32).collect();
    let mut bowed = vec![0f32; interior.len()];
    let mut at_zero_shift = vec![0f32; interior.len()];
    let standard = (COARSE_BOW / BOW_STEP).round() as i32;
    let around = (centre - 1..=centre + 1).filter(|b| b.abs() > standard);
    let bows = (-standard..=standard).chain(around);
    for bi in bows {
        let bow = bi as f32 * BOW_STEP;
        for (q, &i) in bowed.iter_mut().zip(&interior) {
            *q = bow * 4.0 * i * (i - nb) / (nb * nb);
        }
        for si in -s_steps..=s_steps {
            let stretch = si as f32 * ds;
            let centred = stretch * n / 2.0;
            for ((x, &i), &q) in at_zero_shift.iter_mut().zip(&interior).zip(&bowed) {
                *x = i * (1.0 + stretch) + q - centred;
            }
            let sums = profile.comb_sums(&at_zero_shift);
            for (oi, &v) in (-SHIFTS..=SHIFTS).zip(&sums) {
                if v < best.0 {
                    let offset = oi as f32 / STEPS as f32 - centred;
                    best = (
                        v,
                        LineAlignment {
                            offset,
                            stretch,
                            bow,
                        },
                    );
                }
            }
        }
    }
    best.1
}

/// Shifts of the coarse search either way, in profile steps (1/[`STEPS`] pitch): ±0.5 pitch.
const SHIFTS: i32 = 4;
/// Number of shifts of the coarse search.
const SHIFT_COUNT: usize = 2 * SHIFTS as usize + 1;

/// Snaps the interior boundaries of `align` to their gaps and refits, twice with a narrower window;
/// a fit whose bow exceeds `max_bow` is refused.
///
/// The first refit moves the shift and pitch only and keeps `align`'s bow: fitting a straight grid
/// to the marks of a bowed line leaves the middle of the line up to the bow off, and with a bow the
/// coarse search found beyond a quarter pitch, fewer than half the marks then fall in the second
/// refit's window, which then gives up.
fn fine_alignment(
    profile: &GapProfile,
    chars: usize,
    mut align: LineAlignment,
    max_bow: f32,
) -> LineAlignment {
    // Fine: snap boundaries to the nearest gap, fit robustly, twice with a narrower window.
    for (window, cutoff, with_bow) in [(0.375f32, 0.25f32, false), (0.25, 0.15, true)] {
        let marks: Vec<(f32, f32)> = (1..chars)
            .map(|i| {
                let i = i as f32;
                let p = align.boundary(i, chars);
                let k = (window * 16.0) as i32;
                let x = (-k..=k)
                    .map(|d| p + d as f32 / 16.0)
                    .min_by(|a, b| profile.at(*a).total_cmp(&profile.at(*b)))
                    .unwrap_or(p);
                (i, x)
            })
            .collect();
        let inliers: Vec<(f32, f32)> = marks
            .iter()
            .copied()
            .filter(|&(i, b)| (b - align.boundary(i, chars)).abs() <= cutoff)
            .collect();
        if inliers.len() * 2 < marks.len() {
            break;
        }
        let Some(fit) = fit_alignment(&inliers, chars, (!with_bow).then_some(align.bow)) else {
            break;
        };
        if fit.stretch.abs() > 0.08 || fit.bow.abs() > max_bow || fit.offset.abs() > 1.0 {
            break;
        }
        align = fit;
    }
    align
}

/// How well a line's grid fits its glyphs: ink on the interior cell boundaries over ink at the cell
/// centres (lower is better; about 1 for a grid that ignores the glyphs).
pub fn grid_contrast(
    frame: &LumaFrame<'_>,
    h: &Homography,
    line: usize,
    chars: usize,
    align: &LineAlignment,
) -> f32 {
    contrast_on(&GapProfile::new(frame, h, line, chars), chars, align)
}

/// [`grid_contrast`] on a profile already taken.
fn contrast_on(profile: &GapProfile, chars: usize, align: &LineAlignment) -> f32 {
    let gaps: f32 = (1..chars)
        .map(|i| profile.at(align.boundary(i as f32, chars)))
        .sum::<f32>()
        / chars.saturating_sub(1).max(1) as f32;
    let centres: f32 = (0..chars)
        .map(|i| profile.at(align.boundary(i as f32 + 0.5, chars)))
        .sum::<f32>()
        / chars.max(1) as f32;
    gaps / centres.max(1e-3)
}

/// Refits the homography to the per-line alignments: each line's grid boundaries become point
/// correspondences, so the columns of all lines line up (the vertical direction) and the pitch
/// follows the perspective found along the lines. `None` if the fit is degenerate.
pub fn refit_homography(
    h: &Homography,
    aligns: &[LineAlignment],
    chars: usize,
) -> Option<Homography> {
    let n = chars as f32;
    let mut src = Vec::new();
    let mut dst = Vec::new();
    for (j, a) in aligns.iter().enumerate() {
        for q in 0..=8 {
            let i = n * q as f32 / 8.0;
            src.push((i, j as f32));
            dst.push(h.apply(a.boundary(i, chars), j as f32));
        }
    }
    Homography::fit(&src, &dst)
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
    sample_line_cells(frame, h, line, chars, align, jitter, 0..chars, out);
}

/// As [`sample_line`] for the cells `cells` of the line only (positions on the grid of `chars`
/// characters; those past `chars` are left out): `cells.len() * CELL_LEN` values. The levels that
/// normalise a cell come from the sampled cells alone, so a cell reads as it does in the whole line
/// when `cells` is `0..chars`, and nearly so when it spans the cell and its neighbours (the line's
/// median levels, which only the glare test uses, are then those of the window).
#[allow(clippy::too_many_arguments)]
pub fn sample_line_cells(
    frame: &LumaFrame<'_>,
    h: &Homography,
    line: usize,
    chars: usize,
    align: LineAlignment,
    jitter: (f32, f32),
    cells: std::ops::Range<usize>,
    out: &mut Vec<f32>,
) {
    let y = line as f32;
    let start = out.len();
    let first = cells.start.min(chars);
    let count = cells.end.min(chars).saturating_sub(first);
    let mut raw = vec![0f32; count * CELL_LEN];
    // The sample offsets inside a cell (fractions of the pitch across, of the cap height down), the
    // same for every cell: per column and row, for the one centred sample and the four sub-samples.
    const SUB4: [(f32, f32); 4] = [(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)];
    let fx_of = |col: usize, sx: f32| (col as f32 + 0.5 + sx) / CELL_W as f32 - 0.5;
    let fy_of =
        |row: usize, sy: f32| ((row as f32 + 0.5 + sy) / CELL_H as f32 - 0.5) * 1.5 + jitter.1;
    let fx1: [f32; CELL_W] = std::array::from_fn(|col| fx_of(col, 0.0));
    let fy1: [f32; CELL_H] = std::array::from_fn(|row| fy_of(row, 0.0));
    let fx4: [[f32; 4]; CELL_W] = std::array::from_fn(|col| SUB4.map(|(sx, _)| fx_of(col, sx)));
    let fy4: [[f32; 4]; CELL_H] = std::array::from_fn(|row| SUB4.map(|(_, sy)| fy_of(row, sy)));
    for (slot, i) in (first..first + count).enumerate() {
        let mid = i as f32 + 0.5;
        let pitch = align.pitch_at(mid, chars);
        let cx = align.boundary(mid, chars) + jitter.0 * pitch;
        let c = h.apply(cx, y);
        let r = h.apply(cx + 0.5 * pitch, y);
        let l = h.apply(cx - 0.5 * pitch, y);
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
        let at = |fx: f32, fy: f32| {
            frame.sample(c.0 + ex.0 * fx + ey.0 * fy, c.1 + ex.1 * fx + ey.1 * fy)
        };
        let Some(out_cell) = raw.get_mut(slot * CELL_LEN..(slot + 1) * CELL_LEN) else {
            continue;
        };
        // Characters larger than the cell are averaged over four sub-samples per cell sample
        // (summed in the order of `SUB4`), smaller ones sampled once.
        if step > 1.4 {
            for (out_row, fys) in out_cell.chunks_exact_mut(CELL_W).zip(&fy4) {
                for (slot, fxs) in out_row.iter_mut().zip(&fx4) {
                    let mut acc = 0.0;
                    for (&fx, &fy) in fxs.iter().zip(fys) {
                        acc += at(fx, fy);
                    }
                    *slot = acc / 4.0;
                }
            }
        } else {
            for (out_row, &fy) in out_cell.chunks_exact_mut(CELL_W).zip(&fy1) {
                for (slot, &fx) in out_row.iter_mut().zip(&fx1) {
                    *slot = 0.0 + at(fx, fy);
                }
            }
        }
    }
    // Local paper (bright) and ink (dark) levels over a window of five cells.
    let mut lo = vec![0f32; count];
    let mut hi = vec![0f32; count];
    for (i, cell) in raw.chunks_exact(CELL_LEN).enumerate() {
        let (low, high) = two_ranks(cell, CELL_LEN / 50, CELL_LEN * 9 / 10);
        lo[i] = low;
        hi[i] = high;
    }
    let typical = (quantile(lo.clone(), 0.5), quantile(hi.clone(), 0.5));
    for (i, cell) in raw.chunks_exact(CELL_LEN).enumerate() {
        if let Some(veiled) = veiled_cell(cell, &lo, &hi, i, typical) {
            out.extend(veiled);
            continue;
        }
        let (_, paper, span) = local_levels(&lo, &hi, i);
        out.extend(cell.iter().map(|&p| ((paper - p) / span).clamp(0.0, 1.0)));
    }
    debug_assert_eq!(out.len() - start, count * CELL_LEN);
}

/// Grey levels by which a cell's dark or bright percentile must exceed the line's median (ink or
/// paper lifted by glare) for [`veiled_cell`] to take over.
const VEIL_LIFT: f32 = 40.0;
/// Paper-level spread over the five-cell window, or paper-level change from the top to the bottom
/// of the cell, above which the cell counts as veiled (a glare flank).
const VEIL_GRADIENT: f32 = 24.0;

/// The normalised cell for a cell under glare (a specular veil adds light to paper and ink alike,
/// varies across a cell, and clips where it is strongest), or `None` for a cell without signs of
/// glare, which keeps the window normalisation of [`local_levels`] (the classifier's training input).
///
/// A cell is veiled when its dark or bright level is lifted [`VEIL_LIFT`] above the line's
/// `typical` (median) levels, or the paper level varies by more than [`VEIL_GRADIENT`] over the
/// window or from the cell's top to its bottom. Then the paper level is the cell's own, with the
/// vertical gradient measured on the cell's top and bottom margins (above and below the glyph), so
/// a veil brighter below than above no longer washes out the glyph's lower strokes; the ink is
/// measured as contrast, the largest paper-to-ink difference in the window (an additive veil does
/// not change it, where an absolute ink level from a less veiled neighbour would make this glyph
/// look faint). A glyph whose contrast the clipping really reduced stays faint (stretching it to the
/// window's contrast was measured to turn near-clipped `U`/`R` into confident `W`: wrong "valid"
/// names), so the classifier's low confidence still keeps such a reading from being valid.
fn veiled_cell(
    cell: &[f32],
    lo: &[f32],
    hi: &[f32],
    i: usize,
    typical: (f32, f32),
) -> Option<Vec<f32>> {
    let own_lo = lo.get(i).copied()?;
    let own_hi = hi.get(i).copied()?;
    let margin = |rows: std::ops::Range<usize>| -> f32 {
        quantile(
            cell.get(rows.start * CELL_W..rows.end * CELL_W)
                .unwrap_or(&[])
                .to_vec(),
            0.9,
        )
    };
    let gy = margin(CELL_H - 3..CELL_H) - margin(0..3);
    let (a, b) = (i.saturating_sub(2), (i + 3).min(lo.len().min(hi.len())));
    let window = hi.get(a..b)?;
    let spread = window.iter().copied().fold(f32::NEG_INFINITY, f32::max)
        - window.iter().copied().fold(f32::INFINITY, f32::min);
    let lifted = own_lo - typical.0 > VEIL_LIFT || own_hi - typical.1 > VEIL_LIFT;
    if !(lifted || spread > VEIL_GRADIENT || gy.abs() > VEIL_GRADIENT) {
        return None;
    }
    // Paper minus sample, the paper level following the vertical gradient (margin rows at ±(H−3)/2).
    let mut d = Vec::with_capacity(CELL_LEN);
    for (r, row) in cell.chunks_exact(CELL_W).enumerate() {
        let fy = (r as f32 - (CELL_H as f32 - 1.0) / 2.0) / (CELL_H as f32 - 3.0);
        let paper = own_hi + gy * fy;
        d.extend(row.iter().map(|&p| paper - p));
    }
    let span = (a..b)
        .filter_map(|j| Some(hi.get(j)? - lo.get(j)?))
        .fold(0.0f32, f32::max)
        .max(16.0);
    Some(d.iter().map(|v| (v / span).clamp(0.0, 1.0)).collect())
}

/// The values a full sort of `v` would put at ranks `low` and `high` (`low ≤ high < v.len()`,
/// both clamped into range), found by selection instead of sorting; (0, 0) when `v` is empty.
fn two_ranks(v: &[f32], low: usize, high: usize) -> (f32, f32) {
    let Some(last) = v.len().checked_sub(1) else {
        return (0.0, 0.0);
    };
    let high = high.min(last);
    let low = low.min(high);
    // Selection on integer keys ordered as `f32::total_cmp` orders the floats (the same map it
    // applies to the bits; an involution, so a key turns back into its float exactly).
    let mut keys: Vec<i32> = v.iter().map(|&x| total_order_key(x)).collect();
    let (below, &mut h, _) = keys.select_nth_unstable(high);
    let l = if low == high {
        h
    } else {
        *below.select_nth_unstable(low).1
    };
    (from_total_order_key(l), from_total_order_key(h))
}

/// The integer whose order is `f32::total_cmp`'s order of the floats.
fn total_order_key(x: f32) -> i32 {
    let bits = x.to_bits() as i32;
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

/// The float of a [`total_order_key`].
fn from_total_order_key(key: i32) -> f32 {
    f32::from_bits((key ^ (((key >> 31) as u32) >> 1) as i32) as u32)
}

/// The `q` quantile (0..=1, nearest rank below) of `v`; 0 when empty. By selection: the value a
/// full sort would put at that rank.
fn quantile(mut v: Vec<f32>, q: f32) -> f32 {
    let at = ((v.len().saturating_sub(1)) as f32 * q) as usize;
    if at >= v.len() {
        return 0.0;
    }
    *v.select_nth_unstable_by(at, f32::total_cmp).1
}

/// Local ink and paper levels around column `i` of per-column dark (`lo`) and bright (`hi`)
/// percentiles, over a window of five columns: the darkest dark and the brightest bright, with the
/// span between them (at least 16 grey levels, so flat paper is not stretched into noise).
fn local_levels(lo: &[f32], hi: &[f32], i: usize) -> (f32, f32, f32) {
    let (a, b) = (i.saturating_sub(2), (i + 3).min(lo.len().min(hi.len())));
    let ink = lo
        .get(a..b)
        .map_or(0.0, |s| s.iter().copied().fold(f32::INFINITY, f32::min));
    let paper = hi.get(a..b).map_or(255.0, |s| {
        s.iter().copied().fold(f32::NEG_INFINITY, f32::max)
    });
    (ink, paper, (paper - ink).max(16.0))
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
        let len = column.len();
        if len > 0 {
            (lo[b], hi[b]) = two_ranks(&column, len / 100, len * 19 / 20);
        }
    }
    let mut pixels = vec![255u8; width * height];
    for b in 0..bands {
        let (ink, _, span) = local_levels(&lo, &hi, b);
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
