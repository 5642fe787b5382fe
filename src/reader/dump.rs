//! A chip dump: the files read, those the chip refused, the access protocol and the APDU count;
//! written as the dump directory of DESIGN.md (`EF.COM.bin`, `DG1.bin`, …, outer tag included).

use std::collections::BTreeMap;
use std::path::Path;

use super::{LdsFile, ReadError, Unreadable};
use crate::access::AccessProtocol;
use crate::access::pace::PaceParams;
use crate::mrz;

/// Everything one read of a chip produced. Only a complete read yields one: a session that
/// fails part-way returns a [`ReadError`], never a partial dump.
#[derive(Clone, PartialEq, Eq)]
pub struct ChipDump {
    pub(crate) files: BTreeMap<LdsFile, Vec<u8>>,
    pub(crate) card_access: Option<Vec<u8>>,
    pub(crate) unreadable: Vec<(LdsFile, Unreadable)>,
    pub(crate) access: AccessProtocol,
    pub(crate) pace: Option<PaceParams>,
    pub(crate) apdu_count: u64,
    pub(crate) active_auth: Option<super::ActiveAuthentication>,
}

impl std::fmt::Debug for ChipDump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // File contents are personal data: names and sizes only.
        let sizes: BTreeMap<String, usize> = self
            .all_files()
            .map(|(file, bytes)| (file.to_string(), bytes.len()))
            .collect();
        f.debug_struct("ChipDump")
            .field("access", &self.access)
            .field("pace", &self.pace.map(|p| p.to_string()))
            .field("files", &sizes)
            .field("unreadable", &self.unreadable)
            .field("apdu_count", &self.apdu_count)
            .field("active_authentication", &self.active_auth)
            .finish()
    }
}

impl ChipDump {
    pub(crate) fn new(access: AccessProtocol) -> Self {
        ChipDump {
            files: BTreeMap::new(),
            card_access: None,
            unreadable: Vec::new(),
            access,
            pace: None,
            apdu_count: 0,
            active_auth: None,
        }
    }

    /// The Active Authentication outcome, when the read ran it ([`super::ReadOptions`]
    /// `active_authentication`); `None` when it was not attempted.
    pub fn active_authentication(&self) -> Option<&super::ActiveAuthentication> {
        self.active_auth.as_ref()
    }

    /// Every file read, EF.CardAccess included, in [`LdsFile`] order.
    pub fn all_files(&self) -> impl Iterator<Item = (LdsFile, &[u8])> {
        self.card_access
            .as_deref()
            .map(|bytes| (LdsFile::CardAccess, bytes))
            .into_iter()
            .chain(self.files.iter().map(|(k, v)| (*k, v.as_slice())))
    }

    /// Every file read, by name (`EF.COM`, `EF.SOD`, `EF.CardAccess`, `DG1` …), for the JSON
    /// `"files"` object.
    pub fn files(&self) -> BTreeMap<String, &[u8]> {
        self.all_files()
            .map(|(file, bytes)| (file.to_string(), bytes))
            .collect()
    }

    /// One file's bytes, outer tag included.
    pub fn get(&self, file: LdsFile) -> Option<&[u8]> {
        match file {
            LdsFile::CardAccess => self.card_access.as_deref(),
            other => self.files.get(&other).map(Vec::as_slice),
        }
    }

    /// EF.CardAccess as read from the master file, if the chip has one.
    pub fn card_access(&self) -> Option<&[u8]> {
        self.card_access.as_deref()
    }

    /// True if EF.CardAccess offers PACE.
    pub fn offers_pace(&self) -> bool {
        super::session::offers_pace(self.card_access())
    }

    /// The files the chip would not give (e.g. DG3/DG4: protected), with the reason.
    pub fn unreadable(&self) -> &[(LdsFile, Unreadable)] {
        &self.unreadable
    }

    /// The access protocol that opened the chip; displays as "BAC" / "PACE".
    pub fn access_used(&self) -> AccessProtocol {
        self.access
    }

    /// The PACE variant that opened the chip (mapping, group, cipher: [`PaceParams::mapping_name`],
    /// [`PaceParams::group`], [`PaceParams::cipher_name`]); `None` after BAC.
    pub fn pace_params(&self) -> Option<PaceParams> {
        self.pace
    }

    /// APDUs exchanged for the whole read (access control and GET RESPONSE included).
    pub fn apdu_count(&self) -> u64 {
        self.apdu_count
    }

    /// The MRZ lines in DG1 (`61` { `5F1F` MRZ }), split by the layout's line length and
    /// checked by [`mrz::parse`]; `None` without a well-formed DG1.
    pub fn dg1_mrz(&self) -> Option<Vec<String>> {
        dg1_mrz_lines(self.get(LdsFile::DataGroup(1))?)
    }

    /// DG1's MRZ parsed (fields, check digits).
    pub fn dg1(&self) -> Option<mrz::Mrz> {
        mrz::Mrz::parse_lines(&self.dg1_mrz()?).ok()
    }

    /// Writes the dump directory (DESIGN.md): one `<name>.bin` per file, exactly as read.
    ///
    /// The directory is created if needed. Afterwards it holds exactly this dump's chip files:
    /// a `DGn.bin` / `EF.*.bin` left from an earlier dump but not read now is removed, so a
    /// file the chip refused cannot pass as read. Other files are left alone; a reader never
    /// writes the software chip's key files. Each file goes to `<name>.tmp` first and is
    /// renamed into place.
    pub fn write_dir(&self, dir: &Path) -> Result<(), ReadError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ReadError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        for (file, bytes) in self.all_files() {
            let path = dir.join(file.file_name());
            let tmp = dir.join(format!("{}.tmp", file.file_name()));
            std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
            std::fs::rename(&tmp, &path).map_err(io(&path))?;
        }
        for file in LdsFile::all() {
            if self.get(file).is_none() {
                let path = dir.join(file.file_name());
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io(&path)(e)),
                }
            }
        }
        Ok(())
    }
}

/// The MRZ lines of a DG1 as read ([`crate::lds::Dg1::parse`]), when they also parse as an MRZ
/// ([`mrz::Mrz::parse_lines`]); `None` otherwise.
pub fn dg1_mrz_lines(dg1: &[u8]) -> Option<Vec<String>> {
    let lines = crate::lds::Dg1::parse(dg1).ok()?.lines;
    mrz::Mrz::parse_lines(&lines).ok()?;
    Some(lines)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
