//! Unit tests of `lds::sod`.

use super::*;
use proptest::prelude::*;

#[test]
fn parses_openssl_made_sod() {
    // fixtures/dumps/td3-rsa2048: `openssl cms -sign` over an LDSSecurityObject v0 with SHA-256 hashes
    // of DG1, DG2, DG7, DG11, DG12, DG14, DG15 (fixtures/README.md).
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/EF.SOD.bin").unwrap();
    let sod = Sod::from_bytes(&bytes).unwrap();
    assert_eq!(sod.lds.version, 0);
    assert_eq!(sod.lds.hash_algorithm, const_oid::db::rfc5912::ID_SHA_256);
    assert_eq!(
        sod.lds.hashes.keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 7, 11, 12, 14, 15]
    );
    assert!(sod.lds.hashes.values().all(|h| h.len() == 32));
}

#[test]
fn rejects_wrong_outer_tag_and_truncation() {
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/EF.SOD.bin").unwrap();
    let mut wrong = bytes.clone();
    wrong[0] = 0x76;
    assert!(matches!(
        Sod::from_bytes(&wrong),
        Err(SodError::OuterTag(_))
    ));
    for cut in [0, 1, 4, 100, bytes.len() - 1] {
        assert!(Sod::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

/// Re-encode DER as BER: every constructed element with an indefinite length, and every OCTET
/// STRING longer than 16 bytes split into a constructed string of 16-byte segments.
fn berify(der_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in crate::tlv::parse_all(der_bytes) {
        let t = t.unwrap();
        let tag_len = t.tag.encoded_len();
        let tag = &t.raw[..tag_len];
        if t.is_constructed() {
            out.extend_from_slice(tag);
            out.push(0x80);
            out.extend(berify(t.value));
            out.extend([0, 0]);
        } else if t.tag.number() == 0x04 && t.value.len() > 16 {
            out.extend([0x24, 0x80]);
            for seg in t.value.chunks(16) {
                out.push(0x04);
                out.push(seg.len() as u8);
                out.extend_from_slice(seg);
            }
            out.extend([0, 0]);
        } else {
            out.extend_from_slice(t.raw);
        }
    }
    out
}

#[test]
fn ber_encoded_sod_parses_to_the_same_content() {
    let der_bytes = std::fs::read("fixtures/dumps/td3-rsa2048/EF.SOD.bin").unwrap();
    let ber = berify(&der_bytes);
    assert_ne!(ber, der_bytes);
    assert!(ber.len() > der_bytes.len());
    let a = Sod::from_bytes(&der_bytes).unwrap();
    let b = Sod::from_bytes(&ber).unwrap();
    assert_eq!(a, b);
    // And passive authentication of the BER form holds (signatures are over DER).
    let trust = crate::verify::TrustStore::load(&["fixtures/pki/csca"]).unwrap();
    let mut dgs = std::collections::BTreeMap::new();
    for n in [1u8, 2, 7, 11, 12, 14, 15] {
        let f = format!("fixtures/dumps/td3-rsa2048/DG{n}.bin");
        dgs.insert(n, std::fs::read(f).unwrap());
    }
    let r = crate::verify::verify(&ber, &dgs, &trust);
    assert!(r.valid, "{:?}", r.errors);
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Sod::from_bytes(&data);
        let _ = LdsSecurityObject::from_der(&data);
    }

    #[test]
    fn mutated_sod_never_panics(pos in 0usize..1919, byte in any::<u8>()) {
        let mut bytes = std::fs::read("fixtures/dumps/td3-rsa2048/EF.SOD.bin").unwrap();
        let i = pos % bytes.len();
        bytes[i] = byte;
        let _ = Sod::from_bytes(&bytes);
    }
}
