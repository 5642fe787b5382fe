//! Trains the embedded OCR-B classifier on cells cut by the real pipeline from generated training frames.
//!
//! ```text
//! cargo run --release --example make_ocr_fixtures -- /tmp/ocr-train7 --seed 7 --scale 3 --train
//! cargo run --release --example make_ocr_fixtures -- /tmp/ocr-train11 --seed 11 --scale 3 --train
//! cargo run --release --example train_ocr_classifier -- /tmp/ocr-train7,/tmp/ocr-train11 src/ocr/ocrb_mlp.bin 6 256 embedded
//! ```
//!
//! Arguments: `TRAIN_DIR[,TRAIN_DIR...] OUT.bin [EPOCHS] [HIDDEN] [REFERENCE.bin|embedded] [AUGMENT_STRENGTH] [BLANK_CELLS 0|1]`.
//!
//! Cells come from `ocr::mrz_line_candidates` (the sensitive second binarisation when the first finds
//! nothing, as the reader does) + `MrzGrid::sample` with the true character count, so the classifier sees
//! what the reader will feed it. Each line is cut once as located and several times with jittered
//! geometry (offset, cap-height position and pitch), so imperfect segmentation is in the training set.
//! Every cell is then augmented on the fly (affine warp, stroke thickness, blur, blocking, gamma,
//! contrast down to 20 %, a glare ramp, noise). Optimiser: Adam with a cosine learning-rate schedule.
//! With a reference model, per line the grid shift agreeing best with the truth is used and lines
//! that still disagree are dropped (misdetections would teach wrong labels).
//! Deterministic: fixed seed, single thread.

use bankid_activation::ocr::{self, ALPHABET, Binarization, Mlp, rectify};
use std::path::PathBuf;

const W: usize = rectify::CELL_W;
const H: usize = rectify::CELL_H;
const D: usize = rectify::CELL_LEN;

/// Jittered copies cut per line, besides the one as located.
const JITTER_COPIES: usize = 3;

/// Label of a cell that shows no character: trained towards the uniform distribution.
const BLANK: u8 = u8::MAX;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Uniform in [a, b).
    fn u(&mut self, a: f32, b: f32) -> f32 {
        a + (b - a) * self.f()
    }
    fn chance(&mut self, p: f32) -> bool {
        self.f() < p
    }
    fn gauss(&mut self) -> f32 {
        let u = self.f().max(1e-7);
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * self.f()).cos()
    }
}

/// Bilinear sample of a cell, 0 (paper) outside.
fn at(cell: &[f32], x: f32, y: f32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let px = |c: i32, r: i32| -> f32 {
        if c < 0 || r < 0 || c >= W as i32 || r >= H as i32 {
            0.0
        } else {
            cell[r as usize * W + c as usize]
        }
    };
    let (c, r) = (x0 as i32, y0 as i32);
    (px(c, r) * (1.0 - fx) + px(c + 1, r) * fx) * (1.0 - fy)
        + (px(c, r + 1) * (1.0 - fx) + px(c + 1, r + 1) * fx) * fy
}

/// 3×3 neighbourhood operator (clamped at the border), blended into `x` with weight `alpha`.
fn neighbourhood(x: &mut [f32], alpha: f32, op: impl Fn(&[f32; 9]) -> f32) {
    let src = x.to_vec();
    for r in 0..H {
        for c in 0..W {
            let mut n = [0f32; 9];
            for (k, v) in n.iter_mut().enumerate() {
                let rr = (r as i32 + k as i32 / 3 - 1).clamp(0, H as i32 - 1) as usize;
                let cc = (c as i32 + k as i32 % 3 - 1).clamp(0, W as i32 - 1) as usize;
                *v = src[rr * W + cc];
            }
            let i = r * W + c;
            x[i] = src[i] * (1.0 - alpha) + op(&n) * alpha;
        }
    }
}

/// Random degradation of one cell (values 0..1, 1 = ink), in place.
/// `strength` (0..=1) scales how often and how hard each degradation applies; 0 leaves only a light
/// contrast/offset/noise jitter.
fn augment(x: &mut [f32], rng: &mut Rng, strength: f32) {
    // Mostly clean copies stay in the mix.
    if strength <= 0.0 || rng.chance(0.15) {
        let gain = rng.u(0.8, 1.2);
        let bias = rng.u(-0.05, 0.05);
        for v in x.iter_mut() {
            *v = (*v * gain + bias + rng.gauss() * 0.03).clamp(0.0, 1.0);
        }
        return;
    }
    // Geometry: scale ±10 %, shear, small rotation, sub-pixel shift.
    let s = strength;
    if rng.chance(0.7 * s) {
        let src = x.to_vec();
        let sx = 1.0 / (1.0 + rng.u(-0.1, 0.1) * s);
        let sy = 1.0 / (1.0 + rng.u(-0.1, 0.1) * s);
        let shear = rng.u(-0.08, 0.08) * s;
        let rot = rng.u(-0.04, 0.04) * s;
        let tx = rng.u(-0.8, 0.8) * s;
        let ty = rng.u(-0.8, 0.8) * s;
        let (cx, cy) = (W as f32 / 2.0, H as f32 / 2.0);
        for r in 0..H {
            for c in 0..W {
                let u = c as f32 + 0.5 - cx;
                let v = r as f32 + 0.5 - cy;
                let su = u * sx + v * (shear - rot) + tx;
                let sv = v * sy + u * rot + ty;
                x[r * W + c] = at(&src, su + cx - 0.5, sv + cy - 0.5);
            }
        }
    }
    // Stroke thickness: grey dilation (bolder) or erosion (thinner), partially blended.
    if rng.chance(0.3 * s) {
        let alpha = rng.u(0.3, 1.0) * s;
        if rng.chance(0.5) {
            neighbourhood(x, alpha, |n| n[1].max(n[3]).max(n[4]).max(n[5]).max(n[7]));
        } else {
            neighbourhood(x, alpha, |n| n[1].min(n[3]).min(n[4]).min(n[5]).min(n[7]));
        }
    }
    // Blur.
    if rng.chance(0.3 * s) {
        let alpha = rng.u(0.3, 1.0) * s;
        neighbourhood(x, alpha, |n| {
            (n[0] + n[2] + n[6] + n[8] + 2.0 * (n[1] + n[3] + n[5] + n[7]) + 4.0 * n[4]) / 16.0
        });
    }
    // JPEG-like blocking: pull pixels towards their 4×4 block mean.
    if rng.chance(0.15 * s) {
        let alpha = rng.u(0.2, 0.6) * s;
        for br in (0..H).step_by(4) {
            for bc in (0..W).step_by(4) {
                let (r1, c1) = ((br + 4).min(H), (bc + 4).min(W));
                let mut s = 0.0;
                for r in br..r1 {
                    for c in bc..c1 {
                        s += x[r * W + c];
                    }
                }
                let m = s / ((r1 - br) * (c1 - bc)) as f32;
                for r in br..r1 {
                    for c in bc..c1 {
                        let i = r * W + c;
                        x[i] = x[i] * (1.0 - alpha) + m * alpha;
                    }
                }
            }
        }
    }
    // Photometry: gamma, contrast (down to 20 % as under glare), offset.
    let gamma = if rng.chance(0.5 * s) {
        (rng.u(-0.5, 0.5) * s).exp()
    } else {
        1.0
    };
    let gain = if rng.chance(0.25 * s) {
        rng.u(0.2, 0.6)
    } else {
        rng.u(0.75, 1.15)
    };
    let bias = rng.u(-0.08, 0.08);
    // Glare ramp: ink fades along a random direction over part of the cell.
    let glare = if rng.chance(0.2 * s) {
        let a = rng.u(0.0, std::f32::consts::TAU);
        Some((a.cos(), a.sin(), rng.u(-0.5, 0.5), rng.u(0.2, 0.7)))
    } else {
        None
    };
    let sigma = rng.u(0.0, 0.03 + 0.03 * s);
    for r in 0..H {
        for c in 0..W {
            let i = r * W + c;
            let mut v = x[i].clamp(0.0, 1.0).powf(gamma) * gain + bias;
            if let Some((dx, dy, off, keep)) = glare {
                let t = (c as f32 / W as f32 - 0.5) * dx + (r as f32 / H as f32 - 0.5) * dy - off;
                let fade = (t * 4.0).clamp(0.0, 1.0);
                v *= 1.0 - fade * (1.0 - keep);
            }
            x[i] = (v + rng.gauss() * sigma).clamp(0.0, 1.0);
        }
    }
}

/// Hidden activations and logits for one input.
fn forward(m: &Mlp, x: &[f32], h: &mut [f32], logits: &mut [f32]) {
    m.hidden_layer(x, h);
    for ((l, row), b) in logits
        .iter_mut()
        .zip(m.w2.chunks_exact(m.hidden))
        .zip(&m.b2)
    {
        *l = ocr::classify::dot(row, h) + b;
    }
}

struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Adam {
    fn new(n: usize) -> Adam {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }
    /// One step; `c1`/`c2` are the bias corrections `1 - beta^t`.
    fn step(&mut self, w: &mut [f32], g: &[f32], lr: f32, c1: f32, c2: f32) {
        for ((w, g), (m, v)) in w
            .iter_mut()
            .zip(g)
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            *m = 0.9 * *m + 0.1 * g;
            *v = 0.999 * *v + 0.001 * g * g;
            *w -= lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dirs: Vec<PathBuf> = args
        .first()
        .expect("usage: train_ocr_classifier TRAIN_DIR[,TRAIN_DIR...] OUT.bin [EPOCHS] [HIDDEN] [REFERENCE.bin|embedded] [AUGMENT_STRENGTH] [BLANK_CELLS 0|1]")
        .split(',')
        .map(PathBuf::from)
        .collect();
    let out = PathBuf::from(args.get(1).expect("OUT.bin"));
    let epochs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(6);
    let hidden: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(256);
    let strength: f32 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let blanks = args.get(6).is_none_or(|s| s != "0");
    let started = std::time::Instant::now();
    let mut images: Vec<(PathBuf, serde_json::Value)> = Vec::new();
    for dir in &dirs {
        let truth: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth.json"))
                .expect("json");
        assert!(
            truth["train"].as_bool() == Some(true),
            "{} was not generated with --train",
            dir.display()
        );
        images.extend(
            truth["images"]
                .as_array()
                .expect("images")
                .iter()
                .map(|i| (dir.clone(), i.clone())),
        );
    }
    let mut rng = Rng(20261201);
    // Cells quantised to u8 to keep the set in memory.
    let mut xs: Vec<u8> = Vec::new();
    let mut ys: Vec<u8> = Vec::new();
    let (mut used, mut skipped, mut dropped_lines) = (0, 0, 0);
    // Optional reference model (argument 5) to clean labels; "embedded" uses the crate's current weights.
    let reference: Option<Mlp> = match args.get(4).map(String::as_str) {
        Some("embedded") => Some(Mlp::embedded().expect("embedded model")),
        Some(path) => {
            Some(Mlp::from_bytes(&std::fs::read(path).expect("reference model")).expect("model"))
        }
        None => None,
    };
    for (dir, item) in &images {
        let Some(lines) = item["lines"].as_array() else {
            continue;
        };
        let lines: Vec<&str> = lines.iter().filter_map(|l| l.as_str()).collect();
        if lines.is_empty() {
            continue;
        }
        let chars = lines[0].len();
        let upside_down = item["rotation_deg"].as_f64().unwrap_or(0.0).abs() > 90.0;
        let bytes = std::fs::read(dir.join(item["file"].as_str().expect("file"))).expect("read");
        let img = ocr::decode_image(&bytes).expect("decode");
        let luma = ocr::frame::luma_plane(&img);
        let (w, h) = (img.width() as usize, img.height() as usize);
        let frame = ocr::LumaFrame::new(w, h, w, &luma).expect("frame");
        let fits = |c: &Vec<ocr::locate::TextLine>| {
            c.len() == lines.len() && ocr::char_count_options(c).contains(&chars)
        };
        let mut found = None;
        for pass in [Binarization::NORMAL, Binarization::SENSITIVE] {
            let cands = ocr::mrz_line_candidates_with(&frame, pass).expect("locate");
            if let Some(c) = cands.into_iter().find(|c| fits(c)) {
                found = Some(c);
                break;
            }
        }
        let Some(found) = found else {
            skipped += 1;
            continue;
        };
        used += 1;
        let labels: Vec<u8> = lines
            .concat()
            .bytes()
            .map(|b| ALPHABET.iter().position(|&a| a == b).expect("mrz char") as u8)
            .collect();
        let Some(grid) = ocr::MrzGrid::new(&frame, &found, chars) else {
            continue;
        };
        let k = found.len();
        for line in 0..k {
            // The truth line this line-frame line shows, in the line frame's reading order.
            let row = if upside_down { k - 1 - line } else { line };
            let mut want: Vec<u8> = labels[row * chars..(row + 1) * chars].to_vec();
            if upside_down {
                want.reverse();
            }
            let mut shift = 0.0;
            if let Some(model) = &reference {
                let mut best = (0usize, 0.0f32);
                for s in [-1.0f32, 0.0, 1.0] {
                    let mut c = Vec::new();
                    grid.sample(&frame, line, s, (0.0, 0.0), &mut c);
                    let agree = c
                        .chunks_exact(D)
                        .zip(&want)
                        .filter(|(cell, y)| {
                            let cell: Vec<f32> = if upside_down {
                                cell.iter().rev().copied().collect()
                            } else {
                                cell.to_vec()
                            };
                            model.classify(&cell, 1).first().map(|a| a.0 as u8)
                                == Some(ALPHABET[**y as usize])
                        })
                        .count();
                    if agree > best.0 {
                        best = (agree, s);
                    }
                }
                if best.0 * 10 < chars * 7 {
                    dropped_lines += 1;
                    continue;
                }
                shift = best.1;
            }
            for j in 0..=JITTER_COPIES {
                let mut g = grid.clone();
                let jitter = if j == 0 {
                    (0.0, 0.0)
                } else {
                    if let Some(a) = g.aligns.get_mut(line) {
                        // A pitch error of this size moves the line's last cell by ~0.2 pitch.
                        a.stretch += rng.gauss() * 0.005;
                    }
                    (rng.gauss() * 0.1, rng.gauss() * 0.08)
                };
                let mut c = Vec::new();
                g.sample(&frame, line, shift, jitter, &mut c);
                for (cell, &y) in c.chunks_exact(D).zip(&want) {
                    let q = |v: &f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                    // Upright reading orientation: an upside-down cell is rotated by 180°.
                    if upside_down {
                        xs.extend(cell.iter().rev().map(q));
                    } else {
                        xs.extend(cell.iter().map(q));
                    }
                    ys.push(y);
                }
            }
            if blanks {
                // The cell just before the first and just after the last character: paper (or whatever
                // lies beyond the line), taught as "no character" so a grid one pitch off is not read
                // with full confidence.
                for (s, pick) in [(shift - 1.0, 0), (shift + 1.0, chars - 1)] {
                    let mut c = Vec::new();
                    grid.sample(&frame, line, s, (0.0, 0.0), &mut c);
                    let Some(cell) = c.get(pick * D..(pick + 1) * D) else {
                        continue;
                    };
                    xs.extend(
                        cell.iter()
                            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8),
                    );
                    ys.push(BLANK);
                }
            }
        }
    }
    let n = ys.len();
    eprintln!(
        "{used} frames used, {skipped} not located, {dropped_lines} lines dropped; {n} cells ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    let classes = ALPHABET.len();
    // Every 64th cell is held out to watch generalisation (not trained on).
    let (train_idx, held): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % 64 != 17);
    // He initialisation.
    let mut m = Mlp {
        inputs: D,
        hidden,
        outputs: classes,
        w1: (0..hidden * D)
            .map(|_| rng.gauss() * (2.0 / D as f32).sqrt())
            .collect(),
        b1: vec![0.0; hidden],
        w2: (0..classes * hidden)
            .map(|_| rng.gauss() * (1.0 / hidden as f32).sqrt())
            .collect(),
        b2: vec![0.0; classes],
    };
    let mut order = train_idx;
    let batch = 64;
    let steps_total = epochs * order.len().div_ceil(batch);
    let mut opt = [
        Adam::new(m.w1.len()),
        Adam::new(hidden),
        Adam::new(m.w2.len()),
        Adam::new(classes),
    ];
    let mut g1 = vec![0f32; m.w1.len()];
    let mut gb1 = vec![0f32; hidden];
    let mut g2 = vec![0f32; m.w2.len()];
    let mut gb2 = vec![0f32; classes];
    let mut h = vec![0f32; hidden];
    let mut dh = vec![0f32; hidden];
    let mut p = vec![0f32; classes];
    let mut x = vec![0f32; D];
    let (mut step, mut b1t, mut b2t) = (0usize, 1.0f32, 1.0f32);
    // Held-out error on characters (%) and mean top probability on blank cells.
    let held_error = |m: &Mlp| -> (f64, f64) {
        let (mut h, mut p, mut x) = (vec![0f32; m.hidden], vec![0f32; classes], vec![0f32; D]);
        let (mut wrong, mut chars_n, mut blank_n, mut blank_top) = (0usize, 0usize, 0usize, 0.0f64);
        for &s in &held {
            for (v, &q) in x.iter_mut().zip(&xs[s * D..(s + 1) * D]) {
                *v = f32::from(q) / 255.0;
            }
            forward(m, &x, &mut h, &mut p);
            if ys[s] == BLANK {
                ocr::classify::softmax(&mut p);
                blank_n += 1;
                blank_top += f64::from(p.iter().copied().fold(0.0, f32::max));
                continue;
            }
            let argmax = (0..classes)
                .max_by(|&a, &b| p[a].total_cmp(&p[b]))
                .unwrap_or(0);
            wrong += usize::from(argmax != ys[s] as usize);
            chars_n += 1;
        }
        (
            100.0 * wrong as f64 / chars_n.max(1) as f64,
            blank_top / blank_n.max(1) as f64,
        )
    };
    if let Some(r) = reference.as_ref().filter(|r| r.inputs == D) {
        let (e, b) = held_error(r);
        eprintln!("reference model: held-out error {e:.3}%, blank top probability {b:.3}");
    }
    for epoch in 0..epochs {
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let (mut loss, mut errors) = (0.0f64, 0usize);
        for chunk in order.chunks(batch) {
            g1.iter_mut().for_each(|v| *v = 0.0);
            g2.iter_mut().for_each(|v| *v = 0.0);
            gb1.iter_mut().for_each(|v| *v = 0.0);
            gb2.iter_mut().for_each(|v| *v = 0.0);
            for &s in chunk {
                for (v, &q) in x.iter_mut().zip(&xs[s * D..(s + 1) * D]) {
                    *v = f32::from(q) / 255.0;
                }
                augment(&mut x, &mut rng, strength);
                forward(&m, &x, &mut h, &mut p);
                ocr::classify::softmax(&mut p);
                if ys[s] == BLANK {
                    // Cross-entropy against the uniform distribution: dL/dlogits = p - 1/classes.
                    let u = 1.0 / classes as f32;
                    loss -= p.iter().map(|&v| f64::from(v.max(1e-9).ln())).sum::<f64>()
                        / classes as f64;
                    p.iter_mut().for_each(|v| *v -= u);
                } else {
                    let y = ys[s] as usize;
                    loss -= f64::from(p[y].max(1e-9).ln());
                    let argmax = (0..classes)
                        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
                        .unwrap_or(0);
                    errors += usize::from(argmax != y);
                    // dL/dlogits = p - onehot.
                    p[y] -= 1.0;
                }
                dh.iter_mut().for_each(|v| *v = 0.0);
                for (c, &dp) in p.iter().enumerate() {
                    gb2[c] += dp;
                    let row = &m.w2[c * hidden..(c + 1) * hidden];
                    let grow = &mut g2[c * hidden..(c + 1) * hidden];
                    for ((g, d), (&w, &hv)) in
                        grow.iter_mut().zip(dh.iter_mut()).zip(row.iter().zip(&h))
                    {
                        *g += dp * hv;
                        *d += dp * w;
                    }
                }
                for k in 0..hidden {
                    if h[k] <= 0.0 {
                        continue;
                    }
                    let dk = dh[k];
                    gb1[k] += dk;
                    for (g, xv) in g1[k * D..(k + 1) * D].iter_mut().zip(&x) {
                        *g += dk * xv;
                    }
                }
            }
            // Cosine schedule from 2e-3 to ~0 with a short warm-up.
            let t = step as f32 / steps_total.max(1) as f32;
            let warm = ((step + 1) as f32 / 500.0).min(1.0);
            let lr = 2e-3 * warm * 0.5 * (1.0 + (std::f32::consts::PI * t).cos()) + 1e-5;
            step += 1;
            b1t *= 0.9;
            b2t *= 0.999;
            let (c1, c2) = (1.0 - b1t, 1.0 - b2t);
            let inv = 1.0 / chunk.len() as f32;
            for g in [&mut g1, &mut gb1, &mut g2, &mut gb2] {
                g.iter_mut().for_each(|v| *v *= inv);
            }
            opt[0].step(&mut m.w1, &g1, lr, c1, c2);
            opt[1].step(&mut m.b1, &gb1, lr, c1, c2);
            opt[2].step(&mut m.w2, &g2, lr, c1, c2);
            opt[3].step(&mut m.b2, &gb2, lr, c1, c2);
        }
        let (e, b) = held_error(&m);
        eprintln!(
            "epoch {epoch}: loss {:.4}, augmented train error {:.3}%, held-out error {e:.3}%, blank top probability {b:.3} ({:.0} s)",
            loss / order.len() as f64,
            100.0 * errors as f64 / order.len() as f64,
            started.elapsed().as_secs_f64()
        );
    }
    std::fs::write(&out, m.to_bytes()).expect("write weights");
    eprintln!("wrote {} ({} bytes)", out.display(), m.to_bytes().len());
}
