//! Calendar dates for MRZ fields: our own small `Date`, and `MrzDate` (the `YYMMDD` text plus century resolution).

use core::fmt;

/// Why a date is not a valid calendar date, or cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// The field is not six digits (it may hold fillers for an unknown part, or OCR noise).
    #[error("date field {text:?} is not six digits")]
    NotDigits {
        /// The field as printed.
        text: String,
    },
    /// Month outside 1–12.
    #[error("month {month} is not in 1-12")]
    InvalidMonth {
        /// The month found.
        month: u8,
    },
    /// Day outside the month.
    #[error("day {day} is not in month {month} of year {year}")]
    InvalidDay {
        /// Full year.
        year: u16,
        /// Month.
        month: u8,
        /// The day found.
        day: u8,
    },
    /// The document format has no such date (the old French ID card has no expiry date).
    #[error("the document has no such date")]
    Absent,
    /// Text that is not `YYYY-MM-DD`.
    #[error("{text:?} is not a YYYY-MM-DD date")]
    NotIso {
        /// The text given (at most 32 characters kept).
        text: String,
    },
}

/// A calendar date (proleptic Gregorian), ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Full year, e.g. 1974.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day of month 1–31.
    pub day: u8,
}

/// Whether `year` is a Gregorian leap year.
pub const fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Number of days in `month` of `year` (0 for a month outside 1–12).
pub const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A validated date.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        if !(1..=12).contains(&month) {
            return Err(DateError::InvalidMonth { month });
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::InvalidDay { year, month, day });
        }
        Ok(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(text: &str) -> Result<Date, DateError> {
        let not_iso = || DateError::NotIso {
            text: text.chars().take(32).collect(),
        };
        let b = text.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return Err(not_iso());
        }
        let num = |r: core::ops::Range<usize>| -> Option<u16> {
            let s = text.get(r)?;
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(not_iso());
        };
        // m and d are two digits, so they fit in u8.
        Date::new(y, m as u8, d as u8)
    }

    /// The date `days` days after 1970-01-01 (negative: before). `None` outside years 0–65535.
    pub fn from_unix_days(days: i64) -> Option<Date> {
        // Civil-from-days (H. Hinnant's algorithm), in i64 throughout.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe.checked_add(era.checked_mul(400)?)? + i64::from(m <= 2);
        Some(Date {
            year: u16::try_from(y).ok()?,
            month: u8::try_from(m).ok()?,
            day: u8::try_from(d).ok()?,
        })
    }

    /// Today's date in UTC from the system clock (for callers; the parser never reads the clock).
    pub fn today_utc() -> Option<Date> {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        Date::from_unix_days(i64::try_from(secs / 86_400).ok()?)
    }

    /// This date moved by `years` whole years (29 February becomes 28 February in a common year).
    pub fn add_years(self, years: i32) -> Option<Date> {
        let y = u16::try_from(i32::from(self.year).checked_add(years)?).ok()?;
        let day = self.day.min(days_in_month(y, self.month));
        Some(Date {
            year: y,
            month: self.month,
            day,
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A date as printed in an MRZ (`YYMMDD`), kept as text; the century is resolved on request.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MrzDate {
    /// Six MRZ characters (ASCII), or none when the format has no such date.
    raw: [u8; 6],
    present: bool,
}

impl fmt::Debug for MrzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MrzDate({:?})", self.yymmdd())
    }
}

/// The two-digit year, month and day of a six-digit field.
fn split(b: &[u8; 6]) -> Result<(u8, u8, u8), DateError> {
    if !b.iter().all(u8::is_ascii_digit) {
        return Err(DateError::NotDigits {
            text: b.iter().map(|&c| char::from(c)).collect(),
        });
    }
    let two = |hi: u8, lo: u8| (hi - b'0') * 10 + (lo - b'0');
    let [y1, y2, m1, m2, d1, d2] = *b;
    Ok((two(y1, y2), two(m1, m2), two(d1, d2)))
}

impl MrzDate {
    /// A date field from its six printed characters (`[0-9A-Z<]`; anything but digits fails to resolve).
    pub fn from_yymmdd(text: &str) -> Result<MrzDate, DateError> {
        let b = text.as_bytes();
        match <[u8; 6]>::try_from(b) {
            Ok(raw)
                if raw
                    .iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || *c == b'<') =>
            {
                Ok(MrzDate { raw, present: true })
            }
            _ => Err(DateError::NotDigits {
                text: text.chars().take(32).collect(),
            }),
        }
    }

    /// From a validated MRZ field (six bytes of the MRZ alphabet); absent if not six bytes.
    pub(crate) fn from_field(b: &[u8]) -> MrzDate {
        match <[u8; 6]>::try_from(b) {
            Ok(raw) if raw.is_ascii() => MrzDate { raw, present: true },
            _ => MrzDate::absent(),
        }
    }

    /// An absent date (the format has no such field).
    pub(crate) fn absent() -> MrzDate {
        MrzDate {
            raw: [b'<'; 6],
            present: false,
        }
    }

    /// The field exactly as printed (`YYMMDD`; empty when the format has no such date).
    pub fn yymmdd(&self) -> &str {
        if self.present {
            // Only ASCII is ever stored.
            core::str::from_utf8(&self.raw).unwrap_or("")
        } else {
            ""
        }
    }

    /// Whether the format prints this date at all.
    pub fn is_present(&self) -> bool {
        self.present
    }

    /// Checks what can be checked without the century: six digits, month 1–12, day 1–31 within
    /// the month (29 February accepted when some century makes it a leap year, i.e. always:
    /// `YY` = 00 in 2000, others divisible by 4).
    pub fn check(&self) -> Result<(), DateError> {
        if !self.is_present() {
            return Err(DateError::Absent);
        }
        let (yy, mm, dd) = split(&self.raw)?;
        // 2000 + yy is a leap year exactly when some century makes yy a leap year.
        Date::new(2000 + u16::from(yy), mm, dd).map(|_| ())
    }

    fn in_century(&self, century: u16) -> Result<Date, DateError> {
        if !self.is_present() {
            return Err(DateError::Absent);
        }
        let (yy, mm, dd) = split(&self.raw)?;
        Date::new(century + u16::from(yy), mm, dd)
    }

    /// The date of birth: the latest century that does not put it after `today`.
    pub fn resolve_birth(&self, today: Date) -> Result<Date, DateError> {
        let base = today.year - today.year % 100;
        let this = self.in_century(base);
        match this {
            Ok(d) if d <= today => Ok(d),
            // Too late in this century (or 29 February in a common year): the century before.
            _ if base >= 100 => self.in_century(base - 100),
            other => other,
        }
    }

    /// The date of expiry: the century that puts it within (today − 80 years, today + 20 years].
    ///
    /// Documents are issued for at most ten years, so a two-digit expiry year is read as at most
    /// 20 years ahead; anything else is in the past (up to 80 years back).
    pub fn resolve_expiry(&self, today: Date) -> Result<Date, DateError> {
        let base = today.year - today.year % 100;
        let limit = today.add_years(20).unwrap_or(today);
        for century in [base, base.saturating_add(100), base.saturating_sub(100)] {
            let Ok(d) = self.in_century(century) else {
                continue;
            };
            let lower = today.add_years(-80).unwrap_or(Date {
                year: 0,
                month: 1,
                day: 1,
            });
            if d <= limit && d > lower {
                return Ok(d);
            }
        }
        // No century fits the window (or the date is invalid): report why for this century.
        self.in_century(base)
    }
}

impl fmt::Display for MrzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.yymmdd())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
