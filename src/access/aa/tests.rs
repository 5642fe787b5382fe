//! Unit tests of `access::aa`.

use super::*;
use proptest::prelude::*;

fn vector(name: &str) -> (AaKey, Vec<u8>, Vec<u8>) {
    let read = |ext: &str| std::fs::read(format!("fixtures/aa/{name}.{ext}")).unwrap();
    let key = PublicKey::from_spki_der(&read("spki.der")).unwrap();
    (
        AaKey::new(key, None).unwrap(),
        read("challenge.bin"),
        read("sig.bin"),
    )
}

#[test]
fn openssl_vectors_verify_and_one_bit_breaks_them() {
    // fixtures/aa/generate.py: F = 6A‖M1‖hash(M1‖RND.IFD)‖trailer, F^d mod n by openssl.
    for (name, hash, bits) in [
        ("rsa1024-sha1", HashAlgorithm::Sha1, 1024),
        ("rsa1024-sha256", HashAlgorithm::Sha256, 1024),
        ("rsa2048-sha256", HashAlgorithm::Sha256, 2048),
    ] {
        let (key, challenge, sig) = vector(name);
        assert_eq!(
            key.verify(&challenge, &sig),
            ActiveAuthOutcome::Verified(AaMechanism::Rsa9796 { hash, bits }),
            "{name}"
        );
        // Another challenge: the digest no longer matches.
        let mut other = challenge.clone();
        other[7] ^= 0x80;
        assert_eq!(
            key.verify(&other, &sig),
            ActiveAuthOutcome::Rejected(AaRejection::DigestMismatch),
            "{name}"
        );
        // Any one bit of the signature: rejected.
        for bit in [0usize, 7, 100, sig.len() * 8 - 1] {
            let mut bad = sig.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(
                !key.verify(&challenge, &bad).is_verified(),
                "{name} bit {bit}"
            );
        }
        // Wrong length.
        assert!(matches!(
            key.verify(&challenge, &sig[1..]),
            ActiveAuthOutcome::Rejected(AaRejection::WrongLength { .. })
        ));
    }
}

#[test]
fn the_n_minus_j_form_is_accepted() {
    // ISO/IEC 9796-2 lets the signer send n − σ (the smaller of the two); its recovery
    // is n − J, whose complement carries the trailer.
    let (key, challenge, sig) = vector("rsa1024-sha1");
    let PublicKey::Rsa(k) = key.public_key() else {
        panic!("RSA")
    };
    let n = k.n().as_ref();
    let s = BoxedUint::from_be_slice(&sig, n.bits_precision()).unwrap();
    let complement = to_block(&n.wrapping_sub(&s), k.size()).unwrap();
    assert!(key.verify(&challenge, &complement).is_verified());
    // σ ≥ n is out of range.
    let n_bytes = to_block(n, k.size()).unwrap();
    assert_eq!(
        key.verify(&challenge, &n_bytes),
        ActiveAuthOutcome::Rejected(AaRejection::OutOfRange)
    );
}

const ECDSA_PLAIN_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");

fn p256_key() -> (p256::ecdsa::SigningKey, AaKey) {
    let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let point = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    let key = PublicKey::Ec {
        curve: signature::NamedCurve::P256,
        point,
    };
    (sk, AaKey::new(key, Some(&ECDSA_PLAIN_SHA256)).unwrap())
}

#[test]
fn plain_ecdsa_over_the_challenge() {
    use ecdsa::signature::hazmat::PrehashSigner;
    let (sk, key) = p256_key();
    let challenge = *b"\x01\x02\x03\x04\x05\x06\x07\x08";
    let prehash = HashAlgorithm::Sha256.digest(&challenge);
    let sig: p256::ecdsa::Signature = sk.sign_prehash(&prehash).unwrap();
    let bytes = sig.to_bytes().to_vec();
    assert_eq!(
        key.verify(&challenge, &bytes),
        ActiveAuthOutcome::Verified(AaMechanism::Ecdsa {
            hash: HashAlgorithm::Sha256
        })
    );
    let mut bad = bytes.clone();
    bad[40] ^= 4;
    assert!(!key.verify(&challenge, &bad).is_verified());
    assert!(
        !key.verify(b"\x01\x02\x03\x04\x05\x06\x07\x09", &bytes)
            .is_verified()
    );
    // An EC key needs the algorithm from DG14.
    assert!(matches!(
        AaKey::new(key.public_key().clone(), None),
        Err(AaError::Algorithm(_))
    ));
}

#[test]
fn fixture_dg15_is_an_rsa_aa_key() {
    let dg15 = std::fs::read("fixtures/dumps/td3-rsa2048/DG15.bin").unwrap();
    let key = AaKey::from_data_groups(&dg15, None).unwrap();
    assert_eq!(key.public_key().bits(), 1024);
    assert!(matches!(
        AaKey::from_data_groups(&dg15[..dg15.len() - 1], None),
        Err(AaError::Key(_))
    ));
    // The command: 00 88 00 00 08 RND.IFD 00.
    let cmd = internal_authenticate(&[0xAA; 8], 128);
    assert_eq!((cmd.ins, cmd.p1, cmd.p2, cmd.le), (0x88, 0, 0, Some(256)));
}

proptest! {
    #[test]
    fn arbitrary_answers_never_verify_or_panic(
        answer in proptest::collection::vec(any::<u8>(), 0..300),
        challenge in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let (rsa, _, _) = vector("rsa1024-sha1");
        prop_assert!(!rsa.verify(&challenge, &answer).is_verified());
        let (_, ec) = p256_key();
        prop_assert!(!ec.verify(&challenge, &answer).is_verified());
    }

    #[test]
    fn crafted_blocks_never_panic(
        body in proptest::collection::vec(any::<u8>(), 128),
        header in prop_oneof![Just(0x6Au8), Just(0x6B), any::<u8>()],
        trailer in prop_oneof![Just(vec![0xBCu8]), Just(vec![0x34, 0xCC]), Just(vec![0x35, 0xCC])],
    ) {
        // Not signatures: the RSA step scrambles them. This drives the block parser with
        // headers and trailers that parse, through the n − J branch and every length check.
        let (rsa, challenge, _) = vector("rsa1024-sha1");
        let mut sig = body;
        sig[0] = header;
        let at = sig.len() - trailer.len();
        sig[at..].copy_from_slice(&trailer);
        let _ = rsa.verify(&challenge, &sig);
        // The same bytes as a recovered block: parsed, never accepted (the digest is random).
        let mut block = sig;
        if header == 0x6B && block.len() > 3 {
            block[1] = 0xBB;
            block[2] = 0xBA;
        }
        prop_assert!(check_block(&block, &challenge).is_err());
    }

    #[test]
    fn well_formed_blocks_round_trip(
        m1 in proptest::collection::vec(any::<u8>(), 0..120),
        pad in 0usize..8,
        challenge in proptest::collection::vec(any::<u8>(), 8),
    ) {
        // 6A ‖ M1 ‖ SHA-1(M1 ‖ M2) ‖ BC, and the padded 6B BB… BA form (ISO/IEC 9796-2).
        let mut message = m1.clone();
        message.extend_from_slice(&challenge);
        let digest = HashAlgorithm::Sha1.digest(&message);
        let mut block = if pad == 0 { vec![0x6A] } else { let mut b = vec![0x6B]; b.extend(std::iter::repeat_n(0xBB, pad - 1)); b.push(0xBA); b };
        block.extend_from_slice(&m1);
        block.extend_from_slice(&digest);
        block.push(0xBC);
        let bits = block.len() * 8;
        prop_assert_eq!(
            check_block(&block, &challenge),
            Ok(AaMechanism::Rsa9796 { hash: HashAlgorithm::Sha1, bits })
        );
        let last = block.len() - 2;
        block[last] ^= 1;
        prop_assert_eq!(check_block(&block, &challenge), Err(AaRejection::DigestMismatch));
    }
}
