//! Unit tests of `emulator::files`.

use super::*;
use crate::tlv::{Tlv, header_len_and_total};
use crate::transport::{Capabilities, InMemory, StatusWordHandling, Transport};
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// EF.COM of ICAO 9303 Part 10 §4.6.1: LDS 0106, Unicode 040000, DG1 and DG2.
const EF_COM: &str = "60145F0104303130365F36063034303030305C026175";

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "bankid-activation-emu-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dg1() -> Vec<u8> {
    // The TD3 specimen MRZ of ICAO 9303 Part 4 Appendix A inside DG1 (61 5B 5F1F 58 …).
    let mrz =
        b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let mut w = TlvWriter::new();
    w.constructed(Tag::DG1, |w| {
        w.write(Tag::MRZ_DATA, mrz)?;
        Ok(())
    })
    .unwrap();
    w.into_bytes()
}

/// A DG2 of about 40 KB, so that offsets beyond 7FFF exist.
fn dg2() -> Vec<u8> {
    let image: Vec<u8> = (0..40_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let mut w = TlvWriter::new();
    w.constructed(Tag::DG2, |w| {
        w.constructed(Tag::BIOMETRIC_GROUP, |w| {
            w.write(Tag::try_new(0x02)?, &[1])?;
            w.constructed(Tag::BIOMETRIC_TEMPLATE, |w| {
                w.write(Tag::BIOMETRIC_DATA, &image)?;
                Ok(())
            })?;
            Ok(())
        })?;
        Ok(())
    })
    .unwrap();
    w.into_bytes()
}

fn card_access() -> Vec<u8> {
    // SET { PACEInfo { id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, parameterId 13 } }.
    hex("31143012060A04007F0007020204020202010202010D")
}

fn file_system() -> FileSystem {
    let mut fs = FileSystem::new();
    fs.insert(LdsFile::Com, hex(EF_COM)).unwrap();
    fs.insert(LdsFile::DataGroup(1), dg1()).unwrap();
    fs.insert(LdsFile::DataGroup(2), dg2()).unwrap();
    fs.insert(LdsFile::DataGroup(3), hex("6303020100")).unwrap();
    fs.insert(LdsFile::CardAccess, card_access()).unwrap();
    fs.insert(LdsFile::Sod, hex("7703020100")).unwrap();
    fs
}

fn chip() -> InMemory<FileService> {
    InMemory::new(FileService::new(file_system()), Capabilities::EXTENDED)
}

fn send(t: &mut impl Transport, apdu: &str) -> Vec<u8> {
    t.transmit(&hex(apdu)).unwrap()
}

fn sw_of(r: &[u8]) -> u16 {
    u16::from_be_bytes([r[r.len() - 2], r[r.len() - 1]])
}

#[test]
fn file_identifiers() {
    // ICAO 9303 Part 10 §3.3 (Table 3–4): FIDs and SFIs.
    let table = [
        (LdsFile::CardAccess, 0x011C, 0x1C, "EF.CardAccess.bin", true),
        (LdsFile::Com, 0x011E, 0x1E, "EF.COM.bin", false),
        (LdsFile::Sod, 0x011D, 0x1D, "EF.SOD.bin", false),
        (LdsFile::DataGroup(1), 0x0101, 0x01, "DG1.bin", false),
        (LdsFile::DataGroup(2), 0x0102, 0x02, "DG2.bin", false),
        (LdsFile::DataGroup(14), 0x010E, 0x0E, "DG14.bin", false),
        (LdsFile::DataGroup(16), 0x0110, 0x10, "DG16.bin", false),
    ];
    for (file, fid, sfi, name, mf) in table {
        assert_eq!(
            (file.fid(), file.sfi(), file.file_name().as_str()),
            (fid, sfi, name)
        );
        assert_eq!(file.in_master_file(), mf);
        assert_eq!(LdsFile::from_fid(fid, mf), Some(file));
        assert_eq!(LdsFile::from_sfi(sfi, mf), Some(file));
        assert_eq!(LdsFile::from_fid(fid, !mf), None);
    }
    assert_eq!(LdsFile::all().count(), 19);
    assert!(LdsFile::all().all(LdsFile::is_valid));
    assert!(!LdsFile::DataGroup(0).is_valid() && !LdsFile::DataGroup(17).is_valid());
    assert_eq!(LdsFile::DataGroup(11).to_string(), "DG11");
}

#[test]
fn load_dump_directory() {
    let dir = TempDir::new("load");
    let fs = file_system();
    for (file, content) in fs.files() {
        std::fs::write(dir.0.join(file.file_name()), content).unwrap();
    }
    // Not a chip file: ignored by the file system.
    std::fs::write(dir.0.join("AA.key.pem"), b"-----BEGIN PRIVATE KEY-----").unwrap();
    let loaded = FileSystem::load_dir(&dir.0).unwrap();
    assert_eq!(loaded, fs);
    assert_eq!(loaded.get(LdsFile::Com), Some(&hex(EF_COM)[..]));
    assert_eq!(loaded.get(LdsFile::DataGroup(7)), None);
    let dbg = format!("{loaded:?}");
    assert!(
        dbg.contains("\"DG1\": 93") && !dbg.contains("ERIKSSON"),
        "{dbg}"
    );

    // Over the 1 MiB bound.
    std::fs::write(dir.0.join("DG5.bin"), vec![0u8; MAX_FILE_SIZE + 1]).unwrap();
    match FileSystem::load_dir(&dir.0) {
        Err(FileSystemError::TooLarge { size, max, path }) => {
            assert_eq!((size, max), (MAX_FILE_SIZE as u64 + 1, MAX_FILE_SIZE));
            assert!(path.ends_with("DG5.bin"));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Exactly 1 MiB is accepted.
    std::fs::write(dir.0.join("DG5.bin"), vec![0u8; MAX_FILE_SIZE]).unwrap();
    assert_eq!(
        FileSystem::load_dir(&dir.0)
            .unwrap()
            .get(LdsFile::DataGroup(5))
            .map(<[u8]>::len),
        Some(MAX_FILE_SIZE)
    );

    let empty = TempDir::new("empty");
    assert!(matches!(
        FileSystem::load_dir(&empty.0),
        Err(FileSystemError::NoFiles(_))
    ));
    assert!(matches!(
        FileSystem::load_dir(&empty.0.join("missing")),
        Err(FileSystemError::Io { .. })
    ));
    assert!(matches!(
        FileSystem::load_dir(&dir.0.join("EF.COM.bin")),
        Err(FileSystemError::Io { .. })
    ));
    let mut fs = FileSystem::new();
    assert!(matches!(
        fs.insert(LdsFile::DataGroup(17), vec![]),
        Err(FileSystemError::InvalidDataGroup(17))
    ));
    assert!(matches!(
        fs.insert(LdsFile::DataGroup(2), vec![0; MAX_FILE_SIZE + 1]),
        Err(FileSystemError::TooLarge { .. })
    ));
}

/// The ICAO 9303 Part 11 Appendix D.4 reading sequence, in plain: SELECT EF.COM, READ
/// BINARY of 4 bytes to learn the length, then the rest.
#[test]
fn select_and_read_ef_com() {
    let mut t = chip();
    assert_eq!(send(&mut t, "00A4040C07A0000002471001"), [0x90, 0x00]);
    assert_eq!(send(&mut t, "00A4020C02011E"), [0x90, 0x00]);
    let head = send(&mut t, "00B0000004");
    assert_eq!(head, hex("60145F01 9000"));
    let (_, total) = header_len_and_total(&head[..4]).unwrap();
    assert_eq!(total, 22);
    let rest = send(&mut t, "00B0000412");
    assert_eq!(sw_of(&rest), 0x9000);
    let mut com = head[..4].to_vec();
    com.extend_from_slice(&rest[..rest.len() - 2]);
    assert_eq!(com, hex(EF_COM));
    // Le beyond the end: the remaining bytes and 6282.
    let r = send(&mut t, "00B0001200");
    assert_eq!(r, hex("5C026175 6282"));
    // Offset at and past the end: 6B00.
    assert_eq!(send(&mut t, "00B0001601"), [0x6B, 0x00]);
    assert_eq!(send(&mut t, "00B07FFF01"), [0x6B, 0x00]);
    // P1 = 00 selects an EF too.
    assert_eq!(send(&mut t, "00A4000C020101"), [0x90, 0x00]);
    assert_eq!(t.handler().current_file(), Some(LdsFile::DataGroup(1)));
    assert_eq!(send(&mut t, "00B0000002"), hex("615B 9000"));
}

#[test]
fn read_by_short_file_identifier() {
    let mut t = chip();
    // EF.CardAccess from the master file, SFI 1C: P1 = 9C.
    let r = send(&mut t, "00B09C0000");
    assert_eq!(&r[..r.len() - 2], &card_access()[..]);
    assert_eq!(sw_of(&r), 0x6282);
    // Application files are not in the MF.
    assert_eq!(send(&mut t, "00B09E0004"), [0x6A, 0x82]);
    assert_eq!(send(&mut t, "00A4020C02011E"), [0x6A, 0x82]);
    send(&mut t, "00A4040C07A0000002471001");
    // EF.COM by SFI 1E: P1 = 9E, P2 = offset; it becomes the current EF.
    assert_eq!(send(&mut t, "00B09E0004"), hex("60145F01 9000"));
    assert_eq!(t.handler().current_file(), Some(LdsFile::Com));
    assert_eq!(send(&mut t, "00B0000403"), hex("043031 9000"));
    assert_eq!(send(&mut t, "00B09E1402"), hex("6175 9000"));
    assert_eq!(send(&mut t, "00B09E1601"), [0x6B, 0x00]);
    // CardAccess is not in the application; DG7 is not on this chip.
    assert_eq!(send(&mut t, "00B09C0001"), [0x6A, 0x82]);
    assert_eq!(send(&mut t, "00B0870001"), [0x6A, 0x82]);
    // SFI with bits 7–6 set, or SFI 0.
    assert_eq!(send(&mut t, "00B0E10001"), [0x6A, 0x86]);
    assert_eq!(send(&mut t, "00B0800001"), [0x6A, 0x86]);
    // Back to the MF.
    assert_eq!(send(&mut t, "00A4000C023F00"), [0x90, 0x00]);
    assert_eq!(send(&mut t, "00B0000001"), [0x69, 0x86]);
    assert_eq!(send(&mut t, "00A4020C02011C"), [0x90, 0x00]);
    assert_eq!(send(&mut t, "00B0000002"), hex("3114 9000"));
}

#[test]
fn odd_ins_reads_beyond_7fff() {
    let content = dg2();
    let mut t = chip();
    send(&mut t, "00A4040C07A0000002471001");
    assert_eq!(send(&mut t, "00A4020C020102"), [0x90, 0x00]);
    // Offset 8000 in DO'54', Le DF: DO'53' with 81 DC and 220 bytes fills Le exactly.
    let r = send(&mut t, "00B10000 04 54028000 DF");
    assert_eq!(r.len(), 223 + 2);
    assert_eq!(sw_of(&r), 0x9000);
    let tlv = Tlv::parse_exact(&r[..r.len() - 2]).unwrap();
    assert_eq!(tlv.tag.number(), 0x53);
    assert!(tlv.value == &content[0x8000..0x8000 + 220]);
    // Le 130: a 128-byte value needs a 3-byte header (131 > 130), so 127 bytes come back
    // in 129 bytes, and that is not the end of the file: 9000.
    let r = send(&mut t, "00B10000 03 540100 82");
    assert_eq!(r.len(), 129 + 2);
    assert_eq!(sw_of(&r), 0x9000);
    // Near the end: fewer bytes than Le, 6282.
    let near = content.len() - 10;
    let cmd = Command::read_binary_odd(near as u32, 0x40);
    let r = t.transmit(&cmd.to_bytes().unwrap()).unwrap();
    assert_eq!(r[..2], [0x53, 0x0A]);
    assert_eq!(&r[2..12], &content[near..]);
    assert_eq!(sw_of(&r), 0x6282);
    // Past the end, bad DO'54', Le too small for any byte, by SFI.
    let past = Command::read_binary_odd(content.len() as u32, 0x10);
    assert_eq!(t.transmit(&past.to_bytes().unwrap()).unwrap(), [0x6B, 0x00]);
    assert_eq!(send(&mut t, "00B10000 03 550100 10"), [0x6A, 0x80]);
    assert_eq!(send(&mut t, "00B10000 02 5401 10"), [0x6A, 0x80]);
    assert_eq!(send(&mut t, "00B10000 03 540100 02"), [0x67, 0x00]);
    assert_eq!(
        send(&mut t, "00B1001E 03 540100 06"),
        hex("5304 60145F01 9000")
    );
    assert_eq!(send(&mut t, "00B10102 03 540100 06"), [0x6A, 0x86]);
    // One extended read of the whole file (Ne = 65536): all of it, then 6282.
    assert_eq!(t.handler().current_file(), Some(LdsFile::Com));
    send(&mut t, "00A4020C020102");
    let r = send(&mut t, "00B00000 000000");
    assert!(r[..r.len() - 2] == content[..]);
    assert_eq!(sw_of(&r), 0x6282);
}

#[test]
fn status_words_for_errors() {
    let mut t = chip();
    // DG1 is not in the MF; unknown AID; wrong FID length; bad P1/P2.
    assert_eq!(send(&mut t, "00A4020C020101"), [0x6A, 0x82]);
    assert_eq!(send(&mut t, "00A4040C07A0000002471002"), [0x6A, 0x82]);
    send(&mut t, "00A4040C07A0000002471001");
    assert_eq!(send(&mut t, "00A4020C03010101"), [0x67, 0x00]);
    assert_eq!(send(&mut t, "00A4020C00"), [0x67, 0x00]);
    assert_eq!(send(&mut t, "00A4080C020101"), [0x6A, 0x86]);
    assert_eq!(send(&mut t, "00A4020D020101"), [0x6A, 0x86]);
    assert_eq!(send(&mut t, "00A40208020101"), [0x6A, 0x86]);
    // DG5 absent; a failed SELECT keeps the current EF.
    send(&mut t, "00A4020C020101");
    assert_eq!(send(&mut t, "00A4020C020105"), [0x6A, 0x82]);
    assert_eq!(t.handler().current_file(), Some(LdsFile::DataGroup(1)));
    // READ BINARY without Le, with data.
    assert_eq!(send(&mut t, "00B00000"), [0x67, 0x00]);
    assert_eq!(send(&mut t, "00B00000 01 00 04"), [0x67, 0x00]);
    // DG3 needs EAC: 6982 by FID and by SFI.
    assert_eq!(send(&mut t, "00A4020C020103"), [0x90, 0x00]);
    assert_eq!(send(&mut t, "00B0000004"), [0x69, 0x82]);
    assert_eq!(send(&mut t, "00B0830004"), [0x69, 0x82]);
    // Class and instruction checks; malformed APDU.
    assert_eq!(send(&mut t, "0CB0000004"), [0x68, 0x82]);
    assert_eq!(send(&mut t, "10B0000004"), [0x68, 0x84]);
    assert_eq!(send(&mut t, "80B0000004"), [0x6E, 0x00]);
    assert_eq!(send(&mut t, "0084000008"), [0x6D, 0x00]);
    assert_eq!(send(&mut t, "00A4020C05"), [0x67, 0x00]);
    assert_eq!(send(&mut t, "00B0"), [0x67, 0x00]);
}

#[test]
fn access_after_authentication() {
    let service = FileService::new(file_system()).require_authentication(true);
    let mut t = InMemory::new(service, Capabilities::SHORT);
    // EF.CardAccess is free (PACE needs it before authentication).
    assert_eq!(sw_of(&send(&mut t, "00B09C0004")), 0x9000);
    send(&mut t, "00A4040C07A0000002471001");
    assert_eq!(send(&mut t, "00A4020C02011E"), [0x90, 0x00]);
    assert_eq!(send(&mut t, "00B0000004"), [0x69, 0x82]);
    t.handler_mut().set_authenticated(true);
    assert_eq!(send(&mut t, "00B0000004"), hex("60145F01 9000"));
    t.handler_mut().reset();
    assert_eq!(t.handler().current_file(), None);
    assert_eq!(send(&mut t, "00B09E0004"), [0x6A, 0x82]);
    send(&mut t, "00A4040C07A0000002471001");
    assert_eq!(send(&mut t, "00B09E0004"), [0x69, 0x82]);
}

#[test]
fn select_returns_fcp_and_fci() {
    let mut t = chip();
    // FCP of the MF, then of the application (FCI with the AID).
    assert_eq!(send(&mut t, "00A4000400"), hex("6207 820138 83023F00 9000"));
    assert_eq!(
        send(&mut t, "00A4040007A000000247100100"),
        hex("6F0C 820138 8407A0000002471001 9000")
    );
    // FCP of EF.COM: size 0016, transparent EF, FID 011E.
    assert_eq!(
        send(&mut t, "00A4020402011E00"),
        hex("620B 80020016 820101 8302011E 9000")
    );
    // DG2 is 40 KB: size in two bytes still.
    let r = send(&mut t, "00A4020402010200");
    assert_eq!(r[..4], hex("620B8002")[..]);
    assert_eq!(usize::from(u16::from_be_bytes([r[4], r[5]])), dg2().len());
}

/// A reader-like loop over the link layer: every file read in pieces equals the dump.
#[test]
fn whole_dump_reads_back_in_short_pieces() {
    let fs = file_system();
    let mut link = StatusWordHandling::new(InMemory::new(
        FileService::new(fs.clone()),
        Capabilities::SHORT,
    ));
    for (file, content) in fs.files() {
        if file.in_master_file() {
            link.exchange(&Command::new(0x00, ins::SELECT, 0x00, 0x0C))
                .unwrap();
        } else {
            let r = link
                .exchange(&Command::select_application(&EMRTD_AID))
                .unwrap();
            assert!(r.is_success());
        }
        let r = link.exchange(&Command::select_ef(file.fid())).unwrap();
        assert!(r.is_success(), "{file}");
        let head = link.exchange(&Command::read_binary(0, 4).unwrap()).unwrap();
        if file == LdsFile::DataGroup(3) {
            assert_eq!(head.sw, StatusWord::SECURITY_STATUS_NOT_SATISFIED);
            continue;
        }
        let (_, total) = header_len_and_total(&head.data).unwrap();
        assert_eq!(total, content.len(), "{file}");
        let mut read = head.data.clone();
        while read.len() < total {
            let want = (total - read.len()).min(0xDF);
            let cmd = if read.len() <= 0x7FFF {
                Command::read_binary(read.len(), want).unwrap()
            } else {
                Command::read_binary_odd(read.len() as u32, want + 4)
            };
            let r = link.exchange(&cmd).unwrap();
            assert!(
                r.is_success() || r.sw == StatusWord::END_OF_FILE,
                "{file} {}",
                r.sw
            );
            let piece = if cmd.ins == ins::READ_BINARY_ODD {
                Tlv::parse_exact(&r.data).unwrap().value.to_vec()
            } else {
                r.data
            };
            assert!(!piece.is_empty());
            read.extend_from_slice(&piece);
        }
        assert!(read == content, "{file}");
    }
}

proptest! {
    #[test]
    fn arbitrary_apdus_never_panic(apdu in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut service = FileService::new(file_system());
        let r = service.process(&apdu);
        prop_assert!(r.len() >= 2);
    }

    #[test]
    fn arbitrary_file_commands_never_panic(
        seq in proptest::collection::vec(
            (prop_oneof![Just(0xA4u8), Just(0xB0), Just(0xB1)], any::<u8>(), any::<u8>(),
             proptest::collection::vec(any::<u8>(), 0..8), proptest::option::of(1usize..=65536)),
            1..12)
    ) {
        let mut service = FileService::new(file_system());
        service.handle(&Command::select_application(&EMRTD_AID));
        for (ins, p1, p2, data, le) in seq {
            let c = Command { cla: 0, ins, p1, p2, data, le };
            let r = service.handle(&c);
            if let Some(le) = c.le {
                prop_assert!(r.data.len() <= le);
            }
            if !r.sw.is_success() && r.sw != StatusWord::END_OF_FILE {
                prop_assert!(r.data.is_empty());
            }
        }
    }
}
