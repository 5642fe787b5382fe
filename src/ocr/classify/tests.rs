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

/// The hidden layer as its definition reads: one [`dot`] per row (bit for bit the order
/// [`Mlp::hidden_layer`] must keep), and the same sums in f64 (the values it must approach).
fn reference_hidden(m: &Mlp, x: &[f32]) -> (Vec<f32>, Vec<f64>) {
    let rows = m.w1.chunks_exact(m.inputs).zip(&m.b1);
    let f32s = rows
        .clone()
        .map(|(row, b)| (dot(row, x) + b).max(0.0))
        .collect();
    let f64s = rows
        .map(|(row, &b)| {
            let s: f64 = row
                .iter()
                .zip(x)
                .map(|(&w, &v)| f64::from(w) * f64::from(v))
                .sum();
            (s + f64::from(b)).max(0.0)
        })
        .collect();
    (f32s, f64s)
}

#[test]
fn the_four_row_pass_is_bit_identical_to_one_dot_per_row() {
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let check = |m: &Mlp, x: &[f32]| {
        let mut got = vec![0f32; m.hidden];
        m.hidden_layer(x, &mut got);
        let (want, exact) = reference_hidden(m, x);
        assert_eq!(bits(&got), bits(&want));
        for (g, e) in got.iter().zip(&exact) {
            assert!(
                (f64::from(*g) - e).abs() <= 1e-4 * e.abs().max(1.0),
                "{g} against {e}"
            );
        }
        got
    };
    for m in [Mlp::embedded().unwrap(), Mlp::embedded_second().unwrap()] {
        let mut active = 0;
        for x in cells(50, m.inputs) {
            active += check(&m, &x).iter().filter(|&&h| h > 0.0).count();
        }
        // Both sides of the ReLU are exercised.
        assert!(active > 0 && active < 50 * m.hidden, "{active}");
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
    let x: Vec<f32> = (0..13).map(|i| (i as f32 * 0.71).cos()).collect();
    check(&odd, &x);
    // An input of the wrong length, and a model with no inputs, give no panic.
    let mut h = vec![0f32; 6];
    odd.hidden_layer(&x[..7], &mut h);
    let empty = Mlp {
        inputs: 0,
        w1: Vec::new(),
        ..odd.clone()
    };
    empty.hidden_layer(&[], &mut h);
}

/// Pseudo-random cells in 0..1 (a fixed LCG).
fn cells(n: usize, len: usize) -> Vec<Vec<f32>> {
    let mut s = 777u32;
    (0..n)
        .map(|_| {
            (0..len)
                .map(|_| {
                    s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (s >> 8) as f32 / (1u32 << 24) as f32
                })
                .collect()
        })
        .collect()
}

#[test]
fn an_ensemble_of_one_or_of_copies_reads_like_its_model() {
    let m = Mlp::embedded().unwrap();
    let one = Ensemble::new(vec![m.clone()], 2.0).unwrap();
    let copies = Ensemble::new(vec![m.clone(), m.clone()], 2.0).unwrap();
    assert!(Ensemble::new(Vec::new(), 2.0).is_none());
    for x in cells(30, m.inputs) {
        let want = m.classify(&x, 37);
        assert_eq!(one.classify(&x, 37), want);
        // (p + p) / 2 == p exactly, so two copies give the same probabilities to the bit.
        assert_eq!(copies.classify(&x, 37), want);
    }
}

#[test]
fn an_ensemble_averages_probabilities() {
    // A second model: the embedded one with its output layer perturbed (a different classifier).
    let a = Mlp::embedded().unwrap();
    let mut b = a.clone();
    for (i, w) in b.w2.iter_mut().enumerate() {
        *w *= 1.0 + 0.5 * ((i as f32) * 0.61).sin();
    }
    let both = Ensemble::new(vec![a.clone(), b.clone()], 2.0).unwrap();
    let mut moved = 0;
    for x in cells(30, a.inputs) {
        let (pa, pb) = (a.probabilities(&x), b.probabilities(&x));
        let got = both.classify(&x, 37);
        for (c, p) in &got {
            let k = ALPHABET.iter().position(|&l| char::from(l) == *c).unwrap();
            let mean = (pa[k] + pb[k]) / 2.0;
            assert!((p - mean).abs() < 1e-6, "{c}: {p} vs {mean}");
            // A mixture never leaves the interval of its members.
            assert!(*p >= pa[k].min(pb[k]) - 1e-6 && *p <= pa[k].max(pb[k]) + 1e-6);
        }
        let best = |p: &[f32]| (0..p.len()).max_by(|&i, &j| p[i].total_cmp(&p[j])).unwrap();
        if best(&pa) != best(&pb) || (pa[best(&pa)] - got[0].1).abs() > 1e-3 {
            moved += 1;
        }
    }
    assert!(
        moved > 0,
        "the second model never changed a reading: the test proves nothing"
    );
}

#[test]
fn the_cascade_asks_the_other_members_only_on_unsure_cells() {
    let a = Mlp::embedded().unwrap();
    let b = Mlp::embedded_second().unwrap();
    assert_eq!((a.hidden, b.hidden), (128, 256));
    let cascade = Ensemble::new(vec![a.clone(), b.clone()], ESCALATE_BELOW).unwrap();
    let always = Ensemble::new(vec![a.clone(), b.clone()], 2.0).unwrap();
    assert_eq!(Ensemble::embedded().unwrap().members().len(), 2);
    // On random cells the shipped model is sure of a few (5 of 200 with this generator) and unsure
    // of the rest, so both branches run.
    let (mut sure, mut unsure) = (0, 0);
    for x in cells(200, a.inputs) {
        let first = a.classify(&x, 37);
        let got = cascade.classify(&x, 37);
        if first[0].1 >= ESCALATE_BELOW {
            sure += 1;
            assert_eq!(got, first);
        } else {
            unsure += 1;
            assert_eq!(got, always.classify(&x, 37));
        }
    }
    assert!(
        sure > 0 && unsure > 0,
        "{sure} sure, {unsure} unsure: a branch is untested"
    );
}
