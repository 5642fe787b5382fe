//! DG1 (ICAO 9303 Part 10 §4.7.1): the MRZ data element `5F1F` inside tag `61`, split into its lines by
//! length (TD1 3×30, TD2/MRV-B 2×36, TD3/MRV-A 2×44).

use super::{LdsError, outer};

const FILE: &str = "DG1";

/// The parsed DG1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg1 {
    /// The MRZ lines as stored on the chip.
    pub lines: Vec<String>,
}

impl Dg1 {
    /// Parse DG1 as read (`61` { `5F1F` MRZ }).
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let top = outer(FILE, bytes, 0x61)?;
        let mrz = top
            .find(0x5F1F)
            .map_err(|source| LdsError::Tlv { file: FILE, source })?
            .ok_or(LdsError::Missing {
                file: FILE,
                what: "5F1F MRZ data",
            })?;
        let v = mrz.value;
        if !v
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
        {
            return Err(LdsError::Invalid {
                file: FILE,
                what: "5F1F MRZ data",
                message: "characters outside A-Z 0-9 <".into(),
            });
        }
        let line_len = match v.len() {
            90 => 30,
            72 => 36,
            88 => 44,
            n => {
                return Err(LdsError::Invalid {
                    file: FILE,
                    what: "5F1F MRZ data",
                    message: format!("{n} characters is not a TD1 (90), TD2 (72) or TD3 (88) MRZ"),
                });
            }
        };
        let lines = v.chunks(line_len).map(super::text).collect();
        Ok(Self { lines })
    }

    /// The issuing state or organisation (characters 3–5 of the first line, e.g. `UTO`, `D<<`).
    pub fn issuing_state(&self) -> Option<&str> {
        self.lines.first()?.get(2..5)
    }

    /// The MRZ parsed and checked by [`crate::mrz::parse`] (fields, check digits).
    pub fn mrz(&self) -> Result<crate::mrz::Mrz, crate::mrz::MrzError> {
        crate::mrz::parse(&self.line_refs())
    }

    /// The lines as `&str`, for `crate::mrz` parsing.
    pub fn line_refs(&self) -> Vec<&str> {
        self.lines.iter().map(String::as_str).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
