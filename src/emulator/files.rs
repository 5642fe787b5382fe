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
mod tests;
