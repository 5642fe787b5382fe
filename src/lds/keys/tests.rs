//! Unit tests of `lds::keys`.

use super::*;
use crate::crypto::signature::NamedCurve;

#[test]
fn fixture_dg14_has_a_bp256_ca_key() {
    // fixtures/pki/generate.py: ChipAuthenticationPublicKeyInfo (id-PK-ECDH, key chip-ca-bp256) and
    // ChipAuthenticationInfo (id-CA-ECDH-AES-CBC-CMAC-128, version 1).
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/DG14.bin").unwrap();
    let dg14 = Dg14::parse(&bytes).unwrap();
    let keys = dg14.chip_authentication_keys();
    assert_eq!(keys.len(), 1);
    let key = PublicKey::from_spki_der(keys[0].0).unwrap();
    assert!(matches!(
        key,
        PublicKey::Ec {
            curve: NamedCurve::BrainpoolP256r1,
            ..
        }
    ));
    assert!(
        dg14.security_infos
            .iter()
            .any(|i| matches!(i, SecurityInfo::ChipAuthentication { version: 1, .. }))
    );
}

#[test]
fn fixture_dg15_is_rsa_1024() {
    let bytes = std::fs::read("fixtures/dumps/td3-rsa2048/DG15.bin").unwrap();
    let key = Dg15::parse(&bytes).unwrap().public_key().unwrap();
    assert_eq!((key.kind(), key.bits()), ("RSA", 1024));
}

#[test]
fn dg15_with_garbage_key_is_an_error() {
    assert!(Dg15::parse(&[0x6F, 0x04, 0x30, 0x02, 0x05, 0x00]).is_err());
}
