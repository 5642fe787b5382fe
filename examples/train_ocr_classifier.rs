//! Trains the embedded OCR-B classifier on cells cut by the real pipeline from generated training frames.
//!
//! ```text
//! cargo run --release --example make_ocr_fixtures -- /tmp/ocr-train --seed 7 --scale 3 --train
//! cargo run --release --example train_ocr_classifier -- /tmp/ocr-train src/ocr/ocrb_mlp.bin
//! ```
//!
//! Cells come from `ocr::mrz_line_candidates` + `ocr::sample_cells_jittered` with the true character
//! count, so the classifier sees exactly what the reader will feed it (including alignment errors,
//! which the jitter augments). Deterministic: fixed seed, single thread.

use bankid_activation::ocr::{self, ALPHABET, Mlp, rectify};
use std::path::PathBuf;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn gauss(&mut self) -> f32 {
        let u = self.f().max(1e-7);
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * self.f()).cos()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dirs: Vec<PathBuf> = args
        .first()
        .expect("usage: train_ocr_classifier TRAIN_DIR[,TRAIN_DIR...] OUT.bin [EPOCHS] [HIDDEN] [REFERENCE.bin|embedded]")
        .split(',')
        .map(PathBuf::from)
        .collect();
    let out = PathBuf::from(args.get(1).expect("OUT.bin"));
    let epochs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let hidden: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(128);
    let mut images: Vec<(PathBuf, serde_json::Value)> = Vec::new();
    for dir in &dirs {
        let truth: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth.json"))
                .expect("json");
        images.extend(
            truth["images"]
                .as_array()
                .expect("images")
                .iter()
                .map(|i| (dir.clone(), i.clone())),
        );
    }
    let mut rng = Rng(20261201);
    let mut xs: Vec<f32> = Vec::new();
    let mut ys: Vec<u8> = Vec::new();
    let (mut used, mut skipped, mut dropped_lines) = (0, 0, 0);
    // Optional reference model (argument 4) to clean labels; "embedded" uses the crate's current weights.
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
        let luma = img.to_luma8();
        let (w, h) = (luma.width() as usize, luma.height() as usize);
        let frame = ocr::LumaFrame::new(w, h, w, luma.as_raw()).expect("frame");
        let cands = ocr::mrz_line_candidates(&frame).expect("locate");
        let Some(found) = cands
            .iter()
            .find(|c| c.len() == lines.len() && ocr::char_count_options(c).contains(&chars))
        else {
            skipped += 1;
            continue;
        };
        used += 1;
        let labels: Vec<u8> = lines
            .concat()
            .bytes()
            .map(|b| ALPHABET.iter().position(|&a| a == b).expect("mrz char") as u8)
            .collect();
        let Some(grid) = ocr::MrzGrid::new(&frame, found, chars) else {
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
            // With a reference model, pick the grid shift that agrees with the truth and drop lines that
            // still disagree (misdetections would teach wrong labels).
            let mut shift = 0.0;
            if let Some(model) = &reference {
                let mut best = (0usize, 0.0f32);
                for s in [-1.0f32, 0.0, 1.0] {
                    let mut c = Vec::new();
                    grid.sample(&frame, line, s, (0.0, 0.0), &mut c);
                    let agree = c
                        .chunks_exact(rectify::CELL_LEN)
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
            for j in 0..3 {
                let jitter = if j == 0 {
                    (0.0, 0.0)
                } else {
                    (rng.gauss() * 0.08, rng.gauss() * 0.06)
                };
                let mut c = Vec::new();
                grid.sample(&frame, line, shift, jitter, &mut c);
                for (cell, &y) in c.chunks_exact(rectify::CELL_LEN).zip(&want) {
                    // Upright reading orientation: an upside-down cell is rotated by 180°.
                    if upside_down {
                        xs.extend(cell.iter().rev());
                    } else {
                        xs.extend_from_slice(cell);
                    }
                    ys.push(y);
                }
            }
        }
    }
    let n = ys.len();
    let d = rectify::CELL_LEN;
    eprintln!(
        "{used} frames used, {skipped} not located, {dropped_lines} lines dropped; {n} cells"
    );
    let classes = ALPHABET.len();
    // He initialisation.
    let mut m = Mlp {
        inputs: d,
        hidden,
        outputs: classes,
        w1: (0..hidden * d)
            .map(|_| rng.gauss() * (2.0 / d as f32).sqrt())
            .collect(),
        b1: vec![0.0; hidden],
        w2: (0..classes * hidden)
            .map(|_| rng.gauss() * (2.0 / hidden as f32).sqrt())
            .collect(),
        b2: vec![0.0; classes],
    };
    let mut order: Vec<usize> = (0..n).collect();
    let batch = 32;
    let mut v1 = vec![0f32; m.w1.len()];
    let mut vb1 = vec![0f32; hidden];
    let mut v2 = vec![0f32; m.w2.len()];
    let mut vb2 = vec![0f32; classes];
    let mut g1 = vec![0f32; m.w1.len()];
    let mut gb1 = vec![0f32; hidden];
    let mut g2 = vec![0f32; m.w2.len()];
    let mut gb2 = vec![0f32; classes];
    let mut h = vec![0f32; hidden];
    let mut x = vec![0f32; d];
    for epoch in 0..epochs {
        for i in (1..n).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let lr = 0.02 * (1.0 - epoch as f32 / epochs as f32) + 0.001;
        let (mut loss, mut errors) = (0.0f64, 0usize);
        for chunk in order.chunks(batch) {
            g1.iter_mut().for_each(|v| *v = 0.0);
            g2.iter_mut().for_each(|v| *v = 0.0);
            gb1.iter_mut().for_each(|v| *v = 0.0);
            gb2.iter_mut().for_each(|v| *v = 0.0);
            for &s in chunk {
                x.copy_from_slice(&xs[s * d..(s + 1) * d]);
                // Augment: contrast, offset and pixel noise.
                let gain = 0.8 + 0.4 * rng.f();
                let bias = (rng.f() - 0.5) * 0.1;
                for v in x.iter_mut() {
                    *v = (*v * gain + bias + rng.gauss() * 0.03).clamp(0.0, 1.0);
                }
                m.hidden_layer(&x, &mut h);
                let mut p: Vec<f32> =
                    m.w2.chunks_exact(hidden)
                        .zip(&m.b2)
                        .map(|(row, b)| row.iter().zip(&h).map(|(w, v)| w * v).sum::<f32>() + b)
                        .collect();
                ocr::classify::softmax(&mut p);
                let y = ys[s] as usize;
                loss -= f64::from(p[y].max(1e-9).ln());
                let argmax = (0..classes)
                    .max_by(|&a, &b| p[a].total_cmp(&p[b]))
                    .unwrap_or(0);
                if argmax != y {
                    errors += 1;
                }
                p[y] -= 1.0;
                // Backprop: dL/dlogits = p - onehot.
                let mut dh = vec![0f32; hidden];
                for (c, &dp) in p.iter().enumerate() {
                    gb2[c] += dp;
                    let row = &m.w2[c * hidden..(c + 1) * hidden];
                    let grow = &mut g2[c * hidden..(c + 1) * hidden];
                    for k in 0..hidden {
                        grow[k] += dp * h[k];
                        dh[k] += dp * row[k];
                    }
                }
                for k in 0..hidden {
                    if h[k] <= 0.0 {
                        continue;
                    }
                    gb1[k] += dh[k];
                    let grow = &mut g1[k * d..(k + 1) * d];
                    for (g, xv) in grow.iter_mut().zip(&x) {
                        *g += dh[k] * xv;
                    }
                }
            }
            let scale = lr / chunk.len() as f32;
            for (w, (v, g)) in m.w1.iter_mut().zip(v1.iter_mut().zip(&g1)) {
                *v = 0.9 * *v - scale * g;
                *w += *v;
            }
            for (w, (v, g)) in m.b1.iter_mut().zip(vb1.iter_mut().zip(&gb1)) {
                *v = 0.9 * *v - scale * g;
                *w += *v;
            }
            for (w, (v, g)) in m.w2.iter_mut().zip(v2.iter_mut().zip(&g2)) {
                *v = 0.9 * *v - scale * g;
                *w += *v;
            }
            for (w, (v, g)) in m.b2.iter_mut().zip(vb2.iter_mut().zip(&gb2)) {
                *v = 0.9 * *v - scale * g;
                *w += *v;
            }
        }
        eprintln!(
            "epoch {epoch}: loss {:.4}, train error {:.3}%",
            loss / n as f64,
            100.0 * errors as f64 / n as f64
        );
    }
    std::fs::write(&out, m.to_bytes()).expect("write weights");
    eprintln!("wrote {} ({} bytes)", out.display(), m.to_bytes().len());
}
