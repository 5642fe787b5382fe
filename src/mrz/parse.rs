//! Parsing MRZ lines into fields: format detection, field extraction, per-field check digit status.

use super::Format;
use super::check::{WEIGHTS, char_value, digit_char};
use super::date::MrzDate;
use super::error::MrzError;
use super::layout::{Layout, Pos, Span};

/// The most lines any layout has; more is refused before anything else is looked at.
const MAX_LINES: usize = 3;

/// Sex as printed (ICAO 9303 Part 3 §4.6: `M`, `F`, or `<`/`X` for unspecified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `X`: unspecified.
    Unspecified,
    /// `<`: not stated (also unspecified; kept apart so that text round-trips).
    NotStated,
}

impl Sex {
    /// The MRZ character.
    pub fn as_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => 'X',
            Sex::NotStated => '<',
        }
    }

    /// From the MRZ character.
    pub fn from_char(c: char) -> Option<Sex> {
        match c {
            'M' => Some(Sex::Male),
            'F' => Some(Sex::Female),
            'X' => Some(Sex::Unspecified),
            '<' => Some(Sex::NotStated),
            _ => None,
        }
    }

    /// Whether a sex is stated (`M` or `F`).
    pub fn is_specified(self) -> bool {
        matches!(self, Sex::Male | Sex::Female)
    }
}

/// Which field a check digit protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckField {
    /// Document number (for long TD1/TD2 numbers, with its continuation in the optional data).
    DocumentNumber,
    /// Date of birth.
    BirthDate,
    /// Date of expiry.
    ExpiryDate,
    /// Optional data / personal number (TD3 only).
    OptionalData,
    /// Composite check digit over several fields (TD1, TD2, TD3, French ID).
    Composite,
}

impl CheckField {
    /// A stable lower-case name ("document_number", "birth_date", "expiry_date", "optional_data", "composite").
    pub fn name(self) -> &'static str {
        match self {
            CheckField::DocumentNumber => "document_number",
            CheckField::BirthDate => "birth_date",
            CheckField::ExpiryDate => "expiry_date",
            CheckField::OptionalData => "optional_data",
            CheckField::Composite => "composite",
        }
    }
}

/// A run of characters on one line, 0-based, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldSpan {
    /// 0-based line.
    pub line: usize,
    /// First column (0-based).
    pub start: usize,
    /// One past the last column.
    pub end: usize,
}

impl From<Span> for FieldSpan {
    fn from(s: Span) -> FieldSpan {
        FieldSpan {
            line: usize::from(s.line),
            start: usize::from(s.start),
            end: usize::from(s.start) + usize::from(s.len),
        }
    }
}

/// The status of one check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDigit {
    /// The field it protects.
    pub field: CheckField,
    /// The digit computed from the field.
    pub expected: u8,
    /// The character printed in the check position.
    pub actual: char,
    /// Whether the printed character agrees (a `<` agrees for an all-filler TD3 personal number).
    pub ok: bool,
    /// 0-based line of the check character.
    pub line: usize,
    /// 0-based column of the check character.
    pub column: usize,
    /// The characters the digit is computed over.
    pub covers: Covers,
}

/// The spans a check digit is computed over (at most four; kept inline, no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Covers {
    spans: [FieldSpan; 4],
    len: u8,
}

impl Covers {
    fn new(from: &[Span]) -> Covers {
        let mut c = Covers {
            spans: [FieldSpan {
                line: 0,
                start: 0,
                end: 0,
            }; 4],
            len: 0,
        };
        for (slot, s) in c.spans.iter_mut().zip(from.iter().filter(|s| s.len > 0)) {
            *slot = FieldSpan::from(*s);
            c.len += 1;
        }
        c
    }

    /// The spans, in the order the weights run over them.
    pub fn as_slice(&self) -> &[FieldSpan] {
        self.spans.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl core::ops::Deref for Covers {
    type Target = [FieldSpan];
    fn deref(&self) -> &[FieldSpan] {
        self.as_slice()
    }
}

/// A parsed MRZ. Parsing succeeds when the text has an MRZ's shape, even if check digits fail:
/// [`Mrz::checks`] says which, and [`Mrz::is_valid`] is true only when all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    format: Format,
    lines: Vec<String>,
    document_code: String,
    issuing_state: String,
    document_number: String,
    /// Where the number is, as the BAC "MRZ information" needs it: 9 characters with fillers, or the whole long number.
    number_spans: [Span; 2],
    number_check: char,
    nationality: String,
    birth: MrzDate,
    birth_check: char,
    expiry: MrzDate,
    expiry_check: char,
    sex: Sex,
    surname: String,
    given_names: String,
    name_truncated: bool,
    optional_data: String,
    optional_data_2: Option<String>,
    checks: Vec<CheckDigit>,
}

/// Where the document number's check digit sits and what it covers.
pub(crate) struct NumberLayout {
    /// The number's spans (principal part, then the continuation in the optional data).
    pub spans: [Span; 2],
    /// Check digit position.
    pub check: Pos,
    /// The optional data that is left after the number's continuation and its check digit.
    pub rest: Span,
}

/// Resolves the document number of a layout, following a long TD1/TD2 number into the optional
/// data (ICAO 9303 Part 5 §4.2.2 note, Part 6 §4.2.2 note): a `<` in the check position means the
/// number continues at the start of the optional data, and its check digit follows its last character.
pub(crate) fn number_layout(l: &Layout, lines: &[&[u8]]) -> NumberLayout {
    let empty = Span {
        line: l.optional.line,
        start: l.optional.start,
        len: 0,
    };
    let plain = NumberLayout {
        spans: [l.number, empty],
        check: l.number_check,
        rest: l.optional,
    };
    if !l.long_number || at(lines, l.number_check) != b'<' {
        return plain;
    }
    let opt = span_bytes(lines, l.optional);
    if opt.first().is_none_or(|&c| c == b'<') {
        return plain;
    }
    // The continuation runs up to the first filler; its last character is the check digit.
    let used = opt.iter().position(|&c| c == b'<').unwrap_or(opt.len());
    let Ok(used) = u8::try_from(used) else {
        return plain;
    };
    if used == 0 {
        return plain;
    }
    let cont_len = used - 1;
    NumberLayout {
        spans: [
            l.number,
            Span {
                line: l.optional.line,
                start: l.optional.start,
                len: cont_len,
            },
        ],
        check: (l.optional.line, l.optional.start + cont_len),
        rest: Span {
            line: l.optional.line,
            start: l.optional.start + used,
            len: l.optional.len - used,
        },
    }
}

pub(crate) fn span_bytes<'a>(lines: &[&'a [u8]], s: Span) -> &'a [u8] {
    let start = usize::from(s.start);
    lines
        .get(usize::from(s.line))
        .and_then(|l| l.get(start..start + usize::from(s.len)))
        .unwrap_or(&[])
}

pub(crate) fn at(lines: &[&[u8]], p: Pos) -> u8 {
    lines
        .get(usize::from(p.0))
        .and_then(|l| l.get(usize::from(p.1)))
        .copied()
        .unwrap_or(0)
}

/// Check digit over several spans, the weights running on from one span to the next.
fn check_over(lines: &[&[u8]], spans: &[Span]) -> u8 {
    let mut sum = 0u32;
    let chars = spans.iter().flat_map(|s| span_bytes(lines, *s));
    for (&c, w) in chars.zip(WEIGHTS.iter().cycle()) {
        sum = (sum + char_value(c).unwrap_or(0) * w) % 10;
    }
    u8::try_from(sum).unwrap_or(0)
}

/// One check digit's result, without allocation (shared by parsing and correction).
pub(crate) struct CheckEval {
    pub field: CheckField,
    pub expected: u8,
    pub actual: u8,
    pub ok: bool,
    pub pos: Pos,
}

/// Evaluates every check digit of a layout over lines of the right shape, calling `f` for each.
pub(crate) fn evaluate(format: Format, lines: &[&[u8]], mut f: impl FnMut(CheckEval, &[Span])) {
    let l = format.layout();
    let num = number_layout(l, lines);
    let mut one = |field, spans: &[Span], pos: Pos, filler_ok: bool| {
        let expected = check_over(lines, spans);
        let actual = at(lines, pos);
        let all_filler = spans
            .iter()
            .all(|s| span_bytes(lines, *s).iter().all(|&c| c == b'<'));
        let ok = actual == digit_char(expected) || (filler_ok && actual == b'<' && all_filler);
        f(
            CheckEval {
                field,
                expected,
                actual,
                ok,
                pos,
            },
            spans,
        );
    };
    one(CheckField::DocumentNumber, &num.spans, num.check, false);
    one(CheckField::BirthDate, &[l.birth], l.birth_check, false);
    if let Some((span, pos)) = l.expiry {
        one(CheckField::ExpiryDate, &[span], pos, false);
    }
    if let Some(pos) = l.optional_check {
        // Part 4 §4.2.2: the personal number check may be `<` when the field is all fillers.
        one(CheckField::OptionalData, &[l.optional], pos, true);
    }
    if let Some((pos, spans)) = l.composite {
        one(CheckField::Composite, spans, pos, false);
    }
}

/// Whether every check digit holds (no allocation; used by the correction search).
pub(crate) fn all_checks_hold(format: Format, lines: &[&[u8]]) -> bool {
    let mut ok = true;
    evaluate(format, lines, |c, _| ok &= c.ok);
    ok
}

/// Which layout the lines have, from the line count, line length and first character.
///
/// Checks the shape only (count, lengths in characters, alphabet); see [`parse`].
pub fn detect_format(lines: &[&str]) -> Result<Format, MrzError> {
    if lines.len() < 2 || lines.len() > MAX_LINES {
        return Err(MrzError::LineCount { found: lines.len() });
    }
    let first = lines.first().map_or(0, |l| l.chars().count());
    let width = if lines.len() == 3 {
        30
    } else if first == 36 || first == 44 {
        first
    } else {
        return Err(MrzError::LineLength {
            line: 0,
            found: first,
            expected: if first > 40 { 44 } else { 36 },
        });
    };
    for (i, line) in lines.iter().enumerate() {
        let n = if i == 0 { first } else { line.chars().count() };
        if n != width {
            return Err(MrzError::LineLength {
                line: i,
                found: n,
                expected: width,
            });
        }
    }
    for (i, line) in lines.iter().enumerate() {
        if let Some((column, found)) = line
            .chars()
            .enumerate()
            .find(|&(_, c)| !matches!(c, '0'..='9' | 'A'..='Z' | '<'))
        {
            return Err(MrzError::IllegalCharacter {
                line: i,
                column,
                found,
            });
        }
    }
    Ok(format_of(
        lines.len(),
        width,
        lines.first().map_or(&[], |l| l.as_bytes()),
        lines.get(1).map_or(&[], |l| l.as_bytes()),
    ))
}

/// Layout from shape and content (lines already known to be of one of the layout sizes).
pub(crate) fn format_of(count: usize, width: usize, line1: &[u8], line2: &[u8]) -> Format {
    let v = line1.first() == Some(&b'V');
    match (count, width) {
        (3, _) => Format::Td1,
        (_, 44) if v => Format::MrvA,
        (_, 44) => Format::Td3,
        _ if v => Format::MrvB,
        // The French card has the card number where a TD2 has the nationality.
        _ if line1.starts_with(b"IDFRA") && line2.get(10..13) != Some(b"FRA") => Format::FrenchId,
        _ => Format::Td2,
    }
}

/// Name components: runs of `<` become one space.
fn name_text(field: &[u8]) -> String {
    let mut out = String::with_capacity(field.len());
    for part in field.split(|&c| c == b'<').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(part.iter().map(|&c| char::from(c)));
    }
    out
}

/// Splits a name field into primary and secondary identifiers at the first `<<` (Part 3 §4.6).
fn split_name(field: &[u8]) -> (String, String) {
    match field.windows(2).position(|w| w == b"<<") {
        Some(i) => (
            name_text(field.get(..i).unwrap_or(&[])),
            name_text(field.get(i + 2..).unwrap_or(&[])),
        ),
        None => (name_text(field), String::new()),
    }
}

fn trim_fillers(b: &[u8]) -> String {
    let end = b.iter().rposition(|&c| c != b'<').map_or(0, |i| i + 1);
    b.get(..end)
        .unwrap_or(&[])
        .iter()
        .map(|&c| char::from(c))
        .collect()
}

fn ascii(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// Parses MRZ lines (2 or 3, of one layout's length, characters `[0-9A-Z<]`).
///
/// Succeeds whenever the shape is right, whatever the check digits say.
pub fn parse(lines: &[&str]) -> Result<Mrz, MrzError> {
    let format = detect_format(lines)?;
    let l = format.layout();
    let raw: Vec<&[u8]> = lines.iter().map(|s| s.as_bytes()).collect();
    let raw = raw.as_slice();

    let sex_byte = at(raw, l.sex);
    let sex = Sex::from_char(char::from(sex_byte)).ok_or(MrzError::InvalidSex {
        line: usize::from(l.sex.0),
        column: usize::from(l.sex.1),
        found: char::from(sex_byte),
    })?;

    let num = number_layout(l, raw);
    let document_number = if num.spans[1].len > 0 {
        let mut n = ascii(span_bytes(raw, num.spans[0]));
        n.push_str(&ascii(span_bytes(raw, num.spans[1])));
        n
    } else {
        trim_fillers(span_bytes(raw, num.spans[0]))
    };

    let (surname, given_names) = match l.given {
        Some(g) => (
            name_text(span_bytes(raw, l.name)),
            name_text(span_bytes(raw, g)),
        ),
        None => split_name(span_bytes(raw, l.name)),
    };
    let ends_full = |s: Span| span_bytes(raw, s).last().is_some_and(|&c| c != b'<');
    let name_truncated = ends_full(l.name) || l.given.is_some_and(ends_full);

    let (expiry, expiry_check) = match l.expiry {
        Some((s, p)) => (
            MrzDate::from_field(span_bytes(raw, s)),
            char::from(at(raw, p)),
        ),
        None => (MrzDate::absent(), '<'),
    };

    let mut checks = Vec::with_capacity(5);
    evaluate(format, raw, |c, spans| {
        checks.push(CheckDigit {
            field: c.field,
            expected: c.expected,
            actual: char::from(c.actual),
            ok: c.ok,
            line: usize::from(c.pos.0),
            column: usize::from(c.pos.1),
            covers: Covers::new(spans),
        });
    });

    Ok(Mrz {
        format,
        lines: lines.iter().map(|s| (*s).to_owned()).collect(),
        document_code: trim_fillers(span_bytes(raw, l.code)),
        issuing_state: trim_fillers(span_bytes(raw, l.state)),
        document_number,
        number_spans: num.spans,
        number_check: char::from(at(raw, num.check)),
        nationality: match l.nationality {
            Some(s) => trim_fillers(span_bytes(raw, s)),
            // The French card is issued to French nationals only.
            None => "FRA".to_owned(),
        },
        birth: MrzDate::from_field(span_bytes(raw, l.birth)),
        birth_check: char::from(at(raw, l.birth_check)),
        expiry,
        expiry_check,
        sex,
        surname,
        given_names,
        name_truncated,
        optional_data: trim_fillers(span_bytes(raw, num.rest)),
        optional_data_2: l.optional2.map(|s| trim_fillers(span_bytes(raw, s))),
        checks,
    })
}

impl Mrz {
    /// Parses MRZ text: lines separated by newlines or other whitespace, blank lines ignored.
    pub fn parse_text(text: &str) -> Result<Mrz, MrzError> {
        let mut it = text.split_whitespace();
        let lines: Vec<&str> = it.by_ref().take(MAX_LINES + 1).collect();
        if lines.len() > MAX_LINES {
            return Err(MrzError::LineCount {
                found: lines.len().saturating_add(it.count()),
            });
        }
        parse(&lines)
    }

    /// Parses an MRZ written without line breaks, as in the eMRTD DG1 data object `5F1F` (ICAO 9303
    /// Part 10 §4.7.1): 90 characters are TD1 (3 × 30), 72 are TD2/MRV-B (2 × 36), 88 are TD3/MRV-A (2 × 44).
    pub fn parse_concatenated(text: &str) -> Result<Mrz, MrzError> {
        let (count, width) = match text.len() {
            90 => (3, 30),
            72 => (2, 36),
            88 => (2, 44),
            n => {
                return Err(MrzError::LineLength {
                    line: 0,
                    found: text.chars().count(),
                    expected: if n > 80 { 88 } else { 72 },
                });
            }
        };
        let mut lines = Vec::with_capacity(count);
        for i in 0..count {
            let line = text.get(i * width..(i + 1) * width).ok_or_else(|| {
                // Not on a character boundary: some character is not ASCII.
                let (column, found) = text
                    .chars()
                    .enumerate()
                    .find(|(_, c)| !c.is_ascii())
                    .unwrap_or((0, '?'));
                MrzError::IllegalCharacter {
                    line: 0,
                    column,
                    found,
                }
            })?;
            lines.push(line);
        }
        parse(&lines)
    }

    /// Parses lines given as owned strings.
    pub fn parse_lines<S: AsRef<str>>(lines: &[S]) -> Result<Mrz, MrzError> {
        if lines.len() > MAX_LINES {
            return Err(MrzError::LineCount { found: lines.len() });
        }
        let v: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
        parse(&v)
    }

    /// The layout.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The lines as given.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Document code without fillers (`P`, `I`, `ID`, `V`, `AC` …).
    pub fn document_code(&self) -> &str {
        &self.document_code
    }

    /// Issuing state or organisation without fillers (`UTO`, `D` for Germany's `D<<`, `XOM` …).
    pub fn issuing_state(&self) -> &str {
        &self.issuing_state
    }

    /// The whole document number, fillers removed (long TD1/TD2 numbers include their continuation).
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// Nationality without fillers (`FRA` for the French ID card, which does not print it).
    pub fn nationality(&self) -> &str {
        &self.nationality
    }

    /// Date of birth as printed.
    pub fn birth_date(&self) -> &MrzDate {
        &self.birth
    }

    /// Date of expiry as printed (absent, i.e. empty, on the French ID card).
    pub fn expiry_date(&self) -> &MrzDate {
        &self.expiry
    }

    /// Sex.
    pub fn sex(&self) -> Sex {
        self.sex
    }

    /// Primary identifier: components separated by spaces.
    pub fn surname(&self) -> &str {
        &self.surname
    }

    /// Secondary identifier: given names separated by spaces.
    pub fn given_names(&self) -> &str {
        &self.given_names
    }

    /// Whether the name fills its field to the last character (ICAO truncation, Part 3 §4.6.5).
    pub fn name_truncated(&self) -> bool {
        self.name_truncated
    }

    /// The (first) optional data field without trailing fillers: the TD3 personal number; for a
    /// long TD1/TD2 number, what follows its check digit; for the French card, the office code.
    pub fn optional_data(&self) -> &str {
        &self.optional_data
    }

    /// TD1 only: the optional data of line 2, without trailing fillers.
    pub fn optional_data_2(&self) -> Option<&str> {
        self.optional_data_2.as_deref()
    }

    /// Every check digit of the layout, in MRZ order.
    pub fn checks(&self) -> &[CheckDigit] {
        &self.checks
    }

    /// The check digit protecting `field`, if the layout has one.
    pub fn check(&self, field: CheckField) -> Option<&CheckDigit> {
        self.checks.iter().find(|c| c.field == field)
    }

    /// Whether every check digit holds.
    pub fn is_valid(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The BAC "MRZ information" (ICAO 9303 Part 11 §9.7.2, Appendix D.2): document number (9
    /// characters with fillers, or the whole long TD1/TD2 number) + its check digit, date of birth +
    /// check digit, date of expiry + check digit, as printed.
    pub fn mrz_information(&self) -> String {
        let lines: Vec<&[u8]> = self.lines.iter().map(|l| l.as_bytes()).collect();
        let mut s = String::with_capacity(40);
        for span in self.number_spans {
            s.extend(span_bytes(&lines, span).iter().map(|&c| char::from(c)));
        }
        s.push(self.number_check);
        s.push_str(self.birth.yymmdd());
        s.push(self.birth_check);
        if self.expiry.is_present() {
            s.push_str(self.expiry.yymmdd());
            s.push(self.expiry_check);
        }
        s
    }
}
