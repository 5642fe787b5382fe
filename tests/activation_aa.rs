//! The activation flow over the real reader and the software chip: Active Authentication is
//! the clone check, so the default policy (`CloneCheckRequirement::Required`) approves the
//! fixture chip, and rejects it with `clone_check_failed` when its AA signature is corrupted
//! or the chip has no AA key behind DG15.

mod support;

use std::path::Path;

use bankid_activation::activation::TransportChipReader;
use bankid_activation::activation::binding::SqliteBindingStore;
use bankid_activation::activation::flow::{self, ActivationContext, MrzText, Progress};
use bankid_activation::activation::flow::{ChipAccess, ChipReader};
use bankid_activation::activation::policy::{CloneCheck, Policy};
use bankid_activation::activation::registry::SqliteRegistry;
use bankid_activation::emulator::{EmulatedChip, EmulatorConfig, Faults, FileSystem};
use bankid_activation::verify::TrustStore;
use support::*;

const FIXTURE: &str = "fixtures/dumps/td3-rsa2048";

fn activate(chip: EmulatedChip, device_id: &str) -> (flow::ActivationResult, Vec<Progress>) {
    let dir = tempfile::tempdir().unwrap();
    let registry = SqliteRegistry::open(dir.path().join("registry.db")).unwrap();
    registry.import_json(&registry_json()).unwrap();
    let store = SqliteBindingStore::open(dir.path().join("store.db")).unwrap();
    let trust = TrustStore::load(&["fixtures/pki/csca"]).unwrap();
    let policy = Policy::default();
    let mut events = Vec::new();
    let mut sink = |p: &Progress| events.push(p.clone());
    let result = flow::activate(
        "bankid-anna",
        anna_id().as_str(),
        &mut MrzText(ICAO_TD3.join("\n")),
        &mut TransportChipReader::new(chip.into_transport()),
        ActivationContext {
            trust: &trust,
            policy: &policy,
            today: specimen_today(),
        },
        &registry,
        &store,
        &device(device_id, 3),
        &mut sink,
    )
    .unwrap();
    (result, events)
}

fn fixture_chip(faults: Faults) -> EmulatedChip {
    EmulatedChip::from_dir(
        Path::new(FIXTURE),
        EmulatorConfig::default().with_faults(faults),
    )
    .unwrap()
}

#[test]
fn default_policy_approves_a_chip_that_passes_active_authentication() {
    let (result, events) = activate(fixture_chip(Faults::default()), "phone-1");
    assert!(result.activated, "{result:?}");
    assert!(result.reasons.is_empty(), "{:?}", result.reasons);
    assert_eq!(result.device_id, "phone-1");
    // The reader's file progress reached the flow's events.
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Progress::Chip(c) if c.step == "DG2" && c.total == Some(19280)))
    );
}

#[test]
fn a_corrupted_aa_signature_is_clone_check_failed() {
    let (result, _) = activate(
        fixture_chip(Faults::default().corrupt_aa_signature()),
        "phone-1",
    );
    assert!(!result.activated);
    assert_eq!(result.reasons, ["clone_check_failed"], "{result:?}");
}

#[test]
fn a_chip_without_its_aa_key_is_clone_check_failed() {
    // DG15 present, no AA.key.pem: the chip refuses INTERNAL AUTHENTICATE (6D00).
    let fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    let chip = EmulatedChip::new(fs, EmulatorConfig::default()).unwrap();
    let (result, _) = activate(chip, "phone-1");
    assert!(!result.activated);
    assert_eq!(result.reasons, ["clone_check_failed"], "{result:?}");
}

#[test]
fn clone_check_values_from_the_reader() {
    let mrz = bankid_activation::mrz::Mrz::parse_lines(&ICAO_TD3).unwrap();
    let access = ChipAccess::from_mrz(&mrz);
    let read = |chip: EmulatedChip, options| {
        TransportChipReader::with_options(chip.into_transport(), options)
            .read_chip(&access, &mut |_| {})
            .unwrap()
    };
    let options = bankid_activation::reader::ReadOptions::default();
    let data = read(fixture_chip(Faults::default()), options);
    assert_eq!(data.clone_check, CloneCheck::Passed);
    assert_eq!(data.data_groups.len(), 7);
    let data = read(
        fixture_chip(Faults::default()),
        options.with_active_authentication(false),
    );
    assert_eq!(data.clone_check, CloneCheck::NotPerformed);
    let data = read(
        fixture_chip(Faults::default().corrupt_aa_signature()),
        options,
    );
    assert!(
        matches!(&data.clone_check, CloneCheck::Failed(why) if why.contains("active authentication"))
    );
    // No DG15 (fixtures/README.md: ecdsa-bp256-jp2 has EF.COM DG1 DG2 only).
    let chip = EmulatedChip::from_dir(
        Path::new("fixtures/dumps/ecdsa-bp256-jp2"),
        EmulatorConfig::default(),
    )
    .unwrap();
    assert_eq!(
        read(chip, options).clone_check,
        CloneCheck::NotSupportedByChip
    );
    // A wrong MRZ: the read fails, no data.
    // Birth date 740813, check digits recomputed: a valid MRZ that does not open this chip.
    let wrong = bankid_activation::mrz::Mrz::parse_lines(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408133F1204159ZE184226B<<<<<10",
    ])
    .unwrap();
    assert!(wrong.is_valid());
    let err = TransportChipReader::new(fixture_chip(Faults::default()).into_transport())
        .read_chip(&ChipAccess::from_mrz(&wrong), &mut |_| {})
        .unwrap_err();
    assert!(err.contains("access denied"), "{err}");
}
