//! Passive-authentication benchmarks (issue 6): `verify` of an RSA-2048 and an ECDSA brainpoolP256r1
//! dump (SOD parse, CMS signature, DS→CSCA chain, DG hashes; no image decoding), and DG2 face-image
//! decoding (JPEG 360×480, JPEG 2000 640×480) reported separately. Fixtures: fixtures/README.md.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

use bankid_activation::lds::Dg2;
use bankid_activation::verify::{TrustStore, verify};
use criterion::{Criterion, criterion_group, criterion_main};

fn load(dump: &str) -> (Vec<u8>, BTreeMap<u8, Vec<u8>>) {
    let dir = Path::new("fixtures/dumps").join(dump);
    let sod = std::fs::read(dir.join("EF.SOD.bin")).expect("EF.SOD");
    let mut dgs = BTreeMap::new();
    for n in 1u8..=16 {
        if let Ok(b) = std::fs::read(dir.join(format!("DG{n}.bin"))) {
            dgs.insert(n, b);
        }
    }
    (sod, dgs)
}

fn bench_verify(c: &mut Criterion) {
    let trust = TrustStore::load(&["fixtures/pki/csca"]).expect("trust store");
    for (name, dump) in [
        ("verify/rsa2048", "td3-rsa2048"),
        ("verify/ecdsa-brainpoolP256r1", "ecdsa-bp256-sha256"),
    ] {
        let (sod, dgs) = load(dump);
        assert!(verify(&sod, &dgs, &trust).valid, "{dump} must verify");
        c.bench_function(name, |b| {
            b.iter(|| black_box(verify(black_box(&sod), &dgs, &trust)))
        });
    }
    let (sod, dgs) = load("ecdsa-bp512-sha512");
    assert!(verify(&sod, &dgs, &trust).valid);
    c.bench_function("verify/ecdsa-brainpoolP512r1-generic", |b| {
        b.iter(|| black_box(verify(black_box(&sod), &dgs, &trust)))
    });
}

fn bench_decode(c: &mut Criterion) {
    for (name, dump) in [
        ("dg2/jpeg-360x480", "td3-rsa2048"),
        ("dg2/jpeg2000-640x480", "ecdsa-bp256-jp2"),
    ] {
        let bytes =
            std::fs::read(Path::new("fixtures/dumps").join(dump).join("DG2.bin")).expect("DG2");
        let dg2 = Dg2::parse(&bytes).expect("DG2 parses");
        c.bench_function(name, |b| {
            b.iter(|| black_box(dg2.decode_first_image().expect("decodes")))
        });
    }
}

criterion_group!(benches, bench_verify, bench_decode);
criterion_main!(benches);
