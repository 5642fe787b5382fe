//! Typed errors of MRZ parsing and building: each says which line, column or field is wrong.

/// Why MRZ text cannot be read as an MRZ, or fields cannot be written as one.
///
/// Lines and columns are 0-based in the fields; the messages print them 1-based, as ICAO 9303
/// numbers positions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    /// Not 2 or 3 lines.
    #[error("an MRZ has 2 or 3 lines, found {found}")]
    LineCount {
        /// Number of lines given.
        found: usize,
    },
    /// A line does not have a length of any layout, or differs from the other lines.
    #[error("line {} has {found} characters, expected {expected}", line + 1)]
    LineLength {
        /// 0-based line.
        line: usize,
        /// Characters found.
        found: usize,
        /// Characters expected (for the first line: the nearest layout length).
        expected: usize,
    },
    /// A character outside `[0-9A-Z<]`.
    #[error("illegal character {found:?} at line {}, column {}", line + 1, column + 1)]
    IllegalCharacter {
        /// 0-based line.
        line: usize,
        /// 0-based column (in characters).
        column: usize,
        /// The character.
        found: char,
    },
    /// The sex field holds something other than `M`, `F`, `X` or `<`.
    #[error("sex at line {}, column {} is {found:?}, expected M, F, X or <", line + 1, column + 1)]
    InvalidSex {
        /// 0-based line.
        line: usize,
        /// 0-based column.
        column: usize,
        /// The character.
        found: char,
    },
    /// Building: a field value cannot be written in the format.
    #[error("field {field}: {reason}")]
    InvalidField {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Correction: candidate lists do not match the lines.
    #[error("candidates: {reason}")]
    Candidates {
        /// What is wrong.
        reason: String,
    },
}
