//! How the native reader's results move under small changes of the same frames: which documents a
//! perturbation loses (read exactly as given, not after), which it gains, and any wrong valid reading.
//!
//! `cargo run --release --example ocr_robustness -- fixtures/ocr`
//!
//! The perturbations, each applied to the luma plane `read_mrz` reads (Rec. 709 of the decoded RGB):
//! BT.601 luma instead (the JPEG's own Y plane, as a camera hands it over), gamma 0.8 and 1.25,
//! the frame cropped by 1 and by 7 pixels at its top left (the search image's downscale then
//! samples other pixels), and the frame scaled to 90 %. Glare frames are left out (their
//! illegible cells make "exact" depend on luck, see `fixtures/ocr/README.md`); negatives too.
//!
//! A reader whose search or classifier depends on such details finds or reads a document in one
//! frame and not in its near twin; the app's camera frames differ from each other by more than this.

#[path = "common/bt601.rs"]
mod bt601;

use bankid_activation::ocr;

/// One perturbation of a luma frame (the decoded image is at hand for the BT.601 luma).
#[derive(Clone, Copy)]
enum Perturbation {
    Bt601,
    Gamma(f32),
    Crop(usize),
    Scale(f32),
}

impl Perturbation {
    fn name(self) -> String {
        match self {
            Perturbation::Bt601 => "BT.601 luma".into(),
            Perturbation::Gamma(g) => format!("gamma {g}"),
            Perturbation::Crop(d) => format!("crop {d} px"),
            Perturbation::Scale(s) => format!("scale {s}"),
        }
    }

    /// The perturbed frame: pixels, width, height.
    fn apply(
        self,
        image: &image::DynamicImage,
        luma: &[u8],
        w: usize,
        h: usize,
    ) -> (Vec<u8>, usize, usize) {
        match self {
            Perturbation::Bt601 => (bt601::luma(image), w, h),
            Perturbation::Gamma(g) => {
                let table: Vec<u8> = (0..=255u8)
                    .map(|v| (255.0 * (f32::from(v) / 255.0).powf(g)).round() as u8)
                    .collect();
                (luma.iter().map(|&v| table[usize::from(v)]).collect(), w, h)
            }
            Perturbation::Crop(d) => {
                let mut out = Vec::with_capacity((w - d) * (h - d));
                for row in luma.chunks_exact(w).skip(d) {
                    out.extend_from_slice(&row[d..]);
                }
                (out, w - d, h - d)
            }
            Perturbation::Scale(s) => {
                let grey = image::GrayImage::from_raw(w as u32, h as u32, luma.to_vec())
                    .expect("luma plane of the image's size");
                let (nw, nh) = ((w as f32 * s) as u32, (h as f32 * s) as u32);
                let scaled =
                    image::imageops::resize(&grey, nw, nh, image::imageops::FilterType::Triangle);
                (scaled.into_raw(), nw as usize, nh as usize)
            }
        }
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/ocr".into());
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/truth.json")).expect("truth.json"),
    )
    .expect("truth.json is JSON");
    let reader = ocr::MrzReader::new().expect("embedded classifiers");
    let perturbations = [
        Perturbation::Bt601,
        Perturbation::Gamma(0.8),
        Perturbation::Gamma(1.25),
        Perturbation::Crop(1),
        Perturbation::Crop(7),
        Perturbation::Scale(0.9),
    ];
    let mut lost = vec![Vec::new(); perturbations.len()];
    let mut gained = vec![Vec::new(); perturbations.len()];
    let mut wrong_valid = vec![Vec::new(); perturbations.len()];
    let (mut documents, mut exact_as_given) = (0usize, 0usize);
    for item in truth["images"].as_array().expect("images") {
        let Some(lines) = item["lines"].as_array() else {
            continue;
        };
        if item["subtype"].as_str() == Some("glare") {
            continue;
        }
        let expected: Vec<String> = lines
            .iter()
            .filter_map(|l| l.as_str().map(String::from))
            .collect();
        let file = item["file"].as_str().expect("file");
        let image = ocr::decode_image(&std::fs::read(format!("{dir}/{file}")).expect("image"))
            .expect("decode");
        let (w, h) = (image.width() as usize, image.height() as usize);
        let luma = ocr::frame::luma_plane(&image).into_owned();
        let read = |pixels: &[u8], w: usize, h: usize| {
            let frame = ocr::LumaFrame::new(w, h, w, pixels).expect("frame");
            let got = reader.read_frame(&frame).expect("read");
            let exact = got.as_ref().is_some_and(|g| g.lines == expected);
            let valid = got.as_ref().is_some_and(|g| g.valid);
            (exact, valid, got.is_some())
        };
        documents += 1;
        let (base, _, _) = read(&luma, w, h);
        exact_as_given += usize::from(base);
        for (k, p) in perturbations.iter().enumerate() {
            let (pixels, pw, ph) = p.apply(&image, &luma, w, h);
            let (exact, valid, found) = read(&pixels, pw, ph);
            if base && !exact {
                let how = if found { "misread" } else { "not found" };
                lost[k].push(format!("{file} ({how})"));
            }
            if !base && exact {
                gained[k].push(file.to_string());
            }
            if valid && !exact {
                wrong_valid[k].push(file.to_string());
            }
        }
    }
    println!(
        "{documents} documents (glare frames left out), {exact_as_given} read exactly as given"
    );
    println!();
    println!("| perturbation | lost | gained | wrong valid |");
    println!("|---|---|---|---|");
    for (k, p) in perturbations.iter().enumerate() {
        println!(
            "| {} | {} | {} | {} |",
            p.name(),
            lost[k].len(),
            gained[k].len(),
            wrong_valid[k].len()
        );
    }
    println!();
    for (k, p) in perturbations.iter().enumerate() {
        for f in &lost[k] {
            println!("{}: lost {f}", p.name());
        }
        for f in &wrong_valid[k] {
            println!("{}: WRONG VALID {f}", p.name());
        }
    }
}
