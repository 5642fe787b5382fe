//! Unit tests of `emulator::aa`.

use super::*;
use crate::access::aa::{AaKey, ActiveAuthOutcome};

struct Counter(u8);
impl rand_core::TryRng for Counter {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(u32::from(self.next_byte()))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.next_byte()))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.iter_mut().for_each(|b| *b = self.next_byte());
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Counter {}
impl Counter {
    fn next_byte(&mut self) -> u8 {
        self.0 = self.0.wrapping_add(1);
        self.0
    }
}

#[test]
fn fixture_key_signs_what_dg15_verifies() {
    let dir = Path::new("fixtures/dumps/td3-rsa2048");
    let signer = AaSigner::load_dir(dir).unwrap().unwrap();
    assert_eq!(
        format!("{signer:?}"),
        r#"AaSigner { kind: "RSA", key: "<redacted>" }"#
    );
    let dg15 = std::fs::read(dir.join("DG15.bin")).unwrap();
    let key = AaKey::from_data_groups(&dg15, None).unwrap();
    let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
    let cmd = Command::new(0, 0x88, 0, 0)
        .with_data(challenge.to_vec())
        .with_le(256);
    let good = signer.answer(&cmd, false, &mut Counter(0));
    assert_eq!(good.sw, StatusWord::SUCCESS);
    assert!(key.verify(&challenge, &good.data).is_verified());
    let bad = signer.answer(&cmd, true, &mut Counter(0));
    assert!(matches!(
        key.verify(&challenge, &bad.data),
        ActiveAuthOutcome::Rejected(_)
    ));
    // Wrong challenge length, wrong P1-P2.
    let short = Command::new(0, 0x88, 0, 0)
        .with_data(vec![1; 7])
        .with_le(256);
    assert_eq!(
        signer.answer(&short, false, &mut Counter(0)).sw,
        StatusWord::WRONG_LENGTH
    );
    let p1 = Command::new(0, 0x88, 1, 0).with_data(challenge.to_vec());
    assert_eq!(
        signer.answer(&p1, false, &mut Counter(0)).sw,
        StatusWord::INCORRECT_P1P2
    );
    // No key in the dump: none; not a private key: an error.
    assert!(
        AaSigner::load_dir(Path::new("fixtures/dumps/rsa2048-sha1"))
            .unwrap()
            .is_none()
    );
    let cert = std::fs::read_to_string("fixtures/pki/csca/csca-ut-p384.pem").unwrap();
    assert!(AaSigner::from_pem(&cert).is_err());
    assert!(AaSigner::from_pem("not pem").is_err());
}
