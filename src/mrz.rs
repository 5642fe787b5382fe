//! MRZ text (ICAO Doc 9303 Parts 3–7): layouts, check digits, dates, names, field-aware OCR correction, building.
//!
//! ```
//! use bankid_activation::mrz::{self, Format};
//! # fn main() -> Result<(), mrz::MrzError> {
//! // ICAO 9303 Part 4, Appendix A: the TD3 specimen.
//! let m = mrz::parse(&[
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
//!     "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
//! ])?;
//! assert_eq!(m.format(), Format::Td3);
//! assert_eq!(m.document_number(), "L898902C3");
//! assert_eq!(m.given_names(), "ANNA MARIA");
//! assert!(m.is_valid());
//! # Ok(())
//! # }
//! ```
//!
//! What the layouts add beyond the plain field table:
//! - TD1 and TD2 document numbers longer than 9 characters put `<` in the check position and
//!   continue in the optional data, followed by their check digit (Part 5 §4.2.2, Part 6 §4.2.2 notes).
//! - The TD3 personal number check digit may be `<` when the field is all fillers (Part 4 §4.2.2).
//! - Visas (MRV-A/B) have no composite check digit; the French card's final digit covers line 1
//!   and line 2 up to it.
//! - Check digits cannot see every OCR confusion: `K`/`<`, `G`/`6`, `L`/`1`, `I`/`8`, `S`/`8`,
//!   `Z`/`5`, `A`/`0`, `B`/`1` differ by a multiple of 10 in value, so swapping one of them keeps
//!   every check digit. [`correct`] therefore decides those from the field type and filler runs
//!   (or the caller's candidates), never from the check digits alone.

mod build;
mod check;
mod codes;
mod correct;
mod date;
mod error;
pub(crate) mod layout;
mod parse;

pub use build::MrzBuilder;
pub use check::check_digit;
pub use codes::{CodeKind, code_kind, is_known_code, known_codes, special_code_meaning};
pub use correct::{
    Candidates, Change, ChangeReason, Correction, CorrectionOptions, MAX_CANDIDATES, correct,
    correct_with,
};
pub use date::{Date, DateError, MrzDate, days_in_month, is_leap_year};
pub use error::MrzError;
pub use parse::{CheckDigit, CheckField, Covers, FieldSpan, Mrz, Sex, detect_format, parse};

/// An MRZ layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// ID-1 size card, 3 lines of 30 (ICAO 9303 Part 5).
    Td1,
    /// ID-2 size document, 2 lines of 36 (Part 6).
    Td2,
    /// Passport booklet, 2 lines of 44 (Part 4).
    Td3,
    /// Visa, format A: 2 lines of 44, first character `V` (Part 7).
    MrvA,
    /// Visa, format B: 2 lines of 36, first character `V` (Part 7).
    MrvB,
    /// The French national ID card of 1988–2021: 2 lines of 36 starting `IDFRA`, a layout of its own.
    FrenchId,
}

impl Format {
    /// The name used in the CLI/JSON contract: "TD1", "TD2", "TD3", "MRVA", "MRVB" (the French ID
    /// card has the TD2 size, so it reports "TD2").
    pub fn contract_name(self) -> &'static str {
        match self {
            Format::Td1 => "TD1",
            Format::Td2 | Format::FrenchId => "TD2",
            Format::Td3 => "TD3",
            Format::MrvA => "MRVA",
            Format::MrvB => "MRVB",
        }
    }

    /// A distinct name per layout ("FRA_ID" for the French ID card, otherwise as `contract_name`).
    pub fn name(self) -> &'static str {
        match self {
            Format::FrenchId => "FRA_ID",
            other => other.contract_name(),
        }
    }

    /// Number of lines of the layout.
    pub fn line_count(self) -> usize {
        self.layout().lines
    }

    /// Characters per line of the layout.
    pub fn line_length(self) -> usize {
        self.layout().width
    }

    /// All layouts.
    pub const ALL: [Format; 6] = [
        Format::Td1,
        Format::Td2,
        Format::Td3,
        Format::MrvA,
        Format::MrvB,
        Format::FrenchId,
    ];
}

impl core::fmt::Display for Format {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
