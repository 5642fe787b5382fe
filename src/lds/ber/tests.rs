//! Unit tests of `lds::ber`.

use super::*;
use proptest::prelude::*;

#[test]
fn indefinite_lengths_and_segmented_strings() {
    // X.690 §8.1.3.6 / §8.7.3: 30 80 { 24 80 { 04 02 AABB, 04 01 CC } 00 00, 02 01 05 } 00 00
    let ber = hex::decode("3080248004 02AABB0401CC0000020105 0000".replace(' ', "")).unwrap();
    assert_eq!(
        to_der(&ber, 1024).unwrap(),
        hex::decode("30080403AABBCC020105").unwrap()
    );
    // DER input is unchanged.
    let der = hex::decode("30080403AABBCC020105").unwrap();
    assert_eq!(to_der(&der, 1024).unwrap(), der);
}

#[test]
fn malformed_ber_errors() {
    assert!(to_der(&[0x30, 0x80, 0x02, 0x01], 100).is_err());
    assert!(to_der(&[0x04, 0x80, 0x00, 0x00], 100).is_err());
    assert!(to_der(&[0x30, 0x85, 0, 0, 0, 0, 1], 100).is_err());
    let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
    assert!(matches!(to_der(&deep, 1000), Err(BerError::TooDeep(_))));
}

proptest! {
    #[test]
    fn random_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(der) = to_der(&data, 4096) {
            // Normalising DER again is the identity.
            prop_assert_eq!(to_der(&der, 4096).unwrap(), der);
        }
    }
}
