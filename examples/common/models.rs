//! `OCR_MODELS`: the classifiers an evaluation example reads with, for comparing weights without
//! rebuilding. A comma-separated list of weight files (`OCB1`), `embedded` (the first shipped
//! classifier) or `embedded2` (the second); several form a cascade (`MrzReader::with_models`) that
//! asks the others on cells the first gives under `OCR_ESCALATE_BELOW` (default
//! `classify::ESCALATE_BELOW`; above 1: average every cell). Unset: the shipped reader.

use bankid_activation::ocr::{Mlp, MrzReader, classify};

/// The reader `OCR_MODELS` asks for (panics with the offending entry on a bad file: an example).
pub fn reader_from_env() -> MrzReader {
    let Ok(spec) = std::env::var("OCR_MODELS") else {
        return MrzReader::new().expect("embedded model");
    };
    let models: Vec<Mlp> = spec
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|entry| {
            if entry == "embedded" {
                Mlp::embedded().expect("embedded model")
            } else if entry == "embedded2" {
                Mlp::embedded_second().expect("second embedded model")
            } else {
                let bytes = std::fs::read(entry).unwrap_or_else(|e| panic!("{entry}: {e}"));
                Mlp::from_bytes(&bytes).unwrap_or_else(|e| panic!("{entry}: {e}"))
            }
        })
        .collect();
    let escalate_below = std::env::var("OCR_ESCALATE_BELOW")
        .ok()
        .map_or(classify::ESCALATE_BELOW, |v| {
            v.parse().expect("OCR_ESCALATE_BELOW: a number")
        });
    eprintln!(
        "OCR_MODELS: {} classifier(s) from {spec}, escalating below {escalate_below}",
        models.len()
    );
    MrzReader::with_models(models, escalate_below).expect("OCR_MODELS lists no classifier")
}
