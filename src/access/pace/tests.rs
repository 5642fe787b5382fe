//! Tests of PACE: the ICAO 9303 Part 11 worked examples (Appendix G: Generic Mapping, ECDH and
//! DH; Appendix H: Integrated Mapping, ECDH and DH), terminal ↔ chip round trips for every
//! mapping × group × cipher, and invalid input from the chip.

use std::collections::VecDeque;

use proptest::prelude::*;
use rand_core::{Infallible, TryCryptoRng, TryRng};

use super::*;
use crate::apdu::Command;
use crate::crypto::keys::CipherSuite;
use crate::transport::TransportError;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).expect("test vector hex")
}

/// A deterministic stand-in for a CSPRNG (xorshift), for round trips.
struct TestRng(u64);

impl TryRng for TestRng {
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
impl TryCryptoRng for TestRng {}

/// Replays chip responses and records the terminal's commands.
struct Scripted {
    responses: VecDeque<Vec<u8>>,
    sent: Vec<Vec<u8>>,
}

impl Scripted {
    fn new(responses: Vec<Vec<u8>>) -> Self {
        Scripted {
            responses: responses.into(),
            sent: Vec::new(),
        }
    }
}

impl Transport for Scripted {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        self.responses
            .pop_front()
            .ok_or_else(|| TransportError::Other("script exhausted".into()))
    }
}

/// A software chip behind the transport: PACE, then secure messaging echoing a test command.
struct ChipLink {
    chip: PaceChip,
    rng: TestRng,
    channel: Option<SecureChannel>,
}

impl Transport for ChipLink {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let cmd = Command::parse(command)?;
        let response = match cmd.ins {
            0x22 => match self.chip.mse_set_at(&cmd.data) {
                Ok(()) => Response::status(StatusWord::SUCCESS),
                Err(e) => Response::status(e.status_word()),
            },
            0x86 => match self.chip.general_authenticate(&cmd, &mut self.rng) {
                Ok(GeneralAuthenticateStep::Continue(data)) => {
                    Response::new(data, StatusWord::SUCCESS)
                }
                Ok(GeneralAuthenticateStep::Established(data, channel)) => {
                    self.channel = Some(channel);
                    Response::new(data, StatusWord::SUCCESS)
                }
                Err(e) => Response::status(e.status_word()),
            },
            _ => Response::status(StatusWord(0x6D00)),
        };
        Ok(response.to_bytes())
    }
}

/// ICAO 9303 Part 11, Appendix G: MRZ information of the examples (T22000129, 1964-08-12,
/// expiring 2010-10-31).
const G_MRZ: &str = "T22000129364081251010318";

fn g1_params() -> PaceParams {
    let mut params = PaceParams::new(
        Mapping::Generic,
        StandardGroup::BrainpoolP256r1,
        CipherSuite::Aes128,
    )
    .expect("params");
    // The Appendix G MSE:Set AT carries no DO'84'.
    params.send_parameter_id = false;
    params
}

// ICAO 9303 Part 11 (8th edition), Appendix G.1: ECDH Generic Mapping over brainpoolP256r1.
const G1_Z: &str = "95A3A016522EE98D01E76CB6B98B42C3";
const G1_S: &str = "3F00C4D39D153F2B2A214A078D899B22";
const G1_SK_MAP_IFD: &str = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
const G1_PK_MAP_IFD: &str = "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
const G1_SK_MAP_IC: &str = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560";
const G1_PK_MAP_IC: &str = "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
const G1_H: &str = "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD50840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181";
const G1_G_MAPPED: &str = "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522";
const G1_SK_IFD: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const G1_PK_IFD: &str = "042DB7A64C0355044EC9DF190514C625CBA2CEA487548871 22F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
const G1_SK_IC: &str = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";
const G1_PK_IC: &str = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
const G1_K: &str = "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925";
const G1_T_IFD: &str = "C2B0BD78D94BA866";
const G1_T_IC: &str = "3ABB9674BCE93C08";

fn do_(tag: u8, value: &[u8]) -> Vec<u8> {
    wire::tlv(tag, value).expect("tlv")
}

fn ok(data: Vec<u8>) -> Vec<u8> {
    let mut out = data;
    out.extend_from_slice(&[0x90, 0x00]);
    out
}

fn ec_point(arith: &GroupArith, hex_point: &str) -> Element {
    arith
        .decode(&h(hex_point))
        .expect("published point is valid")
}

fn uint(hex_value: &str) -> crypto_bigint::BoxedUint {
    let bytes = h(hex_value);
    crypto_bigint::BoxedUint::from_be_slice(&bytes, (bytes.len() * 8) as u32).expect("uint")
}

#[test]
fn g1_ecdh_generic_mapping_steps() {
    // ICAO 9303 Part 11, Appendix G.1: every intermediate value of the ECDH GM example.
    let key = PaceKey::from_mrz_information(G_MRZ, CipherSuite::Aes128).expect("MRZ");
    assert_eq!(key.expose_hex(), "89DED1B26624EC1E634C1989302849DD");
    let s = cipher::cbc_decrypt(CipherSuite::Aes128, key.as_bytes(), &[0; 16], &h(G1_Z))
        .expect("decrypt");
    assert_eq!(s, h(G1_S));
    let arith = arithmetic(StandardGroup::BrainpoolP256r1).expect("group");
    let pk_map_ifd = public_key(arith, &arith.generator(), &uint(G1_SK_MAP_IFD)).expect("pk");
    assert_eq!(pk_map_ifd, h(G1_PK_MAP_IFD));
    let pk_map_ic = public_key(arith, &arith.generator(), &uint(G1_SK_MAP_IC)).expect("pk");
    assert_eq!(pk_map_ic, h(G1_PK_MAP_IC));
    let shared = arith
        .exp(&ec_point(arith, G1_PK_MAP_IC), &uint(G1_SK_MAP_IFD))
        .expect("H");
    assert_eq!(arith.encode(&shared).expect("H"), h(G1_H));
    let mapped = generic_map(
        arith,
        &s,
        &uint(G1_SK_MAP_IFD),
        &ec_point(arith, G1_PK_MAP_IC),
    )
    .expect("map");
    assert_eq!(arith.encode(&mapped).expect("G^"), h(G1_G_MAPPED));
    // The chip's side of the mapping gives the same generator.
    let mapped_ic = generic_map(
        arith,
        &s,
        &uint(G1_SK_MAP_IC),
        &ec_point(arith, G1_PK_MAP_IFD),
    )
    .expect("map");
    assert_eq!(arith.encode(&mapped_ic).expect("G^"), h(G1_G_MAPPED));
    assert_eq!(
        public_key(arith, &mapped, &uint(G1_SK_IFD)).expect("pk"),
        h(G1_PK_IFD)
    );
    assert_eq!(
        public_key(arith, &mapped, &uint(G1_SK_IC)).expect("pk"),
        h(G1_PK_IC)
    );
    let k = arith
        .shared_secret(
            &arith
                .exp(&ec_point(arith, G1_PK_IC), &uint(G1_SK_IFD))
                .expect("K"),
        )
        .expect("K");
    assert_eq!(k.to_vec(), h(G1_K));
    let keys = agree(
        arith,
        CipherSuite::Aes128,
        &uint(G1_SK_IFD),
        &ec_point(arith, G1_PK_IC),
    )
    .expect("keys");
    assert_eq!(keys.expose_ks_enc_hex(), "F5F0E35C0D7161EE6724EE513A0D9A7F");
    assert_eq!(keys.expose_ks_mac_hex(), "FE251C7858B356B24514B3BD5F4297D1");
    let params = g1_params();
    assert_eq!(
        token(arith, &params, &keys, &h(G1_PK_IC))
            .expect("T_IFD")
            .to_vec(),
        h(G1_T_IFD)
    );
    assert_eq!(
        token(arith, &params, &keys, &h(G1_PK_IFD))
            .expect("T_IC")
            .to_vec(),
        h(G1_T_IC)
    );
}

fn g1_chip_responses() -> Vec<Vec<u8>> {
    vec![
        ok(vec![]),
        ok(do_(0x7C, &do_(0x80, &h(G1_Z)))),
        ok(do_(0x7C, &do_(0x82, &h(G1_PK_MAP_IC)))),
        ok(do_(0x7C, &do_(0x84, &h(G1_PK_IC)))),
        ok(do_(0x7C, &do_(0x86, &h(G1_T_IC)))),
    ]
}

/// ICAO 9303 Part 11, Appendix G.1: the terminal's APDUs, byte for byte.
fn g1_terminal_apdus() -> Vec<Vec<u8>> {
    vec![
        h("0022C1A40F800A04007F0007020204020283 0101"),
        h("108600000 27C0000".replace(' ', "").as_str()),
        h(&format!("1086000045 7C43 8141 {G1_PK_MAP_IFD} 00")),
        h(&format!("1086000045 7C43 8341 {G1_PK_IFD} 00")),
        h("008600000C7C0A8508C2B0BD78D94BA86600"),
    ]
}

#[test]
fn g1_terminal_transcript() {
    // ICAO 9303 Part 11, Appendix G.1: replaying the chip's answers, the terminal sends exactly
    // the published commands (its T_IFD among them) and accepts the chip's T_IC.
    let key = PaceKey::from_mrz_information(G_MRZ, CipherSuite::Aes128).expect("MRZ");
    let mut link = Scripted::new(g1_chip_responses());
    let outcome = run::<_, TestRng>(
        &mut link,
        &key,
        &g1_params(),
        TerminalSecrets::Fixed {
            mapping: h(G1_SK_MAP_IFD),
            agreement: h(G1_SK_IFD),
        },
    )
    .expect("PACE");
    assert_eq!(link.sent, g1_terminal_apdus());
    assert_eq!(outcome.chip_ephemeral_public_key, h(G1_PK_IC));
    assert_eq!(outcome.password, PasswordKind::Mrz);
    assert_eq!(outcome.channel.ssc(), &[0u8; 16]);
}

#[test]
fn g1_chip_transcript() {
    // ICAO 9303 Part 11, Appendix G.1: fed the published terminal commands, the chip (with the
    // published s and private keys) answers exactly the published responses.
    let mut chip = PaceChip::new(g1_params(), G_MRZ, None)
        .expect("chip")
        .with_fixed_secrets(chip::ChipSecrets {
            nonce: h(G1_S),
            mapping: h(G1_SK_MAP_IC),
            agreement: h(G1_SK_IC),
        });
    let mut rng = TestRng(1);
    let apdus = g1_terminal_apdus();
    let expected = g1_chip_responses();
    let mse = Command::parse(&apdus[0]).expect("apdu");
    chip.mse_set_at(&mse.data).expect("MSE");
    for (apdu, response) in apdus.iter().zip(&expected).skip(1) {
        let cmd = Command::parse(apdu).expect("apdu");
        let data = match chip.general_authenticate(&cmd, &mut rng).expect("step") {
            GeneralAuthenticateStep::Continue(d) | GeneralAuthenticateStep::Established(d, _) => d,
        };
        assert_eq!(ok(data), *response);
    }
}

// ICAO 9303 Part 11 (8th edition), Appendix G.2: DH Generic Mapping, 1024-bit MODP group.
const G2_Z: &str = "854D8DF5827FA6852D1A4FA701CDDDCA";
const G2_S: &str = "FA5B7E3E49753A0DB9178B7B9BD898C8";
const G2_SK_MAP_IFD: &str = "5265030F751F4AD18B08AC565FC7AC952E41618D";
const G2_PK_MAP_IFD: &str = "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3EB71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A44D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022DCB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C";
const G2_SK_MAP_IC: &str = "66DDAFEAC1609CB5B963BB0CB3FF8B3E047F336C";
const G2_PK_MAP_IC: &str = "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E623EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F2449400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6";
const G2_H: &str = "5BABEBEF5B74E5BA94B5C063FDA15F1F1CDE94873EE0A5D3A2FCAB49F258D07F544F13CB66658C3AFEE9E727389BE3F6CBBBD32128A8C21DD6EEA3CF7091CDDFB08B8D007D40318DCCA4FFBF51208790FB4BD111E5A968ED6B6F08B26CA87C410B3CE0C310CE104EABD16629AA48620C1279270CB0750C0D37C57FFFE302AE7F";
const G2_G_MAPPED: &str = "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A12370249684D64EE37AF44B8DBD9D45BF6023919CBAA027AB97ACC771666C8E98FF483301BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84EF1E779032A305803F74341793E869742D401325B37EE8565FFCDEE618342DC5";
const G2_SK_IFD: &str = "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA";
const G2_PK_IFD: &str = "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD911551B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A2A42D44EDA80A08FA8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F4317317 2236B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4";
const G2_SK_IC: &str = "A5B780126B7C980E9FCEA1D4539DA1D27C342DFA";
const G2_PK_IC: &str = "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152BD8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1";
const G2_K: &str = "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E38B834B6A9E9CD7184BA8834AFF5043D436950C4C1E7832367C10CB8C314D40E5990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E465E553E77BDF75E3193D3834FC26E8EB1EE2FA1E4FC97C18C3F6CFFFE2607FD";
const G2_T_IFD: &str = "B46DD9BD4D98381F";
const G2_T_IC: &str = "917F37B5C0E6D8D1";

fn g2_params() -> PaceParams {
    let mut params = PaceParams::new(
        Mapping::Generic,
        StandardGroup::Modp1024_160,
        CipherSuite::Aes128,
    )
    .expect("params");
    params.send_parameter_id = false;
    params
}

#[test]
fn g2_dh_generic_mapping_steps() {
    // ICAO 9303 Part 11, Appendix G.2: every intermediate value of the DH GM example.
    let key = PaceKey::from_mrz_information(G_MRZ, CipherSuite::Aes128).expect("MRZ");
    let s = cipher::cbc_decrypt(CipherSuite::Aes128, key.as_bytes(), &[0; 16], &h(G2_Z))
        .expect("decrypt");
    assert_eq!(s, h(G2_S));
    let arith = arithmetic(StandardGroup::Modp1024_160).expect("group");
    assert_eq!(
        public_key(arith, &arith.generator(), &uint(G2_SK_MAP_IFD)).expect("pk"),
        h(G2_PK_MAP_IFD)
    );
    assert_eq!(
        public_key(arith, &arith.generator(), &uint(G2_SK_MAP_IC)).expect("pk"),
        h(G2_PK_MAP_IC)
    );
    let chip_map = arith.decode(&h(G2_PK_MAP_IC)).expect("valid");
    let shared = arith.exp(&chip_map, &uint(G2_SK_MAP_IFD)).expect("h");
    assert_eq!(arith.encode(&shared).expect("h"), h(G2_H));
    let mapped = generic_map(arith, &s, &uint(G2_SK_MAP_IFD), &chip_map).expect("map");
    assert_eq!(arith.encode(&mapped).expect("g^"), h(G2_G_MAPPED));
    assert_eq!(
        public_key(arith, &mapped, &uint(G2_SK_IFD)).expect("pk"),
        h(G2_PK_IFD)
    );
    assert_eq!(
        public_key(arith, &mapped, &uint(G2_SK_IC)).expect("pk"),
        h(G2_PK_IC)
    );
    let chip_pk = arith.decode(&h(G2_PK_IC)).expect("valid");
    let k = arith
        .shared_secret(&arith.exp(&chip_pk, &uint(G2_SK_IFD)).expect("K"))
        .expect("K");
    assert_eq!(k.to_vec(), h(G2_K));
    let keys = agree(arith, CipherSuite::Aes128, &uint(G2_SK_IFD), &chip_pk).expect("keys");
    assert_eq!(keys.expose_ks_enc_hex(), "2F7F46ADCC9E7E521B45D192FAFA9126");
    assert_eq!(keys.expose_ks_mac_hex(), "805A1D27D45A5116F73C54469462B7D8");
    let params = g2_params();
    assert_eq!(
        token(arith, &params, &keys, &h(G2_PK_IC))
            .expect("T_IFD")
            .to_vec(),
        h(G2_T_IFD)
    );
    assert_eq!(
        token(arith, &params, &keys, &h(G2_PK_IFD))
            .expect("T_IC")
            .to_vec(),
        h(G2_T_IC)
    );
}

#[test]
fn g2_terminal_and_chip_transcripts() {
    // ICAO 9303 Part 11, Appendix G.2: the terminal's commands and the chip's answers, both
    // ends driven by the published secrets. (The published last answer also carries a
    // DO'87' CAR, which the terminal ignores; our chip sends DO'86' only.)
    let key = PaceKey::from_mrz_information(G_MRZ, CipherSuite::Aes128).expect("MRZ");
    let mut last = do_(0x86, &h(G2_T_IC));
    last.extend_from_slice(&h("870F4445544553544356434130303030 33"));
    let responses = vec![
        ok(vec![]),
        ok(do_(0x7C, &do_(0x80, &h(G2_Z)))),
        ok(do_(0x7C, &do_(0x82, &h(G2_PK_MAP_IC)))),
        ok(do_(0x7C, &do_(0x84, &h(G2_PK_IC)))),
        ok(do_(0x7C, &last)),
    ];
    let mut link = Scripted::new(responses.clone());
    run::<_, TestRng>(
        &mut link,
        &key,
        &g2_params(),
        TerminalSecrets::Fixed {
            mapping: h(G2_SK_MAP_IFD),
            agreement: h(G2_SK_IFD),
        },
    )
    .expect("PACE");
    let expected = vec![
        h("0022C1A40F800A04007F00070202040102830101"),
        h("10860000027C000 0".replace(' ', "").as_str()),
        h(&format!("1086000086 7C818381 8180 {G2_PK_MAP_IFD} 00")),
        h(&format!("1086000086 7C818383 8180 {G2_PK_IFD} 00")),
        h(&format!("008600000C 7C0A8508 {G2_T_IFD} 00")),
    ];
    assert_eq!(link.sent, expected);

    let mut chip = PaceChip::new(g2_params(), G_MRZ, None)
        .expect("chip")
        .with_fixed_secrets(chip::ChipSecrets {
            nonce: h(G2_S),
            mapping: h(G2_SK_MAP_IC),
            agreement: h(G2_SK_IC),
        });
    let mut rng = TestRng(7);
    chip.mse_set_at(&Command::parse(&expected[0]).expect("apdu").data)
        .expect("MSE");
    let mut answers = Vec::new();
    for apdu in expected.iter().skip(1) {
        let cmd = Command::parse(apdu).expect("apdu");
        answers.push(
            match chip.general_authenticate(&cmd, &mut rng).expect("step") {
                GeneralAuthenticateStep::Continue(d)
                | GeneralAuthenticateStep::Established(d, _) => ok(d),
            },
        );
    }
    assert_eq!(answers[..3], responses[1..4]);
    assert_eq!(answers[3], ok(do_(0x7C, &do_(0x86, &h(G2_T_IC)))));
}

#[test]
fn h1_ecdh_integrated_mapping() {
    // ICAO 9303 Part 11 (8th edition), Appendix H.1: ECDH Integrated Mapping over
    // brainpoolP256r1 with AES-128: R(s,t), R_p(s,t), the mapped generator, keys and tokens.
    let k_pi = h("591468CDA83D65219CCCB8560233600F");
    let s = cipher::cbc_decrypt(
        CipherSuite::Aes128,
        &k_pi,
        &[0; 16],
        &h("143DC40C08C8E891FBED7DEDB92B64AD"),
    )
    .expect("decrypt");
    assert_eq!(s, h("2923BE84E16CD6AE529049F1F1BBE9EB"));
    let t = h("5DD4CBFC96F5453B130D890A1CDBAE32");
    let arith = arithmetic(StandardGroup::BrainpoolP256r1).expect("group");
    let r = im::pseudo_random(CipherSuite::Aes128, &s, &t, arith.field_bits()).expect("R");
    assert_eq!(
        r.to_vec(),
        h(
            "E4447E2DFB3586BAC05DDB00156B57FBB2179A3949294C97254189800C517BAA8DA0FF397ED8C445D3E421E4FEB57322"
        )
    );
    assert_eq!(
        arith.reduce_to_bytes(&r).expect("reduce"),
        h("A2F8FF2DF50E52C6599F386ADCB595D229F6A167ADE2BE5F2C3296ADD5B7430E")
    );
    let mapped = integrated_map(arith, CipherSuite::Aes128, &s, &t).expect("map");
    assert_eq!(
        arith.encode(&mapped).expect("G^"),
        h(
            "048E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D4274C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD"
        )
    );
    let pk_ifd = "0489CBA23FFE96AA18D824627C3E934E54A9FD0B87A95D1471DC1C0ABFDCD640D46755DE9B7B778280B6BEBD57439ADFEB0E21FD4ED6DF42578C13418A59B34C37";
    let pk_ic = "0467F78E5F7F7686082B293E8D087E056916D0F74BC01A5F8957D0DE45691E51E8932B69A962B52A0985AD2C0A271EE6A13A8ADDDCD1A3A994B9DED257F4D22753";
    assert_eq!(
        public_key(
            arith,
            &mapped,
            &uint("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595")
        )
        .expect("pk"),
        h(pk_ifd)
    );
    assert_eq!(
        public_key(
            arith,
            &mapped,
            &uint("107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A")
        )
        .expect("pk"),
        h(pk_ic)
    );
    let keys = agree(
        arith,
        CipherSuite::Aes128,
        &uint("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"),
        &ec_point(arith, pk_ic),
    )
    .expect("keys");
    assert_eq!(keys.expose_ks_enc_hex(), "0D3FEB33251A6370893D62AE8DAAF51B");
    assert_eq!(keys.expose_ks_mac_hex(), "B01E89E3D9E8719E586B50B4A7506E0B");
    let params = PaceParams::new(
        Mapping::Integrated,
        StandardGroup::BrainpoolP256r1,
        CipherSuite::Aes128,
    )
    .expect("params");
    assert_eq!(params.protocol.oid_bytes(), h("04007F00070202040402"));
    assert_eq!(
        token(arith, &params, &keys, &h(pk_ic))
            .expect("T_IFD")
            .to_vec(),
        h("450F02B86F6A0909")
    );
    assert_eq!(
        token(arith, &params, &keys, &h(pk_ifd))
            .expect("T_IC")
            .to_vec(),
        h("75D4D96E8D5B0308")
    );
}

#[test]
fn h2_dh_integrated_mapping() {
    // ICAO 9303 Part 11 (8th edition), Appendix H.2: DH Integrated Mapping over the 1024-bit
    // MODP group with AES-128. (The example's private keys are full-length exponents.)
    let k_pi = h("591468CDA83D65219CCCB8560233600F");
    let s = cipher::cbc_decrypt(
        CipherSuite::Aes128,
        &k_pi,
        &[0; 16],
        &h("9ABB8864CA0FF1551E620D1EF4E13510"),
    )
    .expect("decrypt");
    assert_eq!(s, h("FA5B7E3E49753A0DB9178B7B9BD898C8"));
    let t = h("B3A6DB3C870C3E99245E0D1C06B747DE");
    let arith = arithmetic(StandardGroup::Modp1024_160).expect("group");
    let r = im::pseudo_random(CipherSuite::Aes128, &s, &t, arith.field_bits()).expect("R");
    assert_eq!(r.len(), 144);
    assert_eq!(
        arith.reduce_to_bytes(&r).expect("reduce"),
        h(
            "A0C7C50C002061A51CC87D254EF38068607417B6EE1B36473CFB800D2D2E5FA2B6980F01105D24FAB22ACD1BFA5C8A4C093ECDFAFE6D7125D42A843E338603835CF19AFAFF75EFE21DC5F6AA1F9AE46C25087E7368166FB08C1E4627AFED7D93570417B790FF7F747E57F432B04E1236819E0DFEF5B6E77CA4999925328182D2"
        )
    );
    assert_eq!(r[..16], h("EAB98D13E09052952AA729907C3C9461")[..]);
    assert_eq!(r[128..], h("0FC187258995944C0F926E249373F485")[..]);
    let mapped = integrated_map(arith, CipherSuite::Aes128, &s, &t).expect("map");
    assert_eq!(
        arith.encode(&mapped).expect("g^"),
        h(
            "1D7D767F11E333BCD6DBAEF40E799E7A926B96973550656FF3C830726D118D61C276CDCC61D475CF03A98E0C0E79CAEBA5BE25578BD4551D0B10903236F0B0F976852FA78EEA14EA0ACA87D1E91F688FE0DFF897BBE35A472621D343564B262F34223AE8FC59B664BFEDFA2BFE7516CA5510A6BBB633D517EC25D4E0BBAA16C2"
        )
    );
    let sk_ifd = uint(
        "4BD0E54740F9A028E6A515BFDAF967848C4F5F5FFF65AA0915947FFD1A0DF2FA6981271BC905F3551457B7E03AC3B8066DE4AA406C1171FB43DD939C4BA16175103BA3DEE16419AA248118F90CC36A3D6F4C373652E0C3CCE7F0F1D0C5425B3600F0F0D6A67F004C8BBA33F2B4733C7252445C1DFC4F1107203F71D2EFB28161",
    );
    let pk_ifd = "0F0CC62945A8029251FB7EF3C094E12EC68E4EF07F27CB9D9CD04C5C4250FAE0E4F8A951557E929AEB48E5C6DD47F2F5CD7C351A9BD2CD722C07EDE166770F08FFCB370262CF308DD7B07F2E0DA9CAAA1492344C852906919538C98A4BA4187E76CE9D87832386D319CE2E043C3343AEAE6EDBA1A9894DC5094D22F7FE1351D5";
    let pk_ic = "928D9A0F9DBA450F13FC859C6F290D1D36E42431138A4378500BEB4E0401854CFF111F71CB6DC1D0335807A11388CC8EAA87B07907AAD9FBA6B169AF6D8C26AF8DDDC39ADC3AD2E3FF882B84D23E9768E95A80E4746FB07A9767679FE92133B4D379935C771BD7FBED6C7BB4B1708B275EA75679524CDC9C6A91370CC662A2F3";
    assert_eq!(public_key(arith, &mapped, &sk_ifd).expect("pk"), h(pk_ifd));
    let chip_pk = arith.decode(&h(pk_ic)).expect("valid");
    let keys = agree(arith, CipherSuite::Aes128, &sk_ifd, &chip_pk).expect("keys");
    assert_eq!(keys.expose_ks_enc_hex(), "01AFC10CF87BE36D8179E87370171F07");
    assert_eq!(keys.expose_ks_mac_hex(), "23F0FBD05FD6C7B8B88F4C8309669061");
    let params = PaceParams::new(
        Mapping::Integrated,
        StandardGroup::Modp1024_160,
        CipherSuite::Aes128,
    )
    .expect("params");
    assert_eq!(
        token(arith, &params, &keys, &h(pk_ic))
            .expect("T_IFD")
            .to_vec(),
        h("55D61977CBF5307E")
    );
    assert_eq!(
        token(arith, &params, &keys, &h(pk_ifd))
            .expect("T_IC")
            .to_vec(),
        h("C2F04230187E1525")
    );
}

#[test]
fn every_standard_group_is_sound() {
    // G on the curve (checked when built), n·G = O and (n+1)·G = G; g^q = 1 (checked when built).
    for group in StandardGroup::ALL {
        let arith = arithmetic(group).unwrap_or_else(|e| panic!("{group}: {e}"));
        if let GroupArith::Ec(curve) = arith {
            let n = curve.order().clone();
            let g = curve.generator();
            let ng = curve.mul(&g, &n).expect("same curve");
            assert!(curve.is_identity(&ng), "{group}: n·G ≠ O");
            let n1 = n.wrapping_add(crypto_bigint::BoxedUint::one());
            let g1 = curve.mul(&g, &n1).expect("same curve");
            assert_eq!(curve.encode(&g1), curve.encode(&g), "{group}");
        }
        assert_eq!(StandardGroup::from_id(u64::from(group.id())), Some(group));
        assert_eq!(group.name().parse::<StandardGroup>(), Ok(group));
    }
    assert_eq!(StandardGroup::from_id(5), None);
    assert_eq!(StandardGroup::from_id(19), None);
}

/// The groups named in issue 5.
const ISSUE_GROUPS: [StandardGroup; 9] = [
    StandardGroup::BrainpoolP256r1,
    StandardGroup::BrainpoolP384r1,
    StandardGroup::BrainpoolP512r1,
    StandardGroup::P256,
    StandardGroup::P384,
    StandardGroup::P521,
    StandardGroup::Modp1024_160,
    StandardGroup::Modp2048_224,
    StandardGroup::Modp2048_256,
];

const CAN: &str = "123456";

fn round_trip(
    params: PaceParams,
    password: &PaceKey,
    seed: u64,
) -> Result<PaceOutcome, AccessError> {
    let chip = PaceChip::new(params, G_MRZ, Some(CAN)).expect("chip");
    let mut link = ChipLink {
        chip,
        rng: TestRng(seed ^ 0x9E37_79B9_7F4A_7C15),
        channel: None,
    };
    let mut rng = TestRng(seed);
    let mut outcome = authenticate(&mut link, password, &params, &mut rng)?;
    // Both ends hold the same secure channel: a protected command and answer pass.
    let mut chip_channel = link.channel.take().expect("chip channel");
    let select = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E]);
    let wrapped = outcome.channel.wrap(&select).expect("wrap");
    assert_eq!(
        chip_channel.unwrap_command(&wrapped).expect("unwrap"),
        select
    );
    let answer = Response::new(vec![1, 2, 3], StatusWord::SUCCESS);
    let protected = chip_channel.wrap_response(&answer).expect("wrap");
    assert_eq!(outcome.channel.unwrap(&protected).expect("unwrap"), answer);
    Ok(outcome)
}

#[test]
fn round_trip_every_mapping_group_cipher_and_password() {
    let mut runs = 0;
    for (i, group) in ISSUE_GROUPS.into_iter().enumerate() {
        for mapping in [Mapping::Generic, Mapping::Integrated] {
            for (j, suite) in CipherSuite::ALL.into_iter().enumerate() {
                let params = PaceParams::new(mapping, group, suite).expect("params");
                for key in [
                    PaceKey::from_mrz_information(G_MRZ, suite).expect("MRZ"),
                    PaceKey::from_can(CAN, suite).expect("CAN"),
                ] {
                    let outcome = round_trip(params, &key, (i * 16 + j) as u64 + 1)
                        .unwrap_or_else(|e| panic!("{params} {:?}: {e}", key.kind()));
                    assert_eq!(outcome.params, params);
                    assert_eq!(outcome.password, key.kind());
                    runs += 1;
                }
            }
        }
    }
    assert_eq!(runs, 9 * 2 * 4 * 2);
}

#[test]
fn round_trip_remaining_standard_groups() {
    for group in [
        StandardGroup::P192,
        StandardGroup::BrainpoolP192r1,
        StandardGroup::P224,
        StandardGroup::BrainpoolP224r1,
        StandardGroup::BrainpoolP320r1,
    ] {
        let params = PaceParams::new(Mapping::Generic, group, CipherSuite::Aes128).expect("params");
        let key = PaceKey::from_can(CAN, CipherSuite::Aes128).expect("CAN");
        round_trip(params, &key, 99).unwrap_or_else(|e| panic!("{params}: {e}"));
        let im = PaceParams::new(Mapping::Integrated, group, CipherSuite::Aes128).expect("params");
        if group == StandardGroup::P224 {
            // p ≡ 1 (mod 4): Appendix B's encoding does not apply.
            assert_eq!(
                im.check_supported(),
                Err(PaceError::PointEncodingUnsupported(group))
            );
        } else {
            round_trip(im, &key, 98).unwrap_or_else(|e| panic!("{im}: {e}"));
        }
    }
}

#[test]
fn wrong_can_is_access_denied() {
    for params in [
        "pace:gm:brainpoolP256r1:aes128",
        "pace:im:P-384:aes256",
        "pace:gm:modp2048-224:3des",
    ] {
        let params: PaceParams = params.parse().expect("spec");
        let key = PaceKey::from_can("654321", params.protocol.cipher).expect("CAN");
        let err = round_trip(params, &key, 5).expect_err("wrong CAN");
        assert!(
            matches!(err, AccessError::AccessDenied(AccessProtocol::Pace)),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "access denied (PACE)");
    }
}

#[test]
fn chip_without_can_refuses_can() {
    let params: PaceParams = "pace:gm:P-256:aes128".parse().expect("spec");
    let mut link = ChipLink {
        chip: PaceChip::new(params, G_MRZ, None).expect("chip"),
        rng: TestRng(3),
        channel: None,
    };
    let key = PaceKey::from_can(CAN, CipherSuite::Aes128).expect("CAN");
    let err = authenticate(&mut link, &key, &params, &mut TestRng(4)).expect_err("no CAN");
    assert!(
        matches!(
            err,
            AccessError::Refused {
                sw: StatusWord(0x6A88),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn access_specs_parse() {
    let p: PaceParams = "pace:gm:brainpoolP256r1:aes128".parse().expect("spec");
    assert_eq!(p.protocol.mapping, Mapping::Generic);
    assert_eq!(p.protocol.key_agreement, KeyAgreement::Ecdh);
    assert_eq!(p.group, StandardGroup::BrainpoolP256r1);
    assert_eq!(p.protocol.cipher, CipherSuite::Aes128);
    assert_eq!(p.to_string(), "pace:gm:brainpoolP256r1:aes128");
    assert_eq!(p.protocol.name(), "id-PACE-ECDH-GM-AES-CBC-CMAC-128");
    assert_eq!(p.protocol.oid().to_string(), "0.4.0.127.0.7.2.2.4.2.2");
    for spec in [
        "pace:im:brainpoolP384r1:aes192",
        "pace:im:brainpoolP512r1:aes256",
        "pace:gm:P-521:3des",
        "pace:gm:modp1024:aes128",
        "pace:im:modp2048-256:aes256",
        "pace:cam:P-256:aes128",
    ] {
        let p: PaceParams = spec.parse().expect(spec);
        assert_eq!(p.to_string(), spec);
        assert_eq!(PaceProtocol::from_oid(&p.protocol.oid()), Ok(p.protocol));
    }
    let cam: PaceParams = "pace:cam:P-256:aes128".parse().expect("spec");
    assert_eq!(
        cam.check_supported(),
        Err(PaceError::UnsupportedMapping(Mapping::ChipAuthentication))
    );
    for bad in [
        "pace:gm:brainpoolP256r1",
        "pace:xm:P-256:aes128",
        "pace:gm:P-257:aes128",
        "pace:gm:P-256:aes512",
        "pace:cam:modp1024:aes128",
        "pace:cam:P-256:3des",
        "bac",
    ] {
        assert!(bad.parse::<PaceParams>().is_err(), "{bad}");
    }
    assert!(matches!(
        "pace:gm:P-256:rc4".parse::<PaceParams>(),
        Err(PaceError::BadAccessSpec { .. })
    ));
}

#[test]
fn card_access_round_trip_and_appendix_g_pace_info() {
    for spec in [
        "pace:gm:brainpoolP256r1:aes128",
        "pace:im:modp2048-224:3des",
        "pace:gm:P-521:aes256",
    ] {
        let params: PaceParams = spec.parse().expect("spec");
        let der = card_access::build(&params);
        let infos = crate::lds::security_info::parse_security_infos(&der).expect("SecurityInfos");
        assert_eq!(card_access::select(&infos), Ok(Some(params)));
    }
    // ICAO 9303 Part 11, Appendix G.1: PACEInfo 3012060A04007F0007020204020202010202010D.
    let der = h("3114 3012060A04007F0007020204020202010202010D");
    let infos = crate::lds::security_info::parse_security_infos(&der).expect("SecurityInfos");
    let params = card_access::select(&infos)
        .expect("supported")
        .expect("PACE");
    assert_eq!(
        params,
        "pace:gm:brainpoolP256r1:aes128".parse().expect("spec")
    );
    assert_eq!(card_access::build(&params), der);
    // Appendix I.1: a CAM PACEInfo is recognised but not run.
    let cam = h("3114 3012060A04007F0007020204060202010202010D");
    let infos = crate::lds::security_info::parse_security_infos(&cam).expect("SecurityInfos");
    assert!(matches!(
        card_access::select(&infos),
        Err(PaceError::NoSupportedVariant(_))
    ));
    assert_eq!(card_access::select(&[]), Ok(None));
}

fn point_errors(group: StandardGroup, bytes: &[u8]) -> Option<InvalidKey> {
    arithmetic(group)
        .expect("group")
        .decode(bytes)
        .err()
        .map(InvalidKey::from)
}

#[test]
fn invalid_public_keys_are_rejected() {
    let bp = StandardGroup::BrainpoolP256r1;
    let mut off_curve = h(G1_PK_IC);
    off_curve[64] ^= 1;
    assert_eq!(point_errors(bp, &off_curve), Some(InvalidKey::NotOnCurve));
    assert_eq!(point_errors(bp, &[0x00]), Some(InvalidKey::Encoding));
    assert_eq!(
        point_errors(bp, &h(G1_PK_IC)[..64]),
        Some(InvalidKey::Encoding)
    );
    let mut compressed = h(G1_PK_IC)[..33].to_vec();
    compressed[0] = 0x02;
    assert_eq!(point_errors(bp, &compressed), Some(InvalidKey::Encoding));
    let mut big_x = vec![0x04];
    big_x.extend_from_slice(&[0xFF; 64]);
    assert_eq!(point_errors(bp, &big_x), Some(InvalidKey::OutOfRange));
    assert_eq!(point_errors(bp, &h(G1_PK_IC)), None);

    let dh = StandardGroup::Modp1024_160;
    let p = h(
        "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    );
    let mut p_minus_1 = p.clone();
    p_minus_1[127] -= 1;
    assert_eq!(point_errors(dh, &[0x00]), Some(InvalidKey::OutOfRange));
    assert_eq!(point_errors(dh, &[0x01]), Some(InvalidKey::OutOfRange));
    assert_eq!(point_errors(dh, &p_minus_1), Some(InvalidKey::OutOfRange));
    assert_eq!(point_errors(dh, &p), Some(InvalidKey::OutOfRange));
    assert_eq!(point_errors(dh, &[0x02]), Some(InvalidKey::NotInSubgroup));
    assert_eq!(point_errors(dh, &[]), Some(InvalidKey::Encoding));
    assert_eq!(point_errors(dh, &[1; 129]), Some(InvalidKey::Encoding));
    assert_eq!(point_errors(dh, &h(G2_PK_IC)), None);

    // Through the protocol: an off-curve chip key ends in a typed error, not access.
    let key = PaceKey::from_mrz_information(G_MRZ, CipherSuite::Aes128).expect("MRZ");
    let mut responses = g1_chip_responses();
    responses[2] = ok(do_(0x7C, &do_(0x82, &off_curve)));
    let err = run::<_, TestRng>(
        &mut Scripted::new(responses),
        &key,
        &g1_params(),
        TerminalSecrets::Fixed {
            mapping: h(G1_SK_MAP_IFD),
            agreement: h(G1_SK_IFD),
        },
    )
    .expect_err("invalid key");
    assert!(
        matches!(
            err,
            AccessError::Pace(PaceError::InvalidPublicKey {
                reason: InvalidKey::NotOnCurve,
                ..
            })
        ),
        "{err:?}"
    );
    // A reflected ephemeral key is refused.
    let mut responses = g1_chip_responses();
    responses[3] = ok(do_(0x7C, &do_(0x84, &h(G1_PK_IFD))));
    let err = run::<_, TestRng>(
        &mut Scripted::new(responses),
        &key,
        &g1_params(),
        TerminalSecrets::Fixed {
            mapping: h(G1_SK_MAP_IFD),
            agreement: h(G1_SK_IFD),
        },
    )
    .expect_err("reflected key");
    assert!(
        matches!(
            err,
            AccessError::Pace(PaceError::InvalidPublicKey {
                reason: InvalidKey::Reflected,
                ..
            })
        ),
        "{err:?}"
    );
    // A wrong T_IC is access denied.
    let mut responses = g1_chip_responses();
    responses[4] = ok(do_(0x7C, &do_(0x86, &h("3ABB9674BCE93C09"))));
    let err = run::<_, TestRng>(
        &mut Scripted::new(responses),
        &key,
        &g1_params(),
        TerminalSecrets::Fixed {
            mapping: h(G1_SK_MAP_IFD),
            agreement: h(G1_SK_IFD),
        },
    )
    .expect_err("bad token");
    assert!(matches!(
        err,
        AccessError::AccessDenied(AccessProtocol::Pace)
    ));
}

#[test]
fn chip_enforces_sequence_and_chaining() {
    let params = g1_params();
    let mut chip = PaceChip::new(params, G_MRZ, None).expect("chip");
    let mut rng = TestRng(11);
    let step1 = Command::parse(&h("10860000027C0000")).expect("apdu");
    assert_eq!(
        chip.general_authenticate(&step1, &mut rng).err(),
        Some(ChipPaceError::OutOfSequence)
    );
    chip.mse_set_at(&h("800A04007F00070202040202830101"))
        .expect("MSE");
    let unchained = Command::parse(&h("00860000027C0000")).expect("apdu");
    assert_eq!(
        chip.general_authenticate(&unchained, &mut rng).err(),
        Some(ChipPaceError::Chaining)
    );
    assert!(!chip.in_progress());
    assert_eq!(
        chip.mse_set_at(&h("800A04007F00070202040202830101 840112"))
            .err()
            .map(|e| e.status_word()),
        Some(StatusWord(0x6A88))
    );
    assert_eq!(
        chip.mse_set_at(&h("800A04007F00070202040102830101"))
            .err()
            .map(|e| e.status_word()),
        Some(StatusWord(0x6A80))
    );
    chip.mse_set_at(&h("800A04007F00070202040202830101 84010D"))
        .expect("MSE with DO'84'");
    assert!(chip.in_progress());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn malformed_chip_answers_never_panic(
        step in 0usize..5,
        garbage in proptest::collection::vec(any::<u8>(), 0..160),
        keep_sw in any::<bool>(),
    ) {
        let key = PaceKey::from_mrz_information(G_MRZ, CipherSuite::Aes128).expect("MRZ");
        let mut responses = g1_chip_responses();
        let mut bad = garbage;
        if keep_sw {
            bad.extend_from_slice(&[0x90, 0x00]);
        }
        prop_assume!(bad != responses[step]);
        responses[step] = bad;
        let result = run::<_, TestRng>(
            &mut Scripted::new(responses),
            &key,
            &g1_params(),
            TerminalSecrets::Fixed { mapping: h(G1_SK_MAP_IFD), agreement: h(G1_SK_IFD) },
        );
        // MSE:Set AT answers carry no data that matters: any 9000 answer is accepted there.
        prop_assert!(result.is_err() || (step == 0 && keep_sw));
    }

    #[test]
    fn random_public_keys_are_rejected_without_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..140),
        group in proptest::sample::select(ISSUE_GROUPS.to_vec()),
    ) {
        let arith = arithmetic(group).expect("group");
        // A random string is (overwhelmingly) not a valid key; it must fail, not panic.
        prop_assert!(arith.decode(&bytes).is_err());
        let mut point = vec![0x04];
        point.extend_from_slice(&bytes);
        let _ = arith.decode(&point);
    }

    #[test]
    fn chip_never_panics_on_garbage(
        data in proptest::collection::vec(any::<u8>(), 0..200),
        cla in proptest::sample::select(vec![0x00u8, 0x10]),
        mse in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let mut chip = PaceChip::new(g1_params(), G_MRZ, Some(CAN)).expect("chip");
        let _ = chip.mse_set_at(&mse);
        let _ = chip.mse_set_at(&h("800A04007F00070202040202830101"));
        let mut rng = TestRng(5);
        let mut cmd = Command::new(cla, 0x86, 0, 0).with_data(data.clone());
        cmd.le = Some(256);
        let _ = chip.general_authenticate(&cmd, &mut rng);
        let step1 = Command::parse(&h("10860000027C0000")).expect("apdu");
        let _ = chip.general_authenticate(&step1, &mut rng);
        let _ = chip.general_authenticate(&cmd, &mut rng);
    }

    #[test]
    fn access_spec_parser_never_panics(spec in "\\PC{0,40}") {
        let _ = spec.parse::<PaceParams>();
    }
}

/// ICAO 9303 Part 11, Appendix G.1: the ASN.1 encoding of the brainpoolP256r1 domain
/// parameters given "for convenience".
fn g1_domain_parameters() -> Vec<u8> {
    h(concat!(
        "3081EC06072A8648CE3D02013081E0020101302C06072A8648CE3D0101022100A9FB57DBA1EEA9BC3E660A909D838D72",
        "6E3BF623D52620282013481D1F6E5377304404207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44",
        "F330B5D9042026DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B60441048BD2AEB9CB7E57",
        "CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E",
        "545C1D54C72F046997022100A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7020101"
    ))
}

fn der(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    crate::tlv::encode_length(value.len(), &mut out).expect("length");
    out.extend_from_slice(value);
    out
}

#[test]
fn explicit_standard_domain_parameters_are_recognised() {
    let algid = g1_domain_parameters();
    assert_eq!(
        card_access::standard_group_of(&algid),
        Some(StandardGroup::BrainpoolP256r1)
    );
    // The same curve with a different b is not a standardized set.
    let mut other = algid.clone();
    other[110] ^= 1;
    assert_eq!(card_access::standard_group_of(&other), None);
    for proprietary_id in [Some(32u8), None] {
        let mut pace_info = der(0x06, &h("04007F00070202040202"));
        pace_info.extend_from_slice(&der(0x02, &[2]));
        let mut dp_info = der(0x06, &h("04007F000702020402"));
        dp_info.extend_from_slice(&algid);
        if let Some(id) = proprietary_id {
            pace_info.extend_from_slice(&der(0x02, &[id]));
            dp_info.extend_from_slice(&der(0x02, &[id]));
        }
        let mut set = der(0x30, &pace_info);
        set.extend_from_slice(&der(0x30, &dp_info));
        let infos = crate::lds::security_info::parse_security_infos(&der(0x31, &set))
            .expect("SecurityInfos");
        let params = card_access::select(&infos)
            .expect("supported")
            .expect("PACE");
        assert_eq!(params.group, StandardGroup::BrainpoolP256r1);
        assert_eq!(params.protocol.mapping, Mapping::Generic);
        assert!(!params.send_parameter_id);
    }
    // Explicit parameters that are no standardized set: a typed error.
    let mut pace_info = der(0x06, &h("04007F00070202040202"));
    pace_info.extend_from_slice(&der(0x02, &[2]));
    let mut dp_info = der(0x06, &h("04007F000702020402"));
    dp_info.extend_from_slice(&other);
    let mut set = der(0x30, &pace_info);
    set.extend_from_slice(&der(0x30, &dp_info));
    let infos =
        crate::lds::security_info::parse_security_infos(&der(0x31, &set)).expect("SecurityInfos");
    assert!(matches!(
        card_access::select(&infos),
        Err(PaceError::NoSupportedVariant(_))
    ));
    assert_eq!(
        card_access::offered(&infos),
        vec![Err(PaceError::ExplicitDomainParameters)]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn explicit_parameter_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = card_access::standard_group_of(&bytes);
    }

    #[test]
    fn card_access_selection_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        if let Ok(infos) = crate::lds::security_info::parse_security_infos(&bytes) {
            let _ = card_access::select(&infos);
        }
    }
}

#[test]
fn runs_over_a_dyn_transport() {
    // The reader's seam hands PACE a `&mut dyn Transport`.
    let params: PaceParams = "pace:gm:brainpoolP256r1:aes128".parse().expect("spec");
    let mut link = ChipLink {
        chip: PaceChip::new(params, G_MRZ, Some(CAN)).expect("chip"),
        rng: TestRng(21),
        channel: None,
    };
    let dyn_link: &mut dyn Transport = &mut link;
    let key = PaceKey::from_can(CAN, params.protocol.cipher).expect("CAN");
    let outcome = authenticate(dyn_link, &key, &params, &mut TestRng(22)).expect("PACE");
    assert_eq!(outcome.password, PasswordKind::Can);
    assert!(link.channel.is_some());
}
