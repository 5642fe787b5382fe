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

#[test]
fn packed_model_is_bit_identical_to_the_plain_one() {
    let plain = Mlp::embedded().unwrap();
    let packed = PackedMlp::new(plain.clone());
    let mut s = 12345u32;
    let mut next = move || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (s >> 8) as f32 / (1u32 << 24) as f32
    };
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for _ in 0..50 {
        let x: Vec<f32> = (0..plain.inputs).map(|_| next()).collect();
        let (mut a, mut b) = (vec![0f32; plain.hidden], vec![0f32; plain.hidden]);
        plain.hidden_layer(&x, &mut a);
        packed.hidden_layer(&x, &mut b);
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(plain.classify(&x, 5), packed.classify(&x, 5));
    }
    // Odd sizes: a unit count not a multiple of four, an input length not a multiple of eight.
    let odd = Mlp {
        inputs: 13,
        hidden: 6,
        outputs: 37,
        w1: (0..78).map(|i| (i as f32 * 0.37).sin()).collect(),
        b1: vec![0.1; 6],
        w2: vec![0.0; 37 * 6],
        b2: vec![0.0; 37],
    };
    let packed = PackedMlp::new(odd.clone());
    let x: Vec<f32> = (0..13).map(|i| (i as f32 * 0.71).cos()).collect();
    let (mut a, mut b) = (vec![0f32; 6], vec![0f32; 6]);
    odd.hidden_layer(&x, &mut a);
    packed.hidden_layer(&x, &mut b);
    assert_eq!(bits(&a), bits(&b));
}
