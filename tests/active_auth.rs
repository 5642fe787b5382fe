//! Active Authentication (ICAO 9303 Part 11 §6.1) end to end: the reader against the software
//! chip, which signs with the fixture's `AA.key.pem` (RSA-1024 behind DG15, ISO/IEC 9796-2
//! scheme 1); a corrupted signature is rejected; a chip without DG15 does not support AA.

use std::path::Path;

use bankid_activation::access::aa::{AaError, AaMechanism, AaRejection, ActiveAuthOutcome};
use bankid_activation::apdu::StatusWord;
use bankid_activation::crypto::signature::HashAlgorithm;
use bankid_activation::emulator::aa::AaSigner;
use bankid_activation::emulator::{EmulatedChip, EmulatorConfig, Faults, FileSystem, LdsFile};
use bankid_activation::reader::{
    self, ActiveAuthentication, ChipDump, Credentials, ReadOptions, Unauthenticated,
};

mod chip_support;

use chip_support::{FIXTURE, TestRng};

fn credentials() -> Credentials {
    // ICAO 9303 Part 4 Appendix A specimen (the fixture's DG1).
    Credentials::from_document("L898902C3", "740812", "120415").expect("specimen")
}

fn read(chip: EmulatedChip, options: ReadOptions) -> ChipDump {
    reader::read_document_with_rng(
        chip.into_transport(),
        &credentials(),
        &options,
        &mut TestRng(7),
        &mut |_| {},
    )
    .expect("read")
}

fn fixture_chip(faults: Faults) -> EmulatedChip {
    EmulatedChip::from_dir(
        Path::new(FIXTURE),
        EmulatorConfig::default().with_faults(faults),
    )
    .expect("fixture")
}

#[test]
fn aa_passes_on_the_fixture_chip() {
    let dump = read(fixture_chip(Faults::default()), ReadOptions::default());
    assert_eq!(
        dump.active_authentication(),
        Some(&ActiveAuthentication::Performed(
            ActiveAuthOutcome::Verified(AaMechanism::Rsa9796 {
                hash: HashAlgorithm::Sha1,
                bits: 1024
            })
        ))
    );
    assert!(dump.active_authentication().unwrap().is_verified());
    // Off: not attempted, one APDU fewer.
    let off = read(
        fixture_chip(Faults::default()),
        ReadOptions::default().with_active_authentication(false),
    );
    assert_eq!(off.active_authentication(), None);
    assert_eq!(off.apdu_count() + 1, dump.apdu_count());
}

#[test]
fn corrupted_signature_is_rejected() {
    let dump = read(
        fixture_chip(Faults::default().corrupt_aa_signature()),
        ReadOptions::default(),
    );
    let aa = dump.active_authentication().unwrap();
    assert!(!aa.is_verified());
    // A flipped bit in σ scrambles the whole recovered block: no trailer, or a wrong header.
    assert!(
        matches!(
            aa,
            ActiveAuthentication::Performed(ActiveAuthOutcome::Rejected(
                AaRejection::NoTrailer | AaRejection::BadHeader(_) | AaRejection::UnknownTrailer(_)
            ))
        ),
        "{aa:?}"
    );
}

#[test]
fn chip_without_dg15_does_not_support_aa() {
    // ecdsa-bp256-jp2 has no DG15 (fixtures/README.md).
    let chip = EmulatedChip::from_dir(
        Path::new("fixtures/dumps/ecdsa-bp256-jp2"),
        EmulatorConfig::default(),
    )
    .unwrap();
    let dump = read(chip, ReadOptions::default());
    assert_eq!(
        dump.active_authentication(),
        Some(&ActiveAuthentication::NotSupported)
    );
    assert!(!dump.active_authentication().unwrap().is_verified());
}

#[test]
fn chip_with_dg15_but_no_key_refuses_and_fails_closed() {
    // DG15 present, no AA.key.pem: the chip answers 6D00, which is not a pass.
    let fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    assert!(fs.get(LdsFile::DataGroup(15)).is_some());
    let chip = EmulatedChip::new(fs, EmulatorConfig::default()).unwrap();
    let dump = read(chip, ReadOptions::default());
    assert_eq!(
        dump.active_authentication(),
        Some(&ActiveAuthentication::Failed(AaError::Refused(
            StatusWord::INS_NOT_SUPPORTED
        )))
    );
}

#[test]
fn secured_session_runs_aa_on_demand() {
    let chip = fixture_chip(Faults::default());
    let mut session = Unauthenticated::new(chip.into_transport());
    session.read_card_access().unwrap();
    let mut secured = session
        .authenticate(&credentials(), &mut TestRng(3))
        .unwrap();
    let aa = secured.active_authenticate(&mut TestRng(4)).unwrap();
    assert!(aa.is_verified(), "{aa}");
    // Twice works too: a fresh challenge each time.
    assert!(
        secured
            .active_authenticate(&mut TestRng(5))
            .unwrap()
            .is_verified()
    );
}

/// The td3 chip with an EC (P-256) AA key: DG15 holds fixtures/aa/ec-p256-aa.spki.der, DG14 an
/// ActiveAuthenticationInfo (ICAO 9303 Part 11 §6.1: id-icao-mrtd-security-aaProtocolObject
/// 2.23.136.1.1.5, version 1, ecdsa-plain-SHA256 0.4.0.127.0.7.1.1.4.1.3 of BSI TR-03111).
fn ec_chip(faults: Faults, with_dg14: bool) -> EmulatedChip {
    let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    let spki = std::fs::read("fixtures/aa/ec-p256-aa.spki.der").unwrap();
    let mut dg15 = vec![0x6F, spki.len() as u8];
    dg15.extend_from_slice(&spki);
    fs.insert(LdsFile::DataGroup(15), dg15).unwrap();
    if with_dg14 {
        let dg14 = hex_bytes(
            "6E1B3119301706066781080101050201010\
             60A04007F00070101040103",
        );
        fs.insert(LdsFile::DataGroup(14), dg14).unwrap();
    }
    let pem = std::fs::read_to_string("fixtures/aa/ec-p256-aa.key.pem").unwrap();
    let signer = AaSigner::from_pem(&pem).unwrap();
    EmulatedChip::new(fs, EmulatorConfig::default().with_faults(faults))
        .unwrap()
        .with_aa_key(Some(signer.with_ecdsa_hash(HashAlgorithm::Sha256)))
}

fn hex_bytes(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn ecdsa_aa_with_the_dg14_algorithm() {
    let dump = read(ec_chip(Faults::default(), true), ReadOptions::default());
    assert_eq!(
        dump.active_authentication(),
        Some(&ActiveAuthentication::Performed(
            ActiveAuthOutcome::Verified(AaMechanism::Ecdsa {
                hash: HashAlgorithm::Sha256
            })
        ))
    );
    let bad = read(
        ec_chip(Faults::default().corrupt_aa_signature(), true),
        ReadOptions::default(),
    );
    assert!(
        matches!(
            bad.active_authentication(),
            Some(ActiveAuthentication::Performed(
                ActiveAuthOutcome::Rejected(AaRejection::Ecdsa(_))
            ))
        ),
        "{bad:?}"
    );
    // Without DG14's ActiveAuthenticationInfo the hash is unknown: not verified.
    let no_info = read(ec_chip(Faults::default(), false), ReadOptions::default());
    assert!(
        matches!(
            no_info.active_authentication(),
            Some(ActiveAuthentication::Failed(AaError::Algorithm(_)))
        ),
        "{no_info:?}"
    );
}
