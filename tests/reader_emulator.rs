//! The reader against the software chip over BAC: every file of the fixture dump
//! (fixtures/dumps/td3-rsa2048, DG2 ≈ 19 KB) read byte for byte with short and extended length,
//! SFI and SELECT, forced 6700/6Cxx step-down, a dropped link, a corrupted MAC, a wrong MRZ, and
//! chips answering garbage; the APDU count is held to the bound of issue 4.
//!
//! The software chip in BAC mode is a BAC-only chip: it withholds the dump's EF.CardAccess,
//! which offers PACE (see `AccessMode::Bac`), so the reader probes for it (3 APDUs: SFI read,
//! SELECT MF, SELECT EF) and runs BAC. PACE reads are in tests/pace_read.rs.

use std::path::Path;

use bankid_activation::access::AccessProtocol;
use bankid_activation::apdu::StatusWord;
use bankid_activation::emulator::{AccessMode, EmulatedChip, EmulatorConfig, Faults, FileSystem};
use bankid_activation::reader::{
    self, Access, ChipDump, Credentials, FileAccess, LdsFile, Progress, ReadError, ReadOptions,
    Unauthenticated, Unreadable,
};
use bankid_activation::sm::SmError;
use bankid_activation::transport::{Capabilities, InMemory, Transport};
use proptest::prelude::*;

mod chip_support;

use chip_support::{FIXTURE, MRZ, TestRng};

fn credentials() -> Credentials {
    Credentials::from_mrz_lines(&MRZ).expect("specimen MRZ")
}

fn chip(config: EmulatorConfig) -> EmulatedChip {
    EmulatedChip::from_dir(Path::new(FIXTURE), config)
        .expect("fixture loads")
        .with_rng(Box::new(TestRng(7)))
}

fn read<T: Transport>(transport: T, options: ReadOptions) -> Result<ChipDump, ReadError> {
    reader::read_document_with_rng(
        transport,
        &credentials(),
        &options,
        &mut TestRng(1),
        &mut |_| {},
    )
}

/// The fixture's chip files a BAC-only chip serves (key files and the PACE-offering
/// EF.CardAccess excluded).
fn fixture_files(dir: &str) -> Vec<(LdsFile, Vec<u8>)> {
    LdsFile::all()
        .filter(|f| *f != LdsFile::CardAccess)
        .filter_map(|f| {
            std::fs::read(Path::new(dir).join(f.file_name()))
                .ok()
                .map(|b| (f, b))
        })
        .collect()
}

/// [`assert_identical`] plus the dump's own EF.CardAccess (a chip in PACE mode serving it).
fn assert_identical_with_card_access(dump: &ChipDump, dir: &str) {
    let own = std::fs::read(Path::new(dir).join("EF.CardAccess.bin")).unwrap();
    assert_eq!(dump.card_access(), Some(own.as_slice()));
    let expected = fixture_files(dir);
    for (file, bytes) in &expected {
        assert_eq!(dump.get(*file), Some(bytes.as_slice()), "{file} differs");
    }
    assert_eq!(dump.files().len(), expected.len() + 1);
}

fn assert_identical(dump: &ChipDump, dir: &str) {
    let expected = fixture_files(dir);
    for (file, bytes) in &expected {
        assert_eq!(dump.get(*file), Some(bytes.as_slice()), "{file} differs");
    }
    assert_eq!(
        dump.files().len(),
        expected.len(),
        "{:?}",
        dump.files().keys()
    );
}

/// Issue 4's bound: 2 for BAC + per file (1 SELECT, or none by SFI) + 1 header read +
/// ceil(rest/223) reads. SELECT of the application is counted on top (1), and so is the probe
/// for the absent EF.CardAccess (3).
fn apdu_bound(files: &[(LdsFile, Vec<u8>)], select: bool) -> u64 {
    let per_file: u64 = files
        .iter()
        .map(|(_, b)| {
            let rest = b.len().saturating_sub(reader::HEADER_READ_LEN) as u64;
            u64::from(select) + 1 + rest.div_ceil(223)
        })
        .sum();
    2 + 1 + CARD_ACCESS_PROBE + per_file
}

/// APDUs spent learning that EF.CardAccess is absent: READ BINARY by SFI 1C (6A82), SELECT MF,
/// SELECT EF 011C (6A82).
const CARD_ACCESS_PROBE: u64 = 3;

#[test]
fn short_length_by_sfi_reads_everything_within_the_bound() {
    let mut transport = chip(EmulatorConfig::short_length()).into_transport();
    assert_eq!(transport.capabilities(), Capabilities::SHORT);
    let mut seen: Vec<Progress> = Vec::new();
    let dump = reader::read_document_with_rng(
        &mut transport,
        &credentials(),
        &ReadOptions::default(),
        &mut TestRng(1),
        &mut |p| seen.push(*p),
    )
    .expect("read");
    assert_identical(&dump, FIXTURE);
    assert_eq!(dump.access_used(), AccessProtocol::Bac);
    assert_eq!(dump.access_used().to_string(), "BAC");
    assert_eq!(dump.dg1_mrz().unwrap(), MRZ);
    assert_eq!(
        dump.unreadable(),
        [(LdsFile::CardAccess, Unreadable::NotFound)]
    );
    assert!(!dump.offers_pace());
    assert_eq!(dump.apdu_count(), transport.exchanges());
    let bound = apdu_bound(&fixture_files(FIXTURE), false);
    assert!(
        dump.apdu_count() <= bound,
        "{} > {bound}",
        dump.apdu_count()
    );
    // Exactly: the EF.CardAccess probe, SELECT, BAC 2, then per file header + ceil(rest/231)
    // (3DES SM, short length), and one INTERNAL AUTHENTICATE (active authentication, DG15
    // present).
    let exact: u64 = CARD_ACCESS_PROBE
        + 1
        + 2
        + 1
        + fixture_files(FIXTURE)
            .iter()
            .map(|(_, b)| 1 + (b.len() as u64 - 6).div_ceil(231))
            .sum::<u64>();
    assert_eq!(dump.apdu_count(), exact);
    // Progress: DG2 grows monotonically to its total.
    let dg2: Vec<&Progress> = seen
        .iter()
        .filter(|p| p.file == LdsFile::DataGroup(2))
        .collect();
    assert_eq!(dg2.first().unwrap().read, 6);
    assert!(dg2.windows(2).all(|w| w[1].read > w[0].read));
    assert_eq!(dg2.last().unwrap().read, 19280);
    assert!(dg2.iter().all(|p| p.total == 19280));
}

#[test]
fn extended_length_reads_each_file_in_two_apdus() {
    let mut transport = chip(EmulatorConfig::default()).into_transport();
    assert!(transport.capabilities().extended_length);
    let dump = read(&mut transport, ReadOptions::default()).expect("read");
    assert_identical(&dump, FIXTURE);
    // The EF.CardAccess probe, SELECT 1, BAC 2, then header + one read per file.
    let files = fixture_files(FIXTURE);
    assert_eq!(
        dump.apdu_count(),
        CARD_ACCESS_PROBE + 1 + 2 + 2 * files.len() as u64 + 1, // + INTERNAL AUTHENTICATE
        "{dump:?}"
    );
    // Extended length forbidden by the caller: short reads again.
    let mut transport = chip(EmulatorConfig::default()).into_transport();
    let short = read(
        &mut transport,
        ReadOptions::default().with_extended_length(false),
    )
    .expect("read");
    assert_identical(&short, FIXTURE);
    assert!(short.apdu_count() > 40);
    assert!(short.apdu_count() <= apdu_bound(&files, false));
}

#[test]
fn select_then_read_within_the_bound() {
    for config in [EmulatorConfig::short_length(), EmulatorConfig::default()] {
        let mut transport = chip(config).into_transport();
        let options = ReadOptions::default().with_file_access(FileAccess::Select);
        let dump = read(&mut transport, options).expect("read");
        assert_identical(&dump, FIXTURE);
        let bound = apdu_bound(&fixture_files(FIXTURE), true);
        assert!(
            dump.apdu_count() <= bound,
            "{} > {bound}",
            dump.apdu_count()
        );
    }
}

/// A dump with a 40 000-byte DG2, so offsets beyond 7FFF need READ BINARY B1 with DO'54'.
fn big_chip(config: EmulatorConfig) -> (EmulatedChip, Vec<(LdsFile, Vec<u8>)>) {
    let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    let image: Vec<u8> = (0..40_000u32).map(|i| (i * 31 + i / 253) as u8).collect();
    let mut dg2 = vec![0x75, 0x82];
    dg2.extend_from_slice(&(image.len() as u16).to_be_bytes());
    dg2.extend_from_slice(&image);
    fs.insert(LdsFile::DataGroup(2), dg2).unwrap();
    let files: Vec<(LdsFile, Vec<u8>)> = fs
        .files()
        .filter(|(f, _)| *f != LdsFile::CardAccess)
        .map(|(f, b)| (f, b.to_vec()))
        .collect();
    let chip = EmulatedChip::new(fs, config)
        .unwrap()
        .with_rng(Box::new(TestRng(3)));
    (chip, files)
}

#[test]
fn offsets_beyond_7fff_use_odd_ins() {
    for config in [EmulatorConfig::short_length(), EmulatorConfig::default()] {
        let (chip, files) = big_chip(config);
        let mut transport = chip.into_transport();
        let dump = read(&mut transport, ReadOptions::default()).expect("read");
        for (file, bytes) in &files {
            assert_eq!(dump.get(*file), Some(bytes.as_slice()), "{file}");
        }
        assert!(dump.apdu_count() <= apdu_bound(&files, false));
    }
}

#[test]
fn forced_6700_steps_down_and_remembers() {
    let config =
        EmulatorConfig::short_length().with_faults(Faults::default().wrong_length_above(100));
    let transport = chip(config).into_transport();
    let mut session = Unauthenticated::new(transport);
    session.read_card_access().unwrap();
    let mut secured = session
        .authenticate(&credentials(), &mut TestRng(5))
        .unwrap();
    let dump = secured.read_all(&mut |_| {}).expect("read");
    assert_identical(&dump, FIXTURE);
    assert!(secured.read_size() <= 100, "{}", secured.read_size());
    // Stepping down happens once: 231 → 115 → … is learnt on the first long read, then kept.
    let files = fixture_files(FIXTURE);
    let at_115: u64 = files
        .iter()
        .filter(|(f, _)| *f != LdsFile::CardAccess)
        .map(|(_, b)| 1 + (b.len() as u64 - 6).div_ceil(secured.read_size() as u64))
        .sum();
    assert!(
        secured.apdu_count() <= CARD_ACCESS_PROBE + 1 + 2 + at_115 + 4,
        "{}",
        secured.apdu_count()
    );
}

#[test]
fn wrong_le_6cxx_is_followed() {
    // The chip's buffer is 128 bytes: it answers 6C80 to longer reads.
    let config = EmulatorConfig::short_length().with_max_response_data(128);
    let mut transport = chip(config).into_transport();
    let dump = read(&mut transport, ReadOptions::default()).expect("read");
    assert_identical(&dump, FIXTURE);
}

#[test]
fn extended_refused_by_the_chip_falls_back_to_short() {
    // The link carries extended APDUs but the chip answers 6700 to them.
    let chip = chip(EmulatorConfig::short_length());
    let transport = InMemory::new(chip, Capabilities::EXTENDED);
    let dump = read(transport, ReadOptions::default()).expect("read");
    assert_identical(&dump, FIXTURE);
    assert!(dump.apdu_count() <= apdu_bound(&fixture_files(FIXTURE), false) + 10);
}

#[test]
fn a_dropped_link_is_an_error_at_every_point() {
    let full = read(
        chip(EmulatorConfig::short_length()).into_transport(),
        ReadOptions::default(),
    )
    .unwrap()
    .apdu_count();
    for n in 0..full {
        let faults = Faults::default().drop_link_after(n);
        let transport = chip(EmulatorConfig::short_length().with_faults(faults)).into_transport();
        match read(transport, ReadOptions::default()) {
            Err(e) => {
                assert!(e.is_link_lost(), "after {n}: {e}");
                assert!(e.to_string().contains("card removed"), "{e}");
            }
            Ok(dump) => panic!("after {n} APDUs a dump came back: {dump:?}"),
        }
    }
    let faults = Faults::default().drop_link_after(full);
    let transport = chip(EmulatorConfig::short_length().with_faults(faults)).into_transport();
    assert!(read(transport, ReadOptions::default()).is_ok());
}

#[test]
fn a_corrupted_mac_ends_the_read() {
    let faults = Faults::default().corrupt_mac_at(10);
    let transport = chip(EmulatorConfig::short_length().with_faults(faults)).into_transport();
    let err = read(transport, ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::SecureMessaging {
                source: SmError::MacMismatch,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.fault(), reader::Fault::Chip);
}

#[test]
fn wrong_mrz_is_access_denied() {
    let wrong = Credentials::from_document("L898902C3", "740812", "120416").unwrap();
    let transport = chip(EmulatorConfig::default()).into_transport();
    let err = reader::read_document_with_rng(
        transport,
        &wrong,
        &ReadOptions::default(),
        &mut TestRng(1),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "access denied (BAC)");
    assert_eq!(err.fault(), reader::Fault::Refused);
}

#[test]
fn pace_and_can_with_a_bac_only_chip_are_not_offered() {
    let transport = chip(EmulatorConfig::default()).into_transport();
    let can = Credentials::from_can("123456").unwrap();
    let err = reader::read_document_with_rng(
        transport,
        &can,
        &ReadOptions::default(),
        &mut TestRng(1),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.fault(), reader::Fault::Unsupported, "{err}");
    let transport = chip(EmulatorConfig::default()).into_transport();
    let err = read(transport, ReadOptions::default().with_access(Access::Pace)).unwrap_err();
    assert_eq!(err.fault(), reader::Fault::Unsupported, "{err}");
    let transport = chip(EmulatorConfig::default()).into_transport();
    let err = reader::read_document_with_rng(
        transport,
        &can,
        &ReadOptions::default().with_access(Access::Bac),
        &mut TestRng(1),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.fault(), reader::Fault::Caller, "{err}");
}

#[test]
fn protected_and_missing_groups_are_reported_and_skipped() {
    let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    // EF.COM listing DG1, DG2, DG3 (present, EAC-protected: 6982) and DG4 (absent).
    // ICAO 9303 Part 10 §4.6.1 example EF.COM.
    let com_fixed = hex_decode("60165F0104303130375F36063034303030305C0461756376");
    fs.insert(LdsFile::Com, com_fixed.clone()).unwrap();
    fs.insert(LdsFile::DataGroup(3), vec![0x63, 0x01, 0x00])
        .unwrap();
    let chip = EmulatedChip::new(fs, EmulatorConfig::default())
        .unwrap()
        .with_rng(Box::new(TestRng(9)));
    let dump = read(chip.into_transport(), ReadOptions::default()).expect("read goes on");
    assert_eq!(dump.get(LdsFile::Com), Some(com_fixed.as_slice()));
    assert!(dump.get(LdsFile::DataGroup(1)).is_some());
    assert!(dump.get(LdsFile::DataGroup(2)).is_some());
    assert!(dump.get(LdsFile::Sod).is_some());
    assert!(dump.get(LdsFile::DataGroup(3)).is_none());
    assert!(
        dump.get(LdsFile::DataGroup(7)).is_none(),
        "not listed, not read"
    );
    assert_eq!(
        dump.unreadable(),
        [
            (LdsFile::CardAccess, Unreadable::NotFound),
            (
                LdsFile::DataGroup(3),
                Unreadable::Protected(StatusWord(0x6982))
            ),
            (LdsFile::DataGroup(4), Unreadable::NotFound),
        ]
    );
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn written_dump_verifies_and_reloads() {
    let dump = read(
        chip(EmulatorConfig::default()).into_transport(),
        ReadOptions::default(),
    )
    .expect("read");
    let dir = std::env::temp_dir().join(format!("bankid-reader-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dump.write_dir(&dir).unwrap();
    // The dump directory holds the chip files exactly and no key files.
    assert!(!dir.join("AA.key.pem").exists());
    for (file, bytes) in fixture_files(FIXTURE) {
        assert_eq!(std::fs::read(dir.join(file.file_name())).unwrap(), bytes);
    }
    let trust = bankid_activation::verify::TrustStore::load(&["fixtures/pki/csca"]).unwrap();
    let report = bankid_activation::verify::verify_dump(&dir, &trust);
    assert!(report.valid, "{report:#?}");
    // The written dump serves a chip again, with keys from its DG1.
    let again = EmulatedChip::from_dir(&dir, EmulatorConfig::default()).unwrap();
    let dump2 = read(again.into_transport(), ReadOptions::default()).unwrap();
    assert_eq!(dump2.files(), dump.files());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn access_protocol_at_the_master_file_plugs_in() {
    // The PACE seam: any protocol producing a SecureChannel at the MF; BAC stands in here.
    let keys = credentials().bac_keys().unwrap().unwrap();
    let mut session = Unauthenticated::new(chip(EmulatorConfig::default()).into_transport());
    session.read_card_access().unwrap();
    let mut secured = session
        .establish_at_master_file(AccessProtocol::Bac, |link, card_access| {
            assert!(card_access.is_none(), "a BAC-only chip withholds it");
            bankid_activation::access::bac::authenticate(&mut &mut *link, &keys, &mut TestRng(11))
        })
        .unwrap();
    let dump = secured.read_all(&mut |_| {}).unwrap();
    assert_identical(&dump, FIXTURE);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A chip that turns to garbage at any point: the reader returns, never panics, and a
    /// success holds only what the fixture holds.
    #[test]
    fn garbage_from_the_chip_never_panics(from in 1u64..80, seed in any::<u64>(), short in any::<bool>()) {
        let config = if short { EmulatorConfig::short_length() } else { EmulatorConfig::default() };
        let transport = chip(config.with_faults(Faults::default().garbage_from(from, seed))).into_transport();
        if let Ok(dump) = read(transport, ReadOptions::default()) {
            for (file, bytes) in dump.all_files() {
                let expected = std::fs::read(Path::new(FIXTURE).join(file.file_name())).unwrap();
                prop_assert_eq!(bytes, expected.as_slice());
            }
        }
    }

    /// Arbitrary answers from the first APDU on.
    #[test]
    fn arbitrary_answers_never_panic(answers in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..12)) {
        let mut i = 0usize;
        let handler = move |_: &[u8]| {
            i += 1;
            answers.get(i - 1).cloned().unwrap_or_else(|| vec![0x90, 0x00])
        };
        let _ = read(InMemory::new(handler, Capabilities::EXTENDED), ReadOptions::default());
    }

    /// Authentic (MAC-correct) but hostile content: random EF.COM and data groups with any
    /// length fields. The reader returns each file as served or a typed error.
    #[test]
    fn hostile_files_under_valid_sm(com_tags in proptest::collection::vec(any::<u8>(), 0..6),
                                    dg1_tail in proptest::collection::vec(any::<u8>(), 0..12),
                                    dg2 in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
        let mut com = vec![0x60, (com_tags.len() + 2) as u8, 0x5C, com_tags.len() as u8];
        com.extend_from_slice(&com_tags);
        fs.insert(LdsFile::Com, com).unwrap();
        fs.insert(LdsFile::DataGroup(2), dg2).unwrap();
        let mut dg3 = vec![0x63, 0x84];
        dg3.extend_from_slice(&dg1_tail);
        fs.insert(LdsFile::DataGroup(5), dg3).unwrap();
        let keys = credentials().bac_keys().unwrap().unwrap();
        let chip = EmulatedChip::new(fs.clone(), EmulatorConfig::short_length().with_bac_keys(keys))
            .unwrap()
            .with_rng(Box::new(TestRng(13)));
        if let Ok(dump) = read(chip.into_transport(), ReadOptions::default()) {
            for (file, bytes) in dump.all_files() {
                let served = fs.get(file).unwrap();
                prop_assert!(served.starts_with(bytes), "{}", file);
            }
        }
    }
}

#[test]
fn card_access_falls_back_to_select_and_may_be_missing() {
    // A chip that refuses READ BINARY by SFI in the MF (6A86): SELECT MF, SELECT 011C, READ.
    // A PACE chip (whose EF.CardAccess is the fixture's own), read with BAC.
    let params = "pace:gm:brainpoolP256r1:aes128".parse().unwrap();
    let mut emulated = chip(EmulatorConfig::default().with_access(AccessMode::Pace(params)));
    let mut log: Vec<Vec<u8>> = Vec::new();
    let handler = |apdu: &[u8]| {
        log.push(apdu.to_vec());
        if apdu.starts_with(&[0x00, 0xB0, 0x9C]) {
            vec![0x6A, 0x86]
        } else {
            bankid_activation::transport::ApduHandler::process(&mut emulated, apdu)
        }
    };
    let dump = read(
        InMemory::new(handler, Capabilities::EXTENDED),
        ReadOptions::default().with_access(Access::Bac),
    )
    .expect("read");
    assert_identical_with_card_access(&dump, FIXTURE);
    let hexes: Vec<String> = log.iter().take(4).map(|a| hex_upper(a)).collect();
    assert_eq!(
        hexes,
        [
            "00B09C0006",
            "00A4000C023F00",
            "00A4020C02011C",
            "00B0000006"
        ]
    );

    // No EF.CardAccess at all (a BAC-only chip): fine, nothing recorded as read.
    let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    let mut without = FileSystem::new();
    for (file, bytes) in fs.files() {
        if file != LdsFile::CardAccess {
            without.insert(file, bytes.to_vec()).unwrap();
        }
    }
    fs = without;
    let chip = EmulatedChip::new(fs, EmulatorConfig::default())
        .unwrap()
        .with_rng(Box::new(TestRng(4)));
    let dump = read(chip.into_transport(), ReadOptions::default()).expect("read");
    assert!(dump.card_access().is_none());
    assert!(!dump.offers_pace());
    assert_eq!(
        dump.unreadable(),
        [(LdsFile::CardAccess, Unreadable::NotFound)]
    );
    assert_eq!(dump.files().len(), fixture_files(FIXTURE).len());
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[test]
fn system_randomness_path() {
    let dump = reader::read_document(
        chip(EmulatorConfig::default()).into_transport(),
        &credentials(),
        &ReadOptions::default(),
        &mut |_| {},
    )
    .expect("read");
    assert_identical(&dump, FIXTURE);
}

/// A chip serving the fixture with DG2 replaced by `dg2`.
fn chip_with_dg2(dg2: Vec<u8>) -> EmulatedChip {
    let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    fs.insert(LdsFile::DataGroup(2), dg2).unwrap();
    EmulatedChip::new(fs, EmulatorConfig::default())
        .unwrap()
        .with_rng(Box::new(TestRng(21)))
}

#[test]
fn lying_length_fields_are_the_chips_fault() {
    // 4 GiB announced: refused before anything is allocated for it.
    let err = read(
        chip_with_dg2(vec![0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]).into_transport(),
        ReadOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Malformed {
                file: Some(LdsFile::DataGroup(2)),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.fault(), reader::Fault::Chip);
    // An indefinite length (80) is not BER-TLV as the LDS uses it.
    let err = read(
        chip_with_dg2(vec![0x75, 0x80, 0x00, 0x00]).into_transport(),
        ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.fault(), reader::Fault::Chip, "{err}");
    // A file shorter than its length field: an error, not a short DG2 passed as complete.
    let mut short = vec![0x75, 0x82, 0x10, 0x00];
    short.extend_from_slice(&[0xAB; 100]);
    let err = read(
        chip_with_dg2(short).into_transport(),
        ReadOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Refused {
                file: Some(LdsFile::DataGroup(2)),
                ..
            } | ReadError::Malformed { .. }
        ),
        "{err}"
    );
    // Padding after the data object is not part of the file.
    let mut padded = vec![0x75, 0x03, 1, 2, 3];
    padded.extend_from_slice(&[0xFF; 20]);
    let dump = read(
        chip_with_dg2(padded).into_transport(),
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        dump.get(LdsFile::DataGroup(2)),
        Some(&[0x75, 0x03, 1, 2, 3][..])
    );
}

#[test]
fn get_response_chains_are_followed_and_counted() {
    // A T=0-style link: answers longer than 100 bytes come as 100 bytes + 61xx, the rest by
    // GET RESPONSE (ISO/IEC 7816-4 §5.3.4); the reader's link layer assembles them.
    let mut emulated = chip(EmulatorConfig::short_length());
    let mut pending: Vec<u8> = Vec::new();
    let mut get_responses = 0u64;
    let handler = |apdu: &[u8]| {
        let mut answer = if apdu.starts_with(&[0x00, 0xC0, 0x00, 0x00]) {
            get_responses += 1;
            std::mem::take(&mut pending)
        } else {
            bankid_activation::transport::ApduHandler::process(&mut emulated, apdu)
        };
        if answer.len() > 102 {
            let sw = answer.split_off(answer.len() - 2);
            pending = answer.split_off(100);
            pending.extend_from_slice(&sw);
            let left = (pending.len() - 2).min(256) as u8;
            answer.extend_from_slice(&[0x61, left]);
        }
        answer
    };
    let mut transport = InMemory::new(handler, Capabilities::SHORT);
    let dump = read(&mut transport, ReadOptions::default()).expect("read");
    assert_identical(&dump, FIXTURE);
    assert_eq!(dump.apdu_count(), transport.exchanges());
    let without = read(
        chip(EmulatorConfig::short_length()).into_transport(),
        ReadOptions::default(),
    )
    .unwrap()
    .apdu_count();
    assert!(get_responses > 80, "{get_responses}");
    assert_eq!(dump.apdu_count(), without + get_responses);
}

#[test]
fn a_chip_without_sfi_reads_is_read_with_select() {
    let config = EmulatorConfig::short_length().with_short_file_ids(false);
    let mut session = Unauthenticated::new(chip(config).into_transport());
    session.read_card_access().unwrap();
    let mut secured = session
        .authenticate(&credentials(), &mut TestRng(5))
        .unwrap();
    let dump = secured.read_all(&mut |_| {}).expect("read");
    assert_identical(&dump, FIXTURE);
    assert_eq!(secured.file_access(), FileAccess::Select);
    // One refused SFI read for EF.CardAccess (then SELECT MF) and one for EF.COM, then SELECT
    // + READ BINARY within the bound.
    let bound = apdu_bound(&fixture_files(FIXTURE), true) + 3;
    assert!(
        dump.apdu_count() <= bound,
        "{} > {bound}",
        dump.apdu_count()
    );
}
