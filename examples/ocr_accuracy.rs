//! Accuracy and speed of the MRZ readers over a fixture directory with `truth.json`.
//!
//! `cargo run --release --example ocr_accuracy -- fixtures/ocr [--verbose] [--backend native|tesseract|both] [--luma rec709|bt601]`
//!
//! The Tesseract backend needs `--features tesseract`; `both` runs the native reader and then
//! Tesseract over the same images in one run and prints their rows side by side (a `backend`
//! column). With a Tesseract backend the example re-executes itself with `OMP_THREAD_LIMIT=1`
//! unless that variable is already set (libgomp reads it at load time), so Tesseract runs on one
//! thread like the native reader.
//!
//! A document counts as exact when every line equals the truth. Negatives count a false accept
//! when the reader reports a *valid* MRZ.
//!
//! Some glare frames have MRZ cells whose ink the glare washed out (`illegible` in `truth.json`, see
//! `fixtures/ocr/README.md`): no single frame can be read exactly there, and the right answer is to
//! refuse. `exact %` stays literal (every line equal to the truth). `correct %` counts a positive
//! without illegible cells as correct when it is exact, one with illegible cells when it is exact *or*
//! not reported valid, and a negative when it is not reported valid; a valid but wrong reading is
//! always wrong (and counted in `wrong valid`). `legible exact %` is the exact rate over the positives
//! without illegible cells; `illegible` is how many positives have them and `illeg. refused` how many
//! of those the reader did not report valid (the rest were read exactly or are wrong valids). Times: decode excluded; median and p95 per image, wall clock and the
//! reading thread's CPU time.
//! Peak memory is the process's `VmHWM` (peak resident set, `/proc/self/status`) at the end: it is
//! process-wide, so with `both` it is the larger of the two backends (images are decoded one at a time).
//!
//! `--luma bt601` reads each image's BT.601 luma (0.299 R + 0.587 G + 0.114 B: the Y plane a JPEG
//! stores and most phone cameras hand over, which `read_luma` then takes) instead of the Rec. 709
//! luma that `read_mrz` and `scan` compute from decoded RGB ([`ocr::frame::luma_plane`]); the
//! classifiers were trained on the latter.
//!
//! `OCR_MODELS=a.bin,embedded` reads with other weights, several averaged per cell (see
//! `examples/common/models.rs`).

#[path = "common/bt601.rs"]
mod bt601;
#[path = "common/models.rs"]
mod models;

use bankid_activation::ocr;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Default)]
struct Tally {
    n: usize,
    exact: usize,
    found: usize,
    valid: usize,
    wrong_valid: usize,
    /// Images judged correct (see the module docs).
    correct: usize,
    /// Positives without illegible cells, and how many of them were read exactly.
    legible: usize,
    legible_exact: usize,
    /// Positives with illegible cells, and how many of them were not reported valid.
    illegible: usize,
    illegible_refused: usize,
    ms: Vec<f64>,
    /// Per-image CPU time of the reading thread (scheduler, ns resolution); NaN if unavailable.
    cpu_ms: Vec<f64>,
}

fn pct(a: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * a as f64 / n as f64
    }
}

fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(((s.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

/// One recogniser behind the same pipeline.
enum Engine {
    Native(ocr::MrzReader),
    #[cfg(feature = "tesseract")]
    Tesseract(Box<ocr::tesseract::TesseractReader>),
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::Native(_) => "native",
            #[cfg(feature = "tesseract")]
            Engine::Tesseract(_) => "tesseract",
        }
    }

    fn read(&mut self, frame: &ocr::LumaFrame<'_>) -> Option<ocr::MrzReading> {
        match self {
            Engine::Native(r) => r.read_frame(frame).expect("read"),
            #[cfg(feature = "tesseract")]
            Engine::Tesseract(r) => r.read_frame(frame).expect("read"),
        }
    }
}

fn engines(backend: &str) -> Vec<Engine> {
    let native = || Engine::Native(models::reader_from_env());
    #[cfg(feature = "tesseract")]
    let tess = || {
        Engine::Tesseract(Box::new(
            ocr::tesseract::TesseractReader::new().unwrap_or_else(|e| panic!("tesseract: {e}")),
        ))
    };
    match backend {
        "native" => vec![native()],
        #[cfg(feature = "tesseract")]
        "tesseract" => vec![tess()],
        #[cfg(feature = "tesseract")]
        "both" => vec![native(), tess()],
        #[cfg(not(feature = "tesseract"))]
        "tesseract" | "both" => {
            eprintln!("--backend {backend}: build with `--features tesseract`");
            std::process::exit(2)
        }
        other => {
            eprintln!("--backend {other}: expected native, tesseract or both");
            std::process::exit(2)
        }
    }
}

/// Re-runs this program with `OMP_THREAD_LIMIT=1` when a Tesseract backend is asked for and the
/// variable is unset: libgomp reads it when the library loads, before `main`.
fn reexec_single_threaded(backend: &str) {
    if backend == "native" || std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .status()
        .expect("re-exec");
    std::process::exit(status.code().unwrap_or(1));
}

/// Which luma the reader is given (`--luma`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Luma {
    /// Rec. 709 of the decoded RGB, as `read_mrz` and `scan` compute it.
    Rec709,
    /// BT.601 of the decoded RGB: the JPEG's own Y plane up to rounding (the inverse of the
    /// decoder's YCbCr → RGB step), as a camera hands it over.
    Bt601,
}

struct Image {
    file: String,
    category: String,
    format: String,
    subtype: String,
    expected: Option<Vec<String>>,
    /// MRZ cells the glare washed out (`illegible` in truth.json; 0 when absent).
    illegible: usize,
    path: PathBuf,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.iter()
            .enumerate()
            .find(|(i, a)| {
                !a.starts_with("--")
                    && (*i == 0
                        || args
                            .get(i - 1)
                            .is_none_or(|p| p != "--backend" && p != "--luma"))
            })
            .map_or("fixtures/ocr", |(_, a)| a.as_str()),
    );
    let verbose = args.iter().any(|a| a == "--verbose");
    let backend = args
        .iter()
        .position(|a| a == "--backend")
        .and_then(|i| args.get(i + 1))
        .map_or("native", String::as_str)
        .to_string();
    let luma = match args
        .iter()
        .position(|a| a == "--luma")
        .and_then(|i| args.get(i + 1))
        .map_or("rec709", String::as_str)
    {
        "rec709" => Luma::Rec709,
        "bt601" => Luma::Bt601,
        other => {
            eprintln!("--luma {other}: expected rec709 or bt601");
            std::process::exit(2)
        }
    };
    reexec_single_threaded(&backend);
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth.json"))
            .expect("json");
    // The same images for each backend; each is decoded when read (decode is not timed), so the
    // peak memory is that of one image plus the reader, not of the whole set.
    let images: Vec<Image> = truth["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|item| {
            let file = item["file"].as_str().expect("file").to_string();
            Image {
                category: item["category"].as_str().unwrap_or("?").to_string(),
                format: item["format"].as_str().unwrap_or("none").to_string(),
                subtype: item["subtype"].as_str().unwrap_or("").to_string(),
                expected: item["lines"].as_array().map(|a| {
                    a.iter()
                        .filter_map(|l| l.as_str().map(String::from))
                        .collect()
                }),
                illegible: item["illegible"].as_array().map_or(0, Vec::len),
                path: dir.join(&file),
                file,
            }
        })
        .collect();
    let mut engines = engines(&backend);
    println!(
        "| backend | set | images | exact % | correct % | legible exact % | illegible | illeg. refused | found % | valid % | wrong valid | median ms | p95 ms | median CPU ms | p95 CPU ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut cpu_lines = Vec::new();
    for engine in &mut engines {
        let name = engine.name();
        let (rows, cpu_ms, wall_s) = run(engine, &images, verbose, luma);
        for (set, t) in &rows {
            println!(
                "| {name} | {set} | {} | {:.1} | {:.1} | {} | {} | {} | {:.1} | {:.1} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
                t.n,
                pct(t.exact, t.n),
                pct(t.correct, t.n),
                if t.legible == 0 {
                    "-".to_string()
                } else {
                    format!("{:.1}", pct(t.legible_exact, t.legible))
                },
                t.illegible,
                t.illegible_refused,
                pct(t.found, t.n),
                pct(t.valid, t.n),
                t.wrong_valid,
                quantile(&t.ms, 0.5),
                quantile(&t.ms, 0.95),
                quantile(&t.cpu_ms, 0.5),
                quantile(&t.cpu_ms, 0.95)
            );
        }
        if let Some(cpu) = cpu_ms {
            cpu_lines.push(format!(
                "{name}: CPU time {cpu:.2} ms per image in read_frame (decode excluded); wall time in read_frame {wall_s:.2} s in all"
            ));
        }
    }
    // Wall-clock times above suffer when other processes share the cores; CPU time does not (as much).
    println!();
    for l in cpu_lines {
        println!("{l}");
    }
    if let Some(kb) = peak_rss_kb() {
        println!(
            "peak memory (VmHWM, whole process: one decoded image at a time + every backend run): {:.1} MiB",
            kb as f64 / 1024.0
        );
    }
}

/// Runs one backend over all images: rows per category, subtype, format and all; CPU ms per image.
fn run(
    engine: &mut Engine,
    images: &[Image],
    verbose: bool,
    luma: Luma,
) -> (Vec<(String, Tally)>, Option<f64>, f64) {
    let mut by_cat: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_fmt: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_sub: BTreeMap<String, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    let mut read_cpu = 0.0f64;
    let mut cpu_ok = true;
    for img in images {
        let bytes = std::fs::read(&img.path).expect("read image");
        let decoded = ocr::decode_image(&bytes).expect("decode");
        // The luma plane as `read_mrz` and `scan` take it, or as a camera's Y plane (not timed:
        // the camera API takes luma).
        let luma = match luma {
            Luma::Rec709 => ocr::frame::luma_plane(&decoded).into_owned(),
            Luma::Bt601 => bt601::luma(&decoded),
        };
        let (w, h) = (decoded.width() as usize, decoded.height() as usize);
        drop(decoded);
        let cpu0 = cpu_seconds();
        let thread0 = thread_cpu_ns();
        let t0 = Instant::now();
        let frame = ocr::LumaFrame::new(w, h, w, &luma).expect("frame");
        let got = engine.read(&frame);
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let cpu_ms = match (thread0, thread_cpu_ns()) {
            (Some(a), Some(b)) => b.saturating_sub(a) as f64 / 1e6,
            _ => f64::NAN,
        };
        match (cpu0, cpu_seconds()) {
            (Some(a), Some(b)) => read_cpu += b - a,
            _ => cpu_ok = false,
        }
        let exact = match (&img.expected, &got) {
            (Some(e), Some(g)) => *e == g.lines,
            _ => false,
        };
        let valid = got.as_ref().is_some_and(|g| g.valid);
        let wrong_valid = valid && !exact;
        let illegible = img.expected.is_some() && img.illegible > 0;
        let correct = match &img.expected {
            None => !valid,
            Some(_) if illegible => exact || !valid,
            Some(_) => exact,
        };
        if verbose && (!exact || img.expected.is_none() && got.is_some() || illegible) {
            let outcome = match (exact, valid) {
                (true, _) => "exact",
                (false, true) => "WRONG VALID",
                (false, false) if got.is_some() => "refused (read, not valid)",
                (false, false) => "refused (no MRZ found)",
            };
            let note = if illegible {
                format!(" [{} illegible cells; {outcome}]", img.illegible)
            } else {
                format!(" [{outcome}]")
            };
            eprintln!(
                "[{}] {}{note}: expected {:?}\n    got {:?}",
                engine.name(),
                img.file,
                img.expected,
                got.as_ref().map(|g| (&g.lines, g.checks, g.confidence))
            );
        }
        let mut sub_dummy = Tally::default();
        let sub = if img.subtype.is_empty() {
            &mut sub_dummy
        } else {
            by_sub
                .entry(format!("{}/{}", img.category, img.subtype))
                .or_default()
        };
        for t in [
            by_cat.entry(img.category.clone()).or_default(),
            by_fmt.entry(img.format.clone()).or_default(),
            sub,
            &mut all,
        ] {
            t.n += 1;
            t.exact += usize::from(exact);
            t.found += usize::from(got.is_some());
            t.valid += usize::from(valid);
            t.wrong_valid += usize::from(wrong_valid);
            t.correct += usize::from(correct);
            if img.expected.is_some() {
                if illegible {
                    t.illegible += 1;
                    t.illegible_refused += usize::from(!valid);
                } else {
                    t.legible += 1;
                    t.legible_exact += usize::from(exact);
                }
            }
            t.ms.push(ms);
            t.cpu_ms.push(cpu_ms);
        }
    }
    let wall_s = all.ms.iter().sum::<f64>() / 1000.0;
    let cpu = cpu_ok.then(|| read_cpu * 1000.0 / all.n.max(1) as f64);
    let mut rows = Vec::new();
    rows.extend(
        by_cat
            .into_iter()
            .map(|(k, t)| (format!("category {k}"), t)),
    );
    rows.extend(by_sub.into_iter().map(|(k, t)| (format!("subtype {k}"), t)));
    rows.extend(by_fmt.into_iter().map(|(k, t)| (format!("format {k}"), t)));
    rows.push(("all".to_string(), all));
    (rows, cpu, wall_s)
}

/// Peak resident set size of this process in KiB (`VmHWM` in `/proc/self/status`, Linux only).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time of the calling thread so far in nanoseconds, from `/proc/thread-self/schedstat`
/// (Linux only): less noisy than wall time when other processes share the cores.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// User + system CPU seconds of this process so far, from `/proc/self/stat` (Linux only).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
