//! A full BAC read of fixtures/dumps/td3-rsa2048 (DG2 ≈ 19 KB) through the software chip, with
//! short and with extended length: time per read and APDUs per read (printed once per mode).

use std::hint::black_box;
use std::path::Path;

use bankid_activation::emulator::{EmulatedChip, EmulatorConfig, FileSystem};
use bankid_activation::reader::{self, Credentials, ReadOptions};
use criterion::{Criterion, criterion_group, criterion_main};

const FIXTURE: &str = "fixtures/dumps/td3-rsa2048";

/// The TD3 specimen of ICAO 9303 Part 4 Appendix A (the fixture's DG1).
const MRZ: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

fn full_read(c: &mut Criterion) {
    let fs = FileSystem::load_dir(Path::new(FIXTURE)).expect("fixture");
    let credentials = Credentials::from_mrz_lines(&MRZ).expect("MRZ");
    let mut g = c.benchmark_group("read_bac_td3_rsa2048");
    for (name, config) in [
        ("short_length", EmulatorConfig::short_length()),
        ("extended_length", EmulatorConfig::default()),
    ] {
        let run = || {
            let chip = EmulatedChip::new(fs.clone(), config.clone()).expect("chip");
            reader::read_document(
                chip.into_transport(),
                &credentials,
                &ReadOptions::default(),
                &mut |_| {},
            )
            .expect("read")
        };
        let dump = run();
        let bytes: usize = dump.files().values().map(|b| b.len()).sum();
        println!(
            "{name}: {} APDUs for {} files, {bytes} bytes",
            dump.apdu_count(),
            dump.files().len()
        );
        g.bench_function(name, |b| b.iter(|| black_box(run())));
    }
    g.finish();
}

criterion_group!(benches, full_read);
criterion_main!(benches);
