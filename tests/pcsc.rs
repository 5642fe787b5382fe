//! Integration tests through a real `pcscd` with vsmartcard's vpcd driver: our software chip
//! served by `emulator::vpcd` on "Virtual PCD 00 01" and the independent vsmartcard ePass
//! emulator (`shared/peers/vicc`) on "Virtual PCD 00 00", both read with `transport::pcsc`.
//!
//! Needs (Debian) `pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome
//! python3-pyscard`; `.ci/run` installs them. Outside CI (`CI` unset) the tests skip with a
//! printed reason when they are missing; in CI they fail.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bankid_activation::access::AccessProtocol;
use bankid_activation::emulator::vpcd::{self, StopHandle, VpcdCard};
use bankid_activation::emulator::{
    AccessMode, EMRTD_AID, EmulatedChip, EmulatorConfig, FileService, FileSystem, LdsFile,
};
use bankid_activation::reader::{self, ChipDump, Credentials, Progress, ReadError, ReadOptions};
use bankid_activation::transport::ApduHandler;
use bankid_activation::transport::atr::{Atr, emrtd_atr};
use bankid_activation::transport::pcsc::{
    ExtendedLengthSource, PcscContext, PcscTransport, list_readers, open,
};
use bankid_activation::transport::{StatusWordHandling, Transport, TransportError};
use bankid_activation::verify::{DgStatus, TrustStore, verify_dump};

/// Our emulator's slot (vpcd port 35964).
const OUR_READER: &str = "Virtual PCD 00 01";
const OUR_ADDR: &str = "127.0.0.1:35964";
/// The vicc ePass slot (vpcd port 35963).
const VICC_READER: &str = "Virtual PCD 00 00";

const DUMP: &str = "fixtures/dumps/td3-rsa2048";

/// The TD3 specimen of ICAO 9303 Part 4 Appendix A, the MRZ in the fixture's DG1.
const MRZ: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

/// The tests share one pcscd and its two slots: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Returns `None` (after printing why) when the test must be skipped; panics in CI.
fn require(what: &str, present: bool) -> Option<()> {
    if present {
        return Some(());
    }
    if in_ci() {
        panic!("CI: {what} is missing (.ci/run must install it)");
    }
    eprintln!("SKIPPED: {what} is missing (not in CI, so the test is skipped)");
    None
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into(), "/usr/bin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn vpcd_driver_installed() -> bool {
    Path::new("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists()
        || Path::new("/etc/reader.conf.d/vpcd").exists()
}

/// True if a process named `pcscd` runs (from /proc, no external tools needed).
fn pcscd_running() -> bool {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries.flatten().any(|e| {
                std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "pcscd")
            })
        })
        .unwrap_or(false)
}

/// pcscd, started by us if it was not running; stopped on drop (only if we started it).
struct Pcscd {
    child: Option<Child>,
}

impl Pcscd {
    fn start() -> Option<Pcscd> {
        let pcscd = find_program("pcscd");
        require("pcscd (package pcscd)", pcscd.is_some())?;
        require(
            "the vpcd driver (package vsmartcard-vpcd)",
            vpcd_driver_installed(),
        )?;
        let child = if pcscd_running() {
            None
        } else {
            let log = std::env::temp_dir().join(format!("pcscd-test-{}.log", std::process::id()));
            let log = std::fs::File::create(log).unwrap();
            let child = Command::new(pcscd.unwrap())
                .arg("--foreground")
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("pcscd starts");
            Some(child)
        };
        let guard = Pcscd { child };
        // Both vpcd slots appear once pcscd has loaded the driver.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let names: Vec<String> = PcscContext::establish()
                .and_then(|c| c.readers())
                .map(|r| r.into_iter().map(|r| r.name).collect())
                .unwrap_or_default();
            if names.iter().any(|n| n == OUR_READER) && names.iter().any(|n| n == VICC_READER) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "pcscd did not show the vpcd readers (have {names:?})"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // A card served by an earlier test may still be shown until pcscd's next presence
        // poll: start every test with both slots empty.
        wait_card_gone(OUR_READER);
        wait_card_gone(VICC_READER);
        Some(guard)
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM lets pcscd remove its socket and pid file; SIGKILL if it lingers.
            let termed = Command::new("kill")
                .arg(child.id().to_string())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            let wait = if termed { 5 } else { 0 };
            let deadline = Instant::now() + Duration::from_secs(wait);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A plain-APDU file read: SELECT by FID, the length from the TLV header, then READ BINARY in
/// pieces of `chunk` bytes (at most 0x7FFF offset, which the fixtures stay under).
fn read_file_plain(
    t: &mut impl Transport,
    fid: u16,
    chunk: usize,
) -> Result<Result<Vec<u8>, String>, TransportError> {
    let [hi, lo] = fid.to_be_bytes();
    let r = t.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo])?;
    if r != [0x90, 0x00] {
        return Ok(Err(format!("SELECT {fid:04X}: {}", hex::encode_upper(&r))));
    }
    let head = read_binary(t, 0, 6)?;
    let Some(total) = tlv_total_len(&head) else {
        return Ok(Err(format!(
            "{fid:04X}: bad TLV head {}",
            hex::encode_upper(&head)
        )));
    };
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        let want = chunk.min(total - out.len());
        let piece = read_binary(t, out.len(), want)?;
        if piece.is_empty() {
            return Ok(Err(format!("{fid:04X}: empty read at {}", out.len())));
        }
        out.extend_from_slice(&piece);
    }
    Ok(Ok(out))
}

/// READ BINARY (B0) at `offset`, short or extended Le as `le` needs; data without SW.
/// 6282 (end of file) still carries data.
fn read_binary(
    t: &mut impl Transport,
    offset: usize,
    le: usize,
) -> Result<Vec<u8>, TransportError> {
    let [p1, p2] = u16::try_from(offset).unwrap().to_be_bytes();
    let mut apdu = vec![0x00, 0xB0, p1, p2];
    if le <= 256 {
        apdu.push(le as u8);
    } else {
        apdu.extend_from_slice(&[0x00, (le >> 8) as u8, le as u8]);
    }
    let mut r = t.transmit(&apdu)?;
    let sw = r.split_off(r.len() - 2);
    assert!(
        sw == [0x90, 0x00] || sw == [0x62, 0x82],
        "READ BINARY at {offset}: SW {}",
        hex::encode_upper(&sw)
    );
    Ok(r)
}

/// Tag + length + value size of the BER-TLV at the start of `head`.
fn tlv_total_len(head: &[u8]) -> Option<usize> {
    let tag_len = if head.first()? & 0x1F == 0x1F { 2 } else { 1 };
    let first = *head.get(tag_len)?;
    let (len_len, value_len) = match first {
        0..=0x7F => (1, usize::from(first)),
        0x81 => (2, usize::from(*head.get(tag_len + 1)?)),
        0x82 => (
            3,
            usize::from(u16::from_be_bytes([
                *head.get(tag_len + 1)?,
                *head.get(tag_len + 2)?,
            ])),
        ),
        _ => return None,
    };
    Some(tag_len + len_len + value_len)
}

fn select_application(t: &mut impl Transport) -> Result<(), TransportError> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, EMRTD_AID.len() as u8];
    apdu.extend_from_slice(&EMRTD_AID);
    let r = t.transmit(&apdu)?;
    assert_eq!(r, [0x90, 0x00], "SELECT eMRTD application");
    Ok(())
}

fn fixture_files() -> FileSystem {
    FileSystem::load_dir(&manifest_dir().join(DUMP)).expect("fixture dump loads")
}

/// Connects to `reader` through a fresh context, waiting for the card.
fn connect(reader: &str) -> PcscTransport {
    let ctx = PcscContext::establish().expect("PC/SC context");
    let name = ctx.resolve_reader(reader).expect("reader resolves");
    assert_eq!(name, reader);
    ctx.wait_for_card(&name, Duration::from_secs(10))
        .expect("card appears");
    ctx.connect(&name).expect("connect")
}

/// Reads DG1 with pyscard (another PC/SC client, as `opensc-tool` or `pcsc_scan` would be):
/// SELECT the application, SELECT DG1, READ BINARY 93 bytes. `None` (skipped) outside CI
/// without python3-pyscard.
fn pyscard_read_dg1(reader: &str) -> Option<Vec<u8>> {
    let script = format!(
        "from smartcard.System import readers\n\
         r = [x for x in readers() if str(x) == {reader:?}][0]\n\
         c = r.createConnection(); c.connect()\n\
         aid = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01]\n\
         assert c.transmit([0, 0xA4, 4, 0x0C, 7] + aid)[1:] == (0x90, 0)\n\
         assert c.transmit([0, 0xA4, 2, 0x0C, 2, 1, 1])[1:] == (0x90, 0)\n\
         d, s1, s2 = c.transmit([0, 0xB0, 0, 0, 93])\n\
         assert (s1, s2) == (0x90, 0)\n\
         print(bytes(d).hex())\n\
         c.disconnect()\n"
    );
    let present = Path::new("/usr/lib/python3/dist-packages/smartcard").exists();
    require("python3-pyscard", present)?;
    let out = Command::new("/usr/bin/python3")
        .args(["-c", &script])
        .stderr(Stdio::piped())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pyscard: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(hex::decode(String::from_utf8_lossy(&out.stdout).trim()).expect("hex from pyscard"))
}

/// Waits until `reader` reports no card.
fn wait_card_gone(reader: &str) {
    let ctx = PcscContext::establish().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while ctx.reader_state(reader).unwrap().card_present {
        assert!(Instant::now() < deadline, "{reader}: card still present");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Serves `service` on our slot, resetting it on every power event.
fn serve_ours(service: FileService, atr: Vec<u8>) -> vpcd::VpcdServer<FileService> {
    let card = VpcdCard::new(service)
        .with_atr(atr)
        .on_reset(|chip: &mut FileService| chip.reset());
    let server = vpcd::spawn(OUR_ADDR, card).expect("vpcd card starts");
    assert!(
        server.wait_connected(Duration::from_secs(10)),
        "our card connected to vpcd"
    );
    server
}

#[test]
fn our_emulator_through_pcscd() {
    let _serial = serial();
    let Some(_pcscd) = Pcscd::start() else { return };
    let fs = fixture_files();
    let server = serve_ours(FileService::new(fs.clone()), emrtd_atr(true));

    // `readers` as the CLI shows it: our slot holds a card with our ATR.
    let ctx = PcscContext::establish().unwrap();
    ctx.wait_for_card(OUR_READER, Duration::from_secs(10))
        .unwrap();
    let readers = list_readers().unwrap();
    let ours = readers.iter().find(|r| r.name == OUR_READER).unwrap();
    assert!(ours.card_present);
    assert_eq!(ours.atr.as_deref(), Some(&emrtd_atr(true)[..]));
    // A partial, case-insensitive name resolves when it is unambiguous.
    assert_eq!(ctx.resolve_reader("pcd 00 01").unwrap(), OUR_READER);
    assert!(matches!(
        ctx.resolve_reader("Virtual PCD"),
        Err(TransportError::NoReader(m)) if m.contains("several")
    ));
    assert!(matches!(
        ctx.resolve_reader("No Such Reader"),
        Err(TransportError::NoReader(_))
    ));

    // An independent PC/SC client (pyscard) sees a card too: it reads DG1 in plain.
    if let Some(dg1) = pyscard_read_dg1(OUR_READER) {
        assert_eq!(
            Some(&dg1[..]),
            fs.get(LdsFile::DataGroup(1)),
            "DG1 via pyscard"
        );
    }

    let pcsc = connect(OUR_READER);
    assert_eq!(pcsc.atr(), emrtd_atr(true));
    assert_eq!(pcsc.protocol_name(), "T=1");
    // Debian's vpcd does not answer the Part 10 properties, newer ones report 64 KiB: either
    // way our ATR's card capabilities allow extended length and nothing contradicts them.
    assert!(pcsc.capabilities().extended_length, "{pcsc:?}");
    assert!(matches!(
        pcsc.extended_length_source(),
        ExtendedLengthSource::Atr | ExtendedLengthSource::Reader { .. }
    ));
    let mut link = StatusWordHandling::new(pcsc);

    select_application(&mut link).unwrap();
    for (file, expected) in fs.files() {
        if file.in_master_file() {
            continue;
        }
        // Short reads of 0xDF bytes (what fits in an SM response), and one extended read.
        let short = read_file_plain(&mut link, file.fid(), 0xDF)
            .unwrap()
            .unwrap();
        assert_eq!(short, expected, "{file} (short reads)");
        let ext = read_file_plain(&mut link, file.fid(), 0x8000)
            .unwrap()
            .unwrap();
        assert_eq!(ext, expected, "{file} (extended reads)");
    }
    // EF.CardAccess lives in the master file.
    let r = link
        .transmit(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00])
        .unwrap();
    assert_eq!(r, [0x90, 0x00]);
    let ca = read_file_plain(&mut link, LdsFile::CardAccess.fid(), 0xDF)
        .unwrap()
        .unwrap();
    assert_eq!(Some(&ca[..]), fs.get(LdsFile::CardAccess));
    assert!(server.stop_handle().apdus() > 100);

    // Pulling the card: the next command fails with a typed error, and the reader shows empty.
    let stop = server.stop_handle();
    drop(server);
    assert!(stop.is_stopped());
    wait_card_gone(OUR_READER);
    match link.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x04]) {
        Err(TransportError::CardRemoved(_) | TransportError::NoCard(_)) => {}
        other => panic!("expected card removed, got {other:?}"),
    }
    drop(link);
    // An empty reader: waiting runs out as NoCard, connecting is NoCard, an unknown reader
    // name is NoReader.
    let t0 = Instant::now();
    assert!(matches!(
        ctx.wait_for_card(OUR_READER, Duration::from_millis(600)),
        Err(TransportError::NoCard(r)) if r == OUR_READER
    ));
    assert!(t0.elapsed() >= Duration::from_millis(500));
    assert!(matches!(
        ctx.connect(OUR_READER),
        Err(TransportError::NoCard(_))
    ));
    assert!(matches!(
        ctx.wait_for_card("Virtual PCD 09 09", Duration::from_millis(100)),
        Err(TransportError::NoReader(_))
    ));
    assert!(matches!(
        open("No Such Reader", Duration::from_millis(100)),
        Err(TransportError::NoReader(_))
    ));
}

#[test]
fn our_emulator_short_atr_is_short_link() {
    let _serial = serial();
    let Some(_pcscd) = Pcscd::start() else { return };
    let fs = fixture_files();
    let server = serve_ours(FileService::new(fs.clone()), emrtd_atr(false));
    let mut pcsc = connect(OUR_READER);
    assert!(!pcsc.capabilities().extended_length);
    assert_eq!(pcsc.extended_length_source(), ExtendedLengthSource::Atr);
    // An extended command is refused before it reaches the reader.
    assert!(matches!(
        pcsc.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00]),
        Err(TransportError::ExtendedLengthUnsupported)
    ));
    // Forcing it (a caller that knows better) lets it through.
    pcsc.set_extended_length(true);
    let mut link = StatusWordHandling::new(pcsc);
    select_application(&mut link).unwrap();
    let dg2 = read_file_plain(&mut link, 0x0102, 0x8000).unwrap().unwrap();
    assert_eq!(Some(&dg2[..]), fs.get(LdsFile::DataGroup(2)));

    // Another application resets the card (its shared connection closes with "reset card"):
    // ours gets the typed Reset once, reconnects, and finds the chip back at its reset state
    // (the vpcd card's on_reset hook ran: application no longer selected).
    let other = open(OUR_READER, Duration::from_secs(5)).unwrap();
    other.into_inner().close().unwrap();
    assert!(matches!(
        link.transmit(&read_binary_apdu(0, 4)),
        Err(TransportError::Reset)
    ));
    link.inner_mut().reconnect().unwrap();
    assert_eq!(
        link.transmit(&read_binary_apdu(0, 4)).unwrap(),
        [0x69, 0x86]
    );
    select_application(&mut link).unwrap();
    let dg1 = read_file_plain(&mut link, 0x0101, 0xDF).unwrap().unwrap();
    assert_eq!(Some(&dg1[..]), fs.get(LdsFile::DataGroup(1)));
    link.into_inner().close().unwrap();
    drop(server);
}

#[test]
fn card_removed_mid_read_is_a_clean_error() {
    let _serial = serial();
    let Some(_pcscd) = Pcscd::start() else { return };
    let fs = fixture_files();
    // The chip leaves the field while answering its 20th command (a READ BINARY of DG2).
    let slot: Arc<Mutex<Option<StopHandle>>> = Arc::default();
    let pull = slot.clone();
    let mut service = FileService::new(fs);
    let mut seen = 0u32;
    let handler = move |apdu: &[u8]| {
        seen += 1;
        if let (20, Some(stop)) = (seen, pull.lock().unwrap().as_ref()) {
            stop.stop();
        }
        service.process(apdu)
    };
    let server = vpcd::spawn(OUR_ADDR, VpcdCard::new(handler)).unwrap();
    *slot.lock().unwrap() = Some(server.stop_handle());
    assert!(server.wait_connected(Duration::from_secs(10)));
    let mut link = StatusWordHandling::new(connect(OUR_READER));
    select_application(&mut link).unwrap();
    let started = Instant::now();
    let err = read_file_plain(&mut link, 0x0102, 0x40).expect_err("the read must fail");
    assert!(
        matches!(err, TransportError::CardRemoved(_)),
        "expected CardRemoved, got {err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // Later commands fail the same clean way, and dropping the link does not panic.
    assert!(link.transmit(&[0x00, 0xB0, 0x00, 0x00, 0x04]).is_err());
    drop(link);
    drop(server);
}

/// The vsmartcard ePass emulator, started with start.sh; stop.sh on drop.
struct Vicc {
    dir: PathBuf,
    state: PathBuf,
}

impl Vicc {
    fn locate() -> Option<PathBuf> {
        let beside = manifest_dir().join("../shared/peers/vicc");
        [beside, PathBuf::from("/work/shared/peers/vicc")]
            .into_iter()
            .find(|d| d.join("start.sh").is_file())
    }

    fn start(files: &[(&str, &str)]) -> Option<Vicc> {
        let dir = Self::locate();
        require(
            "shared/peers/vicc (the vsmartcard ePass peer)",
            dir.is_some(),
        )?;
        let dir = dir.unwrap();
        let python_ok = Command::new("/usr/bin/python3")
            .args(["-c", "import smartcard, Cryptodome"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        require("python3-pyscard and python3-pycryptodome", python_ok)?;
        require(
            "python3-virtualsmartcard",
            Path::new("/usr/lib/python3/site-packages/virtualsmartcard").exists(),
        )?;
        let state = std::env::temp_dir().join(format!("vicc-test-{}", std::process::id()));
        let dump = manifest_dir().join(DUMP);
        let mut cmd = Command::new("sh");
        cmd.arg(dir.join("start.sh")).arg(&state);
        for (opt, file) in files {
            if let Some(fid) = opt.strip_prefix("ef:") {
                cmd.arg("--ef")
                    .arg(format!("{fid}={}", dump.join(file).display()));
            } else {
                cmd.arg(opt).arg(dump.join(file));
            }
        }
        let guard = Vicc { dir, state };
        let status = cmd.stdout(Stdio::null()).status().expect("start.sh runs");
        assert!(status.success(), "start.sh failed");
        Some(guard)
    }

    fn stop(&self) {
        let _ = Command::new("sh")
            .arg(self.dir.join("stop.sh"))
            .arg(&self.state)
            .status();
    }
}

impl Drop for Vicc {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

/// What the vicc ePass holds: the fixture's application files (EF.CardAccess lives in the
/// master file, which vicc_epass.py does not populate).
const VICC_FILES: &[(&str, &str)] = &[
    ("--com", "EF.COM.bin"),
    ("--dg1", "DG1.bin"),
    ("--dg2", "DG2.bin"),
    ("--sod", "EF.SOD.bin"),
    ("ef:0107", "DG7.bin"),
    ("ef:010B", "DG11.bin"),
    ("ef:010C", "DG12.bin"),
    ("ef:010E", "DG14.bin"),
    ("ef:010F", "DG15.bin"),
];

#[test]
fn vicc_epass_through_pcscd() {
    let _serial = serial();
    let Some(_pcscd) = Pcscd::start() else { return };
    let Some(vicc) = Vicc::start(VICC_FILES) else {
        return;
    };
    let fs = fixture_files();

    let pcsc = connect(VICC_READER);
    // vicc's ATR (Iso7816OS.makeATR): T=1, card capabilities without extended Lc/Le.
    let atr = Atr::parse(pcsc.atr()).expect("vicc ATR parses");
    assert!(atr.offers_protocol(1));
    assert_eq!(atr.extended_length(), Some(false));
    assert!(!pcsc.capabilities().extended_length);
    assert_eq!(pcsc.extended_length_source(), ExtendedLengthSource::Atr);
    let mut link = StatusWordHandling::new(pcsc);

    // vicc has no access control on plain APDUs: every file reads without BAC.
    select_application(&mut link).unwrap();
    let out = tempdir("vicc-dump");
    for (_, name) in VICC_FILES {
        let file = LdsFile::all().find(|f| f.file_name() == *name).unwrap();
        let got = read_file_plain(&mut link, file.fid(), 0xDF)
            .unwrap()
            .unwrap();
        assert_eq!(Some(&got[..]), fs.get(file), "{name} from vicc");
        std::fs::write(out.join(name), &got).unwrap();
    }
    // The dump read back verifies against the fixture CSCAs.
    let trust = TrustStore::load(&[manifest_dir().join("fixtures/pki/csca")]).unwrap();
    let report = verify_dump(&out, &trust);
    assert!(report.valid, "{report:#?}");
    assert!(report.data_groups.values().all(|s| *s == DgStatus::Valid));
    assert_eq!(report.data_groups.len(), 7);

    // BAC and 3DES secure messaging with the reader module, as `read --reader` does. vicc's
    // protected responses carry no DO'99' and vicc has no EF.CardAccess (BAC directly).
    drop(link);
    let (dump, _) = bac_read(VICC_READER, &specimen());
    let dump = dump.expect("BAC read of vicc");
    assert_eq!(dump.access_used(), AccessProtocol::Bac);
    let expected: Vec<(LdsFile, Vec<u8>)> = {
        let mut v: Vec<(LdsFile, Vec<u8>)> = VICC_FILES
            .iter()
            .map(|(_, name)| {
                let f = LdsFile::all().find(|f| f.file_name() == *name).unwrap();
                (f, fs.get(f).unwrap().to_vec())
            })
            .collect();
        v.sort_by_key(|(f, _)| *f);
        v
    };
    assert_dump_matches_and_verifies(&dump, &expected, "vicc-bac");
    // A wrong MRZ: vicc answers EXTERNAL AUTHENTICATE with 6988 (its README), not the 6300
    // of ICAO 9303 Part 11; access::bac reads that as access denied too.
    let wrong = Credentials::from_document("L898902C4", "740812", "120415").unwrap();
    let (refused, _) = bac_read(VICC_READER, &wrong);
    assert!(
        matches!(&refused, Err(ReadError::AccessDenied(AccessProtocol::Bac))),
        "{refused:?}"
    );

    // Killing vicc mid-read (between two READ BINARY of DG2) is a clean error.
    let mut link = StatusWordHandling::new(connect(VICC_READER));
    select_application(&mut link).unwrap();
    let r = link
        .transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x02])
        .unwrap();
    assert_eq!(r, [0x90, 0x00]);
    read_binary(&mut link, 0, 0x40).unwrap();
    vicc.stop();
    let started = Instant::now();
    let mut offset = 0x40;
    let err = loop {
        match link.transmit(&read_binary_apdu(offset, 0x40)) {
            Ok(_) => offset += 0x40,
            Err(e) => break e,
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "vicc still answers"
        );
    };
    assert!(
        matches!(err, TransportError::CardRemoved(_)),
        "expected CardRemoved, got {err:?}"
    );
    drop(link);
    let _ = std::fs::remove_dir_all(&out);
}

fn read_binary_apdu(offset: usize, le: u8) -> Vec<u8> {
    let [p1, p2] = u16::try_from(offset).unwrap().to_be_bytes();
    vec![0x00, 0xB0, p1, p2, le]
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A full read (EF.CardAccess if any, BAC, EF.COM, every data group, EF.SOD) through pcscd
/// with the reader module, as `read --reader` does; the progress callback's last report per
/// file is kept.
fn bac_read(
    reader_name: &str,
    credentials: &Credentials,
) -> (Result<ChipDump, ReadError>, Vec<Progress>) {
    let link = open(reader_name, Duration::from_secs(10)).expect("open reader");
    let mut last: Vec<Progress> = Vec::new();
    let result =
        reader::read_document(
            link,
            credentials,
            &ReadOptions::default(),
            &mut |p| match last.last_mut() {
                Some(l) if l.file == p.file => *l = *p,
                _ => last.push(*p),
            },
        );
    (result, last)
}

fn specimen() -> Credentials {
    Credentials::from_mrz_lines(&MRZ).expect("specimen MRZ")
}

/// The dump equals `expected` file for file, and its directory verifies with the fixture CSCAs.
fn assert_dump_matches_and_verifies(dump: &ChipDump, expected: &[(LdsFile, Vec<u8>)], tag: &str) {
    let got: Vec<(LdsFile, Vec<u8>)> = dump.all_files().map(|(f, b)| (f, b.to_vec())).collect();
    let names = |v: &[(LdsFile, Vec<u8>)]| v.iter().map(|(f, _)| f.to_string()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(expected), "{tag}: files read");
    for ((f, g), (_, e)) in got.iter().zip(expected) {
        assert!(g == e, "{tag}: {f} differs from the fixture");
    }
    let out = tempdir(tag);
    dump.write_dir(&out).unwrap();
    let trust = TrustStore::load(&[manifest_dir().join("fixtures/pki/csca")]).unwrap();
    let report = verify_dump(&out, &trust);
    assert!(report.valid, "{tag}: {report:#?}");
    assert!(report.data_groups.values().all(|s| *s == DgStatus::Valid));
    let _ = std::fs::remove_dir_all(&out);
}

fn fixture_chip_files() -> Vec<(LdsFile, Vec<u8>)> {
    let fs = fixture_files();
    let mut files: Vec<(LdsFile, Vec<u8>)> = fs.files().map(|(f, b)| (f, b.to_vec())).collect();
    files.sort_by_key(|(f, _)| *f);
    files
}

#[test]
fn bac_read_of_our_emulator_through_pcscd() {
    let _serial = serial();
    let Some(_pcscd) = Pcscd::start() else { return };
    let fs = fixture_files();
    let mut all_files = fixture_chip_files();
    all_files.sort_by_key(|(f, _)| *f);
    // A BAC-only chip withholds the dump's PACE-offering EF.CardAccess; a PACE chip serves one
    // it builds for its parameters, which for these equals the fixture's.
    let without_card_access: Vec<(LdsFile, Vec<u8>)> = all_files
        .iter()
        .filter(|(f, _)| *f != LdsFile::CardAccess)
        .cloned()
        .collect();
    let pace: bankid_activation::access::pace::PaceParams =
        "pace:gm:brainpoolP256r1:aes128".parse().unwrap();
    for (extended, config, tag, protocol) in [
        (
            true,
            EmulatorConfig::default(),
            "ours-extended",
            AccessProtocol::Bac,
        ),
        (
            false,
            EmulatorConfig::short_length(),
            "ours-short",
            AccessProtocol::Bac,
        ),
        (
            true,
            EmulatorConfig::default().with_access(AccessMode::Pace(pace)),
            "ours-pace",
            AccessProtocol::Pace,
        ),
    ] {
        let expected = if protocol == AccessProtocol::Pace {
            &all_files
        } else {
            &without_card_access
        };
        // What `emulate --vpcd` serves: a fresh chip on every power event.
        let card = VpcdCard::emulated_chip(fs.clone(), config).unwrap();
        assert_eq!(card.atr(), emrtd_atr(extended));
        let server = vpcd::spawn(OUR_ADDR, card).unwrap();
        assert!(server.wait_connected(Duration::from_secs(10)));
        let (dump, progress) = bac_read(OUR_READER, &specimen());
        let dump = dump.unwrap_or_else(|e| panic!("{tag}: {e}"));
        assert_eq!(dump.access_used(), protocol, "{tag}");
        assert_dump_matches_and_verifies(&dump, expected, tag);
        // Progress ends at the full size of every file read from the application.
        let dg2 = progress
            .iter()
            .find(|p| p.file == LdsFile::DataGroup(2))
            .expect("DG2 progress");
        assert_eq!(dg2.read, dg2.total);
        assert_eq!(Some(dg2.total), fs_len(expected, LdsFile::DataGroup(2)));
        // Extended length through pcscd takes far fewer APDUs for DG2's 19 KB.
        if extended {
            assert!(dump.apdu_count() < 60, "{tag}: {} APDUs", dump.apdu_count());
        } else {
            assert!(dump.apdu_count() > 90, "{tag}: {} APDUs", dump.apdu_count());
        }

        // A wrong MRZ (another document number) is refused as such, by the protocol in use.
        let wrong = Credentials::from_document("L898902C4", "740812", "120415").unwrap();
        let (refused, _) = bac_read(OUR_READER, &wrong);
        assert!(
            matches!(&refused, Err(ReadError::AccessDenied(p)) if *p == protocol),
            "{tag}: {refused:?}"
        );
        drop(server);
        wait_card_gone(OUR_READER);
    }
}

fn fs_len(files: &[(LdsFile, Vec<u8>)], file: LdsFile) -> Option<usize> {
    files.iter().find(|(f, _)| *f == file).map(|(_, b)| b.len())
}

#[test]
fn card_removed_mid_bac_read_is_a_clean_error() {
    let _serial = serial();
    let Some(_pcscd) = Pcscd::start() else { return };
    let mut chip = EmulatedChip::new(fixture_files(), EmulatorConfig::short_length()).unwrap();
    // BAC takes a handful of APDUs; the 40th is a protected READ BINARY of DG2.
    let slot: Arc<Mutex<Option<StopHandle>>> = Arc::default();
    let pull = slot.clone();
    let mut seen = 0u32;
    let handler = move |apdu: &[u8]| {
        seen += 1;
        if let (40, Some(stop)) = (seen, pull.lock().unwrap().as_ref()) {
            stop.stop();
        }
        chip.process(apdu)
    };
    let server = vpcd::spawn(OUR_ADDR, VpcdCard::new(handler)).unwrap();
    *slot.lock().unwrap() = Some(server.stop_handle());
    assert!(server.wait_connected(Duration::from_secs(10)));
    let (result, _) = bac_read(OUR_READER, &specimen());
    let err = result.expect_err("the read must fail");
    assert!(err.is_link_lost(), "{err:?}");
    assert!(
        matches!(
            err,
            ReadError::Transport {
                source: TransportError::CardRemoved(_),
                ..
            }
        ),
        "{err:?}"
    );
    drop(server);
}

/// Runs the CLI binary; returns its exit code and its JSON lines.
fn cli(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bankid-activation"))
        .current_dir(manifest_dir())
        .args(args)
        .output()
        .expect("the CLI runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A child process killed on drop.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every file the CLI wrote to `out` equals the fixture file of the same name.
fn assert_written_like_fixture(out: &Path, names: &[&str], tag: &str) {
    for name in names {
        let fixture = std::fs::read(manifest_dir().join(DUMP).join(name)).unwrap();
        let read = std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{tag}: {name}: {e}"));
        assert!(read == fixture, "{tag}: {name} differs from the fixture");
    }
}

#[test]
fn cli_read_reader_of_vicc_and_of_our_emulate_vpcd() {
    let _serial = serial();
    let Some(_pcscd) = Pcscd::start() else { return };

    // The independent vsmartcard ePass, loaded with the fixture files, read by the CLI.
    let Some(vicc) = Vicc::start(VICC_FILES) else {
        return;
    };
    let out = tempdir("cli-vicc");
    let out_s = out.to_string_lossy().into_owned();
    let (code, json, stderr) = cli(&[
        "read",
        "--reader",
        VICC_READER,
        "--mrz",
        MRZ[0],
        MRZ[1],
        "--out",
        &out_s,
        "--csca",
        "fixtures/pki/csca",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr} {json:?}");
    assert_eq!(json[0]["access"], "BAC");
    assert_eq!(json[0]["valid"], true, "{:?}", json[0]);
    assert_eq!(json[0]["dg1_mrz"], serde_json::json!(MRZ));
    let names: Vec<&str> = VICC_FILES.iter().map(|(_, f)| *f).collect();
    assert_written_like_fixture(&out, &names, "vicc");
    // And the written dump verifies on its own.
    let (code, json, _) = cli(&["verify", &out_s, "--csca", "fixtures/pki/csca", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(json[0]["valid"], true);
    drop(vicc);
    let _ = std::fs::remove_dir_all(&out);

    // Our software chip served to pcscd by `emulate --vpcd`, read by the same command, once
    // offering BAC only and once offering PACE.
    for (access, protocol) in [("bac", "BAC"), ("pace:gm:brainpoolP256r1:aes128", "PACE")] {
        let emulate = Command::new(env!("CARGO_BIN_EXE_bankid-activation"))
            .current_dir(manifest_dir())
            .args(["emulate", DUMP, "--access", access, "--vpcd", OUR_ADDR])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("emulate starts");
        let emulate = KillOnDrop(emulate);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (_, readers, _) = cli(&["readers", "--json"]);
            if readers
                .iter()
                .any(|r| r["name"] == OUR_READER && r["card_present"] == true)
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "emulate's card never appeared: {readers:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let out = tempdir("cli-ours");
        let out_s = out.to_string_lossy().into_owned();
        let (code, json, stderr) = cli(&[
            "read",
            "--reader",
            OUR_READER,
            "--mrz",
            MRZ[0],
            MRZ[1],
            "--out",
            &out_s,
            "--csca",
            "fixtures/pki/csca",
            "--json",
        ]);
        assert_eq!(code, 0, "{access}: {stderr} {json:?}");
        assert_eq!(json[0]["access"], protocol);
        assert_eq!(json[0]["valid"], true, "{access}");
        let mut names = names.clone();
        if protocol == "PACE" {
            // The PACE chip serves its own EF.CardAccess, equal to the fixture's for these
            // parameters; a BAC-only chip serves none.
            names.push("EF.CardAccess.bin");
            assert_eq!(json[0]["pace"]["mapping"], "GM");
        }
        assert_written_like_fixture(&out, &names, access);
        // A wrong MRZ through the same path is access denied, not a crash.
        let (code, json, _) = cli(&[
            "read",
            "--reader",
            OUR_READER,
            "--document-number",
            "L898902C3",
            "--birth-date",
            "740813",
            "--expiry-date",
            "120415",
            "--json",
        ]);
        assert_ne!(code, 0);
        assert_eq!(json[0]["error"], format!("access denied ({protocol})"));
        let _ = std::fs::remove_dir_all(&out);
        // Pull the card and let pcscd notice, so the next read does not see this card's ATR.
        drop(emulate);
        wait_card_gone(OUR_READER);
    }
}
