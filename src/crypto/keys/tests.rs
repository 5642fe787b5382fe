//! Unit tests of `crypto::keys`.

use super::*;

#[test]
fn bac_keys_appendix_d2() {
    // ICAO 9303 Part 11, Appendix D.2.
    let keys = BacKeys::from_mrz_information("L898902C<369080619406236").expect("valid");
    assert_eq!(keys.expose_k_seed_hex(), "239AB9CB282DAF66231DC5A4DF6BFBAE");
    assert_eq!(keys.expose_k_enc_hex(), "AB94FDECF2674FDFB9B391F85D7F76F2");
    assert_eq!(keys.expose_k_mac_hex(), "7962D9ECE03D1ACD4C76089DCE131543");
    let from_fields = BacKeys::from_document("L898902C", "690806", "940623").expect("valid");
    assert_eq!(from_fields.k_enc(), keys.k_enc());
    assert_eq!(from_fields.k_mac(), keys.k_mac());
    assert_eq!(from_fields.k_seed(), keys.k_seed());
}

#[test]
fn pace_key_appendix_g1() {
    // ICAO 9303 Part 11, Appendix G.1 (ECDH generic mapping, AES-128).
    let key = PaceKey::from_document("T22000129", "640812", "101031", CipherSuite::Aes128)
        .expect("valid");
    assert_eq!(key.expose_hex(), "89DED1B26624EC1E634C1989302849DD");
    assert_eq!(key.kind(), PasswordKind::Mrz);
    let same = PaceKey::from_mrz_information("T22000129364081251010318", CipherSuite::Aes128)
        .expect("valid");
    assert_eq!(same.as_bytes(), key.as_bytes());
}

#[test]
fn pace_key_lengths_and_can() {
    for suite in CipherSuite::ALL {
        let key = PaceKey::from_can("123456", suite).expect("valid CAN");
        assert_eq!(key.as_bytes().len(), suite.key_len());
        assert_eq!(key.kind().reference(), 0x02);
    }
    // The CAN is hashed as its ASCII digits: KDF("123456" ‖ 00000003).
    let expected = kdf::derive_key(CipherSuite::Aes256, b"123456", KeyPurpose::Password);
    let key = PaceKey::from_can("123456", CipherSuite::Aes256).expect("valid CAN");
    assert_eq!(key.as_bytes(), expected.as_slice());
    assert!(PaceKey::from_can("12 456", CipherSuite::Aes128).is_err());
}

#[test]
fn debug_is_redacted() {
    let keys = BacKeys::from_mrz_information("L898902C<369080619406236").expect("valid");
    let printed = format!("{keys:?}");
    assert!(printed.contains("<redacted>"));
    assert!(!printed.to_uppercase().contains("AB94"));
    let session = SessionKeys::derive(CipherSuite::Aes128, b"shared");
    let printed = format!("{session:?}");
    assert!(printed.contains("<redacted>"));
    assert!(!printed.contains(&session.expose_ks_enc_hex()[..8]));
    let pace = PaceKey::from_can("123456", CipherSuite::Aes128).expect("valid CAN");
    assert!(format!("{pace:?}").contains("<redacted>"));
}

#[test]
fn bac_session_keys_appendix_d3() {
    // ICAO 9303 Part 11, Appendix D.3: K_seed = K.IFD ⊕ K.IC = 0036D272F5C350ACAC50C3F572D23600.
    let k_seed = hex::decode("0036D272F5C350ACAC50C3F572D23600").expect("hex");
    let keys = SessionKeys::derive(CipherSuite::TripleDes, &k_seed);
    assert_eq!(keys.expose_ks_enc_hex(), "979EC13B1CBFE9DCD01AB0FED307EAE5");
    assert_eq!(keys.expose_ks_mac_hex(), "F1CB1F1FB5ADF208806B89DC579DC1F8");
}

#[test]
fn pace_session_keys_appendix_g1() {
    // ICAO 9303 Part 11, Appendix G.1: KS_enc, KS_mac (AES-128) from the ECDH shared secret.
    let secret = hex::decode("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925")
        .expect("hex");
    let keys = SessionKeys::derive(CipherSuite::Aes128, &secret);
    assert_eq!(keys.expose_ks_enc_hex(), "F5F0E35C0D7161EE6724EE513A0D9A7F");
    assert_eq!(keys.expose_ks_mac_hex(), "FE251C7858B356B24514B3BD5F4297D1");
}

#[test]
fn session_keys_length_checked() {
    assert!(SessionKeys::new(CipherSuite::Aes256, &[0; 32], &[0; 32]).is_ok());
    assert!(matches!(
        SessionKeys::new(CipherSuite::Aes256, &[0; 32], &[0; 16]),
        Err(KdfError::KeyLength { found: 16, .. })
    ));
}

#[test]
fn suite_names_parse() {
    assert_eq!("3des".parse::<CipherSuite>(), Ok(CipherSuite::TripleDes));
    assert_eq!("AES-192".parse::<CipherSuite>(), Ok(CipherSuite::Aes192));
    assert!("aes512".parse::<CipherSuite>().is_err());
}
