//! Unit tests of `crypto::kdf`.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test vector hex")
}

#[test]
fn mrz_information_from_fields_matches_appendix_d2() {
    // ICAO 9303 Part 11, Appendix D.2: document number L898902C, birth 690806, expiry 940623.
    let info = mrz_information("L898902C", "690806", "940623").expect("valid fields");
    assert_eq!(info.as_str(), "L898902C<369080619406236");
}

#[test]
fn mrz_information_from_fields_matches_appendix_g1() {
    // ICAO 9303 Part 11, Appendix G.1: T22000129, born 1964-08-12, expiring 2010-10-31.
    let info = mrz_information("T22000129", "640812", "101031").expect("valid fields");
    assert_eq!(info.as_str(), "T22000129364081251010318");
}

#[test]
fn long_document_number_is_used_in_full() {
    // The ICAO 9303 TD2 specimen (Stevenson, Utopia) with an extended document number:
    // `D23145890<UTO3407127M95071227349<<<8` holds D23145890 + 734, check digit 9 over all 12.
    let info = mrz_information("D23145890734", "340712", "950712").expect("valid fields");
    assert_eq!(info.as_str(), "D23145890734934071279507122");
}

#[test]
fn check_digit_known_values() {
    // ICAO 9303 Part 3 §4.9 worked example: 520727 → 3; Part 11 D.2 numbers.
    assert_eq!(check_digit("520727"), '3');
    assert_eq!(check_digit("L898902C<"), '3');
    assert_eq!(check_digit("690806"), '1');
    assert_eq!(check_digit("940623"), '6');
}

#[test]
fn bad_fields_are_rejected() {
    assert!(matches!(
        mrz_information("L89-902C", "690806", "940623"),
        Err(KdfError::InvalidCharacter {
            position: 3,
            found: '-',
            ..
        })
    ));
    assert!(matches!(
        mrz_information("<<<", "690806", "940623"),
        Err(KdfError::InvalidLength { .. })
    ));
    assert!(matches!(
        mrz_information("L898902C", "69080", "940623"),
        Err(KdfError::InvalidDate {
            field: "date of birth"
        })
    ));
    assert!(matches!(
        mrz_information("L898902C", "690806", "9406a3"),
        Err(KdfError::InvalidDate {
            field: "date of expiry"
        })
    ));
    assert!(mrz_information_hash("L898902C<36908061940623").is_err());
    assert!(mrz_information_hash("l898902C<369080619406236").is_err());
    assert_eq!(validate_can(""), Err(KdfError::InvalidCan));
    assert_eq!(validate_can("12a456"), Err(KdfError::InvalidCan));
    assert_eq!(validate_can("123456"), Ok(()));
}

#[test]
fn des_parity_is_odd_and_keeps_high_bits() {
    let mut key = hex("239AB9CB282DAF66");
    adjust_des_parity(&mut key);
    for (adjusted, original) in key.iter().zip(hex("239AB9CB282DAF66")) {
        assert_eq!(adjusted.count_ones() % 2, 1);
        assert_eq!(adjusted & 0xFE, original & 0xFE);
    }
}

#[test]
fn mrz_hash_appendix_g1() {
    // ICAO 9303 Part 11, Appendix G.1: SHA-1 of the MRZ information (the PACE f(π)).
    let hash = mrz_information_hash("T22000129364081251010318").expect("valid");
    assert_eq!(
        hash.as_slice(),
        hex("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD")
    );
}

#[test]
fn kdf_lengths_per_suite() {
    for (suite, len) in [
        (CipherSuite::TripleDes, 16),
        (CipherSuite::Aes128, 16),
        (CipherSuite::Aes192, 24),
        (CipherSuite::Aes256, 32),
    ] {
        assert_eq!(
            derive_key(suite, b"secret", KeyPurpose::Encryption).len(),
            len
        );
    }
}

#[test]
fn aes_kdf_is_truncated_hash() {
    // §9.7.1: AES-128 uses SHA-1, AES-192/256 SHA-256, first 16/24/32 bytes.
    let mut input = b"K".to_vec();
    input.extend_from_slice(&2u32.to_be_bytes());
    let sha1 = Sha1::digest(&input);
    let sha256 = Sha256::digest(&input);
    assert_eq!(
        derive_key(CipherSuite::Aes128, b"K", KeyPurpose::Mac).as_slice(),
        &sha1[..16]
    );
    assert_eq!(
        derive_key(CipherSuite::Aes192, b"K", KeyPurpose::Mac).as_slice(),
        &sha256[..24]
    );
    assert_eq!(
        derive_key(CipherSuite::Aes256, b"K", KeyPurpose::Mac).as_slice(),
        &sha256[..]
    );
}
