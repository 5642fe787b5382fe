//! The reader against the software chip over PACE: every mapping × group × cipher the PACE
//! module runs reads fixtures/dumps/td3-rsa2048 byte for byte, with the MRZ and with the CAN;
//! wrong passwords are "access denied (PACE)" and never fall back to BAC; `Access::Auto`
//! prefers PACE and reads a BAC-only chip with BAC; CAM is a typed unsupported error.

use std::path::Path;
use std::time::Instant;

use bankid_activation::access::AccessProtocol;
use bankid_activation::access::pace::{self, Mapping, PaceParams, StandardGroup};
use bankid_activation::crypto::keys::CipherSuite;
use bankid_activation::emulator::{AccessMode, EmulatedChip, EmulatorConfig, EmulatorError};
use bankid_activation::reader::{
    self, Access, ChipDump, Credentials, Fault, LdsFile, ReadError, ReadOptions, Unreadable,
};
use bankid_activation::transport::{ApduHandler, Capabilities, InMemory, Transport};

mod chip_support;

use chip_support::{FIXTURE, MRZ, TestRng};

fn mrz() -> Credentials {
    Credentials::from_mrz_lines(&MRZ).expect("specimen MRZ")
}

fn can(n: &str) -> Credentials {
    Credentials::from_can(n).expect("CAN")
}

fn pace_config(params: PaceParams) -> EmulatorConfig {
    EmulatorConfig::default().with_access(AccessMode::Pace(params))
}

fn chip(config: EmulatorConfig, seed: u64) -> EmulatedChip {
    EmulatedChip::from_dir(Path::new(FIXTURE), config)
        .expect("fixture loads")
        .with_rng(Box::new(TestRng(seed)))
}

fn read<T: Transport>(
    transport: T,
    credentials: &Credentials,
    options: ReadOptions,
    seed: u64,
) -> Result<ChipDump, ReadError> {
    reader::read_document_with_rng(
        transport,
        credentials,
        &options,
        &mut TestRng(seed),
        &mut |_| {},
    )
}

/// The fixture's application files (everything but EF.CardAccess, which the chip builds).
fn application_files() -> Vec<(LdsFile, Vec<u8>)> {
    LdsFile::all()
        .filter(|f| *f != LdsFile::CardAccess)
        .filter_map(|f| {
            std::fs::read(Path::new(FIXTURE).join(f.file_name()))
                .ok()
                .map(|b| (f, b))
        })
        .collect()
}

fn assert_application_files_identical(dump: &ChipDump, what: &str) {
    let expected = application_files();
    for (file, bytes) in &expected {
        assert_eq!(
            dump.get(*file),
            Some(bytes.as_slice()),
            "{what}: {file} differs"
        );
    }
    let read: Vec<LdsFile> = dump
        .all_files()
        .map(|(f, _)| f)
        .filter(|f| *f != LdsFile::CardAccess)
        .collect();
    assert_eq!(read.len(), expected.len(), "{what}: {read:?}");
}

/// Every parameter set the PACE module runs: GM and IM over every standardized group, each
/// cipher (IM over P-224 is excluded by the module: its p ≢ 3 mod 4).
fn supported_params() -> Vec<PaceParams> {
    let mut all = Vec::new();
    for mapping in [Mapping::Generic, Mapping::Integrated] {
        for group in StandardGroup::ALL {
            for cipher in [
                CipherSuite::TripleDes,
                CipherSuite::Aes128,
                CipherSuite::Aes192,
                CipherSuite::Aes256,
            ] {
                let params = PaceParams::new(mapping, group, cipher).expect("defined protocol");
                if params.check_supported().is_ok() {
                    all.push(params);
                }
            }
        }
    }
    all
}

#[test]
fn every_mapping_group_and_cipher_reads_the_fixture_with_mrz_and_can() {
    let all = supported_params();
    // GM × 14 groups × 4 ciphers + IM × 13 groups × 4 ciphers.
    assert_eq!(all.len(), 14 * 4 + 13 * 4);
    // The nine groups issue 5 names are all in the matrix.
    for named in [
        "brainpoolP256r1",
        "brainpoolP384r1",
        "brainpoolP512r1",
        "P-256",
        "P-384",
        "P-521",
        "modp1024",
        "modp2048-224",
        "modp2048-256",
    ] {
        let group: StandardGroup = named.parse().expect(named);
        for mapping in [Mapping::Generic, Mapping::Integrated] {
            assert_eq!(
                all.iter()
                    .filter(|p| p.group == group && p.protocol.mapping == mapping)
                    .count(),
                4,
                "{named} {mapping}"
            );
        }
    }
    let started = Instant::now();
    for (i, params) in all.iter().enumerate() {
        for (kind, credentials) in [("MRZ", mrz()), ("CAN", can("123456"))] {
            let what = format!("{params} with the {kind}");
            let seed = i as u64 * 2 + u64::from(kind == "CAN");
            let transport = chip(pace_config(*params), seed).into_transport();
            let dump = read(transport, &credentials, ReadOptions::default(), seed + 1000)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(dump.access_used(), AccessProtocol::Pace, "{what}");
            assert_eq!(dump.pace_params(), Some(*params), "{what}");
            assert_application_files_identical(&dump, &what);
            assert_eq!(
                dump.card_access(),
                Some(pace::card_access::build(params).as_slice()),
                "{what}: EF.CardAccess as the chip built it"
            );
            assert!(
                dump.unreadable().is_empty(),
                "{what}: {:?}",
                dump.unreadable()
            );
        }
    }
    eprintln!(
        "{} PACE reads in {:.1} s",
        all.len() * 2,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_fixtures_own_card_access_is_what_the_chip_builds_for_its_params() {
    // The dump's EF.CardAccess offers id-PACE-ECDH-GM-AES-CBC-CMAC-128 over brainpoolP256r1
    // (fixtures/README.md); the chip in that mode serves it byte for byte.
    let params: PaceParams = "pace:gm:brainpoolP256r1:aes128".parse().unwrap();
    let own = std::fs::read(Path::new(FIXTURE).join("EF.CardAccess.bin")).unwrap();
    assert_eq!(pace::card_access::build(&params), own);
    let dump = read(
        chip(pace_config(params), 1).into_transport(),
        &can("123456"),
        ReadOptions::default(),
        2,
    )
    .unwrap();
    assert_eq!(dump.card_access(), Some(own.as_slice()));
    assert_eq!(dump.files().len(), application_files().len() + 1);
}

/// A link that logs every command APDU sent to `chip`.
fn logged(mut chip: EmulatedChip, log: &mut Vec<Vec<u8>>) -> InMemory<impl ApduHandler + '_> {
    InMemory::new(
        move |apdu: &[u8]| {
            log.push(apdu.to_vec());
            chip.process(apdu)
        },
        Capabilities::EXTENDED,
    )
}

fn sent_bac(log: &[Vec<u8>]) -> bool {
    // GET CHALLENGE (84) or EXTERNAL AUTHENTICATE (82), plain.
    log.iter()
        .any(|a| a.len() > 1 && a[0] == 0x00 && matches!(a[1], 0x84 | 0x82))
}

#[test]
fn a_wrong_password_is_access_denied_and_never_falls_back_to_bac() {
    for spec in [
        "pace:gm:brainpoolP256r1:aes128",
        "pace:im:P-256:3des",
        "pace:gm:modp2048-256:aes256",
    ] {
        let params: PaceParams = spec.parse().unwrap();
        // The chip accepts BAC too (the default), so a fallback would succeed with the MRZ.
        for (what, credentials, access) in [
            ("wrong CAN, auto", can("654321"), Access::Auto),
            ("wrong CAN, pace", can("123457"), Access::Pace),
            (
                "wrong MRZ, auto",
                Credentials::from_document("L898902C3", "740812", "120416").unwrap(),
                Access::Auto,
            ),
        ] {
            let mut log = Vec::new();
            let link = logged(chip(pace_config(params), 3), &mut log);
            let err = read(
                link,
                &credentials,
                ReadOptions::default().with_access(access),
                4,
            )
            .unwrap_err();
            assert_eq!(err.to_string(), "access denied (PACE)", "{spec} {what}");
            assert!(
                matches!(err, ReadError::AccessDenied(AccessProtocol::Pace)),
                "{err:?}"
            );
            assert_eq!(err.fault(), Fault::Refused);
            assert!(!sent_bac(&log), "{spec} {what}: BAC was tried after PACE");
        }
    }
    // The chip CAN is configurable: 000042 opens it, the default no longer does.
    let params: PaceParams = "pace:gm:P-384:aes192".parse().unwrap();
    let config = pace_config(params).with_chip_can("000042");
    let dump = read(
        chip(config.clone(), 5).into_transport(),
        &can("000042"),
        ReadOptions::default(),
        6,
    )
    .unwrap();
    assert_eq!(dump.access_used(), AccessProtocol::Pace);
    let err = read(
        chip(config, 5).into_transport(),
        &can("123456"),
        ReadOptions::default(),
        6,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "access denied (PACE)");
}

#[test]
fn auto_prefers_pace_and_reads_a_bac_only_chip_with_bac() {
    // A PACE chip that also accepts BAC: Auto with the MRZ runs PACE.
    let params: PaceParams = "pace:im:brainpoolP384r1:aes256".parse().unwrap();
    let mut log = Vec::new();
    let dump = read(
        logged(chip(pace_config(params), 7), &mut log),
        &mrz(),
        ReadOptions::default(),
        8,
    )
    .unwrap();
    assert_eq!(dump.access_used(), AccessProtocol::Pace);
    assert_eq!(dump.pace_params(), Some(params));
    assert!(!sent_bac(&log));
    // MSE:Set AT names the protocol, the MRZ password (DO'83' = 01) and the parameter ID
    // (DO'84' = 0x10, brainpoolP384r1), Part 11 §4.4.4.1.
    let mse = log
        .iter()
        .find(|a| a.starts_with(&[0x00, 0x22, 0xC1, 0xA4]))
        .expect("MSE:Set AT sent");
    let oid = params.protocol.oid_bytes();
    let mut data = vec![0x80, oid.len() as u8];
    data.extend_from_slice(&oid);
    data.extend_from_slice(&[0x83, 0x01, 0x01, 0x84, 0x01, 0x10]);
    assert_eq!(&mse[5..5 + data.len()], data.as_slice());

    // The same chip read with Access::Bac: BAC, which a PACE chip accepts by default …
    let dump = read(
        chip(pace_config(params), 9).into_transport(),
        &mrz(),
        ReadOptions::default().with_access(Access::Bac),
        10,
    )
    .unwrap();
    assert_eq!(dump.access_used(), AccessProtocol::Bac);
    assert_eq!(dump.pace_params(), None);
    assert_application_files_identical(&dump, "BAC on a PACE chip");
    // … unless the chip is PACE-only: then BAC is refused, not denied.
    let err = read(
        chip(pace_config(params).with_pace_accepts_bac(false), 9).into_transport(),
        &mrz(),
        ReadOptions::default().with_access(Access::Bac),
        10,
    )
    .unwrap_err();
    assert_eq!(err.fault(), Fault::Refused, "{err}");
    assert!(!matches!(err, ReadError::AccessDenied(_)), "{err}");

    // A BAC-only chip serving the same dump: its PACE-offering EF.CardAccess is withheld, so
    // Auto reads it with BAC.
    let mut log = Vec::new();
    let dump = read(
        logged(chip(EmulatorConfig::default(), 11), &mut log),
        &mrz(),
        ReadOptions::default(),
        12,
    )
    .unwrap();
    assert_eq!(dump.access_used(), AccessProtocol::Bac);
    assert!(dump.card_access().is_none());
    assert_eq!(
        dump.unreadable(),
        [(LdsFile::CardAccess, Unreadable::NotFound)]
    );
    assert_application_files_identical(&dump, "BAC-only chip");
    assert!(!log.iter().any(|a| a.starts_with(&[0x00, 0x22])));
}

#[test]
fn a_can_or_forced_pace_with_a_bac_only_chip_is_a_clear_error() {
    for (credentials, access) in [
        (can("123456"), Access::Auto),
        (can("123456"), Access::Pace),
        (mrz(), Access::Pace),
    ] {
        let err = read(
            chip(EmulatorConfig::default(), 13).into_transport(),
            &credentials,
            ReadOptions::default().with_access(access),
            14,
        )
        .unwrap_err();
        assert!(
            matches!(err, ReadError::NotOffered(AccessProtocol::Pace)),
            "{err:?}"
        );
        assert_eq!(err.fault(), Fault::Unsupported);
        assert!(err.to_string().contains("does not offer PACE"), "{err}");
    }
    // A CAN with Access::Bac is the caller's mistake.
    let err = read(
        chip(EmulatorConfig::default(), 13).into_transport(),
        &can("123456"),
        ReadOptions::default().with_access(Access::Bac),
        14,
    )
    .unwrap_err();
    assert_eq!(err.fault(), Fault::Caller, "{err}");
}

/// A chip whose EF.CardAccess (read by SFI 1C, then by offset while it is the current file)
/// is `card_access`; everything else is the BAC-only software chip.
fn chip_with_card_access(card_access: Vec<u8>, log: &mut Vec<Vec<u8>>) -> impl Transport + '_ {
    let mut chip = chip(EmulatorConfig::default(), 15);
    let mut current = false;
    InMemory::new(
        move |apdu: &[u8]| {
            log.push(apdu.to_vec());
            let sfi = apdu.len() == 5 && apdu[..3] == [0x00, 0xB0, 0x9C];
            let by_offset = apdu.len() == 5 && apdu[..2] == [0x00, 0xB0] && apdu[2] < 0x80;
            current = sfi || (current && by_offset);
            if current {
                let offset = if sfi {
                    usize::from(apdu[3])
                } else {
                    usize::from(u16::from_be_bytes([apdu[2], apdu[3]]))
                };
                let le = if apdu[4] == 0 {
                    256
                } else {
                    usize::from(apdu[4])
                };
                let end = (offset + le).min(card_access.len());
                let mut answer = card_access.get(offset..end).unwrap_or_default().to_vec();
                answer.extend_from_slice(if end - offset < le {
                    &[0x62, 0x82]
                } else {
                    &[0x90, 0x00]
                });
                answer
            } else {
                chip.process(apdu)
            }
        },
        Capabilities::EXTENDED,
    )
}

#[test]
fn chip_authentication_mapping_is_a_typed_unsupported_error() {
    let cam = PaceParams::new(
        Mapping::ChipAuthentication,
        StandardGroup::BrainpoolP256r1,
        CipherSuite::Aes128,
    )
    .unwrap();
    // The software chip cannot offer it …
    let err = EmulatedChip::from_dir(Path::new(FIXTURE), pace_config(cam)).unwrap_err();
    assert!(matches!(err, EmulatorError::Pace(_)), "{err:?}");
    assert!(err.to_string().contains("CAM"), "{err}");
    // … and a chip offering only CAM is not read with BAC instead.
    let mut log = Vec::new();
    let err = read(
        chip_with_card_access(pace::card_access::build(&cam), &mut log),
        &mrz(),
        ReadOptions::default(),
        16,
    )
    .unwrap_err();
    assert_eq!(err.fault(), Fault::Unsupported, "{err}");
    assert!(err.to_string().contains("CAM"), "{err}");
    assert!(!sent_bac(&log));
    // A malformed EF.CardAccess (a SecurityInfo without its OID): the chip's fault, and no
    // protocol is guessed.
    let mut log = Vec::new();
    let err = read(
        chip_with_card_access(
            vec![0x31, 0x08, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            &mut log,
        ),
        &mrz(),
        ReadOptions::default(),
        17,
    )
    .unwrap_err();
    assert_eq!(err.fault(), Fault::Chip, "{err}");
    assert!(!sent_bac(&log));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// A PACE chip that turns to garbage at any APDU (during EF.CardAccess, MSE:Set AT, the
    /// four GENERAL AUTHENTICATE steps or the secured reads): the reader returns a typed error
    /// or the fixture's files, never panics, and never falls back to BAC.
    #[test]
    fn a_pace_chip_answering_garbage_never_panics(from in 1u64..40, seed in proptest::prelude::any::<u64>(), im in proptest::prelude::any::<bool>()) {
        let spec = if im { "pace:im:brainpoolP256r1:aes128" } else { "pace:gm:P-256:3des" };
        let params: PaceParams = spec.parse().unwrap();
        let faults = bankid_activation::emulator::Faults::default().garbage_from(from, seed);
        let mut log = Vec::new();
        let link = logged(chip(pace_config(params).with_faults(faults), seed), &mut log);
        if let Ok(dump) = read(link, &can("123456"), ReadOptions::default(), seed) {
            proptest::prop_assert_eq!(dump.access_used(), AccessProtocol::Pace);
            for (file, bytes) in dump.all_files() {
                if file != LdsFile::CardAccess {
                    let expected = std::fs::read(Path::new(FIXTURE).join(file.file_name())).unwrap();
                    proptest::prop_assert_eq!(bytes, expected.as_slice());
                }
            }
        }
        proptest::prop_assert!(!sent_bac(&log));
    }
}
