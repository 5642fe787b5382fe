//! Renders synthetic MRZ photographs (all five ICAO 9303 formats, OCR-B font) with truth, for tests and training.
//!
//! Usage: `cargo run --release --example make_ocr_fixtures -- OUT_DIR [--seed N] [--scale K] [--train] [--negatives-only]`
//!
//! `--negatives-only` writes only the frames without an MRZ (45 × K: empty, text page, document
//! without MRZ), to measure the false-accept rate on more negatives than the committed set holds.
//!
//! Or a glare sequence for the multi-frame tracker (one document photographed N times, the glare moved):
//! `cargo run --release --example make_ocr_fixtures -- --glare-sequence OUT_DIR [--frames N] [--docs M] [--seed S]`
//!
//! Or one photo of a given MRZ (a mild phone-camera shot; the test-set mode above is unaffected):
//! `cargo run --release --example make_ocr_fixtures -- --mrz LINE1 LINE2 [LINE3] --single OUT.jpg [--seed N]`
//!
//! Needs the Debian packages `fonts-ocr-b` (the MRZ font) and `fonts-dejavu-core` (other text) at
//! generation time only; the written JPEGs and `truth.json` are self-contained.
//! `--train` draws names from a different syllable pool than the test set, so a classifier trained on
//! `--train` output never sees a test identity; use a different `--seed` as well.

// Pixel loops index RGB triples by channel; `3.14` stays as written so the committed fixtures regenerate
// bit-identically from seed 1.
#![allow(
    clippy::needless_range_loop,
    clippy::too_many_arguments,
    clippy::approx_constant,
    clippy::explicit_auto_deref
)]

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use bankid_activation::mrz::{Format, MrzBuilder, Sex};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const OCRB_PATH: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";
const SANS_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const SANS_BOLD_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
const FRAME_W: usize = 1280;
const FRAME_H: usize = 720;
/// Document canvas resolution in pixels per millimetre.
const DOC_PPM: f32 = 10.0;
/// OCR-B size I at 10 characters per inch (ICAO 9303 Part 3, 4.2.2): 2.54 mm pitch.
const PITCH_MM: f32 = 2.54;

// ---------------------------------------------------------------- random numbers

/// SplitMix64: small, seedable, reproducible across platforms.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn chance(&mut self, p: f32) -> bool {
        self.f() < p
    }
    fn gauss(&mut self) -> f32 {
        let u = self.f().max(1e-7);
        let v = self.f();
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------- MRZ text

/// The five ICAO 9303 layouts the fixtures cover (the crate's [`Format`] also has the French ID card).
const FORMATS: [Format; 5] = [
    Format::Td1,
    Format::Td2,
    Format::Td3,
    Format::MrvA,
    Format::MrvB,
];

/// Document size in millimetres (ICAO 9303 Parts 4–7), landscape.
fn size_mm(format: Format) -> (f32, f32) {
    match format {
        Format::Td1 => (85.6, 54.0),
        Format::Td2 | Format::FrenchId => (105.0, 74.0),
        Format::Td3 => (125.0, 88.0),
        Format::MrvA => (120.0, 80.0),
        Format::MrvB => (105.0, 74.0),
    }
}

fn pad(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    while out.chars().count() < n {
        out.push('<');
    }
    out
}

struct Identity {
    doc_code: String,
    state: String,
    nationality: String,
    surname: String,
    given: String,
    number: String,
    birth: String,
    sex: char,
    expiry: String,
    optional: String,
}

const STATES: [&str; 14] = [
    "NOR", "SWE", "DNK", "FIN", "ISL", "D<<", "GBR", "FRA", "NLD", "UTO", "POL", "ESP", "ITA",
    "USA",
];

fn random_name(rng: &mut Rng, train: bool) -> String {
    const TEST_SYL: [&str; 24] = [
        "AN", "BER", "KAR", "SEN", "LIN", "DAL", "HAU", "GE", "NOR", "VIK", "STRA", "ND", "OLA",
        "RI", "MO", "EK", "JOH", "TOR", "BJ", "ORN", "ELI", "SA", "HEI", "DE",
    ];
    const TRAIN_SYL: [&str; 24] = [
        "QU", "ZY", "XAV", "WEL", "PIM", "FOX", "CUZ", "JAK", "YVO", "GUS", "MAX", "PEQ", "OZ",
        "UL", "IVY", "BRU", "KLE", "TZ", "WU", "FJ", "ZAH", "CH", "XE", "VAQ",
    ];
    let pool = if train { &TRAIN_SYL } else { &TEST_SYL };
    let n = 1 + rng.below(4);
    (0..n).map(|_| *rng.pick(pool)).collect()
}

fn random_digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn random_alnum(rng: &mut Rng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n).map(|_| char::from(A[rng.below(A.len())])).collect()
}

fn random_date(rng: &mut Rng) -> String {
    format!(
        "{:02}{:02}{:02}",
        rng.below(100),
        1 + rng.below(12),
        1 + rng.below(28)
    )
}

fn random_identity(rng: &mut Rng, format: Format, train: bool) -> Identity {
    let doc_code = match format {
        Format::Td3 => pad(*rng.pick(&["P", "PN", "PD", "PO"]), 2),
        Format::Td1 => pad(*rng.pick(&["I", "ID", "IR", "AC", "C"]), 2),
        Format::Td2 | Format::FrenchId => pad(*rng.pick(&["I", "ID", "A", "C"]), 2),
        Format::MrvA | Format::MrvB => pad(*rng.pick(&["V", "VD"]), 2),
    };
    let mut given = random_name(rng, train);
    if rng.chance(0.4) {
        given.push('<');
        given.push_str(&random_name(rng, train));
    }
    let number = if rng.chance(0.5) {
        random_digits(rng, 9)
    } else {
        let k = 2 + rng.below(3);
        let mut n = random_alnum(rng, k);
        n.push_str(&random_digits(rng, 9 - n.len()));
        n
    };
    let optional = if rng.chance(0.5) {
        random_digits(rng, 11)
    } else {
        String::new()
    };
    Identity {
        doc_code,
        state: rng.pick(&STATES).to_string(),
        nationality: rng.pick(&STATES).to_string(),
        surname: random_name(rng, train),
        given,
        number,
        birth: random_date(rng),
        sex: *rng.pick(&['M', 'F', '<']),
        expiry: random_date(rng),
        optional,
    }
}

/// Builds the MRZ lines of `format` with the crate's [`MrzBuilder`] (every check digit computed by
/// `mrz`). The name field is cut at the field width as written (`SURNAME<<GIVEN` truncated), before the
/// builder sees it, so the builder's own truncation rule never applies and the committed fixtures stay
/// as generated.
fn build_mrz(id: &Identity, format: Format) -> Vec<String> {
    let width = name_width(format);
    let name: String = format!("{}<<{}", id.surname, id.given)
        .chars()
        .take(width)
        .collect();
    let (surname, given) = name.split_once("<<").unwrap_or((name.as_str(), ""));
    let sex = Sex::from_char(id.sex).unwrap_or(Sex::NotStated);
    MrzBuilder::new(format)
        .document_code(&id.doc_code)
        .issuing_state(&id.state)
        .nationality(&id.nationality)
        .surname(surname)
        .given_names(given)
        .document_number(&id.number)
        .birth_date(&id.birth)
        .expiry_date(&id.expiry)
        .sex(sex)
        .optional_data(
            &id.optional
                .chars()
                .take(optional_width(format))
                .collect::<String>(),
        )
        .build_lines()
        .unwrap_or_else(|e| panic!("MRZ builder: {e}"))
}

/// Width of the name field: the whole of TD1 line 3, line 1 after the 5-character code and state otherwise.
fn name_width(format: Format) -> usize {
    match format {
        Format::Td1 => format.line_length(),
        _ => format.line_length() - 5,
    }
}

/// Width of the (first) optional data field (Parts 4–7): the identity's 11 digits are cut to it.
fn optional_width(format: Format) -> usize {
    match format {
        Format::Td1 => 15,
        Format::Td2 => 7,
        Format::Td3 => 14,
        Format::MrvA => 16,
        Format::MrvB => 8,
        Format::FrenchId => 6,
    }
}

// ---------------------------------------------------------------- raster canvas

/// An RGB float image, 0..255 per channel.
#[derive(Clone)]
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<[f32; 3]>,
}

impl Canvas {
    fn new(w: usize, h: usize, c: [f32; 3]) -> Self {
        Canvas {
            w,
            h,
            px: vec![c; w * h],
        }
    }
    fn blend(&mut self, x: i64, y: i64, c: [f32; 3], a: f32) {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return;
        }
        let p = &mut self.px[y as usize * self.w + x as usize];
        let a = a.clamp(0.0, 1.0);
        for k in 0..3 {
            p[k] = p[k] * (1.0 - a) + c[k] * a;
        }
    }
    fn sample(&self, x: f32, y: f32) -> Option<[f32; 3]> {
        if x < 0.0 || y < 0.0 || x > (self.w - 1) as f32 || y > (self.h - 1) as f32 {
            return None;
        }
        let x0 = x.floor() as usize;
        let y0 = y.floor() as usize;
        let x1 = (x0 + 1).min(self.w - 1);
        let y1 = (y0 + 1).min(self.h - 1);
        let fx = x - x0 as f32;
        let fy = y - y0 as f32;
        let a = self.px[y0 * self.w + x0];
        let b = self.px[y0 * self.w + x1];
        let c = self.px[y1 * self.w + x0];
        let d = self.px[y1 * self.w + x1];
        let mut o = [0.0; 3];
        for k in 0..3 {
            o[k] =
                (a[k] * (1.0 - fx) + b[k] * fx) * (1.0 - fy) + (c[k] * (1.0 - fx) + d[k] * fx) * fy;
        }
        Some(o)
    }
    fn fill_rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, c: [f32; 3], a: f32) {
        for y in (y0.max(0.0) as usize)..(y1.min(self.h as f32) as usize) {
            for x in (x0.max(0.0) as usize)..(x1.min(self.w as f32) as usize) {
                self.blend(x as i64, y as i64, c, a);
            }
        }
    }
    /// Separable Gaussian blur.
    fn blur(&mut self, sigma: f32) {
        if sigma < 0.2 {
            return;
        }
        let r = (sigma * 3.0).ceil() as i64;
        let k: Vec<f32> = (-r..=r)
            .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
            .collect();
        let ks: f32 = k.iter().sum();
        let k: Vec<f32> = k.iter().map(|v| v / ks).collect();
        let (w, h) = (self.w as i64, self.h as i64);
        let mut tmp = self.px.clone();
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 3];
                for (i, kv) in k.iter().enumerate() {
                    let xx = (x + i as i64 - r).clamp(0, w - 1);
                    let p = self.px[(y * w + xx) as usize];
                    for c in 0..3 {
                        acc[c] += p[c] * kv;
                    }
                }
                tmp[(y * w + x) as usize] = acc;
            }
        }
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 3];
                for (i, kv) in k.iter().enumerate() {
                    let yy = (y + i as i64 - r).clamp(0, h - 1);
                    let p = tmp[(yy * w + x) as usize];
                    for c in 0..3 {
                        acc[c] += p[c] * kv;
                    }
                }
                self.px[(y * w + x) as usize] = acc;
            }
        }
    }
    fn resize(&self, w: usize, h: usize) -> Canvas {
        let mut out = Canvas::new(w, h, [0.0; 3]);
        let sx = self.w as f32 / w as f32;
        let sy = self.h as f32 / h as f32;
        for y in 0..h {
            for x in 0..w {
                let p = self
                    .sample((x as f32 + 0.5) * sx - 0.5, (y as f32 + 0.5) * sy - 0.5)
                    .unwrap_or([0.0; 3]);
                out.px[y * w + x] = p;
            }
        }
        out
    }
    fn to_rgb8(&self) -> image::RgbImage {
        let mut img = image::RgbImage::new(self.w as u32, self.h as u32);
        for (i, p) in img.pixels_mut().enumerate() {
            let c = self.px[i];
            *p = image::Rgb([
                c[0].round().clamp(0.0, 255.0) as u8,
                c[1].round().clamp(0.0, 255.0) as u8,
                c[2].round().clamp(0.0, 255.0) as u8,
            ]);
        }
        img
    }
}

struct Fonts {
    ocrb: FontVec,
    sans: FontVec,
    bold: FontVec,
}

/// Draws `text` with its first glyph's left edge of the advance box at `x` and baseline at `y`.
/// With `pitch` set, every glyph advances exactly `pitch` pixels (OCR-B is monospaced).
fn draw_text(
    canvas: &mut Canvas,
    font: &FontVec,
    px: f32,
    x: f32,
    y: f32,
    text: &str,
    color: [f32; 3],
    pitch: Option<f32>,
) {
    let scaled = font.as_scaled(PxScale::from(px));
    let mut pen = x;
    for ch in text.chars() {
        let id = font.glyph_id(ch);
        let glyph = id.with_scale_and_position(PxScale::from(px), point(pen, y));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cov| {
                canvas.blend(
                    b.min.x as i64 + gx as i64,
                    b.min.y as i64 + gy as i64,
                    color,
                    cov,
                );
            });
        }
        pen += pitch.unwrap_or_else(|| scaled.h_advance(id));
    }
}

/// Font pixel size at which one OCR-B advance equals `pitch_px`.
fn ocrb_px_for_pitch(font: &FontVec, pitch_px: f32) -> f32 {
    let adv = font
        .as_scaled(PxScale::from(100.0))
        .h_advance(font.glyph_id('0'));
    100.0 * pitch_px / adv
}

/// Cap height of OCR-B in pixels at font size `px`.
fn ocrb_cap_height(font: &FontVec, px: f32) -> f32 {
    let g = font
        .glyph_id('H')
        .with_scale_and_position(PxScale::from(px), point(0.0, 0.0));
    font.outline_glyph(g)
        .map(|o| o.px_bounds().height())
        .unwrap_or(px * 0.7)
}

fn pastel(rng: &mut Rng) -> [f32; 3] {
    let base = rng.range(215.0, 250.0);
    [
        base + rng.range(-20.0, 5.0),
        base + rng.range(-20.0, 5.0),
        base + rng.range(-20.0, 5.0),
    ]
}

/// Guilloche-like security print: overlapping sine bands in a light tint.
fn guilloche(canvas: &mut Canvas, rng: &mut Rng, strength: f32, y_from: f32, y_to: f32) {
    let tint = [
        rng.range(80.0, 220.0),
        rng.range(80.0, 220.0),
        rng.range(80.0, 220.0),
    ];
    let f1 = rng.range(0.01, 0.05);
    let f2 = rng.range(0.01, 0.05);
    let f3 = rng.range(0.002, 0.01);
    let amp = rng.range(5.0, 30.0);
    let period = rng.range(6.0, 16.0);
    for y in (y_from.max(0.0) as usize)..(y_to.min(canvas.h as f32) as usize) {
        for x in 0..canvas.w {
            let (xf, yf) = (x as f32, y as f32);
            let wave = yf + amp * (xf * f1).sin() + amp * 0.5 * (xf * f2 + yf * f3).cos();
            let line = ((wave / period).fract() - 0.5).abs();
            let a = if line < 0.08 { strength } else { 0.0 };
            let blob = 0.5 + 0.5 * (xf * f3 * 3.0 + yf * f3 * 2.0).sin();
            canvas.blend(x as i64, y as i64, tint, a + blob * strength * 0.25);
        }
    }
}

/// A placed MRZ on a document canvas, in document pixels.
struct DocTruth {
    lines: Option<Vec<String>>,
    /// Cap height of the MRZ characters in document pixels.
    cap_px: f32,
    /// Where each MRZ character cell lies on the document (`None` for a negative).
    cells: Option<MrzCells>,
}

/// The MRZ character grid on a document canvas, in document pixels: cell `(line, col)` spans
/// `x = left + col·pitch .. left + (col+1)·pitch` and `y = baseline[line] − cap .. baseline[line]`
/// (the OCR-B cap-height band, where every MRZ glyph, `<` included, puts its ink).
#[derive(Clone)]
struct MrzCells {
    left: f32,
    pitch: f32,
    cap: f32,
    baselines: Vec<f32>,
    columns: usize,
}

/// Renders a document of `format`. `mrz` = `None` draws other text where the MRZ would be
/// (a negative); `Some(lines)` draws the MRZ.
fn render_document(
    rng: &mut Rng,
    fonts: &Fonts,
    format: Format,
    mrz: Option<&[String]>,
    train: bool,
) -> (Canvas, DocTruth) {
    let (wmm, hmm) = size_mm(format);
    let (w, h) = ((wmm * DOC_PPM) as usize, (hmm * DOC_PPM) as usize);
    let paper = pastel(rng);
    let mut doc = Canvas::new(w, h, paper);
    let mrz_lines = format.line_count() as f32;
    let line_pitch_mm = rng.range(4.0, 4.6);
    let mrz_top_mm = hmm - rng.range(3.5, 5.0) - mrz_lines * line_pitch_mm;
    let g = rng.range(0.15, 0.45);
    guilloche(&mut doc, rng, g, 0.0, mrz_top_mm * DOC_PPM);
    if rng.chance(0.6) {
        // Lighter security print also behind the MRZ.
        let g = rng.range(0.05, 0.15);
        guilloche(&mut doc, rng, g, mrz_top_mm * DOC_PPM, h as f32);
    }
    // Header band and VIZ (visual inspection zone) text.
    let ink_viz = [
        rng.range(10.0, 80.0),
        rng.range(10.0, 80.0),
        rng.range(30.0, 120.0),
    ];
    let header = [
        "PASS",
        "PASSPORT",
        "IDENTITY CARD",
        "VISA",
        "KONGERIKET NORGE",
        "UTOPIA",
        "RESIDENCE PERMIT",
    ];
    draw_text(
        &mut doc,
        &fonts.bold,
        4.0 * DOC_PPM,
        6.0 * DOC_PPM,
        7.0 * DOC_PPM,
        *rng.pick(&header),
        ink_viz,
        None,
    );
    let photo_w = wmm * 0.27;
    let photo_h = photo_w * 1.3;
    let photo_x = 5.0;
    let photo_y = 10.0;
    let face = [
        rng.range(120.0, 220.0),
        rng.range(90.0, 180.0),
        rng.range(70.0, 160.0),
    ];
    doc.fill_rect(
        photo_x * DOC_PPM,
        photo_y * DOC_PPM,
        (photo_x + photo_w) * DOC_PPM,
        ((photo_y + photo_h).min(mrz_top_mm - 2.0)) * DOC_PPM,
        [rng.range(60.0, 200.0); 3],
        0.8,
    );
    let cx = (photo_x + photo_w / 2.0) * DOC_PPM;
    let cy = (photo_y + photo_h * 0.45) * DOC_PPM;
    let rx = photo_w * 0.3 * DOC_PPM;
    for y in 0..h {
        for x in 0..w {
            let dx = (x as f32 - cx) / rx;
            let dy = (y as f32 - cy) / (rx * 1.3);
            if dx * dx + dy * dy < 1.0 && (y as f32) < (mrz_top_mm - 2.0) * DOC_PPM {
                doc.blend(x as i64, y as i64, face, 0.9);
            }
        }
    }
    let labels = [
        "Surname",
        "Given names",
        "Nationality",
        "Date of birth",
        "Sex",
        "Date of expiry",
        "Document no",
        "Place of birth",
    ];
    let mut ty = 11.0;
    let tx = photo_x + photo_w + 4.0;
    while ty + 6.0 < mrz_top_mm - 1.0 {
        draw_text(
            &mut doc,
            &fonts.sans,
            1.8 * DOC_PPM,
            tx * DOC_PPM,
            ty * DOC_PPM,
            *rng.pick(&labels),
            ink_viz,
            None,
        );
        let nd = rng.below(7);
        let value = format!("{} {}", random_name(rng, train), random_digits(rng, nd));
        let font = if rng.chance(0.3) {
            &fonts.ocrb
        } else {
            &fonts.bold
        };
        draw_text(
            &mut doc,
            font,
            3.0 * DOC_PPM,
            tx * DOC_PPM,
            (ty + 3.6) * DOC_PPM,
            &value,
            [20.0, 20.0, 30.0],
            None,
        );
        ty += rng.range(6.5, 8.0);
    }
    // The MRZ (or, for a negative, other text in its place).
    let pitch = PITCH_MM * DOC_PPM;
    let px = ocrb_px_for_pitch(&fonts.ocrb, pitch);
    let cap = ocrb_cap_height(&fonts.ocrb, px);
    let n = format.line_length() as f32;
    let left = (wmm - n * PITCH_MM) / 2.0 + rng.range(-0.8, 0.8);
    let ink_v = rng.range(0.0, 50.0);
    let ink = [ink_v, ink_v, ink_v + rng.range(0.0, 20.0)];
    let mut cells = None;
    let lines = match mrz {
        Some(lines) => {
            let mut baselines = Vec::new();
            for (i, line) in lines.iter().enumerate() {
                let base = (mrz_top_mm + (i as f32 + 1.0) * line_pitch_mm) * DOC_PPM
                    - (line_pitch_mm * DOC_PPM - cap) / 2.0;
                baselines.push(base);
                draw_text(
                    &mut doc,
                    &fonts.ocrb,
                    px,
                    left * DOC_PPM,
                    base,
                    line,
                    ink,
                    Some(pitch),
                );
            }
            cells = Some(MrzCells {
                left: left * DOC_PPM,
                pitch,
                cap,
                baselines,
                columns: lines.first().map_or(0, |l| l.chars().count()),
            });
            Some(lines.to_vec())
        }
        None => {
            for i in 0..format.line_count() {
                let base = (mrz_top_mm + (i as f32 + 1.0) * line_pitch_mm) * DOC_PPM;
                let words: Vec<String> = (0..2 + rng.below(5))
                    .map(|_| random_name(rng, train))
                    .collect();
                let font = if rng.chance(0.5) {
                    &fonts.sans
                } else {
                    &fonts.bold
                };
                draw_text(
                    &mut doc,
                    font,
                    3.4 * DOC_PPM,
                    left * DOC_PPM,
                    base,
                    &words.join(" "),
                    ink,
                    None,
                );
            }
            None
        }
    };
    (
        doc,
        DocTruth {
            lines,
            cap_px: cap,
            cells,
        },
    )
}

// ---------------------------------------------------------------- photographing

/// A 3x3 homography (row-major) mapping frame pixels to document pixels.
type Homography = [f32; 9];

/// Solves for the homography taking the 4 `src` points to the 4 `dst` points (DLT, Gaussian elimination).
fn homography(src: [(f32, f32); 4], dst: [(f32, f32); 4]) -> Homography {
    let mut a = [[0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = (src[i].0 as f64, src[i].1 as f64);
        let (u, v) = (dst[i].0 as f64, dst[i].1 as f64);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let piv = (col..8)
            .max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))
            .unwrap_or(col);
        a.swap(col, piv);
        for row in 0..8 {
            if row != col && a[col][col].abs() > 1e-12 {
                let f = a[row][col] / a[col][col];
                for k in col..9 {
                    a[row][k] -= f * a[col][k];
                }
            }
        }
    }
    let mut h = [0f32; 9];
    for i in 0..8 {
        h[i] = (a[i][8] / a[i][i]) as f32;
    }
    h[8] = 1.0;
    h
}

fn apply(h: &Homography, x: f32, y: f32) -> (f32, f32) {
    let w = h[6] * x + h[7] * y + h[8];
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}

/// How a frame is photographed.
#[derive(Clone, Copy)]
struct Shot {
    /// Fraction of the frame width (or height, whichever binds) the document spans.
    fill: f32,
    rotation_deg: f32,
    /// Perspective strength: relative shortening of one document edge.
    tilt: f32,
    blur: f32,
    noise: f32,
    jpeg: u8,
    gradient: f32,
    glare: bool,
    /// Render at this fraction of the frame resolution and upscale (low-resolution sensor).
    lowres: f32,
    /// Minimum MRZ cap height in final frame pixels.
    min_cap_px: f32,
}

fn scene_background(rng: &mut Rng) -> Canvas {
    let base = [
        rng.range(40.0, 200.0),
        rng.range(40.0, 180.0),
        rng.range(30.0, 160.0),
    ];
    let mut c = Canvas::new(FRAME_W, FRAME_H, base);
    // Wood-grain-like stripes or a cloth texture.
    let f = rng.range(0.005, 0.05);
    let ang = rng.range(0.0, 3.14);
    let (s, co) = ang.sin_cos();
    for y in 0..FRAME_H {
        for x in 0..FRAME_W {
            let t = (x as f32 * co + y as f32 * s) * f;
            let v = (t.sin() * 0.5 + (t * 3.7).sin() * 0.2) * 25.0;
            let p = &mut c.px[y * FRAME_W + x];
            for k in 0..3 {
                p[k] += v;
            }
        }
    }
    // Some clutter: rectangles (keyboard, paper, phone).
    for _ in 0..rng.below(4) {
        let x0 = rng.range(-200.0, FRAME_W as f32);
        let y0 = rng.range(-200.0, FRAME_H as f32);
        let col = [
            rng.range(0.0, 255.0),
            rng.range(0.0, 255.0),
            rng.range(0.0, 255.0),
        ];
        c.fill_rect(
            x0,
            y0,
            x0 + rng.range(50.0, 400.0),
            y0 + rng.range(50.0, 300.0),
            col,
            0.9,
        );
    }
    c
}

/// Where a document lands in a frame: its corners in frame pixels (document corners
/// `(0,0) (w,0) (w,h) (0,h)` in that order) and the frame → document homography.
#[derive(Clone, Copy)]
struct Pose {
    pts: [(f32, f32); 4],
    h: Homography,
    /// Document canvas size in pixels.
    doc_size: (f32, f32),
}

/// A specular highlight: centre and radius in frame pixels, strength 0..1.
#[derive(Clone, Copy)]
struct Glare {
    x: f32,
    y: f32,
    r: f32,
    strength: f32,
}

/// Places `doc` into a frame as a camera would see it; returns the frame and, when `cells` is given,
/// the MRZ cells the glare made illegible (see [`illegible_cells`]).
fn photograph(
    rng: &mut Rng,
    doc: &Canvas,
    truth_cap: f32,
    shot: &Shot,
    cells: Option<&MrzCells>,
) -> (Canvas, Vec<(usize, usize)>) {
    let background = scene_background(rng);
    let pose = place(rng, doc, truth_cap, shot);
    let mut frame = render_pose(&background, doc, &pose, shot);
    let (dw, dh) = (doc.w as f32, doc.h as f32);
    // Lighting gradient and glare.
    let ga = rng.range(0.0, std::f32::consts::TAU);
    let glare = shot.glare.then(|| {
        // Put the glare near the MRZ half of the document most of the time.
        let (u, v) = (rng.range(0.2, 0.8) * dw, rng.range(0.6, 0.95) * dh);
        let corners = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)];
        let hi = homography(corners, pose.pts);
        let (gx, gy) = apply(&hi, u, v);
        Glare {
            x: gx,
            y: gy,
            r: rng.range(40.0, 120.0),
            strength: rng.range(0.6, 1.0),
        }
    });
    let illegible = light(&mut frame, shot, ga, glare, cells.map(|c| (c, &pose)));
    add_noise(rng, &mut frame, shot.noise);
    (frame, illegible)
}

/// Draws the pose of `doc` for `shot`: rotation, perspective side, position in the frame.
fn place(rng: &mut Rng, doc: &Canvas, truth_cap: f32, shot: &Shot) -> Pose {
    let (dw, dh) = (doc.w as f32, doc.h as f32);
    let theta = shot.rotation_deg.to_radians();
    // Bounding box of the rotated document must fit; choose scale from fill, then enforce the min cap height.
    let (s, c) = theta.sin_cos();
    let bw = dw * c.abs() + dh * s.abs();
    let bh = dw * s.abs() + dh * c.abs();
    let mut scale = (shot.fill * FRAME_W as f32 / bw).min(shot.fill * FRAME_H as f32 / bh);
    scale = scale.max(shot.min_cap_px / truth_cap / (1.0 - shot.tilt * 0.5));
    let fit = (0.98 * FRAME_W as f32 / bw).min(0.98 * FRAME_H as f32 / bh);
    scale = scale.min(fit);
    let (sw, sh) = (bw * scale, bh * scale);
    let cx = rng.range(sw / 2.0, (FRAME_W as f32 - sw / 2.0).max(sw / 2.0 + 1.0));
    let cy = rng.range(sh / 2.0, (FRAME_H as f32 - sh / 2.0).max(sh / 2.0 + 1.0));
    let corners = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)];
    let mut pts = [(0.0f32, 0.0f32); 4];
    // Perspective: shrink one side (left/right or top/bottom) around the centre before rotation.
    let side = rng.below(4);
    for (i, &(x, y)) in corners.iter().enumerate() {
        let mut lx = (x - dw / 2.0) * scale;
        let mut ly = (y - dh / 2.0) * scale;
        let shrink = 1.0 - shot.tilt;
        match side {
            0 if x == 0.0 => ly *= shrink,
            1 if x == dw => ly *= shrink,
            2 if y == 0.0 => lx *= shrink,
            3 if y == dh => lx *= shrink,
            _ => {}
        }
        pts[i] = (cx + lx * c - ly * s, cy + lx * s + ly * c);
    }
    Pose {
        pts,
        h: homography(pts, corners),
        doc_size: (dw, dh),
    }
}

/// Draws `doc` at `pose` over `background` (2×2 supersampled), blurred, at the shot's resolution.
fn render_pose(background: &Canvas, doc: &Canvas, pose: &Pose, shot: &Shot) -> Canvas {
    let h = pose.h;
    let factor = shot.lowres.clamp(0.2, 1.0);
    let (rw, rh) = (
        (FRAME_W as f32 * factor) as usize,
        (FRAME_H as f32 * factor) as usize,
    );
    let mut target = if factor < 1.0 {
        background.resize(rw, rh)
    } else {
        background.clone()
    };
    // Supersample 2x2 so a shrunken document does not alias.
    let offs = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)];
    for y in 0..rh {
        for x in 0..rw {
            let mut acc = [0.0; 3];
            let mut hit = 0;
            for (ox, oy) in offs {
                let fx = (x as f32 + ox) / factor;
                let fy = (y as f32 + oy) / factor;
                let (u, v) = apply(&h, fx, fy);
                if let Some(p) = doc.sample(u, v) {
                    for k in 0..3 {
                        acc[k] += p[k];
                    }
                    hit += 1;
                }
            }
            if hit > 0 {
                let bg = target.px[y * rw + x];
                let a = hit as f32 / 4.0;
                let mut o = [0.0; 3];
                for k in 0..3 {
                    o[k] = acc[k] / hit as f32 * a + bg[k] * (1.0 - a);
                }
                target.px[y * rw + x] = o;
            }
        }
    }
    target.blur(shot.blur * factor);
    if factor < 1.0 {
        target.resize(FRAME_W, FRAME_H)
    } else {
        target
    }
}

/// The lighting gain (gradient at angle `ga`) and the glare's gain factor and additive light at frame
/// pixel `(x, y)`: a pixel becomes `p · gain · glare_gain + add`.
fn lighting_at(shot: &Shot, ga: f32, glare: Option<Glare>, x: usize, y: usize) -> (f32, f32, f32) {
    let (gs, gc) = ga.sin_cos();
    let t = ((x as f32 - 640.0) * gc + (y as f32 - 360.0) * gs) / 700.0;
    let gain = 1.0 + shot.gradient * t;
    match glare {
        Some(g) => {
            let d2 = ((x as f32 - g.x).powi(2) + (y as f32 - g.y).powi(2)) / (g.r * g.r);
            let e = (-d2).exp();
            (gain, 1.0 - 0.3 * g.strength * e, 255.0 * g.strength * e)
        }
        None => (gain, 1.0, 0.0),
    }
}

/// Applies the lighting gradient and the glare to `frame`. With `cells` (the MRZ grid and the pose),
/// returns the cells the glare made illegible, judged on these noise-free pixels (see [`illegible_cells`]).
fn light(
    frame: &mut Canvas,
    shot: &Shot,
    ga: f32,
    glare: Option<Glare>,
    cells: Option<(&MrzCells, &Pose)>,
) -> Vec<(usize, usize)> {
    let illegible = match (cells, glare) {
        (Some((cells, pose)), Some(_)) => illegible_cells(frame, shot, ga, glare, cells, pose),
        _ => Vec::new(),
    };
    for y in 0..FRAME_H {
        for x in 0..FRAME_W {
            let (gain, glare_gain, add) = lighting_at(shot, ga, glare, x, y);
            let p = &mut frame.px[y * FRAME_W + x];
            for k in 0..3 {
                p[k] = p[k] * (gain * glare_gain) + add;
            }
        }
    }
    illegible
}

/// Below this fraction of its glare-free ink-to-paper contrast, a cell counts as illegible.
const ILLEGIBLE_RATIO: f32 = 0.1;
/// Below this ink-to-paper contrast (grey levels, 0..255 luma) under glare, a cell counts as illegible.
const ILLEGIBLE_LEVELS: f32 = 12.0;

/// The MRZ cells `(line, col)` whose ink the glare washed out. `frame` is the photographed document
/// before lighting. For every frame pixel whose centre maps into a cell, the luma (BT.601) is computed
/// twice from the same pixel, each channel clamped to 0..255 as the 8-bit image will store it: lit by
/// the gradient alone (`v0`) and by the gradient and the glare (`v1`). The cell's pixels are split into
/// ink (`v0` below the midpoint of the cell's `v0` range) and paper (the rest), and its contrast is
/// mean(paper) − mean(ink), for `v0` (C0) and for `v1` (C1). The cell is illegible when
/// C1 < [`ILLEGIBLE_RATIO`] · C0 or C1 < [`ILLEGIBLE_LEVELS`]. The glare's additive light cancels in
/// a difference, and its gain dims contrast by at most 30 %, so only clipping at white (saturation) can
/// bring a cell below the rule.
fn illegible_cells(
    frame: &Canvas,
    shot: &Shot,
    ga: f32,
    glare: Option<Glare>,
    cells: &MrzCells,
    pose: &Pose,
) -> Vec<(usize, usize)> {
    let w = cells.pitch * cells.columns as f32;
    let top = cells.baselines.first().copied().unwrap_or(0.0) - cells.cap;
    let bottom = cells.baselines.last().copied().unwrap_or(0.0);
    let block = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
        .map(|(a, b)| (cells.left + a * w, top + b * (bottom - top)));
    let (dw, dh) = pose.doc_size;
    let to_frame = homography([(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)], pose.pts);
    let fc: Vec<(f32, f32)> = block.iter().map(|&(u, v)| apply(&to_frame, u, v)).collect();
    let x0 = fc
        .iter()
        .map(|p| p.0)
        .fold(f32::MAX, f32::min)
        .floor()
        .max(0.0) as usize;
    let x1 = (fc.iter().map(|p| p.0).fold(f32::MIN, f32::max).ceil() as usize).min(FRAME_W);
    let y0 = fc
        .iter()
        .map(|p| p.1)
        .fold(f32::MAX, f32::min)
        .floor()
        .max(0.0) as usize;
    let y1 = (fc.iter().map(|p| p.1).fold(f32::MIN, f32::max).ceil() as usize).min(FRAME_H);
    let luma = |p: [f32; 3], m: f32, add: f32| {
        let c = |k: usize| (p[k] * m + add).round().clamp(0.0, 255.0);
        0.299 * c(0) + 0.587 * c(1) + 0.114 * c(2)
    };
    // Per cell: (v0, v1) of every pixel inside it.
    let mut samples: Vec<Vec<Vec<(f32, f32)>>> =
        vec![vec![Vec::new(); cells.columns]; cells.baselines.len()];
    for y in y0..y1 {
        for x in x0..x1 {
            let (u, v) = apply(&pose.h, x as f32 + 0.5, y as f32 + 0.5);
            let col = ((u - cells.left) / cells.pitch).floor();
            if col < 0.0 || col >= cells.columns as f32 {
                continue;
            }
            let Some(line) = cells
                .baselines
                .iter()
                .position(|&b| v >= b - cells.cap && v < b)
            else {
                continue;
            };
            let p = frame.px[y * FRAME_W + x];
            let (gain, glare_gain, add) = lighting_at(shot, ga, glare, x, y);
            samples[line][col as usize].push((luma(p, gain, 0.0), luma(p, gain * glare_gain, add)));
        }
    }
    let mut out = Vec::new();
    for (line, row) in samples.iter().enumerate() {
        for (col, px) in row.iter().enumerate() {
            let lo = px.iter().map(|s| s.0).fold(f32::MAX, f32::min);
            let hi = px.iter().map(|s| s.0).fold(f32::MIN, f32::max);
            let mid = (lo + hi) / 2.0;
            let mean = |ink: bool, pick: fn(&(f32, f32)) -> f32| {
                let sel: Vec<f32> = px.iter().filter(|s| (s.0 < mid) == ink).map(pick).collect();
                sel.iter().sum::<f32>() / sel.len().max(1) as f32
            };
            let c0 = mean(false, |s| s.0) - mean(true, |s| s.0);
            let c1 = mean(false, |s| s.1) - mean(true, |s| s.1);
            if px.is_empty() || c1 < ILLEGIBLE_RATIO * c0 || c1 < ILLEGIBLE_LEVELS {
                out.push((line, col));
            }
        }
    }
    out
}

fn add_noise(rng: &mut Rng, frame: &mut Canvas, noise: f32) {
    if noise > 0.0 {
        for p in frame.px.iter_mut() {
            let common = rng.gauss() * noise;
            for k in 0..3 {
                p[k] += common;
            }
        }
    }
}

fn shot_for(rng: &mut Rng, category: &str, subtype: &str) -> Shot {
    match category {
        "clean" => Shot {
            fill: rng.range(0.75, 0.95),
            rotation_deg: rng.range(-2.0, 2.0),
            tilt: 0.0,
            blur: rng.range(0.3, 0.7),
            noise: rng.range(0.3, 1.0),
            jpeg: 65,
            gradient: rng.range(0.0, 0.05),
            glare: false,
            lowres: 1.0,
            min_cap_px: 14.0,
        },
        "phone" => Shot {
            fill: rng.range(0.45, 0.95),
            rotation_deg: rng.range(-20.0, 20.0),
            tilt: rng.range(0.0, 0.12),
            blur: rng.range(0.5, 1.4),
            noise: rng.range(1.5, 4.0),
            jpeg: 50 + rng.below(15) as u8,
            gradient: rng.range(0.1, 0.45),
            glare: false,
            lowres: 1.0,
            min_cap_px: 11.0,
        },
        _ => {
            let mut s = Shot {
                fill: rng.range(0.4, 0.9),
                rotation_deg: rng.range(-15.0, 15.0),
                tilt: rng.range(0.0, 0.1),
                blur: rng.range(0.6, 1.3),
                noise: rng.range(2.0, 4.0),
                jpeg: 45 + rng.below(15) as u8,
                gradient: rng.range(0.2, 0.5),
                glare: false,
                lowres: 1.0,
                min_cap_px: 11.0,
            };
            match subtype {
                "glare" => s.glare = true,
                "lowres" => {
                    s.lowres = rng.range(0.45, 0.6);
                    s.fill = rng.range(0.3, 0.6);
                    s.min_cap_px = 10.0;
                    s.blur = rng.range(0.4, 0.8);
                }
                "tilt" => {
                    s.tilt = rng.range(0.15, 0.25);
                    s.rotation_deg = rng.range(-20.0, 20.0);
                }
                _ => s.rotation_deg = 180.0 + rng.range(-20.0, 20.0),
            }
            s
        }
    }
}

/// Negative frame: no document, or a page of ordinary text, or a document whose MRZ area holds other text.
fn negative_frame(rng: &mut Rng, fonts: &Fonts, kind: usize, train: bool) -> Canvas {
    match kind {
        0 => {
            let mut f = scene_background(rng);
            f.blur(rng.range(0.5, 1.5));
            f
        }
        1 => {
            let mut page = Canvas::new(900, 1200, pastel(rng));
            let mut y = 80.0;
            while y < 1150.0 {
                let words: Vec<String> = (0..3 + rng.below(6))
                    .map(|_| random_name(rng, train))
                    .collect();
                let font = if rng.chance(0.3) {
                    &fonts.ocrb
                } else {
                    &fonts.sans
                };
                draw_text(
                    &mut page,
                    font,
                    rng.range(24.0, 34.0),
                    60.0,
                    y,
                    &words.join(" "),
                    [20.0, 20.0, 20.0],
                    None,
                );
                y += rng.range(40.0, 55.0);
            }
            let shot = shot_for(rng, "phone", "");
            let fill = rng.range(0.6, 0.95);
            photograph(rng, &page, 20.0, &Shot { fill, ..shot }, None).0
        }
        _ => {
            let format = *rng.pick(&FORMATS);
            let (doc, truth) = render_document(rng, fonts, format, None, train);
            let shot = shot_for(rng, "phone", "");
            photograph(rng, &doc, truth.cap_px, &shot, None).0
        }
    }
}

fn load_font(path: &str) -> FontVec {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (apt-get install fonts-ocr-b fonts-dejavu-core)"));
    FontVec::try_from_vec(bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn save_jpeg(path: &Path, frame: &Canvas, quality: u8) {
    // 4:2:0 chroma subsampling, as phone cameras write.
    let img = frame.to_rgb8();
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap_or_else(|e| panic!("encode {}: {e}", path.display()));
    std::fs::write(path, out).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `, "illegible": [[line, col], ...]` for a non-empty list, nothing otherwise (the field is omitted).
fn illegible_json(cells: &[(usize, usize)]) -> String {
    if cells.is_empty() {
        return String::new();
    }
    let items: Vec<String> = cells.iter().map(|(l, c)| format!("[{l}, {c}]")).collect();
    format!(", \"illegible\": [{}]", items.join(", "))
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The format of given MRZ lines (line count, length, document code).
fn format_of(lines: &[String]) -> Option<Format> {
    let visa = lines.first().is_some_and(|l| l.starts_with('V'));
    match (lines.len(), lines.first().map(|l| l.len())) {
        (3, Some(30)) => Some(Format::Td1),
        (2, Some(36)) if visa => Some(Format::MrvB),
        (2, Some(36)) => Some(Format::Td2),
        (2, Some(44)) if visa => Some(Format::MrvA),
        (2, Some(44)) => Some(Format::Td3),
        _ => None,
    }
    .filter(|f| lines.iter().all(|l| l.len() == f.line_length()))
}

/// `--mrz ... --single OUT.jpg`: one photo of the given MRZ, phone-camera style but mild (small
/// rotation and tilt, light blur and noise, a good JPEG quality), reproducible from `seed`.
fn render_single(lines: &[String], out: &Path, seed: u64) {
    let format = format_of(lines)
        .unwrap_or_else(|| panic!("--mrz: not 3×30, 2×36 or 2×44 characters: {lines:?}"));
    let fonts = Fonts {
        ocrb: load_font(OCRB_PATH),
        sans: load_font(SANS_PATH),
        bold: load_font(SANS_BOLD_PATH),
    };
    let mut rng = Rng(seed ^ 0x0DE3_0F07);
    let (doc, dt) = render_document(&mut rng, &fonts, format, Some(lines), false);
    let shot = Shot {
        fill: rng.range(0.75, 0.9),
        rotation_deg: rng.range(-6.0, 6.0),
        tilt: rng.range(0.02, 0.05),
        blur: rng.range(0.5, 0.8),
        noise: rng.range(1.0, 2.0),
        jpeg: 75,
        gradient: rng.range(0.05, 0.2),
        glare: false,
        lowres: 1.0,
        min_cap_px: 14.0,
    };
    let (frame, _) = photograph(&mut rng, &doc, dt.cap_px, &shot, None);
    save_jpeg(out, &frame, shot.jpeg);
    eprintln!(
        "wrote {} ({}, rotation {:.1}°)",
        out.display(),
        format.contract_name(),
        shot.rotation_deg
    );
}

/// `--glare-sequence OUT_DIR`: `docs` documents, each photographed `frames` times as a hand-held phone
/// would while the user tilts it: the same table, document, lighting and shot settings, the pose
/// jittered a little (shift, turn, scale) and the glare moved along the MRZ from frame to frame. For the
/// multi-frame `MrzTracker`: single frames lose different cells to the glare. Writes
/// `docNN_fKK.jpg` and a `truth.json` with every frame's `illegible` cells (the rule of the test set).
fn render_sequence(out: &Path, frames: usize, docs: usize, seed: u64) {
    std::fs::create_dir_all(out).expect("create output dir");
    let fonts = Fonts {
        ocrb: load_font(OCRB_PATH),
        sans: load_font(SANS_PATH),
        bold: load_font(SANS_BOLD_PATH),
    };
    let mut rng = Rng(seed ^ 0x61A2_E5E0);
    let mut truth =
        String::from("{\n  \"generator\": \"examples/make_ocr_fixtures.rs --glare-sequence\",\n");
    let _ = writeln!(
        truth,
        "  \"seed\": {seed},\n  \"frames\": {frames},\n  \"documents\": ["
    );
    for d in 0..docs {
        let format = FORMATS[d % FORMATS.len()];
        let id = random_identity(&mut rng, format, false);
        let lines = build_mrz(&id, format);
        let (doc, dt) = render_document(&mut rng, &fonts, format, Some(&lines), false);
        let cells = dt.cells.clone().expect("an MRZ document has cells");
        let shot = Shot {
            glare: true,
            ..shot_for(&mut rng, "hard", "glare")
        };
        let background = scene_background(&mut rng);
        let base = place(&mut rng, &doc, dt.cap_px, &shot);
        let ga = rng.range(0.0, std::f32::consts::TAU);
        let (dw, dh) = (doc.w as f32, doc.h as f32);
        let corners = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)];
        let mrz_mid = (cells.baselines.first().copied().unwrap_or(0.0) - cells.cap
            + cells.baselines.last().copied().unwrap_or(0.0))
            / 2.0;
        let mut frame_json = Vec::new();
        for f in 0..frames {
            // Camera jitter: turn, scale and shift the whole quad around its centre.
            let (mx, my) = (
                base.pts.iter().map(|p| p.0).sum::<f32>() / 4.0,
                base.pts.iter().map(|p| p.1).sum::<f32>() / 4.0,
            );
            let turn = (rng.gauss() * 0.8).to_radians();
            let zoom = 1.0 + rng.gauss() * 0.01;
            let (tx, ty) = (rng.gauss() * 5.0, rng.gauss() * 5.0);
            let (s, c) = turn.sin_cos();
            let pts = base.pts.map(|(x, y)| {
                let (lx, ly) = ((x - mx) * zoom, (y - my) * zoom);
                (mx + tx + lx * c - ly * s, my + ty + lx * s + ly * c)
            });
            let pose = Pose {
                pts,
                h: homography(pts, corners),
                doc_size: (dw, dh),
            };
            let mut frame = render_pose(&background, &doc, &pose, &shot);
            // The glare sweeps along the MRZ: frame f sits near fraction (f + 0.5) / frames of its width.
            let w = cells.pitch * cells.columns as f32;
            let along = (f as f32 + 0.5) / frames as f32 + rng.range(-0.05, 0.05);
            let (u, v) = (
                cells.left + along.clamp(0.0, 1.0) * w,
                mrz_mid + rng.range(-1.0, 1.0) * cells.cap,
            );
            let (gx, gy) = apply(&homography(corners, pts), u, v);
            let glare = Some(Glare {
                x: gx,
                y: gy,
                r: rng.range(40.0, 100.0),
                strength: rng.range(0.6, 1.0),
            });
            let illegible = light(&mut frame, &shot, ga, glare, Some((&cells, &pose)));
            add_noise(&mut rng, &mut frame, shot.noise);
            let name = format!("doc{d:02}_f{f:02}.jpg");
            save_jpeg(&out.join(&name), &frame, shot.jpeg);
            eprintln!("{name}: {} illegible cells", illegible.len());
            frame_json.push(format!(
                "{{\"file\": {}{}}}",
                json_str(&name),
                illegible_json(&illegible)
            ));
        }
        let lines_json: Vec<String> = lines.iter().map(|l| json_str(l)).collect();
        let _ = write!(
            truth,
            "{}    {{\"document\": {d}, \"format\": \"{}\", \"lines\": [{}],\n      \"frames\": [\n        {}\n      ]}}",
            if d == 0 { "" } else { ",\n" },
            format.contract_name(),
            lines_json.join(", "),
            frame_json.join(",\n        ")
        );
    }
    truth.push_str("\n  ]\n}\n");
    std::fs::write(out.join("truth.json"), truth).expect("write truth.json");
    eprintln!(
        "wrote {docs} documents × {frames} frames to {}",
        out.display()
    );
}

/// The value after `flag` parsed, or `default` when the flag is absent.
fn flag_value<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> T {
    match args.iter().position(|a| a == flag) {
        Some(i) => args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{flag}: expected a number")),
        None => default,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--glare-sequence") {
        let out = args
            .get(at + 1)
            .map(PathBuf::from)
            .expect("--glare-sequence OUT_DIR");
        render_sequence(
            &out,
            flag_value(&args, "--frames", 5),
            flag_value(&args, "--docs", 4),
            flag_value(&args, "--seed", 1),
        );
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--single") {
        let out = args
            .get(at + 1)
            .map(PathBuf::from)
            .expect("--single OUT.jpg");
        let mrz_at = args
            .iter()
            .position(|a| a == "--mrz")
            .expect("--single needs --mrz LINE...");
        let lines: Vec<String> = args
            .iter()
            .skip(mrz_at + 1)
            .take_while(|a| !a.starts_with("--"))
            .flat_map(|a| a.split_whitespace().map(str::to_string))
            .collect();
        let seed = args
            .iter()
            .position(|a| a == "--seed")
            .map(|i| {
                args.get(i + 1)
                    .and_then(|s| s.parse().ok())
                    .expect("--seed N")
            })
            .unwrap_or(1);
        render_single(&lines, &out, seed);
        return;
    }
    let mut out: Option<PathBuf> = None;
    let mut seed = 1u64;
    let mut scale = 1usize;
    let mut train = false;
    let mut negatives_only = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--seed" => {
                i += 1;
                seed = args.get(i).and_then(|s| s.parse().ok()).expect("--seed N");
            }
            "--scale" => {
                i += 1;
                scale = args.get(i).and_then(|s| s.parse().ok()).expect("--scale K");
            }
            "--train" => train = true,
            "--negatives-only" => negatives_only = true,
            other => out = Some(PathBuf::from(other)),
        }
        i += 1;
    }
    let out = out.expect(
        "usage: make_ocr_fixtures OUT_DIR [--seed N] [--scale K] [--train] [--negatives-only]",
    );
    std::fs::create_dir_all(&out).expect("create output dir");
    let fonts = Fonts {
        ocrb: load_font(OCRB_PATH),
        sans: load_font(SANS_PATH),
        bold: load_font(SANS_BOLD_PATH),
    };
    let probe_px = ocrb_px_for_pitch(&fonts.ocrb, 100.0);
    eprintln!(
        "OCR-B: pitch/cap-height = {:.4}",
        100.0 / ocrb_cap_height(&fonts.ocrb, probe_px)
    );
    let mut rng = Rng(seed ^ if train { 0x7A1D_5EED } else { 0 });
    // Per format: clean, phone, hard (cycled over four hard subtypes).
    let plan: [(&str, usize); 3] = [("clean", 12), ("phone", 24), ("hard", 24)];
    let hard_subtypes = ["glare", "lowres", "tilt", "upside_down"];
    let mut truth = String::from("{\n  \"generator\": \"examples/make_ocr_fixtures.rs\",\n");
    let _ = writeln!(
        truth,
        "  \"seed\": {seed},\n  \"train\": {train},\n  \"images\": ["
    );
    let mut first = true;
    let mut n = 0usize;
    let formats: &[Format] = if negatives_only { &[] } else { &FORMATS };
    for &format in formats {
        for (category, count) in plan {
            for k in 0..count * scale {
                let subtype = if category == "hard" {
                    hard_subtypes[k % hard_subtypes.len()]
                } else {
                    ""
                };
                let id = random_identity(&mut rng, format, train);
                let lines = build_mrz(&id, format);
                let (doc, dt) = render_document(&mut rng, &fonts, format, Some(&lines), train);
                let shot = shot_for(&mut rng, category, subtype);
                let (frame, illegible) =
                    photograph(&mut rng, &doc, dt.cap_px, &shot, dt.cells.as_ref());
                let name = format!(
                    "{}_{}_{:03}.jpg",
                    format.contract_name().to_lowercase(),
                    category,
                    k
                );
                save_jpeg(&out.join(&name), &frame, shot.jpeg);
                let lines_json: Vec<String> = dt
                    .lines
                    .unwrap_or_default()
                    .iter()
                    .map(|l| json_str(l))
                    .collect();
                let _ = write!(
                    truth,
                    "{}    {{\"file\": {}, \"category\": \"{category}\", \"subtype\": \"{subtype}\", \"format\": \"{}\", \"rotation_deg\": {:.1}, \"lines\": [{}]{}}}",
                    if first { "" } else { ",\n" },
                    json_str(&name),
                    format.contract_name(),
                    shot.rotation_deg,
                    lines_json.join(", "),
                    illegible_json(&illegible)
                );
                if !illegible.is_empty() {
                    eprintln!("{name}: {} illegible cells", illegible.len());
                }
                first = false;
                n += 1;
            }
        }
    }
    let negative_kinds = ["empty", "text_page", "doc_without_mrz"];
    for k in 0..45 * scale {
        let kind = k % negative_kinds.len();
        let frame = negative_frame(&mut rng, &fonts, kind, train);
        let name = format!("negative_{}_{:03}.jpg", negative_kinds[kind], k);
        save_jpeg(&out.join(&name), &frame, 50);
        let _ = write!(
            truth,
            "{}    {{\"file\": {}, \"category\": \"negative\", \"subtype\": \"{}\", \"format\": null, \"lines\": null}}",
            if first { "" } else { ",\n" },
            json_str(&name),
            negative_kinds[kind]
        );
        first = false;
        n += 1;
    }
    truth.push_str("\n  ]\n}\n");
    std::fs::write(out.join("truth.json"), truth).expect("write truth.json");
    eprintln!("wrote {n} images to {}", out.display());
}
