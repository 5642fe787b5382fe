//! Locating the MRZ: ink blobs → text lines (rotation-invariant chaining) → 2- or 3-line MRZ candidates.

use super::frame::InkMask;

/// A connected component of ink (8-connectivity), in mask pixels.
#[derive(Clone, Copy, Debug, Default)]
pub struct Blob {
    /// Leftmost column.
    pub x0: u32,
    /// Top row.
    pub y0: u32,
    /// Rightmost column (inclusive).
    pub x1: u32,
    /// Bottom row (inclusive).
    pub y1: u32,
    /// Number of ink pixels.
    pub area: u32,
}

impl Blob {
    fn w(&self) -> f32 {
        (self.x1 - self.x0 + 1) as f32
    }
    fn h(&self) -> f32 {
        (self.y1 - self.y0 + 1) as f32
    }
    fn center(&self) -> (f32, f32) {
        (
            (self.x0 + self.x1) as f32 / 2.0 + 0.5,
            (self.y0 + self.y1) as f32 / 2.0 + 0.5,
        )
    }
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while let Some(&p) = parent.get(i as usize) {
        if p == i {
            break;
        }
        let gp = parent.get(p as usize).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(i as usize) {
            *slot = gp;
        }
        i = gp;
    }
    i
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        if let Some(slot) = parent.get_mut(hi as usize) {
            *slot = lo;
        }
    }
}

/// The first ink flag of `row` at or after `from`: background is skipped 16 flags at a time (a
/// whole chunk tested at once), the last partial chunk flag by flag.
fn next_ink(row: &[bool], from: usize) -> Option<usize> {
    let rest = row.get(from..)?;
    let (chunks, _) = rest.as_chunks::<16>();
    let blank = chunks
        .iter()
        .take_while(|c| !c.iter().fold(false, |any, &v| any | v))
        .count()
        * 16;
    let found = rest.get(blank..)?.iter().position(|&v| v)?;
    Some(from + blank + found)
}

/// Labels the connected components of `mask`; components larger than `max_side` on either axis are dropped.
///
/// Works on horizontal runs of ink rather than pixels: a run touches a run of the row above when
/// their column ranges overlap or meet diagonally (8-connectivity). Blobs come out in the raster
/// order of their first pixel.
pub fn blobs(mask: &InkMask, max_side: u32) -> Vec<Blob> {
    let w = mask.width;
    // Runs in raster order: (row, first column, last column inclusive, label).
    let mut runs: Vec<(u32, u32, u32, u32)> = Vec::new();
    let mut parent: Vec<u32> = Vec::new();
    let mut prev = 0..0;
    if w > 0 {
        for (y, row) in mask.ink.chunks_exact(w).enumerate() {
            let here = runs.len();
            let mut x = 0;
            // The runs of the row above that may still touch a run of this row (left to right).
            let mut above = prev.start;
            while x < w {
                let Some(x0) = next_ink(row, x) else {
                    break;
                };
                let len = row
                    .get(x0..)
                    .and_then(|r| r.iter().position(|&v| !v))
                    .unwrap_or(w - x0);
                let x1 = x0 + len - 1;
                x = x1 + 1;
                // Runs above ending left of x0 − 1 cannot touch this run or any later one.
                while above < prev.end && runs.get(above).is_some_and(|r| (r.2 as usize) + 1 < x0) {
                    above += 1;
                }
                let mut label = None;
                let mut k = above;
                while k < prev.end {
                    let Some(&(_, a0, a1, al)) = runs.get(k) else {
                        break;
                    };
                    if a0 as usize > x1 + 1 {
                        break;
                    }
                    match label {
                        None => label = Some(al),
                        Some(l) => union(&mut parent, l, al),
                    }
                    if a1 as usize > x1 {
                        break;
                    }
                    k += 1;
                }
                let label = label.unwrap_or_else(|| {
                    let l = parent.len() as u32;
                    parent.push(l);
                    l
                });
                runs.push((y as u32, x0 as u32, x1 as u32, label));
            }
            prev = here..runs.len();
        }
    }
    let mut root_index = vec![u32::MAX; parent.len()];
    let mut out: Vec<Blob> = Vec::new();
    for &(y, x0, x1, label) in &runs {
        let r = find(&mut parent, label) as usize;
        let idx = match root_index.get(r).copied() {
            Some(u32::MAX) | None => {
                let idx = out.len() as u32;
                if let Some(slot) = root_index.get_mut(r) {
                    *slot = idx;
                }
                out.push(Blob {
                    x0,
                    y0: y,
                    x1,
                    y1: y,
                    area: 0,
                });
                idx
            }
            Some(idx) => idx,
        };
        if let Some(b) = out.get_mut(idx as usize) {
            b.x0 = b.x0.min(x0);
            b.x1 = b.x1.max(x1);
            b.y1 = y;
            b.area += x1 - x0 + 1;
        }
    }
    out.retain(|b| b.x1 - b.x0 < max_side && b.y1 - b.y0 < max_side);
    out
}

/// A straight line of text, in the pixel coordinates of the mask it was found in.
#[derive(Clone, Copy, Debug)]
pub struct TextLine {
    /// Centre-height point at the left edge of the first glyph.
    pub start: (f32, f32),
    /// Centre-height point at the right edge of the last glyph.
    pub end: (f32, f32),
    /// Median glyph height across the line direction.
    pub height: f32,
    /// Number of blobs chained into the line.
    pub blobs: usize,
    /// Median centre distance of neighbouring single glyphs: the character pitch.
    pub pitch: f32,
    /// The median pitch of the line's second half over that of its first (the change of pitch
    /// along a line seen in perspective); `None` when either half has fewer than
    /// [`MIN_HALF_STEPS`] steps between single glyphs.
    pub pitch_ratio: Option<f32>,
    /// Ink-free gaps between neighbouring glyphs [`WORD_GAP`] pitches wide: one or two
    /// characters' room without ink, the word spaces of ordinary text. Every cell of an MRZ
    /// holds a character (the filler `<` too), so there such a gap means the binarisation lost a
    /// glyph; wider gaps (glare, a lost run, the join of two pieces far apart) are not counted.
    pub word_gaps: u16,
}

/// The ink-free gap widths, in pitches, counted as [`TextLine::word_gaps`]. Neighbouring glyphs of
/// an MRZ leave 0.3–0.6 pitch between them; a lost glyph or a word space about 1.3, two about 2.3.
pub const WORD_GAP: std::ops::Range<f32> = 0.9..2.5;

/// 1 when an ink-free `gap` (pixels) is [`WORD_GAP`] pitches wide, else 0.
fn word_gap(gap: f32, pitch: f32) -> u16 {
    u16::from(WORD_GAP.contains(&(gap / pitch.max(1.0))))
}

impl TextLine {
    /// Length from the first glyph's left edge to the last glyph's right edge.
    pub fn length(&self) -> f32 {
        ((self.end.0 - self.start.0).powi(2) + (self.end.1 - self.start.1).powi(2)).sqrt()
    }
    /// Unit vector from start to end (a degenerate line's length counts as 10⁻³).
    pub fn direction(&self) -> (f32, f32) {
        let l = self.length().max(1e-3);
        (
            (self.end.0 - self.start.0) / l,
            (self.end.1 - self.start.1) / l,
        )
    }
    /// This line in another coordinate system: `p → p * scale + offset`.
    pub fn scaled(&self, scale: f32, offset: (f32, f32)) -> TextLine {
        let t = |p: (f32, f32)| (p.0 * scale + offset.0, p.1 * scale + offset.1);
        TextLine {
            start: t(self.start),
            end: t(self.end),
            height: self.height * scale,
            blobs: self.blobs,
            pitch: self.pitch * scale,
            pitch_ratio: self.pitch_ratio,
            word_gaps: self.word_gaps,
        }
    }
}

/// Item indices bucketed by integer grid cell, each cell's items in the order they were added, for
/// the neighbour searches below. The entries are sorted by cell (stably); lookups go through a
/// dense table of each cell's first entry when the cells' bounding box is small (blobs of one
/// frame), otherwise by binary search, so memory stays proportional to the items for any input.
struct CellIndex {
    /// `(cell, item)`, sorted by cell as `(y, x)`, items in insertion order within a cell.
    entries: Vec<((i32, i32), usize)>,
    /// Dense table: the bounding box's corner and width, and for each of its cells (row-major)
    /// the index of its first entry, plus the end.
    dense: Option<((i32, i32), usize, Vec<usize>)>,
}

impl CellIndex {
    /// Bounding boxes of at most this many cells per entry (plus a constant) get a dense table.
    const DENSE_CELLS_PER_ENTRY: i64 = 4;

    fn new(mut entries: Vec<((i32, i32), usize)>) -> CellIndex {
        entries.sort_by_key(|&((x, y), _)| (y, x));
        let bounds =
            entries
                .iter()
                .fold(None, |acc: Option<(i32, i32, i32, i32)>, &((x, y), _)| {
                    Some(acc.map_or((x, y, x, y), |(x0, y0, x1, y1)| {
                        (x0.min(x), y0.min(y), x1.max(x), y1.max(y))
                    }))
                });
        let dense = bounds.and_then(|(x0, y0, x1, y1)| {
            let cols = i64::from(x1) - i64::from(x0) + 1;
            let rows = i64::from(y1) - i64::from(y0) + 1;
            let cells = cols.checked_mul(rows)?;
            let limit = Self::DENSE_CELLS_PER_ENTRY * entries.len() as i64 + 4096;
            if cells > limit {
                return None;
            }
            let (cols, cells) = (usize::try_from(cols).ok()?, usize::try_from(cells).ok()?);
            let mut starts = vec![0usize; cells + 1];
            let mut next = 0usize;
            for (cell, start) in starts.iter_mut().enumerate() {
                let (cx, cy) = (
                    (cell % cols) as i64 + i64::from(x0),
                    (cell / cols) as i64 + i64::from(y0),
                );
                while entries
                    .get(next)
                    .is_some_and(|&((x, y), _)| (i64::from(y), i64::from(x)) < (cy, cx))
                {
                    next += 1;
                }
                *start = next;
            }
            if let Some(end) = starts.last_mut() {
                *end = entries.len();
            }
            Some(((x0, y0), cols, starts))
        });
        CellIndex { entries, dense }
    }

    /// The entries of cell `(x, y)`, in insertion order.
    fn get(&self, (x, y): (i32, i32)) -> &[((i32, i32), usize)] {
        let range = match &self.dense {
            Some(((x0, y0), cols, starts)) => {
                let (dx, dy) = (i64::from(x) - i64::from(*x0), i64::from(y) - i64::from(*y0));
                let rows = (starts.len().saturating_sub(1) / (*cols).max(1)) as i64;
                if dx < 0 || dy < 0 || dx >= *cols as i64 || dy >= rows {
                    return &[];
                }
                let cell = dy as usize * *cols + dx as usize;
                match (starts.get(cell), starts.get(cell + 1)) {
                    (Some(&a), Some(&b)) => a..b,
                    _ => return &[],
                }
            }
            None => {
                let a = self
                    .entries
                    .partition_point(|&((ex, ey), _)| (ey, ex) < (y, x));
                let b = self
                    .entries
                    .partition_point(|&((ex, ey), _)| (ey, ex) <= (y, x));
                a..b
            }
        };
        self.entries.get(range).unwrap_or(&[])
    }
}

/// Dominant text direction (radians in (-π/2, π/2]) from nearest-neighbour pairs of glyph-like blobs.
fn dominant_angle(blobs: &[Blob]) -> f32 {
    const BINS: usize = 180;
    let mut hist = [0f32; BINS];
    let cell = 24.0f32;
    let glyph_like = |b: &Blob| b.h() >= 3.0 && b.w() <= 1.6 * b.h() && b.h() <= 3.0 * b.w();
    let grid = CellIndex::new(
        blobs
            .iter()
            .enumerate()
            .filter(|(_, b)| glyph_like(b))
            .map(|(i, b)| {
                let (cx, cy) = b.center();
                (((cx / cell) as i32, (cy / cell) as i32), i)
            })
            .collect(),
    );
    for b in blobs.iter().filter(|b| glyph_like(b)) {
        let (cx, cy) = b.center();
        let r = 2.2 * b.h().max(b.w());
        let reach = (r / cell).ceil() as i32;
        let (gx, gy) = ((cx / cell) as i32, (cy / cell) as i32);
        let mut best: Option<(f32, f32, f32)> = None;
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                for &(_, j) in grid.get((gx.saturating_add(dx), gy.saturating_add(dy))) {
                    let Some(o) = blobs.get(j) else { continue };
                    let (ox, oy) = o.center();
                    let (ddx, ddy) = (ox - cx, oy - cy);
                    let d2 = ddx * ddx + ddy * ddy;
                    let ratio = o.h().min(b.h()) / o.h().max(b.h());
                    if d2 < 1.0 || d2 > r * r || ratio < 0.6 {
                        continue;
                    }
                    if best.is_none_or(|(bd, _, _)| d2 < bd) {
                        best = Some((d2, ddx, ddy));
                    }
                }
            }
        }
        if let Some((_, ddx, ddy)) = best {
            let mut a = ddy.atan2(ddx);
            if a <= -std::f32::consts::FRAC_PI_2 {
                a += std::f32::consts::PI;
            } else if a > std::f32::consts::FRAC_PI_2 {
                a -= std::f32::consts::PI;
            }
            let bin = (((a + std::f32::consts::FRAC_PI_2) / std::f32::consts::PI * BINS as f32)
                as usize)
                .min(BINS - 1);
            if let Some(hv) = hist.get_mut(bin) {
                *hv += 1.0;
            }
        }
    }
    let smooth = |k: usize| -> f32 {
        (0..5)
            .map(|d| hist.get((k + BINS + d - 2) % BINS).copied().unwrap_or(0.0))
            .sum()
    };
    let peak = (0..BINS)
        .max_by(|&a, &b| smooth(a).total_cmp(&smooth(b)))
        .unwrap_or(BINS / 2);
    (peak as f32 + 0.5) / BINS as f32 * std::f32::consts::PI - std::f32::consts::FRAC_PI_2
}

/// Blob in line-aligned coordinates: `u` along the text direction, `v` across it.
#[derive(Clone, Copy)]
struct Aligned {
    u0: f32,
    u1: f32,
    v: f32,
    hv: f32,
}

/// Chains blobs into straight text lines. Rotation-invariant: the chaining direction is the
/// dominant nearest-neighbour direction, so tilted (±20°) and upside-down text is found alike.
pub fn find_lines(blobs: &[Blob], min_blobs: usize) -> Vec<TextLine> {
    let angle = dominant_angle(blobs);
    let (s, c) = angle.sin_cos();
    let aligned: Vec<Aligned> = blobs
        .iter()
        .map(|b| {
            let (cx, cy) = b.center();
            let u = cx * c + cy * s;
            let v = -cx * s + cy * c;
            let half_u = b.w() / 2.0 * c.abs() + b.h() / 2.0 * s.abs();
            let hv = b.w() * s.abs() + b.h() * c.abs();
            Aligned {
                u0: u - half_u,
                u1: u + half_u,
                v,
                hv,
            }
        })
        .collect();
    // Grid over (u, v) for neighbour search.
    let cell = 16.0f32;
    let grid = CellIndex::new(
        aligned
            .iter()
            .enumerate()
            .filter(|(_, a)| a.hv >= 2.0)
            .map(|(i, a)| {
                (
                    ((a.u0 / cell).floor() as i32, (a.v / cell).floor() as i32),
                    i,
                )
            })
            .collect(),
    );
    let n = aligned.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut has_left = vec![false; n];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let ka = aligned.get(a).map_or(0.0, |x| x.u1);
        let kb = aligned.get(b).map_or(0.0, |x| x.u1);
        ka.total_cmp(&kb)
    });
    for &i in &order {
        let Some(a) = aligned.get(i).copied() else {
            continue;
        };
        if a.hv < 2.0 {
            continue;
        }
        let reach_u = 1.4 * a.hv;
        let reach_v = 0.45 * a.hv;
        let (gu0, gu1) = (
            ((a.u1 - 0.4 * a.hv) / cell).floor() as i32,
            ((a.u1 + reach_u) / cell).floor() as i32,
        );
        let (gv0, gv1) = (
            ((a.v - reach_v - 0.5 * a.hv) / cell).floor() as i32,
            ((a.v + reach_v + 0.5 * a.hv) / cell).floor() as i32,
        );
        let mut best: Option<(f32, usize)> = None;
        for gu in gu0..=gu1 {
            for gv in gv0..=gv1 {
                for &(_, j) in grid.get((gu, gv)) {
                    if j == i {
                        continue;
                    }
                    let Some(b) = aligned.get(j) else { continue };
                    let gap = b.u0 - a.u1;
                    let href = a.hv.max(b.hv);
                    let dv = (b.v - a.v).abs();
                    let ratio = a.hv.min(b.hv) / href;
                    if b.u0 <= a.u0
                        || gap < -0.4 * href
                        || gap > 1.3 * href.min(2.5 * a.hv.min(b.hv))
                        || dv > 0.3 * href
                        || ratio < 0.35
                    {
                        continue;
                    }
                    let cost = gap.max(0.0) + 2.0 * dv;
                    if best.is_none_or(|(bc, _)| cost < bc) {
                        best = Some((cost, j));
                    }
                }
            }
        }
        // The best-fitting neighbour only (least gap and offset across): when another blob already
        // chained onto it, this one ends its chain. Falling back to the next candidate would skip a
        // glyph, and every blob after it would then skip one too: two interleaved chains at twice
        // the pitch (a tall merged blob took the neighbour of the glyph after it).
        let free = |j: usize| !has_left.get(j).copied().unwrap_or(true);
        if let Some((_, j)) = best.filter(|&(_, j)| free(j)) {
            if let Some(flag) = has_left.get_mut(j) {
                *flag = true;
            }
            union(&mut parent, i as u32, j as u32);
        }
    }
    // Ordered by root so the lines (and ties in the sort below) come out the same on every run.
    let mut groups: std::collections::BTreeMap<u32, Vec<usize>> = std::collections::BTreeMap::new();
    for i in 0..n as u32 {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i as usize);
    }
    let mut lines: Vec<Piece> = Vec::new();
    for members in groups.values() {
        if members.len() < min_blobs {
            continue;
        }
        // Least-squares v = p + q u over blob centres.
        let pts: Vec<Aligned> = members
            .iter()
            .filter_map(|&m| aligned.get(m).copied())
            .collect();
        let k = pts.len() as f32;
        let mu = pts.iter().map(|a| (a.u0 + a.u1) / 2.0).sum::<f32>() / k;
        let mv = pts.iter().map(|a| a.v).sum::<f32>() / k;
        let suu: f32 = pts.iter().map(|a| ((a.u0 + a.u1) / 2.0 - mu).powi(2)).sum();
        let suv: f32 = pts
            .iter()
            .map(|a| ((a.u0 + a.u1) / 2.0 - mu) * (a.v - mv))
            .sum();
        let q = if suu > 1e-3 { suv / suu } else { 0.0 };
        let u0 = pts.iter().map(|a| a.u0).fold(f32::INFINITY, f32::min);
        let u1 = pts.iter().map(|a| a.u1).fold(f32::NEG_INFINITY, f32::max);
        let mut hs: Vec<f32> = pts.iter().map(|a| a.hv).collect();
        hs.sort_by(f32::total_cmp);
        // Upper quartile: '<' fillers are shorter than letters and digits.
        let height = hs.get(hs.len() * 3 / 4).copied().unwrap_or(0.0);
        // Pitch from neighbouring single glyphs (merged runs excluded), as (centre, step).
        let mut sorted = pts.clone();
        sorted.sort_by(|a, b| (a.u0 + a.u1).total_cmp(&(b.u0 + b.u1)));
        let single = |a: &Aligned| a.u1 - a.u0 < 1.2 * height;
        let steps: Vec<(f32, f32)> = sorted
            .windows(2)
            .filter_map(|w| match w {
                [a, b] if single(a) && single(b) => Some((
                    (a.u0 + a.u1 + b.u0 + b.u1) / 4.0,
                    (b.u0 + b.u1 - a.u0 - a.u1) / 2.0,
                )),
                _ => None,
            })
            .collect();
        let median = |pick: &dyn Fn(f32) -> bool| {
            let mut v: Vec<f32> = steps
                .iter()
                .filter(|(at, _)| pick(*at))
                .map(|&(_, step)| step)
                .collect();
            v.sort_by(f32::total_cmp);
            (v.get(v.len() / 2).copied(), v.len())
        };
        let pitch = median(&|_| true).0.unwrap_or(height);
        let mid = (u0 + u1) / 2.0;
        let pitch_ratio = match (median(&|at| at < mid), median(&|at| at >= mid)) {
            ((Some(left), nl), (Some(right), nr)) if nl.min(nr) >= MIN_HALF_STEPS && left > 0.0 => {
                Some(right / left)
            }
            _ => None,
        };
        let word_gaps = sorted
            .windows(2)
            .map(|w| match w {
                [a, b] => word_gap(b.u0 - a.u1, pitch),
                _ => 0,
            })
            .fold(0u16, u16::saturating_add);
        lines.push(Piece {
            u0,
            u1,
            v0: mv + q * (u0 - mu),
            v1: mv + q * (u1 - mu),
            height,
            count: pts.len(),
            pitch,
            pitch_ratio,
            word_gaps,
        });
    }
    // Join collinear pieces split by a gap (glare, a lost glyph).
    lines.sort_by(|a, b| a.u0.total_cmp(&b.u0));
    let mut merged: Vec<Piece> = Vec::new();
    for l in lines {
        let joined = merged.iter_mut().find(|m| {
            let gap = l.u0 - m.u1;
            let h = m.height.max(l.height);
            // Each piece carries its own slope (the dominant direction the pieces were chained
            // along may be off by a few degrees): compare them where the gap's middle is.
            let slope = |p: &Piece| ((p.v1 - p.v0) / (p.u1 - p.u0).max(1.0)).clamp(-0.2, 0.2);
            let mid = (m.u1 + l.u0) / 2.0;
            let dv = (m.v1 + slope(m) * (mid - m.u1)) - (l.v0 + slope(&l) * (mid - l.u0));
            gap > -h && gap < 8.0 * h && dv.abs() < 0.4 * h && m.height.min(l.height) / h > 0.7
        });
        match joined {
            Some(m) => {
                let (wm, wl) = (m.count as f32, l.count as f32);
                let total = (m.count + l.count) as f32;
                // The longer piece's ratio (a short one measures none, or a noisy one).
                if l.count > m.count || m.pitch_ratio.is_none() {
                    m.pitch_ratio = l.pitch_ratio.or(m.pitch_ratio);
                }
                // The join is a gap too (before the pitch is averaged, in the left piece's pitch).
                m.word_gaps = m
                    .word_gaps
                    .saturating_add(l.word_gaps)
                    .saturating_add(word_gap(l.u0 - m.u1, m.pitch));
                m.u1 = m.u1.max(l.u1);
                m.v1 = l.v1;
                m.height = (m.height * wm + l.height * wl) / total;
                m.pitch = (m.pitch * wm + l.pitch * wl) / total;
                m.count += l.count;
            }
            None => merged.push(l),
        }
    }
    merged
        .into_iter()
        .map(|p| {
            let back = |u: f32, v: f32| (u * c - v * s, u * s + v * c);
            TextLine {
                start: back(p.u0, p.v0),
                end: back(p.u1, p.v1),
                height: p.height,
                blobs: p.count,
                pitch: p.pitch,
                pitch_ratio: p.pitch_ratio,
                word_gaps: p.word_gaps,
            }
        })
        .collect()
}

/// Fewest pitch steps in each half of a line for [`TextLine::pitch_ratio`] to be measured.
pub const MIN_HALF_STEPS: usize = 5;

/// A chained run of blobs in the line-aligned frame, before collinear runs are joined: `u` along
/// the lines, `v` across them.
struct Piece {
    u0: f32,
    u1: f32,
    v0: f32,
    v1: f32,
    height: f32,
    count: usize,
    pitch: f32,
    pitch_ratio: Option<f32>,
    word_gaps: u16,
}

/// Two or three parallel, aligned, evenly spaced long text lines: where an MRZ may be.
#[derive(Clone, Debug)]
pub struct MrzCandidate {
    /// The lines, top to bottom in the line-aligned frame (which may be the document upside down).
    pub lines: Vec<TextLine>,
    /// Higher is more MRZ-like.
    pub score: f32,
}

/// Fraction of the shorter line's length that two lines' spans must share to be grouped although
/// neither their starts nor their ends lie within three pitches of each other ([`group_mrz`]).
/// The TD3 it was made for (a fresh seed-43 `td3_phone_021`, whose search image chained a fragment
/// of the document's edge onto the first line's start and another onto the second line's end,
/// 4.4 and 3.1 pitches out) shares 93 %.
const MIN_SPAN_OVERLAP: f32 = 0.9;

/// Groups text lines into MRZ candidates, best first.
pub fn group_mrz(lines: &[TextLine]) -> Vec<MrzCandidate> {
    let long: Vec<&TextLine> = lines
        .iter()
        .filter(|l| l.pitch >= 2.0 && l.length() >= 20.0 * l.pitch && l.blobs >= 8)
        .collect();
    // Sort by the across-line coordinate of the midpoint (in the frame of the longest line).
    let Some(reference) = long.iter().max_by(|a, b| a.length().total_cmp(&b.length())) else {
        return Vec::new();
    };
    let (rdx, rdy) = reference.direction();
    let across = |p: (f32, f32)| -p.0 * rdy + p.1 * rdx;
    let mut items: Vec<(f32, &TextLine)> = long
        .iter()
        .map(|l| {
            (
                across(((l.start.0 + l.end.0) / 2.0, (l.start.1 + l.end.1) / 2.0)),
                *l,
            )
        })
        .collect();
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    let compatible = |a: &(f32, &TextLine), b: &(f32, &TextLine)| -> bool {
        let (la, lb) = (a.1, b.1);
        let p = la.pitch.max(lb.pitch);
        let (da, db) = (la.direction(), lb.direction());
        let parallel = da.0 * db.0 + da.1 * db.1 > 0.99;
        // Distance of b's midpoint from a's line.
        let mid = ((lb.start.0 + lb.end.0) / 2.0, (lb.start.1 + lb.end.1) / 2.0);
        let spacing = -(mid.0 - la.start.0) * da.1 + (mid.1 - la.start.1) * da.0;
        // Start points aligned along the direction.
        let ds = (lb.start.0 - la.start.0) * da.0 + (lb.start.1 - la.start.1) * da.1;
        let de = (lb.end.0 - la.end.0) * da.0 + (lb.end.1 - la.end.1) * da.1;
        let len_ratio = la.length().min(lb.length()) / la.length().max(lb.length());
        // Or the two spans, along a's direction, nearly cover each other: something chained onto
        // one line's start and the other's end (fragments of a document edge next to an MRZ that
        // runs close to it) moves both pairs of ends apart, not the lines' common part.
        let overlap = ((la.length() + de).min(la.length()) - ds.max(0.0))
            / la.length().min(lb.length()).max(1e-3);
        parallel
            && spacing.abs() > 1.15 * p
            && spacing.abs() < 2.6 * p
            && (ds.abs() < 3.0 * p || de.abs() < 3.0 * p || overlap > MIN_SPAN_OVERLAP)
            && len_ratio > 0.6
            && la.pitch.min(lb.pitch) / p > 0.8
    };
    let mut out = Vec::new();
    for i in 0..items.len() {
        let (Some(a), Some(b)) = (items.get(i), items.get(i + 1)) else {
            continue;
        };
        if !compatible(a, b) {
            continue;
        }
        let mut group = vec![*a.1, *b.1];
        if let Some(c) = items.get(i + 2).filter(|c| compatible(b, c)) {
            group.push(*c.1);
        }
        let score: f32 = group.iter().map(|l| l.blobs as f32).sum();
        out.push(MrzCandidate {
            lines: common_extent(&group),
            score,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// OCR-B extent of a full MRZ line, first glyph's left ink edge to last glyph's right ink edge,
/// in pitches less than the character count (the outer side bearings are not ink).
const EXTENT_SHORTFALL: f32 = 0.2;

/// Gives every line of an MRZ candidate the same extent, one full line of the format.
///
/// MRZ lines share their left and right margins and hold a fixed number of characters (30 for three
/// lines; 36 or 44 for two, whichever the longest line is nearer to). Glare that washes out the end of
/// a line shortens it; a stray blob (a document edge, a guilloche fragment) chained onto an end
/// lengthens it. The window of one full line's length that leaves the least detected ink outside it
/// is taken, and each line's end points move onto it when they are more than half a pitch off, so the
/// rectifier and the classifier still get the whole character grid, and the check digits can judge.
pub fn common_extent(lines: &[TextLine]) -> Vec<TextLine> {
    let Some(reference) = lines
        .iter()
        .max_by(|a, b| a.length().total_cmp(&b.length()))
    else {
        return Vec::new();
    };
    let (dx, dy) = reference.direction();
    let o = reference.start;
    let along = |p: (f32, f32)| (p.0 - o.0) * dx + (p.1 - o.1) * dy;
    let mut pitches: Vec<f32> = lines.iter().map(|l| l.pitch).collect();
    pitches.sort_by(f32::total_cmp);
    let pitch = pitches.get(pitches.len() / 2).copied().unwrap_or(0.0);
    if pitch < 1.0 {
        return lines.to_vec();
    }
    let spans: Vec<(f32, f32)> = lines
        .iter()
        .map(|l| (along(l.start), along(l.end)))
        .collect();
    let longest = spans.iter().map(|s| s.1 - s.0).fold(0.0f32, f32::max) / pitch;
    let chars = if lines.len() == 3 {
        30.0
    } else if longest + EXTENT_SHORTFALL < 40.0 {
        36.0
    } else {
        44.0
    };
    let full = (chars - EXTENT_SHORTFALL) * pitch;
    let tol = 0.6 * pitch;
    // The window: one line's start and one line's end (the lines vouch for each other's lost ends),
    // the pair nearest one full line; on a tie the wider (a stray blob is rarer than a lost glyph).
    let mut best: Option<(f32, f32, f32)> = None;
    for &(s, _) in &spans {
        for &(_, e) in &spans {
            let miss = ((e - s) - full).abs();
            let better = best.is_none_or(|(bm, bs, be)| {
                miss < bm - 0.25 * pitch || (miss < bm + 0.25 * pitch && e - s > be - bs)
            });
            if better {
                best = Some((miss, s, e));
            }
        }
    }
    let Some((_, s, e)) = best.filter(|b| b.0 < 2.0 * pitch) else {
        return lines.to_vec();
    };
    lines
        .iter()
        .zip(&spans)
        .map(|(l, &(a, b))| {
            let (ldx, ldy) = l.direction();
            // Along-line parameter t of line l maps to reference coordinate a + t·(d_l·d).
            let scale = (ldx * dx + ldy * dy).max(0.5);
            let at = |u: f32| {
                let t = (u - a) / scale;
                (l.start.0 + ldx * t, l.start.1 + ldy * t)
            };
            let mut out = *l;
            if (a - s).abs() > tol {
                out.start = at(s);
            }
            if (b - e).abs() > tol {
                out.end = at(e);
            }
            out
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
