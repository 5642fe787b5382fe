//! The eMRTD elementary files a reader asks for: identifiers, short identifiers, dump file names,
//! data-group tags, and the data-group list of EF.COM (ICAO 9303 Part 10 §3.3, §4.6.1).

use thiserror::Error;

use crate::tlv::{Tlv, TlvError};

/// An elementary file of the eMRTD file structure (ICAO 9303 Part 10 §3.3, Table 3–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LdsFile {
    /// EF.CardAccess: in the master file, FID 011C, SFI 1C (PACE parameters).
    CardAccess,
    /// EF.COM: FID 011E, SFI 1E.
    Com,
    /// EF.SOD: FID 011D, SFI 1D.
    Sod,
    /// Data group 1–16: FID 01nn, SFI nn. Values outside 1..=16 are never stored.
    DataGroup(u8),
}

impl LdsFile {
    /// Every file a dump can hold, in FID order of the application, EF.CardAccess first.
    pub fn all() -> impl Iterator<Item = LdsFile> {
        [LdsFile::CardAccess, LdsFile::Com, LdsFile::Sod]
            .into_iter()
            .chain((1..=16).map(LdsFile::DataGroup))
    }

    /// True for DG1..DG16 and the three named files.
    pub fn is_valid(self) -> bool {
        match self {
            LdsFile::DataGroup(n) => (1..=16).contains(&n),
            _ => true,
        }
    }

    /// The file identifier.
    pub fn fid(self) -> u16 {
        match self {
            LdsFile::CardAccess => 0x011C,
            LdsFile::Com => 0x011E,
            LdsFile::Sod => 0x011D,
            LdsFile::DataGroup(n) => 0x0100 | u16::from(n),
        }
    }

    /// The short file identifier.
    pub fn sfi(self) -> u8 {
        match self {
            LdsFile::CardAccess => 0x1C,
            LdsFile::Com => 0x1E,
            LdsFile::Sod => 0x1D,
            LdsFile::DataGroup(n) => n,
        }
    }

    /// True if the file lives in the master file rather than the eMRTD application.
    pub fn in_master_file(self) -> bool {
        self == LdsFile::CardAccess
    }

    /// The file name in a dump directory (DESIGN.md): `EF.COM.bin`, `DG1.bin`, …
    pub fn file_name(self) -> String {
        match self {
            LdsFile::CardAccess => "EF.CardAccess.bin".to_owned(),
            LdsFile::Com => "EF.COM.bin".to_owned(),
            LdsFile::Sod => "EF.SOD.bin".to_owned(),
            LdsFile::DataGroup(n) => format!("DG{n}.bin"),
        }
    }

    /// The file with identifier `fid` in the master file (`in_mf`) or the application.
    pub fn from_fid(fid: u16, in_mf: bool) -> Option<LdsFile> {
        LdsFile::all().find(|f| f.fid() == fid && f.in_master_file() == in_mf)
    }

    /// The file with short identifier `sfi` in the master file (`in_mf`) or the application.
    pub fn from_sfi(sfi: u8, in_mf: bool) -> Option<LdsFile> {
        LdsFile::all().find(|f| f.sfi() == sfi && f.in_master_file() == in_mf)
    }
}

impl std::fmt::Display for LdsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LdsFile::CardAccess => f.write_str("EF.CardAccess"),
            LdsFile::Com => f.write_str("EF.COM"),
            LdsFile::Sod => f.write_str("EF.SOD"),
            LdsFile::DataGroup(n) => write!(f, "DG{n}"),
        }
    }
}

/// The outer tag of each data group, DG1..DG16 (ICAO 9303 Part 10 §4.6.1, Table 34).
const DATA_GROUP_TAGS: [u8; 16] = [
    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
];

impl LdsFile {
    /// The data group whose outer tag is `tag` (`61` → DG1, `75` → DG2, …), if any.
    pub fn from_data_group_tag(tag: u8) -> Option<LdsFile> {
        let index = DATA_GROUP_TAGS.iter().position(|t| *t == tag)?;
        u8::try_from(index.checked_add(1)?)
            .ok()
            .map(LdsFile::DataGroup)
    }

    /// The outer tag this file's content starts with (`60` EF.COM, `77` EF.SOD, `31` EF.CardAccess,
    /// `61`… for the data groups).
    pub fn outer_tag(self) -> Option<u8> {
        match self {
            LdsFile::CardAccess => Some(0x31),
            LdsFile::Com => Some(0x60),
            LdsFile::Sod => Some(0x77),
            LdsFile::DataGroup(n) => DATA_GROUP_TAGS.get(usize::from(n).checked_sub(1)?).copied(),
        }
    }

    /// The file whose dump name (without `.bin`) or display name is `name`: `EF.COM`, `DG2`, …
    pub fn from_name(name: &str) -> Option<LdsFile> {
        let name = name.strip_suffix(".bin").unwrap_or(name);
        LdsFile::all().find(|f| f.to_string() == name)
    }
}

/// Why EF.COM's data-group list could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ComError {
    /// The BER-TLV structure is broken.
    #[error("EF.COM: {0}")]
    Tlv(#[from] TlvError),
    /// The file does not start with tag `60`.
    #[error("EF.COM starts with tag {0:X}, expected 60")]
    NotEfCom(u32),
    /// No tag list (`5C`) inside.
    #[error("EF.COM holds no tag list (5C)")]
    NoTagList,
}

/// The data groups EF.COM lists in its tag list (`60` { … `5C` tag list }), in the order listed,
/// each once. Tags that are not data-group tags are skipped.
pub fn data_groups_in_com(ef_com: &[u8]) -> Result<Vec<LdsFile>, ComError> {
    let com = Tlv::parse(ef_com)?.0;
    if com.tag.number() != 0x60 {
        return Err(ComError::NotEfCom(com.tag.number()));
    }
    let list = com.find(0x5C)?.ok_or(ComError::NoTagList)?;
    let mut groups = Vec::new();
    for tag in list.value {
        if let Some(file) = LdsFile::from_data_group_tag(*tag)
            && !groups.contains(&file)
        {
            groups.push(file);
        }
    }
    Ok(groups)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
