//! Per-image diagnosis of the native reader: exactness, validity, and which gate refuses.
//!
//! `cargo run --release --example ocr_diag -- fixtures/ocr [FILTER]` (FILTER: substring of the
//! file name or the subtype, e.g. `lowres`).
//!
//! Per image: `viol` (class violations), `exact`, `valid`, `checks`, `mean` / `min` (character
//! probabilities), `uncprod` / `uncmin` (product and least in-class probability of the characters
//! no check digit covers), `unsure` (most characters under 0.5 that one check digit covers), `ud`
//! (read upside down); then one line per character that is wrong, under 0.2, uncovered and under
//! 0.8 in its class, or covered and under 0.5, with its three best alternatives.
//!
//! `OCR_MODELS=a.bin,embedded` reads with other weights, several averaged per cell (see
//! `examples/common/models.rs`).

#[path = "common/models.rs"]
mod models;

use bankid_activation::ocr::{self, layout};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map_or("fixtures/ocr", String::as_str);
    let filter = args.get(2).cloned().unwrap_or_default();
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/truth.json")).expect("truth.json"),
    )
    .expect("json");
    let reader = models::reader_from_env();
    for item in truth["images"].as_array().expect("images") {
        let file = item["file"].as_str().unwrap_or_default();
        let subtype = item["subtype"].as_str().unwrap_or_default();
        if !filter.is_empty() && !file.contains(&filter) && subtype != filter {
            continue;
        }
        let expected: Option<Vec<String>> = item["lines"].as_array().map(|a| {
            a.iter()
                .map(|l| l.as_str().unwrap_or_default().to_string())
                .collect()
        });
        let bytes = std::fs::read(format!("{dir}/{file}")).expect("read");
        let img = ocr::decode_image(&bytes).expect("decode");
        let got = reader.read_image(&img).expect("read");
        let Some(r) = got else {
            println!("{file} [{subtype}] NONE");
            continue;
        };
        let exact = expected.as_ref() == Some(&r.lines);
        let mut why = Vec::new();
        if r.checks.0 != r.checks.1 {
            why.push(format!("checks {}/{}", r.checks.0, r.checks.1));
        }
        if r.confidence < 0.75 {
            why.push(format!("mean {:.3}", r.confidence));
        }
        let classes = layout::classes(r.format);
        let coverage = layout::coverage(r.format);
        let codes = layout::code_fields(r.format);
        let mut low = Vec::new();
        let mut unc_logp = 0.0f32;
        let mut unc_min = 1.0f32;
        // The probability of each character as read, `[line][column]`.
        let mut p_read: Vec<Vec<f32>> = Vec::new();
        for (l, (row, line)) in r.candidates.iter().zip(&r.lines).enumerate() {
            p_read.push(Vec::new());
            for (c, (alts, ch)) in row.iter().zip(line.chars()).enumerate() {
                let p = alts.iter().find(|a| a.0 == ch).map_or(0.0, |a| a.1);
                if let Some(row_p) = p_read.last_mut() {
                    row_p.push(p);
                }
                let class = classes[l][c];
                let allowed: f32 = alts.iter().filter(|a| class.allows(a.0)).map(|a| a.1).sum();
                let pin = if allowed > 0.0 { p / allowed } else { 0.0 };
                let covered = coverage[l][c] > 0;
                let in_code = codes
                    .iter()
                    .any(|&(cl, cs)| cl == l && (cs..cs + 3).contains(&c));
                if !covered && !in_code {
                    unc_logp += pin.max(1e-6).ln();
                    unc_min = unc_min.min(pin);
                }
                let truth_ch = expected
                    .as_ref()
                    .and_then(|e| e.get(l))
                    .and_then(|s| s.chars().nth(c));
                let wrong = truth_ch.is_some_and(|t| t != ch);
                let flag = if p < 0.2 {
                    Some("<0.2")
                } else if !covered && !in_code && pin < 0.8 {
                    Some("unc<0.8")
                } else if covered && p < 0.5 {
                    Some("<0.5")
                } else {
                    None
                };
                if wrong || flag.is_some() {
                    let alts_s: Vec<String> = alts
                        .iter()
                        .take(3)
                        .map(|a| format!("{}{:.2}", a.0, a.1))
                        .collect();
                    low.push(format!(
                        "  L{l}C{c} got {ch} truth {} p {p:.3} pin {pin:.3} cov {} {} [{}]",
                        truth_ch.unwrap_or('?'),
                        coverage[l][c],
                        flag.unwrap_or(if wrong { "WRONG" } else { "" }),
                        alts_s.join(" ")
                    ));
                }
            }
        }
        // Per check digit: how many of the characters it covers (itself included) were read with a
        // probability under 0.5; the largest such count over the format's check digits.
        let p_at = |l: usize, c: usize| p_read.get(l).and_then(|r| r.get(c)).map_or(0.0, |&p| p);
        let unsure_per_check = layout::checks(r.format)
            .iter()
            .map(|check| {
                check
                    .spans
                    .iter()
                    .flat_map(|&(l, from, to)| (from..to).map(move |c| (l, c)))
                    .chain(std::iter::once(check.at))
                    .filter(|&(l, c)| p_at(l, c) < 0.5)
                    .count()
            })
            .max()
            .unwrap_or(0);
        println!(
            "{file} [{subtype}] viol {} exact {} valid {} checks {}/{} mean {:.3} min {:.3} uncprod {:.3} uncmin {:.3} unsure {unsure_per_check} ud {} {}",
            r.class_violations,
            exact,
            r.valid,
            r.checks.0,
            r.checks.1,
            r.confidence,
            r.min_confidence,
            unc_logp.exp(),
            unc_min,
            r.upside_down,
            why.join(", ")
        );
        for s in low {
            println!("{s}");
        }
        if !exact && let Some(e) = &expected {
            for (a, b) in e.iter().zip(&r.lines) {
                if a != b {
                    println!("  truth {a}\n  read  {b}");
                }
            }
        }
    }
}
