//! The OCR-B glyph classifier: a small multilayer perceptron over normalised cells, weights embedded in the crate.

use super::OcrError;
use super::rectify::CELL_LEN;

/// The 37 MRZ characters (ICAO 9303 Part 3, 4.1.1), in class-index order.
pub const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// Weights trained by `examples/train_ocr_classifier.rs` (see `src/ocr/README.md`).
static EMBEDDED: &[u8] = include_bytes!("ocrb_mlp.bin");

/// The second embedded classifier (256 hidden units, trained on twice the frames with blank cells),
/// consulted on the cells the first is unsure of (see [`Ensemble`] and `src/ocr/README.md`).
static EMBEDDED_SECOND: &[u8] = include_bytes!("ocrb_mlp_b.bin");

/// Top probability of the first classifier under which an [`Ensemble`] asks its other members
/// (measured on `fixtures/ocr` and fresh sets of seeds 29 and 31: from 0.97 up to always, the
/// readings' exactness and validity are the same as averaging every cell; see `src/ocr/README.md`).
pub const ESCALATE_BELOW: f32 = 0.97;

const MAGIC: &[u8; 4] = b"OCB1";

/// One character hypothesis: the character and its posterior probability.
pub type Alternative = (char, f32);

/// A two-layer perceptron: `softmax(W2 · relu(W1 · x + b1) + b2)`.
#[derive(Clone, Debug)]
pub struct Mlp {
    /// Input size (must be [`CELL_LEN`] for the pipeline).
    pub inputs: usize,
    /// Hidden units.
    pub hidden: usize,
    /// Output classes (37).
    pub outputs: usize,
    /// `hidden × inputs`, row-major.
    pub w1: Vec<f32>,
    /// `hidden`.
    pub b1: Vec<f32>,
    /// `outputs × hidden`, row-major.
    pub w2: Vec<f32>,
    /// `outputs`.
    pub b2: Vec<f32>,
}

impl Mlp {
    /// The first classifier shipped in the crate (also the trainer's reference model).
    pub fn embedded() -> Result<Mlp, OcrError> {
        Mlp::from_bytes(EMBEDDED)
    }

    /// The second classifier shipped in the crate (see [`ESCALATE_BELOW`]).
    pub fn embedded_second() -> Result<Mlp, OcrError> {
        Mlp::from_bytes(EMBEDDED_SECOND)
    }

    /// Parses the weight file format: `OCB1`, three little-endian u32 (inputs, hidden, outputs),
    /// then little-endian f32 `w1, b1, w2, b2`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Mlp, OcrError> {
        let bad = |what: &'static str| OcrError::Model(what);
        if bytes.get(..4) != Some(MAGIC.as_slice()) {
            return Err(bad("bad magic"));
        }
        let u32_at = |o: usize| -> Result<usize, OcrError> {
            let b = bytes.get(o..o + 4).ok_or(bad("truncated header"))?;
            Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        let (inputs, hidden, outputs) = (u32_at(4)?, u32_at(8)?, u32_at(12)?);
        if inputs != CELL_LEN || outputs != ALPHABET.len() || hidden == 0 || hidden > 4096 {
            return Err(bad("unexpected dimensions"));
        }
        let total = hidden * inputs + hidden + outputs * hidden + outputs;
        let body = bytes.get(16..).ok_or(bad("truncated body"))?;
        if body.len() != total * 4 {
            return Err(bad("wrong body length"));
        }
        let mut floats = body
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let mut take = |n: usize| -> Vec<f32> { floats.by_ref().take(n).collect() };
        let w1 = take(hidden * inputs);
        let b1 = take(hidden);
        let w2 = take(outputs * hidden);
        let b2 = take(outputs);
        if w1
            .iter()
            .chain(&b1)
            .chain(&w2)
            .chain(&b2)
            .any(|v| !v.is_finite())
        {
            return Err(bad("non-finite weight"));
        }
        Ok(Mlp {
            inputs,
            hidden,
            outputs,
            w1,
            b1,
            w2,
            b2,
        })
    }

    /// Serialises to the format [`Mlp::from_bytes`] reads.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for v in [self.inputs, self.hidden, self.outputs] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        for v in self
            .w1
            .iter()
            .chain(&self.b1)
            .chain(&self.w2)
            .chain(&self.b2)
        {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Hidden activations for one input (`inputs` values), written into `hidden`: unit `u` is
    /// `max(0, dot(w1 row u, x) + b1[u])`, with [`dot`]'s summation order exactly.
    ///
    /// Evaluated four units per pass over the input ([`four_rows`]): each chunk of eight inputs is
    /// loaded once and fed to the eight lane accumulators of four rows, straight from the row-major
    /// weights. About a quarter less time than four separate [`dot`]s and than the earlier layout
    /// (a second, interleaved copy of the weights with one broadcast of each input per multiply);
    /// see BENCHMARKS.md, sessions 17–18. The results are bit-identical to row-by-row [`dot`]s
    /// (tested).
    pub fn hidden_layer(&self, x: &[f32], hidden: &mut [f32]) {
        let n = self.inputs;
        let plain = |hidden: &mut [f32], skip: usize| {
            for ((h, row), b) in hidden
                .iter_mut()
                .zip(self.w1.chunks_exact(n.max(1)))
                .zip(&self.b1)
                .skip(skip)
            {
                *h = (dot(row, x) + b).max(0.0);
            }
        };
        if x.len() != n || n == 0 {
            plain(hidden, 0);
            return;
        }
        let (x8, x_tail) = x.as_chunks::<8>();
        let mut done = 0;
        for ((rows, out), bias) in self
            .w1
            .chunks_exact(n * UNITS_PER_PASS)
            .zip(hidden.chunks_exact_mut(UNITS_PER_PASS))
            .zip(self.b1.chunks_exact(UNITS_PER_PASS))
        {
            let row = |u: usize| rows.get(u * n..(u + 1) * n).unwrap_or_default();
            let split: [(&[[f32; 8]], &[f32]); UNITS_PER_PASS] =
                std::array::from_fn(|u| row(u).as_chunks::<8>());
            let acc = four_rows(x8, split.map(|(w8, _)| w8));
            for (((h, b), lanes), (_, w_tail)) in out.iter_mut().zip(bias).zip(&acc).zip(&split) {
                let tail: f32 = w_tail.iter().zip(x_tail).map(|(w, x)| w * x).sum();
                *h = (lanes.iter().sum::<f32>() + tail + b).max(0.0);
            }
            done += UNITS_PER_PASS;
        }
        plain(hidden, done);
    }

    /// Class probabilities (softmax) for one input.
    pub fn probabilities(&self, x: &[f32]) -> Vec<f32> {
        let mut hidden = vec![0f32; self.hidden];
        self.hidden_layer(x, &mut hidden);
        self.output(&hidden)
    }

    /// Class probabilities (softmax) from the hidden activations.
    fn output(&self, hidden: &[f32]) -> Vec<f32> {
        let mut logits = self.logits(hidden);
        softmax(&mut logits);
        logits
    }

    /// Class scores before the softmax, from the hidden activations.
    fn logits(&self, hidden: &[f32]) -> Vec<f32> {
        self.w2
            .chunks_exact(self.hidden)
            .zip(&self.b2)
            .map(|(row, b)| dot(row, hidden) + b)
            .collect()
    }

    /// Class scores before the softmax for one cell.
    fn cell_logits(&self, cell: &[f32]) -> Vec<f32> {
        let mut hidden = vec![0f32; self.hidden];
        self.hidden_layer(cell, &mut hidden);
        self.logits(&hidden)
    }

    /// Ranked alternatives (best first, at most `keep`) for one cell.
    pub fn classify(&self, cell: &[f32], keep: usize) -> Vec<Alternative> {
        rank(self.probabilities(cell), keep)
    }
}

/// The classes ranked by probability (best first, at most `keep`).
fn rank(p: Vec<f32>, keep: usize) -> Vec<Alternative> {
    let mut ranked: Vec<Alternative> = ALPHABET
        .iter()
        .zip(p)
        .map(|(&c, p)| (char::from(c), p))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(keep.max(1));
    ranked
}

/// Hidden units [`Mlp::hidden_layer`] evaluates per pass over the input.
const UNITS_PER_PASS: usize = 4;

/// The eight lane accumulators of [`dot`] for four rows against one input, loading each chunk of
/// eight inputs once. Kept out of line on purpose: inlined next to the four per-unit lane sums, the
/// compiler vectorised across the units instead of along the lanes (a shuffle per multiply) and the
/// layer took twice as long as four plain [`dot`]s; on its own it multiplies whole chunks.
#[inline(never)]
fn four_rows(x8: &[[f32; 8]], rows: [&[[f32; 8]]; UNITS_PER_PASS]) -> [[f32; 8]; UNITS_PER_PASS] {
    let mut acc = [[0f32; 8]; UNITS_PER_PASS];
    let [r0, r1, r2, r3] = rows;
    for ((((xc, w0), w1), w2), w3) in x8.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
        for (a, wc) in acc.iter_mut().zip([w0, w1, w2, w3]) {
            for ((a, &w), &xv) in a.iter_mut().zip(wc).zip(xc) {
                *a += w * xv;
            }
        }
    }
    acc
}

/// One or more classifiers read together, as a cascade: a cell the first member is sure of (top
/// probability ≥ `escalate_below`) takes its probabilities; any other cell the mean of all the
/// members' probabilities (a mixture). With one member this is exactly [`Mlp::classify`];
/// with `escalate_below` above 1 every cell is averaged.
///
/// The mixture, not the mean of log-probabilities: where two models lean the same way the latter
/// is surer than either (a name's `R` read as `Q` at 0.65 by one and 0.83 by the other came out at
/// 0.84, over the 0.8 bar for characters no check digit covers, and was reported valid); the mixture
/// stays between them (0.74). Measured on the committed set and six fresh seeds: log-mean 2 wrong
/// valid readings, mixture none (`src/ocr/README.md`).
#[derive(Clone, Debug)]
pub struct Ensemble {
    members: Vec<Mlp>,
    escalate_below: f32,
}

impl Ensemble {
    /// The members, in order (the first decides the sure cells); `None` when `models` is empty.
    pub fn new(models: Vec<Mlp>, escalate_below: f32) -> Option<Ensemble> {
        if models.is_empty() {
            return None;
        }
        Some(Ensemble {
            members: models,
            escalate_below,
        })
    }

    /// A single classifier.
    pub fn from_one(model: Mlp) -> Ensemble {
        Ensemble {
            members: vec![model],
            escalate_below: 0.0,
        }
    }

    /// The classifiers shipped in the crate, with [`ESCALATE_BELOW`].
    pub fn embedded() -> Result<Ensemble, OcrError> {
        let models = vec![Mlp::embedded()?, Mlp::embedded_second()?];
        Ensemble::new(models, ESCALATE_BELOW).ok_or(OcrError::Model("no classifier"))
    }

    /// The members.
    pub fn members(&self) -> &[Mlp] {
        &self.members
    }

    /// Ranked alternatives (best first, at most `keep`) for one cell.
    pub fn classify(&self, cell: &[f32], keep: usize) -> Vec<Alternative> {
        match self.members.as_slice() {
            [] => Vec::new(),
            [one] => one.classify(cell, keep),
            [first, rest @ ..] => {
                let mut sum = first.cell_logits(cell);
                softmax(&mut sum);
                if sum.iter().copied().fold(0.0, f32::max) >= self.escalate_below {
                    return rank(sum, keep);
                }
                for m in rest {
                    let mut p = m.cell_logits(cell);
                    softmax(&mut p);
                    for (s, q) in sum.iter_mut().zip(p) {
                        *s += q;
                    }
                }
                let n = self.members.len() as f32;
                sum.iter_mut().for_each(|s| *s /= n);
                rank(sum, keep)
            }
        }
    }
}

/// Dot product with eight independent accumulators, so the compiler can vectorise it
/// (a single running float sum cannot be reordered).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (xa, xb) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += xa[k] * xb[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// In-place numerically stable softmax.
pub fn softmax(v: &mut [f32]) {
    let m = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut s = 0.0;
    for x in v.iter_mut() {
        *x = (*x - m).exp();
        s += *x;
    }
    let s = if s > 0.0 { s } else { 1.0 };
    v.iter_mut().for_each(|x| *x /= s);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
