//! `bankid-activation scan`: read the MRZ from image files with the native OCR, or with Tesseract
//! as the recogniser (`--backend tesseract`, cargo feature `tesseract`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use bankid_activation::ocr::{self, MrzReader, MrzReading};
use serde_json::{Value, json};

use crate::output::json_line;

/// The recogniser behind the pipeline.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The project's own OCR-B classifier (embedded weights).
    Native,
    /// Tesseract on the rectified MRZ crop (cargo feature `tesseract`).
    Tesseract,
}

/// Arguments of `scan`.
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON object per image instead of text.
    #[arg(long)]
    json: bool,
    /// The recogniser.
    #[arg(long, value_enum, default_value = "native")]
    backend: Backend,
    /// Image files (JPEG or PNG).
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
}

/// Largest image file read (the decoder has its own pixel limits on top).
const MAX_IMAGE_FILE: u64 = 64 * 1024 * 1024;

/// The result of one image.
struct Scan {
    reading: Result<Option<MrzReading>, String>,
    ms: f64,
    decode_ms: f64,
}

/// The reader built once for all images (Tesseract's initialisation is slow).
enum Recogniser {
    Native(MrzReader),
    #[cfg(feature = "tesseract")]
    Tesseract(Box<ocr::tesseract::TesseractReader>),
}

impl Recogniser {
    fn new(backend: Backend) -> Result<Recogniser, String> {
        match backend {
            Backend::Native => Ok(Recogniser::Native(
                MrzReader::new().map_err(|e| e.to_string())?,
            )),
            #[cfg(feature = "tesseract")]
            Backend::Tesseract => Ok(Recogniser::Tesseract(Box::new(
                ocr::tesseract::TesseractReader::new().map_err(|e| e.to_string())?,
            ))),
            #[cfg(not(feature = "tesseract"))]
            Backend::Tesseract => Err(
                "--backend tesseract: this build has no Tesseract backend (rebuild with `--features tesseract`)".into(),
            ),
        }
    }

    fn read(&mut self, image: &image::DynamicImage) -> Result<Option<MrzReading>, String> {
        match self {
            Recogniser::Native(r) => r.read_image(image).map_err(|e| e.to_string()),
            #[cfg(feature = "tesseract")]
            Recogniser::Tesseract(r) => r.read_image(image).map_err(|e| e.to_string()),
        }
    }
}

/// With Tesseract, re-runs this command with `OMP_THREAD_LIMIT=1` when the variable is unset
/// (libgomp reads it when libtesseract loads, before `main`), so Tesseract uses one thread.
/// `Some(exit code)` when it re-ran.
#[cfg(feature = "tesseract")]
fn reexec_single_threaded() -> Result<Option<ExitCode>, String> {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return Ok(None);
    }
    let exe =
        std::env::current_exe().map_err(|e| format!("re-exec with OMP_THREAD_LIMIT=1: {e}"))?;
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .status()
        .map_err(|e| format!("re-exec with OMP_THREAD_LIMIT=1: {e}"))?;
    let code = status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(1);
    Ok(Some(ExitCode::from(code)))
}

fn scan_one(reader: &mut Recogniser, path: &Path) -> Scan {
    let decode_start = Instant::now();
    let image = std::fs::metadata(path)
        .map_err(|e| e.to_string())
        .and_then(|m| {
            if m.len() > MAX_IMAGE_FILE {
                Err(format!(
                    "{} bytes is larger than the {MAX_IMAGE_FILE}-byte limit",
                    m.len()
                ))
            } else {
                std::fs::read(path).map_err(|e| e.to_string())
            }
        })
        .and_then(|bytes| ocr::decode_image(&bytes).map_err(|e| e.to_string()));
    let decode_ms = decode_start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let reading = image.and_then(|img| reader.read(&img));
    Scan {
        reading,
        ms: start.elapsed().as_secs_f64() * 1000.0,
        decode_ms,
    }
}

/// Milliseconds rounded to whole microseconds, for the JSON output (the clock says no more, and
/// `0.00003` reads better than `0.000029999999999999997`).
fn round_to_microseconds(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// One image's entry in `truth.json`.
struct Truth {
    /// The MRZ lines; empty for a negative.
    lines: Vec<String>,
    /// True when some MRZ cells are washed out by glare (`illegible` is a non-empty list): no single
    /// frame can be read exactly, so refusing (not valid) counts as matching the truth.
    illegible: bool,
}

/// `truth.json` beside the images (the fixture set's format), file name → truth.
fn load_truth(dir: &Path) -> Option<HashMap<String, Truth>> {
    let text = std::fs::read_to_string(dir.join("truth.json")).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    let images = value.get("images")?.as_array()?;
    Some(
        images
            .iter()
            .filter_map(|i| {
                let file = i.get("file")?.as_str()?.to_owned();
                let lines = i
                    .get("lines")
                    .and_then(Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let illegible = i
                    .get("illegible")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty());
                Some((file, Truth { lines, illegible }))
            })
            .collect(),
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(idx).copied().unwrap_or(0.0)
}

/// Runs `scan`.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    #[cfg(feature = "tesseract")]
    if args.backend == Backend::Tesseract
        && let Some(code) = reexec_single_threaded()?
    {
        return Ok(code);
    }
    let mut reader = Recogniser::new(args.backend)?;
    let mut times = Vec::with_capacity(args.images.len());
    let (mut exact, mut judged, mut valid_count) = (0usize, 0usize, 0usize);
    let mut illegible_judged = 0usize;
    let mut truth_cache: HashMap<PathBuf, Option<HashMap<String, Truth>>> = HashMap::new();
    for path in &args.images {
        let scan = scan_one(&mut reader, path);
        times.push(scan.ms);
        let (found, format, lines, valid, error) = match &scan.reading {
            Ok(Some(r)) => (true, Some(r.format.name()), r.lines.clone(), r.valid, None),
            Ok(None) => (false, None, Vec::new(), false, None),
            Err(e) => (false, None, Vec::new(), false, Some(e.clone())),
        };
        valid_count += usize::from(valid);
        // Accuracy against truth.json beside the image, when there is one.
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let truth = truth_cache
            .entry(dir.clone())
            .or_insert_with(|| load_truth(&dir));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expected = truth.as_ref().and_then(|t| t.get(&name));
        // A negative matches when not reported valid, a legible positive when valid and exact, a
        // positive with glare-washed cells when exact or not reported valid (never when valid and wrong).
        let correct = expected.map(|t| {
            if t.lines.is_empty() {
                !valid
            } else if t.illegible {
                !valid || t.lines == lines
            } else {
                valid && t.lines == lines
            }
        });
        if let Some(c) = correct {
            judged += 1;
            exact += usize::from(c);
            illegible_judged += usize::from(expected.is_some_and(|t| t.illegible));
        }
        if args.json {
            let mut o = json!({
                "file": path.display().to_string(), "found": found, "format": format,
                "lines": lines, "valid": valid, "ms": round_to_microseconds(scan.ms),
                "decode_ms": round_to_microseconds(scan.decode_ms),
                "error": error,
            });
            if let (Some(c), Value::Object(m)) = (correct, &mut o) {
                m.insert("matches_truth".into(), json!(c));
            }
            json_line(&o)?;
        } else {
            match (&scan.reading, error) {
                (_, Some(e)) => println!("{}: error: {e}", path.display()),
                (Ok(Some(r)), None) => {
                    println!(
                        "{}: {} {} ({:.1} ms)",
                        path.display(),
                        r.format.name(),
                        if r.valid { "valid" } else { "NOT VALID" },
                        scan.ms
                    );
                    for line in &r.lines {
                        println!("    {line}");
                    }
                }
                _ => println!("{}: no MRZ found ({:.1} ms)", path.display(), scan.ms),
            }
        }
    }
    if args.images.len() > 1 {
        times.sort_by(f64::total_cmp);
        let mut summary = format!(
            "{} images, {} valid, median {:.2} ms, p95 {:.2} ms",
            args.images.len(),
            valid_count,
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
        if judged > 0 {
            summary.push_str(&format!(
                ", {exact}/{judged} as in truth.json ({:.1}%)",
                100.0 * exact as f64 / judged as f64
            ));
            if illegible_judged > 0 {
                summary.push_str(&format!(
                    " ({illegible_judged} with glare-washed cells count as matching when not reported valid)"
                ));
            }
        }
        eprintln!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}
