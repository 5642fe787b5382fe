//! The activation flow's [`ChipReader`] over the real reader: BAC/PACE with keys from the
//! scanned MRZ, every file read through secure messaging, and Active Authentication as the
//! clone check (ICAO 9303 Part 11 §6.1), over any [`Transport`] (PC/SC, NFC, the software chip).

use std::collections::BTreeMap;

use crate::activation::flow::{ChipAccess, ChipData, ChipProgress, ChipReader};
use crate::activation::policy::CloneCheck;
use crate::reader::{self, ActiveAuthentication, ChipDump, Credentials, LdsFile, ReadOptions};
use crate::transport::Transport;

/// Reads the chip behind `transport` with [`reader::read_document`].
///
/// The clone check is Active Authentication with the DG15 key read in the same session; DG15
/// is covered by EF.SOD, so passive authentication of the same data vouches for that key.
/// [`CloneCheck`] is `Passed` only for a verified signature, `NotSupportedByChip` for a chip
/// without DG15, `NotPerformed` when [`ReadOptions::active_authentication`] is off, and
/// `Failed` for everything else (rejected signature, refused command, unusable key).
#[derive(Debug)]
pub struct TransportChipReader<T> {
    transport: T,
    options: ReadOptions,
}

impl<T: Transport> TransportChipReader<T> {
    /// A reader over `transport` with the default [`ReadOptions`] (Active Authentication on).
    pub fn new(transport: T) -> Self {
        Self::with_options(transport, ReadOptions::default())
    }

    /// A reader over `transport` with `options`.
    pub fn with_options(transport: T, options: ReadOptions) -> Self {
        TransportChipReader { transport, options }
    }

    /// The transport (e.g. to count APDUs after a read).
    pub fn transport(&self) -> &T {
        &self.transport
    }
}

/// The clone check a read came to (see [`TransportChipReader`]).
pub fn clone_check(dump: &ChipDump) -> CloneCheck {
    match dump.active_authentication() {
        None => CloneCheck::NotPerformed,
        Some(ActiveAuthentication::NotSupported) => CloneCheck::NotSupportedByChip,
        Some(aa) if aa.is_verified() => CloneCheck::Passed,
        Some(other) => CloneCheck::Failed(format!("active authentication: {other}")),
    }
}

impl<T: Transport> ChipReader for TransportChipReader<T> {
    fn read_chip(
        &mut self,
        access: &ChipAccess,
        progress: &mut dyn FnMut(ChipProgress),
    ) -> Result<ChipData, String> {
        let credentials = Credentials::from_mrz_information(access.mrz_information())
            .map_err(|e| e.to_string())?;
        let dump =
            reader::read_document(&mut self.transport, &credentials, &self.options, &mut |p| {
                progress(ChipProgress {
                    step: p.file.to_string(),
                    done: p.read,
                    total: (p.total > 0).then_some(p.total),
                })
            })
            .map_err(|e| e.to_string())?;
        let ef_sod = dump
            .get(LdsFile::Sod)
            .ok_or("the chip has no readable EF.SOD")?
            .to_vec();
        let data_groups: BTreeMap<u8, Vec<u8>> = dump
            .all_files()
            .filter_map(|(file, bytes)| match file {
                LdsFile::DataGroup(n) => Some((n, bytes.to_vec())),
                _ => None,
            })
            .collect();
        Ok(ChipData {
            ef_sod,
            data_groups,
            clone_check: clone_check(&dump),
        })
    }
}
