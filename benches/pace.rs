//! Host-side CPU time of the PACE terminal (reader) side, the chip's work excluded.
//!
//! For each parameter set one run against the software chip is recorded; each measured
//! iteration replays the recorded chip answers to a terminal whose RNG is re-seeded, so it
//! draws the same secrets and the answers stay valid: what is timed is the terminal's own
//! computation (nonce decryption, mapping, key agreement, tokens, key derivation).

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::Duration;

use bankid_activation::access::pace::{
    self, GeneralAuthenticateStep, Mapping, PaceChip, PaceParams, StandardGroup,
};
use bankid_activation::apdu::{Command, Response, StatusWord};
use bankid_activation::crypto::keys::{CipherSuite, PaceKey};
use bankid_activation::transport::{Transport, TransportError};
use criterion::{Criterion, criterion_group, criterion_main};
use rand_core::{Infallible, TryCryptoRng, TryRng};

/// Deterministic xorshift RNG (benchmarks only).
struct BenchRng(u64);

impl TryRng for BenchRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
impl TryCryptoRng for BenchRng {}

/// The software chip, recording its answers.
struct Recording {
    chip: PaceChip,
    rng: BenchRng,
    answers: Vec<Vec<u8>>,
}

impl Transport for Recording {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let cmd = Command::parse(command)?;
        let response = match cmd.ins {
            0x22 => match self.chip.mse_set_at(&cmd.data) {
                Ok(()) => Response::status(StatusWord::SUCCESS),
                Err(e) => Response::status(e.status_word()),
            },
            _ => match self.chip.general_authenticate(&cmd, &mut self.rng) {
                Ok(GeneralAuthenticateStep::Continue(d))
                | Ok(GeneralAuthenticateStep::Established(d, _)) => {
                    Response::new(d, StatusWord::SUCCESS)
                }
                Err(e) => Response::status(e.status_word()),
            },
        };
        let bytes = response.to_bytes();
        self.answers.push(bytes.clone());
        Ok(bytes)
    }
}

/// Replays recorded answers.
struct Replay(VecDeque<Vec<u8>>);

impl Transport for Replay {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0
            .pop_front()
            .ok_or_else(|| TransportError::Other("replay exhausted".into()))
    }
}

const MRZ: &str = "T22000129364081251010318";
const SEED: u64 = 0x5DEECE66D;

fn record(params: PaceParams, key: &PaceKey) -> Vec<Vec<u8>> {
    let chip = PaceChip::new(params, MRZ, None).expect("chip");
    let mut link = Recording {
        chip,
        rng: BenchRng(0xC0FFEE),
        answers: Vec::new(),
    };
    pace::authenticate(&mut link, key, &params, &mut BenchRng(SEED)).expect("recorded run");
    link.answers
}

fn bench_pace(c: &mut Criterion) {
    let mut group = c.benchmark_group("pace_terminal");
    group.measurement_time(Duration::from_secs(3));
    group.sample_size(20);
    let mut sets = vec![(Mapping::Generic, StandardGroup::BrainpoolP256r1)];
    for g in [
        StandardGroup::P256,
        StandardGroup::P384,
        StandardGroup::BrainpoolP384r1,
        StandardGroup::BrainpoolP512r1,
        StandardGroup::P521,
        StandardGroup::Modp1024_160,
        StandardGroup::Modp2048_224,
        StandardGroup::Modp2048_256,
    ] {
        sets.push((Mapping::Generic, g));
    }
    for g in [
        StandardGroup::BrainpoolP256r1,
        StandardGroup::P256,
        StandardGroup::BrainpoolP512r1,
        StandardGroup::Modp2048_256,
    ] {
        sets.push((Mapping::Integrated, g));
    }
    for (mapping, g) in sets {
        let params = PaceParams::new(mapping, g, CipherSuite::Aes128).expect("params");
        let key = PaceKey::from_mrz_information(MRZ, CipherSuite::Aes128).expect("key");
        let answers = record(params, &key);
        let name = format!("{}/{}", params.protocol.mapping, g);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut replay = Replay(answers.iter().cloned().collect());
                let outcome = pace::authenticate(&mut replay, &key, &params, &mut BenchRng(SEED))
                    .expect("replayed run");
                black_box(outcome)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_pace);
criterion_main!(benches);
