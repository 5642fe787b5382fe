//! Benchmarks of MRZ parsing + check digit validation (TD3 and TD1 specimens), ours and the `mrz` crate's.

use std::hint::black_box;

use bankid_activation::mrz;
use criterion::{Criterion, criterion_group, criterion_main};

// ICAO 9303 Part 4, Appendix A (TD3) and Part 5, Appendix A (TD1) specimens.
const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];
const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

fn parse_validate(c: &mut Criterion) {
    let mut g = c.benchmark_group("mrz_parse_validate");
    g.bench_function("ours/td3", |b| {
        b.iter(|| mrz::parse(black_box(&TD3)).is_ok_and(|m| m.is_valid()))
    });
    g.bench_function("ours/td1", |b| {
        b.iter(|| mrz::parse(black_box(&TD1)).is_ok_and(|m| m.is_valid()))
    });
    g.bench_function("mrz_crate/td3", |b| {
        b.iter(|| ::mrz::parse_td3(black_box(TD3[0]), black_box(TD3[1])).is_ok_and(|m| m.valid()))
    });
    g.bench_function("mrz_crate/td1", |b| {
        b.iter(|| {
            ::mrz::parse_td1(black_box(TD1[0]), black_box(TD1[1]), black_box(TD1[2]))
                .is_ok_and(|m| m.valid())
        })
    });
    g.finish();

    // The correction path on a read with one look-alike error in the document number.
    let mut g = c.benchmark_group("mrz_correct");
    let bad = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10";
    g.bench_function("ours/td3_one_error", |b| {
        b.iter(|| mrz::correct(black_box(&[TD3[0], bad]), &[]).is_ok_and(|c| c.valid))
    });
    g.bench_function("ours/td3_clean", |b| {
        b.iter(|| mrz::correct(black_box(&TD3), &[]).is_ok_and(|c| c.valid))
    });
    g.finish();
}

criterion_group!(benches, parse_validate);
criterion_main!(benches);
