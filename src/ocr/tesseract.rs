//! Tesseract as the recogniser behind the same pipeline (cargo feature `tesseract`), for comparison
//! with the native classifier.
//!
//! The frame goes through the same stages as [`super::MrzReader`]: [`super::frame`] and
//! [`super::locate`] find the MRZ lines, [`super::rectify`] builds the homography. Instead of
//! classifying fixed-pitch cells, the whole MRZ region is resampled into one upright grey image
//! ([`rectify::sample_mrz_crop`], about [`CAP_PX`] pixels per cap height, contrast normalised) and
//! handed to libtesseract (LSTM engine, `eng` traineddata, whitelist of the 37 MRZ characters, one
//! block of text). Its characters, with their boxes and confidences (hOCR character boxes), are
//! placed on the crop's fixed-pitch grid rather than trusting its line/word segmentation, which
//! drops and doubles fillers. Then the native path's format detection, the `mrz` module's
//! check-digit correction and the same fail-closed gates apply. Tesseract gives no ranked
//! alternatives: each character keeps its confidence, plus a few fixed OCR-B confusions (`0`/`O`,
//! `1`/`I`, ...) at half of it for the correction. Extra fail-closed rules for this backend, from
//! how Tesseract's `eng` model misreads MRZs: a letter as low as a filler is `<`; a `K` (its usual
//! reading of `<`, which check digits cannot tell from `<`) and a letter of doubtful height keep
//! the reading from being valid; so does a name field that breaks the ICAO structure. A reading
//! whose check digits fail is retried on the crop turned by 180° (a document upside down).
//!
//! Tesseract's initialisation takes tens of milliseconds: create one [`TesseractReader`] and reuse
//! it. libtesseract runs OpenMP threads; `OMP_THREAD_LIMIT=1` must be in the environment **before the
//! process starts** (libgomp reads it when it is loaded), which the `scan` CLI and the
//! `ocr_accuracy` example arrange by re-executing themselves; see [`omp_thread_limit_is_one`].
//!
//! ```no_run
//! use bankid_activation::ocr::{self, tesseract::TesseractReader};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut reader = TesseractReader::new()?;
//! let image = ocr::decode_image(&std::fs::read("fixtures/ocr/td3_clean_000.jpg")?)?;
//! if let Some(reading) = reader.read_image(&image)? {
//!     println!("{:?} valid={}", reading.lines, reading.valid);
//! }
//! # Ok(())
//! # }
//! ```

use std::ffi::CString;
use std::path::{Path, PathBuf};

use tesseract::PageSegMode;
use tesseract::plumbing::TessBaseApi;

use super::frame::{self, GrayImage, LumaFrame};
use super::{Alternative, Binarization, MrzFormat, MrzReading, OcrError, rectify};

/// Cap height of the crop given to Tesseract, pixels (its LSTM models read best at 20–40 px text).
pub const CAP_PX: f32 = 30.0;

/// The characters Tesseract may output: the 37 of the MRZ.
const WHITELIST: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Directories searched for `eng.traineddata` after `$TESSDATA_PREFIX`.
const TESSDATA_DIRS: &[&str] = &[
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/usr/local/share/tesseract-ocr/tessdata",
];

/// The traineddata language used.
const LANGUAGE: &str = "eng";

/// Why the Tesseract backend could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TesseractError {
    /// No `eng.traineddata` in any of the directories searched.
    #[error("no {LANGUAGE}.traineddata found; looked in {}", display_paths(.searched))]
    NoTrainedData {
        /// The directories looked in, in order.
        searched: Vec<PathBuf>,
    },
    /// libtesseract refused to initialise with this data directory.
    #[error("libtesseract failed to initialise with {}/{LANGUAGE}.traineddata", .datapath.display())]
    Init {
        /// The tessdata directory used.
        datapath: PathBuf,
    },
    /// libtesseract rejected a setting or an image.
    #[error("libtesseract: {0}")]
    Engine(&'static str),
    /// The image itself was rejected (dimensions, stride, decode).
    #[error(transparent)]
    Ocr(#[from] OcrError),
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when `OMP_THREAD_LIMIT=1` is in this process's environment (libtesseract then runs on one
/// thread). It has to be set before the process starts: setting it later has no effect.
pub fn omp_thread_limit_is_one() -> bool {
    std::env::var_os("OMP_THREAD_LIMIT").is_some_and(|v| v == "1")
}

/// The tessdata directory holding `eng.traineddata`: `$TESSDATA_PREFIX` (or its `tessdata`
/// subdirectory) first, then the usual system locations including `/usr/share/tesseract-ocr/*/tessdata`.
pub fn find_tessdata() -> Result<PathBuf, TesseractError> {
    let mut searched: Vec<PathBuf> = Vec::new();
    if let Some(prefix) = std::env::var_os("TESSDATA_PREFIX") {
        let prefix = PathBuf::from(prefix);
        searched.push(prefix.join("tessdata"));
        searched.push(prefix);
    }
    searched.extend(TESSDATA_DIRS.iter().map(PathBuf::from));
    if let Ok(dir) = std::fs::read_dir("/usr/share/tesseract-ocr") {
        let mut versions: Vec<PathBuf> = dir
            .filter_map(Result::ok)
            .map(|e| e.path().join("tessdata"))
            .filter(|p| !searched.contains(p))
            .collect();
        versions.sort();
        searched.extend(versions);
    }
    searched
        .iter()
        .find(|d| d.join(format!("{LANGUAGE}.traineddata")).is_file())
        .cloned()
        .ok_or(TesseractError::NoTrainedData { searched })
}

/// The MRZ reader with Tesseract as the recogniser; one libtesseract engine, reused across images.
///
/// Reading needs `&mut self` (the engine holds the current image); use one reader per thread.
#[derive(Debug)]
pub struct TesseractReader {
    api: TessBaseApi,
    datapath: PathBuf,
}

impl TesseractReader {
    /// An engine with the system's `eng.traineddata` (see [`find_tessdata`]).
    pub fn new() -> Result<TesseractReader, TesseractError> {
        TesseractReader::with_tessdata(&find_tessdata()?)
    }

    /// An engine with `eng.traineddata` from the directory `datapath`.
    pub fn with_tessdata(datapath: &Path) -> Result<TesseractReader, TesseractError> {
        if !datapath.join(format!("{LANGUAGE}.traineddata")).is_file() {
            return Err(TesseractError::NoTrainedData {
                searched: vec![datapath.to_path_buf()],
            });
        }
        let init = || TesseractError::Init {
            datapath: datapath.to_path_buf(),
        };
        let dir = CString::new(datapath.as_os_str().as_encoded_bytes()).map_err(|_| init())?;
        let lang = CString::new(LANGUAGE).map_err(|_| init())?;
        let mut api = TessBaseApi::create();
        api.init_4(
            Some(&dir),
            Some(&lang),
            tesseract::plumbing::tesseract_sys::TessOcrEngineMode_OEM_LSTM_ONLY,
        )
        .map_err(|_| init())?;
        let mut set = |name: &str, value: &str| -> Result<(), TesseractError> {
            let (Ok(n), Ok(v)) = (CString::new(name), CString::new(value)) else {
                return Err(TesseractError::Engine("invalid variable"));
            };
            api.set_variable(&n, &v)
                .map_err(|_| TesseractError::Engine("a variable was rejected"))
        };
        set("tessedit_char_whitelist", WHITELIST)?;
        // Per-character boxes and confidences in the hOCR result.
        set("hocr_char_boxes", "1")?;
        // The MRZ is not words of a language: no dictionary corrections or word penalties.
        set("tessedit_enable_dict_correction", "0")?;
        // Keep Tesseract's diagnostics ("estimating resolution ...") off stderr.
        set("debug_file", "/dev/null")?;
        api.set_page_seg_mode(PageSegMode::PsmSingleBlock.as_tess_page_seg_mode());
        Ok(TesseractReader {
            api,
            datapath: datapath.to_path_buf(),
        })
    }

    /// The tessdata directory this engine was initialised from.
    pub fn tessdata(&self) -> &Path {
        &self.datapath
    }

    /// Reads a decoded image (its luma plane, [`frame::luma_plane`]).
    pub fn read_image(
        &mut self,
        image: &image::DynamicImage,
    ) -> Result<Option<MrzReading>, TesseractError> {
        frame::read_decoded(image, |frame| self.read_frame(frame))
    }

    /// Reads a luma frame: the native locate and rectify stages, Tesseract on the rectified crop,
    /// then the native format detection, check-digit correction and gates.
    pub fn read_frame(
        &mut self,
        frame: &LumaFrame<'_>,
    ) -> Result<Option<MrzReading>, TesseractError> {
        let mut best: Option<MrzReading> = None;
        'passes: for pass in [Binarization::NORMAL, Binarization::SENSITIVE] {
            for lines in super::mrz_line_candidates_with(frame, pass)?
                .into_iter()
                .take(3)
            {
                if let Some(reading) = self.read_lines(frame, &lines)?
                    && best
                        .as_ref()
                        .is_none_or(|b| super::rank(&reading) > super::rank(b))
                {
                    best = Some(reading);
                }
                // Every check digit holding is as good as this backend gets: a reading left not
                // valid by a doubtful character (a `K`) does not improve on another candidate.
                if best.as_ref().is_some_and(all_checks_hold) {
                    break 'passes;
                }
            }
        }
        Ok(best.filter(super::reportable))
    }

    /// Reads one located line set: crop, Tesseract upright, and turned by 180° if the checks fail;
    /// for two lines of uncertain length, each character count the geometry allows.
    fn read_lines(
        &mut self,
        frame: &LumaFrame<'_>,
        lines: &[super::locate::TextLine],
    ) -> Result<Option<MrzReading>, TesseractError> {
        let mut best: Option<MrzReading> = None;
        for chars in super::char_count_options(lines) {
            let Some(h) = rectify::mrz_homography(lines, chars) else {
                continue;
            };
            let Some(crop) = rectify::sample_mrz_crop(frame, &h, lines.len(), chars, CAP_PX) else {
                continue;
            };
            for upside_down in [false, true] {
                let symbols = if upside_down {
                    self.recognise(&rectify::rotate_image_180(&crop.image))?
                } else {
                    self.recognise(&crop.image)?
                };
                let grid = place_on_grid(&symbols, &crop, lines.len(), chars);
                if let Some(r) = interpret(grid, lines.len(), chars, upside_down)
                    && best
                        .as_ref()
                        .is_none_or(|b| super::rank(&r) > super::rank(b))
                {
                    best = Some(r);
                }
                if best.as_ref().is_some_and(all_checks_hold) {
                    return Ok(best);
                }
            }
        }
        Ok(best)
    }

    /// Runs Tesseract on a grey image: every recognised character with its box and confidence.
    fn recognise(&mut self, image: &GrayImage) -> Result<Vec<Symbol>, TesseractError> {
        let too_big = || TesseractError::Engine("crop too large");
        let w = i32::try_from(image.width).map_err(|_| too_big())?;
        let h = i32::try_from(image.height).map_err(|_| too_big())?;
        self.api
            .set_image(&image.pixels, w, h, 1, w)
            .map_err(|_| TesseractError::Engine("image rejected"))?;
        // CAP_PX pixels per OCR-B cap height (2.4 mm) ≈ 300 dpi; without it Tesseract guesses.
        self.api.set_source_resolution(300);
        self.api
            .recognize()
            .map_err(|_| TesseractError::Engine("recognition failed"))?;
        let hocr = self
            .api
            .get_hocr_text(0)
            .map_err(|_| TesseractError::Engine("no result text"))?;
        Ok(parse_hocr(&hocr.as_ref().to_string_lossy()))
    }
}

fn all_checks_hold(r: &MrzReading) -> bool {
    r.valid || r.checks.0 == r.checks.1
}

/// One character as Tesseract recognised it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Symbol {
    ch: char,
    /// Left, top, right, bottom in crop pixels.
    bbox: (f32, f32, f32, f32),
    /// Tesseract's confidence, 0..=1.
    conf: f32,
}

/// Most symbols taken from one result (an MRZ has at most 90).
const MAX_SYMBOLS: usize = 400;

/// The per-character spans of Tesseract's hOCR (`hocr_char_boxes`):
/// `<span class='ocrx_cinfo' title='x_bboxes l t r b; x_conf c'>X</span>`.
fn parse_hocr(hocr: &str) -> Vec<Symbol> {
    let mut out = Vec::new();
    for part in hocr.split("<span class='ocrx_cinfo' title='").skip(1) {
        if out.len() >= MAX_SYMBOLS {
            break;
        }
        let Some((title, rest)) = part.split_once("'>") else {
            continue;
        };
        let Some((text, _)) = rest.split_once("</span>") else {
            continue;
        };
        let text = text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        let mut chars = text.chars();
        let (Some(ch), None) = (chars.next(), chars.next()) else {
            continue;
        };
        let mut bbox = None;
        let mut conf = None;
        for field in title.split(';').map(str::trim) {
            if let Some(v) = field.strip_prefix("x_bboxes ") {
                let n: Vec<f32> = v
                    .split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect();
                if let [l, t, r, b] = n[..] {
                    bbox = Some((l, t, r, b));
                }
            } else if let Some(v) = field.strip_prefix("x_conf ") {
                conf = v.trim().parse::<f32>().ok().filter(|c| c.is_finite());
            }
        }
        if let (Some(bbox), Some(conf)) = (bbox, conf) {
            out.push(Symbol {
                ch,
                bbox,
                conf: (conf / 100.0).clamp(0.0, 1.0),
            });
        }
    }
    out
}

/// A filler `<` in OCR-B is clearly lower than the digits (about 0.8 of their height, capitals
/// about 0.9): a letter no taller than this fraction of the MRZ's median digit height is read as `<`
/// whatever letter Tesseract made of it (its `eng` model often reads `<` as `K`). Digits are the
/// reference because every MRZ has many and Tesseract does not confuse them with fillers.
const FILLER_HEIGHT: f32 = 0.85;

/// Letters between [`FILLER_HEIGHT`] and this fraction of the digit height could be either: the
/// cell gets a confidence too low for a valid reading.
const LETTER_HEIGHT: f32 = 0.87;

/// Confidence of a cell Tesseract's text leaves in doubt (a `K` beside a filler, a letter of
/// ambiguous height): below the gate of [`super::MIN_CHAR_CONFIDENCE`], so the reading cannot be valid.
const DOUBT: f32 = 0.1;

/// Puts the symbols into the fixed-pitch grid of the crop (`count` lines of `chars`): per cell, the
/// symbols centred in it, most confident first. Tesseract's own line and word segmentation is not
/// trusted: it drops and doubles characters in long filler runs, the grid does not.
fn place_on_grid(
    symbols: &[Symbol],
    crop: &rectify::MrzCrop,
    count: usize,
    chars: usize,
) -> Vec<Vec<Vec<(char, f32)>>> {
    let mut grid: Vec<Vec<Vec<(char, f32)>>> = vec![vec![Vec::new(); chars]; count];
    let cell = |s: &Symbol| -> Option<(usize, usize)> {
        let cx = (s.bbox.0 + s.bbox.2) / 2.0 / crop.pitch - 1.0;
        let cy = (s.bbox.1 + s.bbox.3) / 2.0 / crop.spacing - 1.0;
        let (col, row) = (cx.floor(), cy.round());
        (col >= 0.0 && row >= 0.0 && (col as usize) < chars && (row as usize) < count)
            .then_some((row as usize, col as usize))
    };
    // Median digit height over the whole MRZ.
    let mut heights: Vec<f32> = symbols
        .iter()
        .filter(|s| s.ch.is_ascii_digit() && cell(s).is_some())
        .map(|s| s.bbox.3 - s.bbox.1)
        .collect();
    heights.sort_by(f32::total_cmp);
    let median = heights.get(heights.len() / 2).copied().unwrap_or(0.0);
    for s in symbols {
        let Some((row, col)) = cell(s) else { continue };
        let height = s.bbox.3 - s.bbox.1;
        let Some(slot) = grid.get_mut(row).and_then(|r| r.get_mut(col)) else {
            continue;
        };
        if s.ch.is_ascii_alphabetic() && height < FILLER_HEIGHT * median {
            slot.push(('<', s.conf));
        } else if s.ch.is_ascii_alphabetic() && height < LETTER_HEIGHT * median {
            slot.push((s.ch, DOUBT));
            slot.push(('<', DOUBT));
        } else {
            slot.push((s.ch, s.conf));
        }
    }
    for slot in grid.iter_mut().flatten() {
        slot.sort_by(|a, b| b.1.total_cmp(&a.1));
    }
    // Tesseract's `eng` model reads the filler `<` as `K`, also between letters and at full height,
    // and no check digit can tell them apart (K = 20 ≡ 0 = `<` mod 10): a `K` always stays in
    // doubt, so a reading containing one is never valid with this backend (fail closed).
    // Between fillers (or a filler and the line end) the `<` is listed first.
    for row in &mut grid {
        let best: Vec<Option<char>> = row.iter().map(|c| c.first().map(|a| a.0)).collect();
        for (i, cell) in row.iter_mut().enumerate() {
            if cell.first().is_some_and(|a| a.0 == 'K') {
                let filler = |c: Option<&Option<char>>| c.is_none_or(|c| *c == Some('<'));
                let between_fillers = i.checked_sub(1).is_some_and(|j| filler(best.get(j)))
                    && filler(best.get(i + 1));
                *cell = if between_fillers {
                    vec![('<', DOUBT), ('K', DOUBT)]
                } else {
                    vec![('K', DOUBT), ('<', DOUBT)]
                };
            }
        }
    }
    grid
}

/// ICAO 9303 name field structure: primary and secondary identifier separated by one `<<`, name
/// components by single `<`, then fillers to the end. Text after a run of three fillers, or a second
/// `<<`, is not a name: for Tesseract it is fillers misread as letters, which no check digit covers.
fn names_well_formed(format: MrzFormat, lines: &[String]) -> bool {
    let (line, start) = match format {
        MrzFormat::Td1 => (2, 0),
        _ => (0, 5),
    };
    let Some(field) = lines.get(line).and_then(|l| l.get(start..)) else {
        return false;
    };
    let names = field.trim_end_matches('<');
    !names.contains("<<<") && names.matches("<<").count() <= 1
}

/// Confidence given to a cell Tesseract left empty inside a run of fillers (it often drops a `<`
/// there): enough for the gates, low enough to pull the reading's mean confidence down.
const DROPPED_FILLER: f32 = 0.5;

/// The grid of Tesseract's symbols → a corrected, checked reading, or `None` when a line is
/// (nearly) empty. A cell left empty between fillers (or after them at the line end) becomes `<`;
/// any other empty cell becomes `<` with confidence 0, which keeps the reading from being valid.
fn interpret(
    grid: Vec<Vec<Vec<(char, f32)>>>,
    count: usize,
    chars: usize,
    upside_down: bool,
) -> Option<MrzReading> {
    if grid.len() != count
        || grid
            .iter()
            .any(|row| row.iter().filter(|c| !c.is_empty()).count() * 2 < chars)
    {
        return None;
    }
    let mut candidates: Vec<Vec<Vec<Alternative>>> = Vec::with_capacity(count);
    for row in grid {
        let best: Vec<Option<char>> = row.iter().map(|c| c.first().map(|a| a.0)).collect();
        let mut out_row = Vec::with_capacity(chars);
        for (i, cell) in row.into_iter().enumerate() {
            if cell.is_empty() {
                let filler = |c: Option<&Option<char>>| c.is_none_or(|c| *c == Some('<'));
                let left = i.checked_sub(1).map(|j| best.get(j));
                let right = best.get(i + 1);
                let in_run = left.is_some_and(filler) && filler(right);
                out_row.push(vec![('<', if in_run { DROPPED_FILLER } else { 0.0 })]);
                continue;
            }
            let mut alts: Vec<Alternative> = Vec::with_capacity(cell.len() + 3);
            for (c, p) in cell {
                if !alts.iter().any(|a| a.0 == c) {
                    alts.push((c, p));
                }
            }
            let top = alts.first().copied();
            if let Some((c, p)) = top {
                for &a in confusions(c) {
                    if !alts.iter().any(|x| x.0 == a) {
                        alts.push((a, p * 0.5));
                    }
                }
            }
            out_row.push(alts);
        }
        candidates.push(out_row);
    }
    let first = candidates.first()?.first()?.first()?.0;
    let format = super::layout::format_from_shape(count, chars, first)?;
    let mut reading = super::correct(format, candidates, upside_down);
    reading.valid &= names_well_formed(format, &reading.lines);
    Some(reading)
}

/// Characters OCR commonly confuses with `c` in OCR-B, offered as alternatives so the per-field
/// classes and the check digits can choose (a digit field reading `O` takes `0`).
fn confusions(c: char) -> &'static [char] {
    match c {
        '0' => &['O', 'D', 'Q'],
        'O' | 'D' | 'Q' => &['0'],
        '1' => &['I', 'L'],
        'I' | 'L' => &['1'],
        '2' => &['Z'],
        'Z' => &['2'],
        '5' => &['S'],
        'S' => &['5'],
        '6' => &['G'],
        'G' => &['6'],
        '8' => &['B'],
        'B' => &['8'],
        _ => &[],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
