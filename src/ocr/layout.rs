//! MRZ layouts as the recogniser needs them: character counts, per-position character classes and
//! check-digit spans (ICAO 9303 Parts 4–7). Interim: to be replaced by the `mrz` module's layouts
//! and field-type-aware correction once that lands.

/// The five MRZ formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MrzFormat {
    /// ID-1 card, 3 × 30 (ICAO 9303 Part 5).
    Td1,
    /// ID-2 card, 2 × 36 (Part 6).
    Td2,
    /// Passport, 2 × 44 (Part 4).
    Td3,
    /// Visa A, 2 × 44 (Part 7).
    MrvA,
    /// Visa B, 2 × 36 (Part 7).
    MrvB,
}

impl MrzFormat {
    /// Name as in the CLI/JSON contract.
    pub fn name(self) -> &'static str {
        match self {
            MrzFormat::Td1 => "TD1",
            MrzFormat::Td2 => "TD2",
            MrzFormat::Td3 => "TD3",
            MrzFormat::MrvA => "MRVA",
            MrzFormat::MrvB => "MRVB",
        }
    }
    /// Characters per line.
    pub fn chars(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 | MrzFormat::MrvB => 36,
            MrzFormat::Td3 | MrzFormat::MrvA => 44,
        }
    }
    /// Number of lines.
    pub fn lines(self) -> usize {
        if self == MrzFormat::Td1 { 3 } else { 2 }
    }
    /// Picks the format from the line geometry and the first character (`V` = visa).
    pub fn from_shape(lines: usize, chars: usize, first: char) -> Option<MrzFormat> {
        let visa = first == 'V';
        match (lines, chars, visa) {
            (3, 30, _) => Some(MrzFormat::Td1),
            (2, 36, false) => Some(MrzFormat::Td2),
            (2, 36, true) => Some(MrzFormat::MrvB),
            (2, 44, false) => Some(MrzFormat::Td3),
            (2, 44, true) => Some(MrzFormat::MrvA),
            _ => None,
        }
    }
}

/// Which characters a position may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    /// Digits only (dates, check digits).
    Digit,
    /// Letters and filler (names, state codes).
    Alpha,
    /// `M`, `F` or `<`.
    Sex,
    /// Any MRZ character.
    Any,
}

impl CharClass {
    /// Whether `c` may appear in a position of this class.
    pub fn allows(self, c: char) -> bool {
        match self {
            CharClass::Digit => c.is_ascii_digit(),
            CharClass::Alpha => c.is_ascii_uppercase() || c == '<',
            CharClass::Sex => matches!(c, 'M' | 'F' | '<'),
            CharClass::Any => c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<',
        }
    }
}

/// A check digit: the source spans `(line, from, to)` (half-open) and the digit's position.
#[derive(Clone, Debug)]
pub struct Check {
    /// Source spans.
    pub spans: Vec<(usize, usize, usize)>,
    /// `(line, column)` of the check digit.
    pub at: (usize, usize),
    /// A `<` in place of the digit is allowed when the field is all filler (TD3 optional data).
    pub filler_ok: bool,
}

/// Check-digit value of `s` (ICAO 9303 Part 3, 4.9: weights 7-3-1, `<` = 0, A..Z = 10..35).
pub fn check_digit(s: impl Iterator<Item = char>) -> u32 {
    let mut sum = 0u32;
    for (i, c) in s.enumerate() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => 0,
        };
        sum += v * [7, 3, 1][i % 3];
    }
    sum % 10
}

/// The check digits of `format` (ICAO 9303 Parts 4–7).
pub fn checks(format: MrzFormat) -> Vec<Check> {
    let c = |spans: &[(usize, usize, usize)], at: (usize, usize)| Check {
        spans: spans.to_vec(),
        at,
        filler_ok: false,
    };
    match format {
        MrzFormat::Td1 => vec![
            c(&[(0, 5, 14)], (0, 14)),
            c(&[(1, 0, 6)], (1, 6)),
            c(&[(1, 8, 14)], (1, 14)),
            c(&[(0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)], (1, 29)),
        ],
        MrzFormat::Td2 => vec![
            c(&[(1, 0, 9)], (1, 9)),
            c(&[(1, 13, 19)], (1, 19)),
            c(&[(1, 21, 27)], (1, 27)),
            c(&[(1, 0, 10), (1, 13, 20), (1, 21, 35)], (1, 35)),
        ],
        MrzFormat::Td3 => vec![
            c(&[(1, 0, 9)], (1, 9)),
            c(&[(1, 13, 19)], (1, 19)),
            c(&[(1, 21, 27)], (1, 27)),
            Check {
                spans: vec![(1, 28, 42)],
                at: (1, 42),
                filler_ok: true,
            },
            c(&[(1, 0, 10), (1, 13, 20), (1, 21, 43)], (1, 43)),
        ],
        MrzFormat::MrvA | MrzFormat::MrvB => vec![
            c(&[(1, 0, 9)], (1, 9)),
            c(&[(1, 13, 19)], (1, 19)),
            c(&[(1, 21, 27)], (1, 27)),
        ],
    }
}

/// Per-position character classes of `format`, `[line][column]`.
pub fn classes(format: MrzFormat) -> Vec<Vec<CharClass>> {
    let n = format.chars();
    let mut out = vec![vec![CharClass::Any; n]; format.lines()];
    let mut set = |line: usize, from: usize, to: usize, class: CharClass| {
        if let Some(row) = out.get_mut(line) {
            for slot in row.iter_mut().take(to).skip(from) {
                *slot = class;
            }
        }
    };
    match format {
        MrzFormat::Td1 => {
            // Document code: letters or filler (Part 5, 4.2.2).
            set(0, 0, 5, CharClass::Alpha);
            set(1, 0, 7, CharClass::Digit);
            set(1, 7, 8, CharClass::Sex);
            set(1, 8, 15, CharClass::Digit);
            set(1, 15, 18, CharClass::Alpha);
            set(1, 29, 30, CharClass::Digit);
            set(2, 0, 30, CharClass::Alpha);
        }
        _ => {
            // Document code, issuing state, name: letters or filler (Parts 4, 6, 7).
            set(0, 0, n, CharClass::Alpha);
            set(1, 9, 10, CharClass::Digit);
            set(1, 10, 13, CharClass::Alpha);
            set(1, 13, 20, CharClass::Digit);
            set(1, 20, 21, CharClass::Sex);
            set(1, 21, 28, CharClass::Digit);
            if format == MrzFormat::Td2 {
                set(1, 35, 36, CharClass::Digit);
            }
            if format == MrzFormat::Td3 {
                set(1, 43, 44, CharClass::Digit);
            }
        }
    }
    out
}

/// Whether every check digit of `lines` (already the right shape for `format`) holds.
pub fn checks_hold(format: MrzFormat, lines: &[Vec<char>]) -> (usize, usize) {
    let all = checks(format);
    let mut ok = 0;
    for check in &all {
        if check_holds(check, lines) {
            ok += 1;
        }
    }
    (ok, all.len())
}

/// Whether one check digit holds.
pub fn check_holds(check: &Check, lines: &[Vec<char>]) -> bool {
    let digit = lines
        .get(check.at.0)
        .and_then(|l| l.get(check.at.1))
        .copied();
    let source = check.spans.iter().flat_map(|&(line, from, to)| {
        lines
            .get(line)
            .and_then(|l| l.get(from..to))
            .unwrap_or(&[])
            .iter()
            .copied()
    });
    match digit {
        Some('<') if check.filler_ok => check.spans.iter().all(|&(line, from, to)| {
            lines
                .get(line)
                .and_then(|l| l.get(from..to))
                .is_some_and(|s| s.iter().all(|&c| c == '<'))
        }),
        Some(d) => d.to_digit(10) == Some(check_digit(source)),
        None => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
