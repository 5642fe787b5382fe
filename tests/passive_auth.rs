//! Passive authentication against the openssl-made fixtures (fixtures/README.md): every algorithm
#![allow(clippy::unwrap_used)]
//! combination verifies, every tampered variant fails for the right reason.

use std::path::Path;

use bankid_activation::verify::{DgStatus, TrustStore, VerificationReport, verify_dump};

fn trust() -> TrustStore {
    TrustStore::load(&["fixtures/pki/csca"]).expect("fixture CSCAs load")
}

fn check(dump: &str) -> VerificationReport {
    verify_dump(&Path::new("fixtures/dumps").join(dump), &trust())
}

fn assert_valid(dump: &str) {
    let r = check(dump);
    assert!(r.valid, "{dump}: {:#?}", r);
    assert!(r.signature_valid && r.chain_valid, "{dump}");
    assert!(
        r.data_groups.values().all(|s| *s == DgStatus::Valid),
        "{dump}: {:?}",
        r.data_groups
    );
    assert!(r.errors.is_empty(), "{dump}: {:?}", r.errors);
    assert_eq!(r.country_match, Some(true), "{dump}");
}

#[test]
fn rsa_pkcs1v15_all_hashes() {
    for d in [
        "td3-rsa2048",
        "rsa2048-sha1",
        "rsa2048-sha224",
        "rsa3072-sha384",
        "rsa2048-sha512",
    ] {
        assert_valid(d);
    }
}

#[test]
fn rsa_pss() {
    for d in ["rsa-pss-sha1", "rsa-pss-sha256", "rsa-pss-sha512"] {
        assert_valid(d);
    }
    assert!(
        check("rsa-pss-sha256")
            .signature_algorithm
            .unwrap()
            .contains("RSA-PSS with SHA-256 (salt 32)")
    );
}

#[test]
fn ecdsa_nist_curves() {
    for d in [
        "ecdsa-p256-sha1",
        "ecdsa-p256-sha224",
        "ecdsa-p256-sha256",
        "ecdsa-p384-sha384",
        "ecdsa-p521-sha512",
    ] {
        assert_valid(d);
    }
}

#[test]
fn ecdsa_brainpool_and_explicit_parameters() {
    // The bp384 CSCA and the *-explicit DS keys carry explicit X9.62 domain parameters in their SPKI.
    for d in [
        "ecdsa-bp256-sha256",
        "ecdsa-bp256-explicit-sha256",
        "ecdsa-bp384-explicit-sha384",
        "ecdsa-p256-explicit-sha256",
        "ecdsa-bp256-jp2",
    ] {
        assert_valid(d);
    }
}

#[test]
fn brainpool_p512() {
    // DS and CSCA both brainpoolP512r1 (generic verifier: no RustCrypto crate for this curve).
    assert_valid("ecdsa-bp512-sha512");
}

#[test]
fn brainpool_p512_corrupted_signature_fails() {
    let dir = std::env::temp_dir().join(format!("bp512-tampered-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["DG1.bin", "DG2.bin", "DG15.bin", "EF.COM.bin"] {
        std::fs::copy(
            Path::new("fixtures/dumps/ecdsa-bp512-sha512").join(f),
            dir.join(f),
        )
        .unwrap();
    }
    let mut sod = std::fs::read("fixtures/dumps/ecdsa-bp512-sha512/EF.SOD.bin").unwrap();
    let n = sod.len();
    sod[n - 2] ^= 0x10;
    std::fs::write(dir.join("EF.SOD.bin"), sod).unwrap();
    let r = verify_dump(&dir, &trust());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        !r.valid && !r.signature_valid && r.chain_valid,
        "{:?}",
        r.errors
    );
}

#[test]
fn edited_dg1_is_invalid() {
    let r = check("tampered-dg1-edited");
    assert!(!r.valid);
    assert!(r.signature_valid && r.chain_valid);
    assert_eq!(r.data_groups[&1], DgStatus::Invalid);
    assert_eq!(r.data_groups[&2], DgStatus::Valid);
    assert!(
        r.errors
            .iter()
            .any(|e| e.starts_with("DG1 hash does not match")),
        "{:?}",
        r.errors
    );
}

#[test]
fn edited_dg2_is_invalid() {
    let r = check("tampered-dg2-edited");
    assert!(!r.valid);
    assert_eq!(r.data_groups[&2], DgStatus::Invalid);
    assert_eq!(r.data_groups[&1], DgStatus::Valid);
}

#[test]
fn corrupted_signatures_fail() {
    for d in ["tampered-signature", "tampered-ecdsa-signature"] {
        let r = check(d);
        assert!(!r.valid && !r.signature_valid, "{d}");
        assert!(r.chain_valid, "{d}: the DS certificate itself is genuine");
        assert!(
            r.errors.iter().any(|e| e.contains("EF.SOD signature")),
            "{d}: {:?}",
            r.errors
        );
    }
}

#[test]
fn wrong_csca_breaks_the_chain() {
    let r = check("tampered-wrong-csca");
    assert!(!r.valid && !r.chain_valid);
    assert!(r.signature_valid, "the rogue DS did sign the SOD");
    assert!(
        r.errors.iter().any(|e| e.starts_with("certificate chain")),
        "{:?}",
        r.errors
    );
    // The rogue CSCA itself makes it verify: proof the failure was the trust decision only.
    let rogue = TrustStore::load(&["fixtures/pki/rogue"]).unwrap();
    let r = verify_dump(Path::new("fixtures/dumps/tampered-wrong-csca"), &rogue);
    assert!(r.chain_valid && r.valid, "{:?}", r.errors);
}

#[test]
fn dg_missing_from_sod_is_invalid() {
    let r = check("tampered-dg-not-in-sod");
    assert!(!r.valid && r.signature_valid && r.chain_valid);
    assert_eq!(r.data_groups[&15], DgStatus::Invalid);
    assert!(
        r.errors
            .iter()
            .any(|e| e == "DG15 is present but has no hash in EF.SOD"),
        "{:?}",
        r.errors
    );
}

#[test]
fn dg_listed_but_not_read_is_unchecked() {
    let r = check("sod-lists-unread-dg3");
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.data_groups[&3], DgStatus::Unchecked);
    assert!(r.warnings.iter().any(|w| w.contains("DG3")));
}

#[test]
fn country_mismatch_fails() {
    let r = check("country-mismatch");
    assert!(r.signature_valid && r.chain_valid);
    assert!(!r.valid);
    assert_eq!(r.country_match, Some(false));
    assert!(
        r.errors
            .iter()
            .any(|e| e.contains("XA") && e.contains("UTO")),
        "{:?}",
        r.errors
    );
}

#[test]
fn empty_trust_store_trusts_nothing() {
    let r = verify_dump(Path::new("fixtures/dumps/td3-rsa2048"), &TrustStore::new());
    assert!(!r.valid && !r.chain_valid && r.signature_valid);
}

#[test]
fn master_list_loads_and_verifies() {
    // fixtures/pki/masterlist/UT-masterlist.ml: `openssl cms -sign` over a CscaMasterList of the six CSCAs.
    let store = TrustStore::load(&["fixtures/pki/masterlist/UT-masterlist.ml"]).unwrap();
    assert_eq!(store.len(), 6);
    for d in [
        "td3-rsa2048",
        "rsa-pss-sha256",
        "ecdsa-bp384-explicit-sha384",
    ] {
        let r = verify_dump(&Path::new("fixtures/dumps").join(d), &store);
        assert!(r.valid, "{d}: {:?}", r.errors);
    }
}

#[test]
fn tampered_master_list_is_rejected() {
    let mut ml = std::fs::read("fixtures/pki/masterlist/UT-masterlist.ml").unwrap();
    // Flip a byte inside the first listed certificate (well inside the eContent).
    let i = ml.len() / 3;
    ml[i] ^= 0x01;
    let mut store = TrustStore::new();
    assert!(store.add_bytes(&ml, "tampered.ml").is_err());
    assert!(store.is_empty());
}

#[test]
fn directories_der_and_pem_load() {
    let store = TrustStore::load(&["fixtures/pki/csca", "fixtures/pki/rogue"]).unwrap();
    assert_eq!(store.len(), 7);
    let pem = std::fs::read_to_string("fixtures/pki/csca/csca-ut-rsa3072.pem").unwrap();
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    let mut s = TrustStore::new();
    assert_eq!(s.add_bytes(&der, "der").unwrap(), 1);
    assert!(s.add_bytes(b"garbage", "x").is_err());
}

#[test]
fn report_json_has_the_contract_fields() {
    let r = check("tampered-dg1-edited");
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["chain_valid"], true);
    assert_eq!(v["data_groups"]["1"], "invalid");
    assert_eq!(v["data_groups"]["2"], "valid");
    assert!(
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("DG1"))
    );
}

#[test]
fn missing_sod_and_missing_dir_fail_closed() {
    let r = verify_dump(Path::new("fixtures/dumps/does-not-exist"), &trust());
    assert!(!r.valid);
    assert!(r.errors.iter().any(|e| e.contains("EF.SOD")));
}

#[test]
fn master_list_with_an_undecodable_entry_keeps_the_rest() {
    // fixtures/pki/masterlist/UT-masterlist-bad-entry.ml: six CSCAs plus SEQUENCE { INTEGER 1 }.
    let bytes = std::fs::read("fixtures/pki/masterlist/UT-masterlist-bad-entry.ml").unwrap();
    let (certs, skipped) = bankid_activation::verify::parse_master_list(&bytes).unwrap();
    assert_eq!((certs.len(), skipped), (6, 1));
    let store = TrustStore::load(&["fixtures/pki/masterlist/UT-masterlist-bad-entry.ml"]).unwrap();
    assert!(verify_dump(Path::new("fixtures/dumps/ecdsa-bp512-sha512"), &store).valid);
}

#[test]
fn signed_attributes_are_taken_as_received() {
    // openssl writes DER, so the received signed attributes equal their re-encoding.
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/EF.SOD.bin").unwrap();
    let sod = bankid_activation::lds::Sod::from_bytes(&bytes).unwrap();
    let raw = sod.signed_attrs_der.clone().unwrap();
    assert_eq!(raw[0], 0x31);
    let si = &sod.signed_data.signer_infos.0.as_slice()[0];
    assert_eq!(
        raw,
        der::Encode::to_der(si.signed_attrs.as_ref().unwrap()).unwrap()
    );
    // Signed attributes that differ from the parsed ones are refused.
    let mut other = raw.clone();
    let n = other.len();
    other[n - 1] ^= 1;
    assert!(
        bankid_activation::verify::verify_signed_data(
            &sod.signed_data,
            &sod.econtent,
            Some(&other)
        )
        .is_err()
    );
}
