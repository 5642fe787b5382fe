//! Unit tests of `crypto::cipher`.

use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test vector hex")
}

#[test]
fn tdes_cbc_appendix_d3() {
    // ICAO 9303 Part 11, Appendix D.3: E_IFD = E(K_enc, RND.IFD ‖ RND.IC ‖ K.IFD), IV 0.
    let k_enc = hex("AB94FDECF2674FDFB9B391F85D7F76F2");
    let s = hex("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B");
    let e_ifd = cbc_encrypt(CipherSuite::TripleDes, &k_enc, &[0; 8], &s).expect("encrypt");
    assert_eq!(
        e_ifd,
        hex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    );
    // The chip's answer decrypts to RND.IC ‖ RND.IFD ‖ K.IC (same appendix).
    let e_ic = hex("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F");
    let r = cbc_decrypt(CipherSuite::TripleDes, &k_enc, &[0; 8], &e_ic).expect("decrypt");
    assert_eq!(
        r,
        hex("4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B")
    );
}

#[test]
fn aes_cbc_sp800_38a() {
    // NIST SP 800-38A, F.2.1 (CBC-AES128.Encrypt), first block.
    let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
    let iv = hex("000102030405060708090a0b0c0d0e0f");
    let pt = hex("6bc1bee22e409f96e93d7e117393172a");
    let ct = cbc_encrypt(CipherSuite::Aes128, &key, &iv, &pt).expect("encrypt");
    assert_eq!(ct, hex("7649abac8119b246cee98e9b12e9197d"));
    assert_eq!(
        cbc_decrypt(CipherSuite::Aes128, &key, &iv, &ct).expect("decrypt"),
        pt
    );
}

#[test]
fn aes_pace_nonce_appendix_g1() {
    // ICAO 9303 Part 11, Appendix G.1: s = D(K_π, z) with AES-128, IV 0.
    let k_pi = hex("89DED1B26624EC1E634C1989302849DD");
    let z = hex("95A3A016522EE98D01E76CB6B98B42C3");
    let s = cbc_decrypt(CipherSuite::Aes128, &k_pi, &[0; 16], &z).expect("decrypt");
    assert_eq!(s, hex("3F00C4D39D153F2B2A214A078D899B22"));
    assert_eq!(
        encrypt_block(CipherSuite::Aes128, &k_pi, &s).expect("encrypt"),
        z
    );
}

#[test]
fn lengths_are_checked() {
    let k = [0u8; 16];
    assert!(matches!(
        cbc_encrypt(CipherSuite::Aes256, &k, &[0; 16], &[0; 16]),
        Err(CipherError::KeyLength { expected: 32, .. })
    ));
    assert!(matches!(
        cbc_encrypt(CipherSuite::TripleDes, &k, &[0; 16], &[0; 8]),
        Err(CipherError::IvLength { expected: 8, .. })
    ));
    assert!(matches!(
        cbc_decrypt(CipherSuite::Aes128, &k, &[0; 16], &[0; 15]),
        Err(CipherError::NotBlockAligned { len: 15, .. })
    ));
    assert!(encrypt_block(CipherSuite::Aes192, &[0; 24], &[0; 8]).is_err());
}

#[test]
fn padding_method_2() {
    // ICAO 9303 Part 11, Appendix D.4: the SELECT header 0CA4020C pads to 0CA4020C80000000.
    assert_eq!(pad(&hex("0CA4020C"), 8), hex("0CA4020C80000000"));
    assert_eq!(pad(&[], 8), hex("8000000000000000"));
    assert_eq!(pad(&[1; 8], 8).len(), 16);
    assert_eq!(unpad(&hex("0CA4020C80000000"), 8), Ok(&hex("0CA4020C")[..]));
    assert_eq!(
        unpad(&hex("0CA4020C00000000"), 8),
        Err(CipherError::BadPadding)
    );
    assert_eq!(
        unpad(&hex("0000000000000000"), 8),
        Err(CipherError::BadPadding)
    );
    assert_eq!(unpad(&[], 8), Err(CipherError::BadPadding));
    assert_eq!(unpad(&hex("80"), 8), Ok(&[][..]));
    // Zeros reaching past the last block are not padding.
    assert_eq!(
        unpad(&hex("800000000000000000000000"), 8),
        Err(CipherError::BadPadding)
    );
}

proptest! {
    #[test]
    fn pad_unpad_round_trip(data in proptest::collection::vec(any::<u8>(), 0..64), wide in any::<bool>()) {
        let block = if wide { 16 } else { 8 };
        let padded = pad(&data, block);
        prop_assert_eq!(padded.len() % block, 0);
        prop_assert_eq!(unpad(&padded, block), Ok(&data[..]));
    }

    #[test]
    fn unpad_never_panics(data in proptest::collection::vec(any::<u8>(), 0..48)) {
        let _ = unpad(&data, 8);
        let _ = unpad(&data, 16);
    }

    #[test]
    fn cbc_round_trip_all_suites(blocks in 0usize..6, seed in any::<u8>()) {
        for suite in CipherSuite::ALL {
            let key: Vec<u8> = (0..suite.key_len()).map(|i| seed.wrapping_add(i as u8)).collect();
            let iv = vec![seed; suite.block_len()];
            let data: Vec<u8> = (0..blocks * suite.block_len()).map(|i| (i as u8) ^ seed).collect();
            let ct = cbc_encrypt(suite, &key, &iv, &data).expect("aligned");
            prop_assert_eq!(cbc_decrypt(suite, &key, &iv, &ct).expect("aligned"), data);
        }
    }
}
