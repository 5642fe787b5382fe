//! Unit tests of `access::bac`.

use super::*;
use crate::transport::TransportError;
use proptest::prelude::*;
use rand_core::{Infallible, TryCryptoRng, TryRng};
use std::collections::VecDeque;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("test vector hex")
}

/// ICAO 9303 Part 11, Appendix D.2: MRZ information of the specimen passport.
fn d2_keys() -> BacKeys {
    BacKeys::from_mrz_information("L898902C<369080619406236").expect("valid MRZ information")
}

// ICAO 9303 Part 11, Appendix D.3.
const RND_IC: &str = "4608F91988702212";
const RND_IFD: &str = "781723860C06C226";
const K_IFD: &str = "0B795240CB7049B01C19B33E32804F0B";
const K_IC: &str = "0B4F80323EB3191CB04970CB4052790B";
const E_IFD_M_IFD: &str =
    "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7";
const E_IC_M_IC: &str =
    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F 2F2D235D074D7449";

/// Hands out scripted bytes, then a counter: a deterministic stand-in for a CSPRNG in tests.
struct ScriptedRng {
    script: VecDeque<u8>,
    counter: u8,
}

impl ScriptedRng {
    fn new(script: &[u8]) -> Self {
        ScriptedRng {
            script: script.iter().copied().collect(),
            counter: 0,
        }
    }
}

impl TryRng for ScriptedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            *byte = self.script.pop_front().unwrap_or_else(|| {
                self.counter = self.counter.wrapping_add(0x3B);
                self.counter
            });
        }
        Ok(())
    }
}
impl TryCryptoRng for ScriptedRng {}

/// Replays published responses and records what the terminal sent.
struct ScriptedTransport {
    responses: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
}

impl Transport for ScriptedTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        self.responses
            .pop_front()
            .ok_or_else(|| TransportError::Other("script exhausted".into()))
    }
}

/// A tiny in-memory chip: BAC, then secure messaging; serves EF.COM of Appendix D.4.
struct ChipTransport {
    chip: BacChip,
    rng: ScriptedRng,
    channel: Option<SecureChannel>,
    apdus: usize,
}

fn parse_short(bytes: &[u8]) -> Command {
    let mut cmd = Command::new(bytes[0], bytes[1], bytes[2], bytes[3]);
    let rest = &bytes[4..];
    if rest.len() == 1 {
        cmd.le = Some(if rest[0] == 0 { 256 } else { rest[0] as usize });
    } else if rest.len() > 1 {
        let lc = rest[0] as usize;
        cmd.data = rest[1..1 + lc].to_vec();
        if let Some(&le) = rest.get(1 + lc) {
            cmd.le = Some(if le == 0 { 256 } else { le as usize });
        }
    }
    cmd
}

impl Transport for ChipTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.apdus += 1;
        let cmd = parse_short(command);
        let reply = match (&mut self.channel, cmd.ins) {
            (None, 0x84) => {
                let rnd_ic = self.chip.get_challenge(&mut self.rng);
                Response {
                    data: rnd_ic.to_vec(),
                    sw: StatusWord::SUCCESS,
                }
            }
            (None, 0x82) => match self.chip.external_authenticate(&cmd.data, &mut self.rng) {
                Ok((data, channel)) => {
                    self.channel = Some(channel);
                    Response {
                        data,
                        sw: StatusWord::SUCCESS,
                    }
                }
                Err(e) => Response {
                    data: Vec::new(),
                    sw: e.status_word(),
                },
            },
            (Some(channel), _) => {
                let plain = channel.unwrap_command(&cmd).expect("authentic command");
                let answer = match plain.ins {
                    0xA4 => Response {
                        data: Vec::new(),
                        sw: StatusWord::SUCCESS,
                    },
                    _ => Response {
                        data: hex("60145F0104303130365F36063034303030305C026175")
                            [usize::from(plain.p2)..]
                            .iter()
                            .take(plain.le.unwrap_or(0))
                            .copied()
                            .collect(),
                        sw: StatusWord::SUCCESS,
                    },
                };
                channel.wrap_response(&answer).expect("wrap")
            }
            _ => Response {
                data: Vec::new(),
                sw: StatusWord(0x6D00),
            },
        };
        Ok(reply.to_bytes())
    }
}

#[test]
fn appendix_d3_and_d4_terminal_side() {
    // ICAO 9303 Part 11, Appendix D.3 (BAC) followed by D.4 (secure messaging), byte for byte.
    let mut transport = ScriptedTransport {
        responses: [
            format!("{RND_IC}9000"),
            format!("{E_IC_M_IC}9000"),
            "990290008E08FA855A5D4C50A8ED9000".to_string(),
            "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000".to_string(),
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"
                .to_string(),
        ]
        .iter()
        .map(|s| hex(s))
        .collect(),
        sent: Vec::new(),
    };
    let rnd_ifd: [u8; 8] = hex(RND_IFD).try_into().expect("8 bytes");
    let k_ifd: [u8; 16] = hex(K_IFD).try_into().expect("16 bytes");
    let mut sm = authenticate_with_nonces(&mut transport, &d2_keys(), &rnd_ifd, &k_ifd)
        .expect("BAC succeeds");
    assert_eq!(transport.sent[0], hex("0084000008"));
    assert_eq!(
        transport.sent[1],
        hex(&format!("0082000028 {E_IFD_M_IFD} 28"))
    );
    assert_eq!(sm.ssc(), hex("887022120C06C226"));

    let mut send = |sm: &mut SecureChannel, cmd: Command| {
        let bytes = sm.wrap(&cmd).expect("wrap").to_bytes().expect("encode");
        let raw = transport.transmit(&bytes).expect("scripted");
        sm.unwrap(&Response::parse(&raw).expect("rapdu"))
            .expect("authentic")
    };
    let select = send(
        &mut sm,
        Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(hex("011E")),
    );
    assert_eq!(select.sw, StatusWord::SUCCESS);
    let head = send(&mut sm, Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4));
    assert_eq!(head.data, hex("60145F01"));
    let rest = send(&mut sm, Command::new(0x00, 0xB0, 0x00, 0x04).with_le(0x12));
    assert_eq!(rest.data, hex("04303130365F36063034303030305C026175"));
    assert_eq!(sm.ssc(), hex("887022120C06C22C"));
    assert_eq!(
        transport.sent[2..],
        [
            hex("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"),
            hex("0CB000000D9701048E08ED6705417E96BA5500"),
            hex("0CB000040D9701128E082EA28A70F3C7B53500"),
        ]
    );
}

#[test]
fn appendix_d3_chip_side() {
    // ICAO 9303 Part 11, Appendix D.3 seen from the chip: the published E_IFD ‖ M_IFD
    // authenticates, the answer is the published E_IC ‖ M_IC, and the channel matches D.4.
    let mut chip = BacChip::new(&d2_keys());
    let rnd_ic = chip.get_challenge(&mut ScriptedRng::new(&hex(RND_IC)));
    assert_eq!(rnd_ic.to_vec(), hex(RND_IC));
    let (answer, mut channel) = chip
        .external_authenticate(&hex(E_IFD_M_IFD), &mut ScriptedRng::new(&hex(K_IC)))
        .expect("published cryptogram authenticates");
    assert_eq!(answer, hex(E_IC_M_IC));
    assert_eq!(channel.ssc(), hex("887022120C06C226"));
    let cmd = channel
        .unwrap_command(&parse_short(&hex(
            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
        )))
        .expect("published SELECT authenticates");
    assert_eq!(cmd.data, hex("011E"));
    // The challenge is spent.
    assert_eq!(
        chip.external_authenticate(&hex(E_IFD_M_IFD), &mut ScriptedRng::new(&[]))
            .map(|_| ()),
        Err(ChipBacError::NoChallenge)
    );
}

#[test]
fn round_trip_against_chip_state_machine() {
    let keys = BacKeys::from_document("X1234567", "900101", "300101").expect("valid");
    let mut transport = ChipTransport {
        chip: BacChip::new(&keys),
        rng: ScriptedRng::new(&[]),
        channel: None,
        apdus: 0,
    };
    let mut rng = ScriptedRng::new(&[0x11; 8]);
    let mut sm = authenticate(&mut transport, &keys, &mut rng).expect("BAC succeeds");
    assert_eq!(transport.apdus, 2);
    let chip_ssc = transport
        .channel
        .as_ref()
        .expect("chip channel")
        .ssc()
        .to_vec();
    assert_eq!(sm.ssc(), chip_ssc);
    for (p2, le, expected) in [
        (0u8, 4usize, "60145F01"),
        (4, 0x12, "04303130365F36063034303030305C026175"),
    ] {
        let wrapped = sm
            .wrap(&Command::new(0x00, 0xB0, 0x00, p2).with_le(le))
            .expect("wrap");
        let raw = transport
            .transmit(&wrapped.to_bytes().expect("encode"))
            .expect("in memory");
        let plain = sm
            .unwrap(&Response::parse(&raw).expect("rapdu"))
            .expect("authentic");
        assert_eq!(plain.data, hex(expected));
    }
}

#[test]
fn wrong_keys_are_access_denied() {
    let chip_keys = BacKeys::from_document("X1234567", "900101", "300101").expect("valid");
    let wrong = BacKeys::from_document("X1234568", "900101", "300101").expect("valid");
    let mut transport = ChipTransport {
        chip: BacChip::new(&chip_keys),
        rng: ScriptedRng::new(&[]),
        channel: None,
        apdus: 0,
    };
    let err =
        authenticate(&mut transport, &wrong, &mut ScriptedRng::new(&[])).expect_err("wrong keys");
    assert!(matches!(
        err,
        AccessError::AccessDenied(AccessProtocol::Bac)
    ));
    assert_eq!(err.to_string(), "access denied (BAC)");
}

#[test]
fn refusals_and_bad_answers() {
    let rnd_ifd: [u8; 8] = hex(RND_IFD).try_into().expect("8 bytes");
    let k_ifd: [u8; 16] = hex(K_IFD).try_into().expect("16 bytes");
    let run = |responses: &[&str]| {
        let mut transport = ScriptedTransport {
            responses: responses.iter().map(|s| hex(s)).collect(),
            sent: Vec::new(),
        };
        authenticate_with_nonces(&mut transport, &d2_keys(), &rnd_ifd, &k_ifd)
    };
    // 6982 to EXTERNAL AUTHENTICATE: access denied.
    assert!(matches!(
        run(&[&format!("{RND_IC}9000"), "6982"]),
        Err(AccessError::AccessDenied(AccessProtocol::Bac))
    ));
    // A corrupted M_IC: access denied, never a session.
    let mut bad_mac = hex(E_IC_M_IC);
    bad_mac[39] ^= 0x01;
    assert!(matches!(
        run(&[
            &format!("{RND_IC}9000"),
            &format!("{}9000", hex::encode(&bad_mac))
        ]),
        Err(AccessError::AccessDenied(AccessProtocol::Bac))
    ));
    // A chip that echoes another RND.IFD (a replayed answer to another challenge) is denied:
    // here the published answer is checked against a different RND.IC.
    assert!(matches!(
        run(&["4608F91988702213 9000", &format!("{E_IC_M_IC}9000")]),
        Err(AccessError::AccessDenied(AccessProtocol::Bac))
    ));
    // GET CHALLENGE refused: the status is reported.
    assert!(matches!(
        run(&["6D00"]),
        Err(AccessError::Refused {
            command: "GET CHALLENGE",
            sw: StatusWord(0x6D00),
            ..
        })
    ));
    // Wrong sizes are malformed answers.
    assert!(matches!(
        run(&["46089000"]),
        Err(AccessError::Malformed {
            command: "GET CHALLENGE",
            ..
        })
    ));
    assert!(matches!(
        run(&[&format!("{RND_IC}9000"), "46B9342A9000"]),
        Err(AccessError::Malformed {
            command: "EXTERNAL AUTHENTICATE",
            ..
        })
    ));
    assert!(matches!(run(&["90"]), Err(AccessError::Apdu(_))));
}

#[test]
fn chip_rejects_wrong_length_and_wrong_keys() {
    let mut chip = BacChip::new(&d2_keys());
    chip.get_challenge(&mut ScriptedRng::new(&hex(RND_IC)));
    assert_eq!(
        chip.external_authenticate(&[0; 39], &mut ScriptedRng::new(&[]))
            .map(|_| ()),
        Err(ChipBacError::WrongLength(39))
    );
    chip.get_challenge(&mut ScriptedRng::new(&hex(RND_IC)));
    let mut tampered = hex(E_IFD_M_IFD);
    tampered[0] ^= 0x80;
    let err = chip
        .external_authenticate(&tampered, &mut ScriptedRng::new(&[]))
        .map(|_| ())
        .expect_err("tampered");
    assert_eq!(err, ChipBacError::AuthenticationFailed);
    assert_eq!(err.status_word(), StatusWord(0x6300));
    // The published cryptogram is bound to its RND.IC: another challenge refuses it.
    chip.get_challenge(&mut ScriptedRng::new(&[0; 8]));
    assert_eq!(
        chip.external_authenticate(&hex(E_IFD_M_IFD), &mut ScriptedRng::new(&[]))
            .map(|_| ()),
        Err(ChipBacError::AuthenticationFailed)
    );
    assert!(format!("{chip:?}").contains("<redacted>"));
}

proptest! {
    #[test]
    fn authenticate_never_panics_on_chip_answers(
        challenge in prop::collection::vec(any::<u8>(), 0..12),
        answer in prop::collection::vec(any::<u8>(), 0..50),
    ) {
        let mut transport = ScriptedTransport {
            responses: [challenge, answer].into_iter().collect(),
            sent: Vec::new(),
        };
        let result = authenticate(&mut transport, &d2_keys(), &mut ScriptedRng::new(&[]));
        // Random answers never authenticate.
        prop_assert!(result.is_err());
    }

    #[test]
    fn forged_answers_are_denied(answer in prop::collection::vec(any::<u8>(), 40)) {
        // A well-formed challenge, then 40 arbitrary bytes with 9000: the MAC check refuses.
        let mut raw = answer;
        raw.extend_from_slice(&[0x90, 0x00]);
        let mut transport = ScriptedTransport {
            responses: [hex(&format!("{RND_IC}9000")), raw].into_iter().collect(),
            sent: Vec::new(),
        };
        let result = authenticate(&mut transport, &d2_keys(), &mut ScriptedRng::new(&[]));
        prop_assert!(matches!(result, Err(AccessError::AccessDenied(AccessProtocol::Bac))));
    }

    #[test]
    fn chip_never_panics_on_terminal_data(data in prop::collection::vec(any::<u8>(), 0..50)) {
        let mut chip = BacChip::new(&d2_keys());
        chip.get_challenge(&mut ScriptedRng::new(&[]));
        prop_assert!(chip.external_authenticate(&data, &mut ScriptedRng::new(&[])).is_err());
    }
}
