//! MRZ layouts as the recogniser needs them: per-position character classes, check-digit spans and
//! which positions no check digit covers, all derived from the `mrz` module's field table
//! ([`crate::mrz::Format`] and its ICAO 9303 Part 4–7 layouts), so the reader and the parser share
//! one description of every format.

use crate::mrz::Format;

/// The MRZ layout of a reading: the `mrz` module's [`Format`]. The reader reports the five ICAO
/// formats (TD1, TD2, TD3, MRV-A, MRV-B); [`Format::contract_name`] is the CLI/JSON name.
pub type MrzFormat = Format;

/// Picks the format from the line geometry and the first character (`V` = visa); `None` for a
/// shape no ICAO format has.
pub fn format_from_shape(lines: usize, chars: usize, first: char) -> Option<MrzFormat> {
    let visa = first == 'V';
    match (lines, chars, visa) {
        (3, 30, _) => Some(Format::Td1),
        (2, 36, false) => Some(Format::Td2),
        (2, 36, true) => Some(Format::MrvB),
        (2, 44, false) => Some(Format::Td3),
        (2, 44, true) => Some(Format::MrvA),
        _ => None,
    }
}

/// The letters ICAO 9303 lets a document code of `format` open with: `P` for passports (TD3,
/// Part 4), `A`, `C` or `I` for official travel documents (TD1 and TD2, Parts 5 and 6, the French
/// identity card's `ID` among them) and `V` for visas (MRV-A and MRV-B, Part 7).
pub fn document_code_letters(format: MrzFormat) -> &'static [char] {
    match format {
        Format::Td3 => &['P'],
        Format::MrvA | Format::MrvB => &['V'],
        Format::Td1 | Format::Td2 | Format::FrenchId => &['A', 'C', 'I'],
    }
}

/// Which characters a position may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    /// Digits only (dates, check digits).
    Digit,
    /// Letters and filler (names, state codes).
    Alpha,
    /// `M`, `F`, `X` (unspecified, newer documents) or `<`.
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
            CharClass::Sex => matches!(c, 'M' | 'F' | 'X' | '<'),
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

/// Check-digit value of `s` (ICAO 9303 Part 3, 4.9: weights 7-3-1, `<` = 0, A..Z = 10..35), by
/// [`crate::mrz::check_digit`]; characters outside the MRZ alphabet count as `<`.
pub fn check_digit(s: impl Iterator<Item = char>) -> u32 {
    let field: String = s
        .map(|c| {
            if c.is_ascii_digit() || c.is_ascii_uppercase() {
                c
            } else {
                '<'
            }
        })
        .collect();
    crate::mrz::check_digit(&field).map_or(0, u32::from)
}

/// `(line, from, to)` of an `mrz` layout span.
fn span(s: crate::mrz::layout::Span) -> (usize, usize, usize) {
    let (line, start) = (usize::from(s.line), usize::from(s.start));
    (line, start, start + usize::from(s.len))
}

/// `(line, column)` of an `mrz` layout position.
fn pos(p: (u8, u8)) -> (usize, usize) {
    (usize::from(p.0), usize::from(p.1))
}

/// The check digits of `format` (ICAO 9303 Parts 4–7), from the `mrz` layout: document number,
/// birth date, expiry date, TD3 personal number, composite, in that order where the format has them.
pub fn checks(format: MrzFormat) -> Vec<Check> {
    let l = format.layout();
    let field = |s, at, filler_ok| Check {
        spans: vec![span(s)],
        at: pos(at),
        filler_ok,
    };
    let mut out = vec![
        field(l.number, l.number_check, false),
        field(l.birth, l.birth_check, false),
    ];
    if let Some((s, at)) = l.expiry {
        out.push(field(s, at, false));
    }
    if let Some(at) = l.optional_check {
        out.push(field(l.optional, at, true));
    }
    if let Some((at, spans)) = l.composite {
        out.push(Check {
            spans: spans
                .iter()
                .copied()
                .filter(|s| s.len > 0)
                .map(span)
                .collect(),
            at: pos(at),
            filler_ok: false,
        });
    }
    out
}

/// Per-position character classes of `format`, `[line][column]`: letters or filler in the
/// document code, issuing state, nationality and names; digits in dates and check digits (except
/// where `<` may stand: the TD3 personal number check, the TD1/TD2 number check of a long number); `M`/`F`/`X`/`<` for sex; anything in document numbers and
/// optional data.
pub fn classes(format: MrzFormat) -> Vec<Vec<CharClass>> {
    let l = format.layout();
    let mut out = vec![vec![CharClass::Any; l.width]; l.lines];
    let mut set = |(line, from, to): (usize, usize, usize), class: CharClass| {
        if let Some(row) = out.get_mut(line) {
            for slot in row.iter_mut().take(to).skip(from) {
                *slot = class;
            }
        }
    };
    let one = |(line, col): (usize, usize)| (line, col, col + 1);
    for s in [
        Some(l.code),
        Some(l.state),
        Some(l.name),
        l.given,
        l.nationality,
    ]
    .into_iter()
    .flatten()
    {
        set(span(s), CharClass::Alpha);
    }
    set(span(l.birth), CharClass::Digit);
    set(one(pos(l.birth_check)), CharClass::Digit);
    // A document number longer than the field puts `<` in its check position (TD1, TD2).
    if !l.long_number {
        set(one(pos(l.number_check)), CharClass::Digit);
    }
    if let Some((s, at)) = l.expiry {
        set(span(s), CharClass::Digit);
        set(one(pos(at)), CharClass::Digit);
    }
    if let Some((at, _)) = l.composite {
        set(one(pos(at)), CharClass::Digit);
    }
    set(one(pos(l.sex)), CharClass::Sex);
    out
}

/// How many check digits cover each position, `[line][column]` (a check digit covers itself):
/// 0 for the document code, issuing state, nationality, names, sex and (in visas) the optional
/// data, which a misread can change without any check digit noticing.
pub fn coverage(format: MrzFormat) -> Vec<Vec<u8>> {
    let l = format.layout();
    let mut out = vec![vec![0u8; l.width]; l.lines];
    let mut add = |line: usize, col: usize| {
        if let Some(slot) = out.get_mut(line).and_then(|r| r.get_mut(col)) {
            *slot = slot.saturating_add(1);
        }
    };
    for check in checks(format) {
        for &(line, from, to) in &check.spans {
            for col in from..to {
                add(line, col);
            }
        }
        add(check.at.0, check.at.1);
    }
    out
}

/// The three-character code fields of `format` (issuing state, then nationality where the format
/// has one), as `(line, first column)`: they must hold a code of [`crate::mrz::known_codes`].
pub fn code_fields(format: MrzFormat) -> Vec<(usize, usize)> {
    let l = format.layout();
    [Some(l.state), l.nationality]
        .into_iter()
        .flatten()
        .map(|s| (usize::from(s.line), usize::from(s.start)))
        .collect()
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
