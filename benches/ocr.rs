//! Criterion benchmarks of the native MRZ reader on committed fixture frames (decode excluded).

use bankid_activation::ocr::{self, LumaFrame, MrzReader};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn luma(path: &str) -> (usize, usize, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let img = ocr::decode_image(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let luma = ocr::frame::luma_plane(&img).into_owned();
    (img.width() as usize, img.height() as usize, luma)
}

fn bench(c: &mut Criterion) {
    // The luma plane `read_mrz`, `read_image` and `scan` compute from a decoded RGB frame first.
    let page = std::fs::read("fixtures/ocr/negative_text_page_001.jpg").expect("fixture");
    let decoded = ocr::decode_image(&page).expect("decode");
    c.bench_function("luma_plane_rgb_720p", |b| {
        b.iter(|| black_box(ocr::frame::luma_plane(black_box(&decoded))))
    });
    // The peer: `image`'s own conversion (the same weights in `f32`), in the same run.
    c.bench_function("image_to_luma8_rgb_720p", |b| {
        b.iter(|| black_box(black_box(&decoded).to_luma8()))
    });
    // One cell through the first layer of the embedded classifier: the reader's four-rows-per-pass
    // `Mlp::hidden_layer` against its definition, one `dot` per row (bit-identical results), in
    // the same run.
    let model = ocr::Mlp::embedded().expect("embedded model");
    let cell: Vec<f32> = (0..model.inputs)
        .map(|i| ((i * 37 % 101) as f32) / 100.0)
        .collect();
    let mut hidden = vec![0f32; model.hidden];
    c.bench_function("hidden_layer_plain_rows", |b| {
        b.iter(|| {
            let x = black_box(&cell);
            for ((h, row), bias) in hidden
                .iter_mut()
                .zip(model.w1.chunks_exact(model.inputs))
                .zip(&model.b1)
            {
                *h = (ocr::classify::dot(row, x) + bias).max(0.0);
            }
            black_box(&hidden);
        })
    });
    c.bench_function("hidden_layer_four_rows_per_pass", |b| {
        b.iter(|| {
            model.hidden_layer(black_box(&cell), &mut hidden);
            black_box(&hidden);
        })
    });
    let reader = MrzReader::new().expect("embedded model");
    for (name, path) in [
        ("td3_clean_720p", "fixtures/ocr/td3_clean_000.jpg"),
        ("td1_phone_720p", "fixtures/ocr/td1_phone_000.jpg"),
        ("td2_upside_down_720p", "fixtures/ocr/td2_hard_003.jpg"),
        ("no_mrz_empty_720p", "fixtures/ocr/negative_empty_000.jpg"),
        (
            "no_mrz_text_page_720p",
            "fixtures/ocr/negative_text_page_001.jpg",
        ),
        // The slowest text page of the set before lines of the wrong length were skipped.
        (
            "no_mrz_dense_text_page_720p",
            "fixtures/ocr/negative_text_page_016.jpg",
        ),
    ] {
        let (w, h, px) = luma(path);
        c.bench_function(name, |b| {
            b.iter(|| {
                let frame = LumaFrame::new(w, h, w, &px).expect("frame");
                black_box(reader.read_frame(&frame).expect("read"))
            })
        });
    }
    // Every text page of the committed set in turn (the frames the no-MRZ target is hardest on):
    // the time per iteration is that of all of them.
    let mut pages: Vec<_> = std::fs::read_dir("fixtures/ocr")
        .expect("fixtures/ocr")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("negative_text_page_") && n.ends_with(".jpg"))
        })
        .collect();
    pages.sort();
    let frames: Vec<_> = pages.iter().map(|p| luma(&p.to_string_lossy())).collect();
    c.bench_function(
        &format!("no_mrz_all_{}_text_pages_720p", frames.len()),
        |b| {
            b.iter(|| {
                for (w, h, px) in &frames {
                    let frame = LumaFrame::new(*w, *h, *w, px).expect("frame");
                    black_box(reader.read_frame(&frame).expect("read"));
                }
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
