//! Unit tests of `emulator::chip`.

use super::*;
use crate::access::bac;
use crate::apdu::Command;
use std::convert::Infallible;

/// SplitMix64: reproducible nonces for tests.
struct TestRng(u64);
impl rand_core::TryRng for TestRng {
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
impl rand_core::TryCryptoRng for TestRng {}

const FIXTURE: &str = "fixtures/dumps/td3-rsa2048";

fn chip(config: EmulatorConfig) -> EmulatedChip {
    EmulatedChip::from_dir(Path::new(FIXTURE), config)
        .unwrap()
        .with_rng(Box::new(TestRng(1)))
}

/// PACE over brainpoolP256r1 with AES-128: the chip then serves EF.CardAccess exactly as
/// the fixture holds it (and accepts BAC too).
fn pace_mode(config: EmulatorConfig) -> EmulatorConfig {
    config.with_access(AccessMode::Pace(fixture_params()))
}

fn fixture_params() -> PaceParams {
    "pace:gm:brainpoolP256r1:aes128".parse().unwrap()
}

fn keys() -> BacKeys {
    // ICAO 9303 Part 4 Appendix A specimen: L898902C3<6, 740812<2, 120415<9.
    BacKeys::from_mrz_information("L898902C3674081221204159").unwrap()
}

fn send(t: &mut EmulatorTransport, hex_apdu: &str) -> Response {
    let apdu = hex::decode(hex_apdu).unwrap();
    Response::parse(&t.transmit(&apdu).unwrap()).unwrap()
}

fn secure(t: &mut EmulatorTransport) -> SecureChannel {
    assert_eq!(send(t, "00A4040C07A0000002471001").sw, StatusWord::SUCCESS);
    bac::authenticate(t, &keys(), &mut TestRng(2)).unwrap()
}

#[test]
fn before_authentication_only_the_master_file_is_readable() {
    let mut t = chip(pace_mode(EmulatorConfig::default())).into_transport();
    // EF.CardAccess by SFI 1C in the MF.
    let r = send(&mut t, "00B09C0006");
    assert_eq!(r.sw, StatusWord::SUCCESS);
    assert_eq!(r.data[0], 0x31);
    assert_eq!(
        send(&mut t, "00A4040C07A0000002471001").sw,
        StatusWord::SUCCESS
    );
    // DG1 by SFI, EF.COM after SELECT: 6982 until BAC.
    assert_eq!(send(&mut t, "00B0810006").sw, StatusWord(0x6982));
    assert_eq!(send(&mut t, "00A4020C02011E").sw, StatusWord::SUCCESS);
    assert_eq!(send(&mut t, "00B0000006").sw, StatusWord(0x6982));
    // BAC's own status words: wrong Le, no challenge, wrong cryptogram.
    assert_eq!(send(&mut t, "0084000004").sw, StatusWord::WRONG_LENGTH);
    let auth = format!("0082000028{}28", "00".repeat(40));
    assert_eq!(send(&mut t, &auth).sw, StatusWord(0x6985));
    assert_eq!(send(&mut t, "0084000008").data.len(), 8);
    assert_eq!(send(&mut t, &auth).sw, StatusWord(0x6300));
    assert!(!t.chip().is_secured());
}

#[test]
fn secure_messaging_serves_files_and_ends_on_faults() {
    let mut t = chip(EmulatorConfig::default()).into_transport();
    let mut sm = secure(&mut t);
    assert!(t.chip().is_secured());
    let read = |t: &mut EmulatorTransport, sm: &mut SecureChannel, cmd: Command| {
        let wrapped = sm.wrap(&cmd).unwrap();
        let answer = t.exchange(&wrapped).unwrap();
        sm.unwrap(&answer)
    };
    let dg1 = std::fs::read(Path::new(FIXTURE).join("DG1.bin")).unwrap();
    let r = read(
        &mut t,
        &mut sm,
        Command::read_binary_sfi(1, 0, 256).unwrap(),
    )
    .unwrap();
    // Le 256 > file: the whole file and 6282 (end of file before Le bytes).
    assert_eq!(
        (r.data.as_slice(), r.sw),
        (dg1.as_slice(), StatusWord(0x6282))
    );
    // DG3 is absent here, DG3/DG4 would be 6982: an unknown SFI is 6A82, protected.
    let r = read(&mut t, &mut sm, Command::read_binary_sfi(3, 0, 6).unwrap()).unwrap();
    assert_eq!(r.sw, StatusWord(0x6A82));
    // A plain command ends the session: 6987, unprotected.
    assert_eq!(send(&mut t, "00B0000006").sw, StatusWord(0x6987));
    assert!(!t.chip().is_secured());

    // A tampered MAC: 6988 and the session ends.
    let mut t = chip(EmulatorConfig::default()).into_transport();
    let mut sm = secure(&mut t);
    let mut wrapped = sm
        .wrap(&Command::read_binary_sfi(1, 0, 6).unwrap())
        .unwrap();
    let last = wrapped.data.len() - 1;
    wrapped.data[last] ^= 1;
    assert_eq!(t.exchange(&wrapped).unwrap().sw, StatusWord(0x6988));
    assert!(!t.chip().is_secured());
}

#[test]
fn length_knobs() {
    // Buffer of 128: 6C80; the 6700 fault above 64; extended APDUs refused when off.
    let config = pace_mode(EmulatorConfig::default()).with_max_response_data(128);
    let mut t = chip(config).into_transport();
    assert_eq!(send(&mut t, "00B09C0000").sw, StatusWord(0x6C80));
    assert_eq!(send(&mut t, "00B09C0080").sw, StatusWord(0x6282));
    let mut t = chip(
        pace_mode(EmulatorConfig::default()).with_faults(Faults::default().wrong_length_above(64)),
    )
    .into_transport();
    assert_eq!(send(&mut t, "00B09C0041").sw, StatusWord::WRONG_LENGTH);
    assert_eq!(send(&mut t, "00B09C0040").sw, StatusWord(0x6282));
    // Extended off: the link refuses extended APDUs, and so would the chip.
    let mut short = chip(pace_mode(EmulatorConfig::short_length()));
    assert_eq!(short.capabilities(), Capabilities::SHORT);
    assert_eq!(
        short.process(&hex::decode("00B09C00000100").unwrap()),
        [0x67, 0x00]
    );
    let mut t = short.into_transport();
    assert!(matches!(
        t.transmit(&hex::decode("00B09C00000100").unwrap()),
        Err(TransportError::ExtendedLengthUnsupported)
    ));
}

#[test]
fn link_and_garbage_faults() {
    let faults = Faults::default().drop_link_after(2);
    let mut t = chip(pace_mode(EmulatorConfig::default()).with_faults(faults)).into_transport();
    send(&mut t, "00B09C0006");
    send(&mut t, "00B09C0006");
    for _ in 0..2 {
        assert!(matches!(
            t.transmit(&[0x00, 0xB0, 0x9C, 0x00, 0x06]),
            Err(TransportError::CardRemoved(_))
        ));
    }
    assert_eq!(t.exchanges(), 2);
    let mut a = chip(
        pace_mode(EmulatorConfig::default()).with_faults(Faults::default().garbage_from(2, 9)),
    );
    let mut b = chip(
        pace_mode(EmulatorConfig::default()).with_faults(Faults::default().garbage_from(2, 9)),
    );
    assert_eq!(a.process(&[0, 0xB0, 0x9C, 0, 6]).len(), 8);
    b.process(&[0, 0xB0, 0x9C, 0, 6]);
    let (x, y) = (
        a.process(&[0, 0x84, 0, 0, 8]),
        b.process(&[0, 0x84, 0, 0, 8]),
    );
    assert_eq!(x, y);
    assert_ne!(x, [0x90, 0x00]);
}

#[test]
fn bac_mode_withholds_a_pace_card_access_and_pace_mode_serves_its_own() {
    let mut t = chip(EmulatorConfig::default()).into_transport();
    assert_eq!(send(&mut t, "00B09C0006").sw, StatusWord(0x6A82));
    assert!(t.chip().file_system().get(LdsFile::CardAccess).is_none());
    // PACE over P-384, IM, 3DES: the chip's own EF.CardAccess, not the dump's.
    let params: PaceParams = "pace:im:P-384:3des".parse().unwrap();
    let mut t =
        chip(EmulatorConfig::default().with_access(AccessMode::Pace(params))).into_transport();
    let built = pace::card_access::build(&params);
    let r = send(&mut t, &format!("00B09C00{:02X}", built.len()));
    assert_eq!((r.data, r.sw), (built, StatusWord::SUCCESS));
    // An EF.CardAccess without PACE is served in BAC mode: SET { ChipAuthenticationInfo
    // id-CA-ECDH-AES-CBC-CMAC-128 (0.4.0.127.0.7.2.2.3.2.2), version 1 } (BSI TR-03110-3
    // §A.1.1.2).
    let ca_only = hex::decode("3111300F060A04007F00070202030202020101").unwrap();
    let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    fs.insert(LdsFile::CardAccess, ca_only.clone()).unwrap();
    let chip = EmulatedChip::new(fs, EmulatorConfig::default()).unwrap();
    assert_eq!(
        chip.file_system().get(LdsFile::CardAccess),
        Some(&ca_only[..])
    );
}

#[test]
fn pace_establishes_secure_messaging_and_bac_is_a_knob() {
    let params = fixture_params();
    let mut t = chip(pace_mode(EmulatorConfig::default().with_chip_can("424242"))).into_transport();
    let key = crate::crypto::keys::PaceKey::from_can("424242", params.protocol.cipher).unwrap();
    let outcome = pace::authenticate(&mut t, &key, &params, &mut TestRng(3)).unwrap();
    assert!(t.chip().is_secured());
    let mut sm = outcome.channel;
    let select = sm
        .wrap(&Command::select_application(&crate::reader::EMRTD_AID))
        .unwrap();
    let answer = sm.unwrap(&t.exchange(&select).unwrap()).unwrap();
    assert_eq!(answer.sw, StatusWord::SUCCESS);
    // A wrong CAN: the chip answers the terminal's token with 6300 and stays open.
    let mut t = chip(pace_mode(EmulatorConfig::default())).into_transport();
    let wrong = crate::crypto::keys::PaceKey::from_can("424242", params.protocol.cipher).unwrap();
    assert!(matches!(
        pace::authenticate(&mut t, &wrong, &params, &mut TestRng(3)),
        Err(AccessError::AccessDenied(
            crate::access::AccessProtocol::Pace
        ))
    ));
    assert!(!t.chip().is_secured());
    // GENERAL AUTHENTICATE without MSE:Set AT: 6985; a P1P2 other than 0000: 6A86.
    assert_eq!(send(&mut t, "10860000027C0000").sw, StatusWord(0x6985));
    assert_eq!(
        send(&mut t, "10860100027C0000").sw,
        StatusWord::INCORRECT_P1P2
    );
    // BAC on a PACE chip: on by default, 6D00 when turned off.
    let mut t = chip(pace_mode(EmulatorConfig::default())).into_transport();
    secure(&mut t);
    assert!(t.chip().is_secured());
    let mut t =
        chip(pace_mode(EmulatorConfig::default()).with_pace_accepts_bac(false)).into_transport();
    assert_eq!(send(&mut t, "0084000008").sw, StatusWord::INS_NOT_SUPPORTED);
    // A BAC chip does not know MSE:Set AT for PACE.
    let mut t = chip(EmulatorConfig::default()).into_transport();
    assert_ne!(send(&mut t, "0022C1A403830101").sw, StatusWord::SUCCESS);
    // Chip Authentication Mapping cannot be offered yet.
    let cam = PaceParams::new(
        pace::Mapping::ChipAuthentication,
        pace::StandardGroup::P256,
        crate::crypto::keys::CipherSuite::Aes128,
    )
    .unwrap();
    assert!(matches!(
        EmulatedChip::from_dir(
            Path::new(FIXTURE),
            EmulatorConfig::default().with_access(AccessMode::Pace(cam))
        ),
        Err(EmulatorError::Pace(_))
    ));
    assert!(format!("{:?}", EmulatorConfig::default()).contains("chip_can: \"<redacted>\""));
}

#[test]
fn keys_from_dg1_or_given() {
    let mut fs = FileSystem::load_dir(Path::new(FIXTURE)).unwrap();
    fs.insert(LdsFile::DataGroup(1), vec![0x61, 0x00]).unwrap();
    assert!(matches!(
        EmulatedChip::new(fs.clone(), EmulatorConfig::default()),
        Err(EmulatorError::NoMrz)
    ));
    let chip = EmulatedChip::new(fs, EmulatorConfig::default().with_bac_keys(keys())).unwrap();
    assert!(!format!("{chip:?}").contains("k_enc"));
    assert!(
        format!("{:?}", EmulatorConfig::default().with_bac_keys(keys())).contains("<redacted>")
    );
}
