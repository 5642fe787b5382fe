//! Shared pieces of the chip tests (reader ↔ software chip): the main fixture dump, its MRZ, and
//! a reproducible random source for the terminal's nonces.
#![allow(dead_code)]

use std::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// The main chip fixture (see fixtures/README.md).
pub const FIXTURE: &str = "fixtures/dumps/td3-rsa2048";

/// The TD3 specimen of ICAO 9303 Part 4 Appendix A, the MRZ in the fixture's DG1.
pub const MRZ: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

/// A reproducible random source (SplitMix64) for tests; not for real use.
pub struct TestRng(pub u64);

impl TryRng for TestRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

impl TryCryptoRng for TestRng {}
