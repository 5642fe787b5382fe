//! Unit tests of `crypto::mac`.

use super::*;
use crate::crypto::cipher::pad;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test vector hex")
}

#[test]
fn retail_mac_iso9797_annex_b() {
    // ISO/IEC 9797-1:2011 Annex B.4 (MAC algorithm 3, padding method 1 = zeros).
    let key = hex("0123456789ABCDEFFEDCBA9876543210");
    let tag = mac(CipherSuite::TripleDes, &key, b"Now is the time for all ").expect("mac");
    assert_eq!(tag.to_vec(), hex("A1C72E74EA3FA9B6"));
}

#[test]
fn retail_mac_appendix_d3() {
    // ICAO 9303 Part 11, Appendix D.3: M_IFD = MAC(K_mac, pad(E_IFD)), M_IC likewise.
    let k_mac = hex("7962D9ECE03D1ACD4C76089DCE131543");
    let e_ifd = hex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2");
    let tag = mac(CipherSuite::TripleDes, &k_mac, &pad(&e_ifd, 8)).expect("mac");
    assert_eq!(tag.to_vec(), hex("5F1448EEA8AD90A7"));
    let e_ic = hex("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F");
    verify_mac(
        CipherSuite::TripleDes,
        &k_mac,
        &pad(&e_ic, 8),
        &hex("2F2D235D074D7449"),
    )
    .expect("M_IC verifies");
}

#[test]
fn cmac_rfc4493_and_sp800_38b() {
    // RFC 4493 §4 example 2 (AES-128, 16-byte message), truncated to 8 bytes.
    let msg = hex("6bc1bee22e409f96e93d7e117393172a");
    let k128 = hex("2b7e151628aed2a6abf7158809cf4f3c");
    assert_eq!(
        mac(CipherSuite::Aes128, &k128, &msg).expect("mac").to_vec(),
        hex("070a16b46b4d4144")
    );
    // RFC 4493 §4 example 1: the empty message.
    assert_eq!(
        mac(CipherSuite::Aes128, &k128, &[]).expect("mac").to_vec(),
        hex("bb1d6929e9593728")
    );
    // NIST SP 800-38B, D.2 example 6 (AES-192) and D.3 example 10 (AES-256).
    let k192 = hex("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b");
    assert_eq!(
        mac(CipherSuite::Aes192, &k192, &msg).expect("mac").to_vec(),
        hex("9e99a7bf31e71090")
    );
    let k256 = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    assert_eq!(
        mac(CipherSuite::Aes256, &k256, &msg).expect("mac").to_vec(),
        hex("28a7023f452e8f82")
    );
}

#[test]
fn cmac_pace_token_appendix_g1() {
    // ICAO 9303 Part 11, Appendix G.1: T_IFD = MAC(KS_mac, public key data object of PK_IC),
    // AES-128 CMAC over the unpadded object.
    let ks_mac = hex("FE251C7858B356B24514B3BD5F4297D1");
    let pk_ic = hex(concat!(
        "7F494F060A04007F000702020402028641049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2",
        "D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
    ));
    assert_eq!(
        mac(CipherSuite::Aes128, &ks_mac, &pk_ic)
            .expect("mac")
            .to_vec(),
        hex("C2B0BD78D94BA866")
    );
}

#[test]
fn verify_rejects_wrong_and_short_tags() {
    let key = hex("7962D9ECE03D1ACD4C76089DCE131543");
    let data = pad(b"data", 8);
    let good = mac(CipherSuite::TripleDes, &key, &data).expect("mac");
    let mut bad = good;
    bad[7] ^= 1;
    assert_eq!(
        verify_mac(CipherSuite::TripleDes, &key, &data, &bad),
        Err(CipherError::MacMismatch)
    );
    assert_eq!(
        verify_mac(CipherSuite::TripleDes, &key, &data, &good[..4]),
        Err(CipherError::MacMismatch)
    );
    assert!(matches!(
        mac(CipherSuite::Aes256, &key, &data),
        Err(CipherError::KeyLength { .. })
    ));
}
