//! Unit tests of `ocr::classify`.

use super::*;

#[test]
fn embedded_model_loads_and_round_trips() {
    let m = Mlp::embedded().unwrap();
    let again = Mlp::from_bytes(&m.to_bytes()).unwrap();
    assert_eq!(again.w2, m.w2);
}

#[test]
fn corrupt_models_are_rejected() {
    assert!(Mlp::from_bytes(b"").is_err());
    assert!(Mlp::from_bytes(b"OCB1\0\0\0\0").is_err());
    let mut bytes = Mlp::embedded().unwrap().to_bytes();
    bytes.pop();
    assert!(Mlp::from_bytes(&bytes).is_err());
}
