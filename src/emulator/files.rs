//! The software chip's file system: a dump directory mapped to eMRTD file identifiers, and
//! SELECT / READ BINARY served with ISO/IEC 7816-4 status words (ICAO 9303 Part 10 §3).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::apdu::{Command, Response, StatusWord, ins};
pub use crate::reader::{EMRTD_AID, LdsFile};
use crate::tlv::{Tag, TlvWriter};
use crate::transport::ApduHandler;

/// The largest file accepted from a dump (1 MiB): real LDS files stay well below (a DG2 with
/// a face image is typically 15–100 KB).
pub const MAX_FILE_SIZE: usize = 1 << 20;

/// File identifier of the master file.
const MF_FID: u16 = 0x3F00;

/// Errors loading a dump into the file system.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FileSystemError {
    /// A file above [`MAX_FILE_SIZE`].
    #[error("{path}: {size} bytes exceeds the {max}-byte limit for a chip file")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (at least; reading stops just past the limit).
        size: u64,
        /// The limit.
        max: usize,
    },
    /// A file or the directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The directory holds none of the dump file names.
    #[error("{0}: no chip files (EF.COM.bin, EF.SOD.bin, DG1.bin, …) found")]
    NoFiles(PathBuf),
    /// A data group number outside 1..=16.
    #[error("DG{0} does not exist (data groups are 1 to 16)")]
    InvalidDataGroup(u8),
}

/// The files of one chip, each exactly as a reader gets it (outer tag included).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileSystem {
    files: BTreeMap<LdsFile, Vec<u8>>,
}

impl std::fmt::Debug for FileSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // File contents are personal data: list names and sizes only.
        f.debug_map()
            .entries(self.files.iter().map(|(k, v)| (k.to_string(), v.len())))
            .finish()
    }
}

impl FileSystem {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, file: LdsFile, content: Vec<u8>) -> Result<(), FileSystemError> {
        if let LdsFile::DataGroup(n) = file
            && !file.is_valid()
        {
            return Err(FileSystemError::InvalidDataGroup(n));
        }
        if content.len() > MAX_FILE_SIZE {
            return Err(FileSystemError::TooLarge {
                path: PathBuf::from(file.file_name()),
                size: content.len() as u64,
                max: MAX_FILE_SIZE,
            });
        }
        self.files.insert(file, content);
        Ok(())
    }

    /// Removes a file; its content, if it was present.
    pub fn remove(&mut self, file: LdsFile) -> Option<Vec<u8>> {
        self.files.remove(&file)
    }

    /// A file's content, if present.
    pub fn get(&self, file: LdsFile) -> Option<&[u8]> {
        self.files.get(&file).map(Vec::as_slice)
    }

    /// The files present, in [`LdsFile`] order.
    pub fn files(&self) -> impl Iterator<Item = (LdsFile, &[u8])> {
        self.files.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// Loads a dump directory (DESIGN.md: `EF.COM.bin`, `EF.SOD.bin`, `EF.CardAccess.bin`,
    /// `DG1.bin` … `DG16.bin`, only those present). Other files (e.g. `AA.key.pem`) are left
    /// for other parts of the emulator. Every file is bounded by [`MAX_FILE_SIZE`] before
    /// and while reading.
    pub fn load_dir(dir: &Path) -> Result<Self, FileSystemError> {
        let meta = std::fs::metadata(dir).map_err(|source| FileSystemError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(FileSystemError::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        let mut fs = FileSystem::new();
        for file in LdsFile::all() {
            let path = dir.join(file.file_name());
            if let Some(content) = read_bounded(&path)? {
                fs.insert(file, content)?;
            }
        }
        if fs.files.is_empty() {
            return Err(FileSystemError::NoFiles(dir.to_path_buf()));
        }
        Ok(fs)
    }
}

/// Reads `path` if it exists, refusing more than [`MAX_FILE_SIZE`] bytes.
fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, FileSystemError> {
    let io = |source| FileSystemError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let too_large = |size| FileSystemError::TooLarge {
        path: path.to_path_buf(),
        size,
        max: MAX_FILE_SIZE,
    };
    let announced = file.metadata().map_err(io)?.len();
    if announced > MAX_FILE_SIZE as u64 {
        return Err(too_large(announced));
    }
    // The size can change between stat and read: read at most one byte past the limit.
    let mut content = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    file.take(MAX_FILE_SIZE as u64 + 1)
        .read_to_end(&mut content)
        .map_err(io)?;
    if content.len() > MAX_FILE_SIZE {
        return Err(too_large(content.len() as u64));
    }
    Ok(Some(content))
}

/// Which dedicated file is selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Df {
    Master,
    Application,
}

/// The chip's SELECT / READ BINARY service over a [`FileSystem`], for plain APDUs.
///
/// After reset the master file is selected (EF.CardAccess readable, by FID or SFI 1C); SELECT
/// of the eMRTD AID (`00 A4 04 0C 07 A0000002471001`) enters the application, whose EFs are
/// then selectable by FID (P1 `02` or `00`) or readable by SFI. Status words follow
/// ISO/IEC 7816-4 and ICAO 9303 Part 10: 6A82 unknown file, 6B00 offset beyond the file,
/// 6282 end of file before Le bytes, 6700 wrong length, 6986 READ BINARY without a current EF,
/// 6982 a file needing access the session does not have.
///
/// Access: DG3 and DG4 (fingerprints, iris) always answer 6982, as they need Extended
/// Access Control, which this chip does not offer. With
/// [`FileService::require_authentication`] the application's files answer 6982 until
/// [`FileService::set_authenticated`] (the BAC/PACE layer calls it).
#[derive(Debug, Clone)]
pub struct FileService {
    fs: FileSystem,
    df: Df,
    current: Option<LdsFile>,
    require_authentication: bool,
    authenticated: bool,
}

/// Response-data bound for one READ BINARY: Ne can be at most 65536.
const MAX_NE: usize = 65536;

fn sw(sw: StatusWord) -> Response {
    Response::status(sw)
}

impl FileService {
    /// A chip serving `fs`, master file selected, no access control besides DG3/DG4.
    pub fn new(fs: FileSystem) -> Self {
        FileService {
            fs,
            df: Df::Master,
            current: None,
            require_authentication: false,
            authenticated: false,
        }
    }

    /// Makes the application's files unreadable (6982) until [`FileService::set_authenticated`].
    pub fn require_authentication(mut self, required: bool) -> Self {
        self.require_authentication = required;
        self
    }

    /// Records whether access control (BAC/PACE) has succeeded.
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.authenticated = authenticated;
    }

    /// Back to the state after reset: master file selected, no current EF, not authenticated.
    pub fn reset(&mut self) {
        self.df = Df::Master;
        self.current = None;
        self.authenticated = false;
    }

    /// The files served.
    pub fn file_system(&self) -> &FileSystem {
        &self.fs
    }

    /// The currently selected EF, if any.
    pub fn current_file(&self) -> Option<LdsFile> {
        self.current
    }

    /// Answers one plain command. SM-protected classes get 6882, chained ones 6884, other
    /// non-00 classes 6E00, and instructions other than SELECT/READ BINARY 6D00.
    pub fn handle(&mut self, command: &Command) -> Response {
        if command.is_secure_messaging() {
            return sw(StatusWord::SM_NOT_SUPPORTED);
        }
        if command.is_chained() {
            return sw(StatusWord(0x6884));
        }
        if command.cla != 0x00 {
            return sw(StatusWord::CLA_NOT_SUPPORTED);
        }
        match command.ins {
            ins::SELECT => self.select(command),
            ins::READ_BINARY => self.read_binary(command),
            ins::READ_BINARY_ODD => self.read_binary_odd(command),
            _ => sw(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    /// SELECT (ISO/IEC 7816-4 §11.1.1): P1 `00` (MF, or EF by FID), `02` (EF under the current
    /// DF), `04` (DF by name); P2 `0C` (no data), `04` (FCP), `00` (FCI).
    fn select(&mut self, c: &Command) -> Response {
        let p2 = c.p2;
        if p2 & 0x03 != 0 || p2 & 0x0C == 0x08 {
            // Only the first occurrence, and no FMD.
            return sw(StatusWord::INCORRECT_P1P2);
        }
        match c.p1 {
            0x00 if c.data.is_empty() || c.data == MF_FID.to_be_bytes() => {
                self.df = Df::Master;
                self.current = None;
                self.select_answer(p2, None)
            }
            0x00 | 0x02 => {
                let Ok(fid) = <[u8; 2]>::try_from(c.data.as_slice()) else {
                    return sw(StatusWord::WRONG_LENGTH);
                };
                let fid = u16::from_be_bytes(fid);
                match LdsFile::from_fid(fid, self.df == Df::Master) {
                    Some(file) if self.fs.get(file).is_some() => {
                        self.current = Some(file);
                        self.select_answer(p2, Some(file))
                    }
                    _ => sw(StatusWord::FILE_NOT_FOUND),
                }
            }
            0x04 => {
                if c.data == EMRTD_AID {
                    self.df = Df::Application;
                    self.current = None;
                    self.select_answer(p2, None)
                } else {
                    sw(StatusWord::FILE_NOT_FOUND)
                }
            }
            _ => sw(StatusWord::INCORRECT_P1P2),
        }
    }

    /// The SELECT response for P2: nothing, FCP (`62`) or FCI (`6F`), with the file size
    /// (`80`), descriptor (`82`: `01` transparent EF, `38` DF) and identifier (`83`) or AID (`84`).
    fn select_answer(&self, p2: u8, file: Option<LdsFile>) -> Response {
        let outer = match p2 & 0x0C {
            0x0C => return sw(StatusWord::SUCCESS),
            0x04 => 0x62,
            _ => 0x6F,
        };
        let build = || -> Result<Vec<u8>, crate::tlv::TlvError> {
            let mut w = TlvWriter::new();
            w.constructed(Tag::try_new(outer)?, |w| {
                match file {
                    Some(f) => {
                        let size = self.fs.get(f).map_or(0, <[u8]>::len);
                        // Two bytes when they suffice, else four (files are at most 1 MiB).
                        match u16::try_from(size) {
                            Ok(small) => w.write(Tag::try_new(0x80)?, &small.to_be_bytes())?,
                            Err(_) => {
                                let big = u32::try_from(size).unwrap_or(u32::MAX);
                                w.write(Tag::try_new(0x80)?, &big.to_be_bytes())?
                            }
                        };
                        w.write(Tag::try_new(0x82)?, &[0x01])?;
                        w.write(Tag::try_new(0x83)?, &f.fid().to_be_bytes())?;
                    }
                    None if self.df == Df::Application => {
                        w.write(Tag::try_new(0x82)?, &[0x38])?;
                        w.write(Tag::try_new(0x84)?, &EMRTD_AID)?;
                    }
                    None => {
                        w.write(Tag::try_new(0x82)?, &[0x38])?;
                        w.write(Tag::try_new(0x83)?, &MF_FID.to_be_bytes())?;
                    }
                }
                Ok(())
            })?;
            Ok(w.into_bytes())
        };
        match build() {
            Ok(data) => Response::new(data, StatusWord::SUCCESS),
            Err(_) => sw(StatusWord::NO_PRECISE_DIAGNOSIS),
        }
    }

    /// Resolves a file for reading: by SFI (selecting it) or the current EF; checks access.
    fn readable(&mut self, sfi: Option<u8>) -> Result<(LdsFile, &[u8]), StatusWord> {
        let file = match sfi {
            Some(sfi) => {
                let file = LdsFile::from_sfi(sfi, self.df == Df::Master)
                    .filter(|f| self.fs.get(*f).is_some())
                    .ok_or(StatusWord::FILE_NOT_FOUND)?;
                self.current = Some(file);
                file
            }
            None => self.current.ok_or(StatusWord::NO_CURRENT_EF)?,
        };
        if matches!(file, LdsFile::DataGroup(3 | 4)) {
            return Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        if self.require_authentication && !self.authenticated && !file.in_master_file() {
            return Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        let content = self.fs.get(file).ok_or(StatusWord::FILE_NOT_FOUND)?;
        Ok((file, content))
    }

    /// READ BINARY, even INS (ISO/IEC 7816-4 §11.2.3): P1 bit 8 clear → 15-bit offset in
    /// P1-P2 of the current EF; set → P1 bits 5–1 are an SFI (bits 7–6 zero), P2 the offset.
    fn read_binary(&mut self, c: &Command) -> Response {
        if !c.data.is_empty() {
            return sw(StatusWord::WRONG_LENGTH);
        }
        let Some(ne) = c.le else {
            return sw(StatusWord::WRONG_LENGTH);
        };
        let (sfi, offset) = if c.p1 & 0x80 != 0 {
            if c.p1 & 0x60 != 0 || c.p1 & 0x1F == 0 {
                return sw(StatusWord::INCORRECT_P1P2);
            }
            (Some(c.p1 & 0x1F), usize::from(c.p2))
        } else {
            (None, usize::from(u16::from_be_bytes([c.p1, c.p2])))
        };
        let content = match self.readable(sfi) {
            Ok((_, content)) => content,
            Err(e) => return sw(e),
        };
        match slice_at(content, offset, ne) {
            Ok((data, complete)) => Response::new(data.to_vec(), end_status(complete)),
            Err(e) => sw(e),
        }
    }

    /// READ BINARY, odd INS `B1`: the offset is DO'54' in the data (up to 4 bytes, which
    /// reaches offsets beyond 7FFF), the answer is wrapped in DO'53' and Le counts that
    /// wrapper. P1-P2 `0000` is the current EF, `00nn` with nn in 01..=1E an SFI.
    fn read_binary_odd(&mut self, c: &Command) -> Response {
        let Some(ne) = c.le else {
            return sw(StatusWord::WRONG_LENGTH);
        };
        let offset = match c.data.as_slice() {
            [0x54, len, bytes @ ..]
                if usize::from(*len) == bytes.len() && (1..=4).contains(len) =>
            {
                bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
            }
            _ => return sw(StatusWord::INCORRECT_DATA),
        };
        let sfi = match (c.p1, c.p2) {
            (0, 0) => None,
            (0, p2) if (1..=0x1E).contains(&p2) => Some(p2),
            _ => return sw(StatusWord::INCORRECT_P1P2),
        };
        let content = match self.readable(sfi) {
            Ok((_, content)) => content,
            Err(e) => return sw(e),
        };
        let Ok(offset) = usize::try_from(offset) else {
            return sw(StatusWord::WRONG_P1P2);
        };
        // The largest n whose DO'53' (header 2–4 bytes + n) fits in Ne.
        let available = content.len().saturating_sub(offset);
        let mut n = available.min(ne.saturating_sub(2));
        while n > 0 && do53_header_len(n).saturating_add(n) > ne {
            n = n.saturating_sub(1);
        }
        if n == 0 && available > 0 {
            return sw(StatusWord::WRONG_LENGTH);
        }
        match slice_at(content, offset, n) {
            Ok((data, _)) => {
                let mut w = TlvWriter::new();
                let tag53 = Tag::try_new(0x53);
                match tag53.and_then(|t| w.write(t, data).map(|_| ())) {
                    Ok(()) => {
                        // Short of Ne only if the file ended first.
                        let complete = n < available
                            || do53_header_len(data.len()).saturating_add(data.len()) >= ne;
                        Response::new(w.into_bytes(), end_status(complete))
                    }
                    Err(_) => sw(StatusWord::NO_PRECISE_DIAGNOSIS),
                }
            }
            Err(e) => sw(e),
        }
    }
}

/// Header length of DO'53' for an `n`-byte value (tag + minimal length).
fn do53_header_len(n: usize) -> usize {
    match n {
        0..=0x7F => 2,
        0x80..=0xFF => 3,
        0x100..=0xFFFF => 4,
        _ => 5,
    }
}

/// Up to `ne` bytes of `content` from `offset`; the flag says whether all `ne` were there.
/// An offset at or past the end of a non-empty file is 6B00 (ICAO 9303 Part 10 §3.6.3).
fn slice_at(content: &[u8], offset: usize, ne: usize) -> Result<(&[u8], bool), StatusWord> {
    if offset >= content.len() && !(offset == 0 && content.is_empty()) {
        return Err(StatusWord::WRONG_P1P2);
    }
    let rest = content.get(offset..).unwrap_or(&[]);
    let ne = ne.min(MAX_NE);
    let data = rest.get(..ne).unwrap_or(rest);
    Ok((data, data.len() == ne))
}

fn end_status(complete: bool) -> StatusWord {
    if complete {
        StatusWord::SUCCESS
    } else {
        StatusWord::END_OF_FILE
    }
}

impl ApduHandler for FileService {
    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        match Command::parse(command) {
            Ok(c) => self.handle(&c).to_bytes(),
            Err(_) => sw(StatusWord::WRONG_LENGTH).to_bytes(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
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
        let mrz = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
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
}
