//! Norwegian national identity numbers: fødselsnummer and D-number (11 digits, two mod-11 check digits).
//!
//! Layout `DDMMYY III K1 K2` (Skatteetaten's description of the fødselsnummer in the Folkeregister):
//! birth date, a three-digit individual number whose range fixes the century, and two check digits
//! computed with the weights below. A D-number (issued to people without residence) adds 4 to the
//! first digit of the day. Help numbers (H-numbers, month + 40) and synthetic test numbers (month + 80)
//! are not identity numbers and are rejected (their month is out of range). Announced changes for
//! numbers issued from 2032 (a relaxed first check digit) are not implemented.

use core::fmt;

use crate::mrz::Date;

/// Weights of the first check digit (K1) over digits 1–9.
const K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
/// Weights of the second check digit (K2) over digits 1–10.
const K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Why a national identity number is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NationalIdError {
    /// Not exactly 11 ASCII digits.
    #[error("a national identity number is 11 digits (got {len} characters{})", if *.digits { "" } else { ", not all digits" })]
    Shape {
        /// Characters given.
        len: usize,
        /// Whether all were digits.
        digits: bool,
    },
    /// A check digit does not hold (or the mod-11 remainder gives 10, which no number may have).
    #[error("check digit K{which} does not hold")]
    CheckDigit {
        /// 1 or 2.
        which: u8,
    },
    /// The birth date part is not a calendar date (after removing the D-number offset).
    #[error("digits 1-6 are not a valid birth date ({0})")]
    BirthDate(String),
    /// The individual number does not go with the birth year (e.g. 750–899 with year 40–99).
    #[error("individual number {individual:03} is not used for birth year {yy:02}")]
    Century {
        /// Digits 7–9.
        individual: u16,
        /// Digits 5–6.
        yy: u8,
    },
}

/// Which kind of national identity number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NationalIdKind {
    /// Fødselsnummer (birth number) of a registered resident.
    Fodselsnummer,
    /// D-number: first digit of the day + 4.
    DNumber,
}

/// A validated Norwegian national identity number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId {
    digits: String,
    kind: NationalIdKind,
    birth_date: Date,
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data: only the kind and the birth year are shown.
        f.debug_struct("NationalId")
            .field("kind", &self.kind)
            .field("birth_year", &self.birth_date.year)
            .finish_non_exhaustive()
    }
}

fn digit_at(d: &[u8], i: usize) -> u32 {
    d.get(i).map_or(0, |&c| u32::from(c.wrapping_sub(b'0')))
}

/// The check digit for `digits` with `weights` (11 − Σ mod 11; 11 → 0; 10 → none).
fn mod11(digits: &[u8], weights: &[u32]) -> Option<u32> {
    let sum: u32 = weights
        .iter()
        .enumerate()
        .map(|(i, w)| digit_at(digits, i) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// The full birth year from the two-digit year and the individual number (Skatteetaten's table):
/// 000–499 → 1900–1999; 500–749 with year 54–99 → 1854–1899; 500–999 with year 00–39 → 2000–2039;
/// 900–999 with year 40–99 → 1940–1999. Anything else is unassigned.
fn century_year(yy: u8, individual: u16) -> Option<u16> {
    let yy16 = u16::from(yy);
    match individual {
        0..=499 => Some(1900 + yy16),
        500..=999 if yy <= 39 => Some(2000 + yy16),
        500..=749 if yy >= 54 => Some(1800 + yy16),
        900..=999 if yy >= 40 => Some(1900 + yy16),
        _ => None,
    }
}

impl NationalId {
    /// Validates `text` (exactly 11 digits, no spaces).
    pub fn parse(text: &str) -> Result<NationalId, NationalIdError> {
        let d = text.as_bytes();
        let digits = d.iter().all(u8::is_ascii_digit);
        if d.len() != 11 || !digits {
            return Err(NationalIdError::Shape {
                len: text.chars().count(),
                digits,
            });
        }
        let k1 = mod11(d, &K1_WEIGHTS);
        if k1 != Some(digit_at(d, 9)) {
            return Err(NationalIdError::CheckDigit { which: 1 });
        }
        let k2 = mod11(d, &K2_WEIGHTS);
        if k2 != Some(digit_at(d, 10)) {
            return Err(NationalIdError::CheckDigit { which: 2 });
        }
        let two = |i: usize| (digit_at(d, i) * 10 + digit_at(d, i + 1)) as u8;
        let (mut day, month, yy) = (two(0), two(2), two(4));
        let kind = if day > 40 {
            day -= 40;
            NationalIdKind::DNumber
        } else {
            NationalIdKind::Fodselsnummer
        };
        let individual = (digit_at(d, 6) * 100 + digit_at(d, 7) * 10 + digit_at(d, 8)) as u16;
        let year =
            century_year(yy, individual).ok_or(NationalIdError::Century { individual, yy })?;
        let birth_date =
            Date::new(year, month, day).map_err(|e| NationalIdError::BirthDate(e.to_string()))?;
        Ok(NationalId {
            digits: text.to_string(),
            kind,
            birth_date,
        })
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// Fødselsnummer or D-number.
    pub fn kind(&self) -> NationalIdKind {
        self.kind
    }

    /// The birth date the number encodes (century from the individual number).
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }
}

impl core::str::FromStr for NationalId {
    type Err = NationalIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NationalId::parse(s)
    }
}

/// Builds a valid number from a birth date and individual number (for fixtures and tests), or `None`
/// when the individual number gives a remainder of 10 for a check digit, or does not suit the year.
pub fn make_national_id(birth: Date, individual: u16, d_number: bool) -> Option<NationalId> {
    let yy = (birth.year % 100) as u8;
    if individual > 999 || century_year(yy, individual) != Some(birth.year) {
        return None;
    }
    let day = if d_number { birth.day + 40 } else { birth.day };
    let mut s = format!("{day:02}{:02}{yy:02}{individual:03}", birth.month);
    let k1 = mod11(s.as_bytes(), &K1_WEIGHTS)?;
    s.push(char::from_digit(k1, 10)?);
    let k2 = mod11(s.as_bytes(), &K2_WEIGHTS)?;
    s.push(char::from_digit(k2, 10)?);
    NationalId::parse(&s).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
