//! Unit tests of `activation::binding::device`.

use super::*;
use proptest::prelude::*;

proptest! {
    #[test]
    fn pem_never_panics(s in "\\PC{0,300}") {
        let _ = Device::from_pem("d", &s);
    }

    #[test]
    fn der_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let _ = Device::from_spki_der("d", &b);
    }

    #[test]
    fn wrapped_garbage_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..120)) {
        let pem = der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &b).unwrap();
        prop_assert!(Device::from_pem("d", &pem).is_err());
    }
}
