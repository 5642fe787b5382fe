//! Writing MRZ text from fields for every layout: padding, name truncation, check digits.

use super::Format;
use super::check::{check_digit_bytes, digit_char};
use super::error::MrzError;
use super::layout::Span;
use super::parse::{Mrz, Sex, parse};

/// Builds MRZ lines from fields (computes every check digit; used for tests and fixtures).
///
/// ```
/// use bankid_activation::mrz::{Format, MrzBuilder, Sex};
/// # fn main() -> Result<(), bankid_activation::mrz::MrzError> {
/// let lines = MrzBuilder::new(Format::Td3)
///     .issuing_state("UTO")
///     .surname("Eriksson")
///     .given_names("Anna Maria")
///     .document_number("L898902C3")
///     .nationality("UTO")
///     .birth_date("740812")
///     .sex(Sex::Female)
///     .expiry_date("120415")
///     .optional_data("ZE184226B")
///     .build_lines()?;
/// // ICAO 9303 Part 4, Appendix A.
/// assert_eq!(lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzBuilder {
    format: Format,
    document_code: String,
    issuing_state: String,
    nationality: String,
    surname: String,
    given_names: String,
    document_number: String,
    birth_date: String,
    expiry_date: String,
    sex: Sex,
    optional_data: String,
    optional_data_2: String,
}

/// Pads `value` (already in the MRZ alphabet) with fillers to `len`.
fn pad(value: &[u8], len: usize, field: &'static str) -> Result<Vec<u8>, MrzError> {
    if value.len() > len {
        return Err(MrzError::InvalidField {
            field,
            reason: format!("{} characters, at most {len} fit", value.len()),
        });
    }
    let mut v = value.to_vec();
    v.resize(len, b'<');
    Ok(v)
}

/// Upper-cases and checks a code/number field: `[0-9A-Z<]` only.
fn alphabet(value: &str, field: &'static str) -> Result<Vec<u8>, MrzError> {
    value
        .chars()
        .map(|c| {
            let u = c.to_ascii_uppercase();
            if u.is_ascii_digit() || u.is_ascii_uppercase() || u == '<' {
                Ok(u as u8)
            } else {
                Err(MrzError::InvalidField {
                    field,
                    reason: format!("character {c:?} is not in [0-9A-Z<]"),
                })
            }
        })
        .collect()
}

/// Name components: letters upper-cased; spaces, hyphens and fillers separate; apostrophes and
/// full stops are dropped (ICAO 9303 Part 3 §4.6); anything else must be transliterated first.
fn components(value: &str, field: &'static str) -> Result<Vec<Vec<u8>>, MrzError> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    for c in value.chars() {
        match c {
            'a'..='z' | 'A'..='Z' => cur.push(c.to_ascii_uppercase() as u8),
            ' ' | '-' | '<' | ',' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            '\'' | '.' => {}
            _ => {
                return Err(MrzError::InvalidField {
                    field,
                    reason: format!("character {c:?} must be transliterated to A-Z first"),
                });
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// Writes a name field of `width`: primary `<<` secondary, components joined by `<`, truncated
/// so that the last character of a truncated field is a letter (ICAO 9303 Part 3 §4.6.5, roughly:
/// the name is cut at the field end, making room for the next component's initial).
fn name_field(primary: &[Vec<u8>], secondary: &[Vec<u8>], sep: &[u8], width: usize) -> Vec<u8> {
    let mut full = primary.join(&b'<');
    if !secondary.is_empty() {
        full.extend_from_slice(b"<<");
        full.extend_from_slice(&secondary.join(sep));
    }
    if full.len() <= width {
        full.resize(width, b'<');
        return full;
    }
    let next = full
        .get(width..)
        .and_then(|r| r.iter().find(|&&c| c != b'<'))
        .copied();
    full.truncate(width);
    if width >= 3
        && full.last() == Some(&b'<')
        && let Some(initial) = next
    {
        let before = full.get(width - 2).copied();
        let tail: &[u8] = if before == Some(b'<') { b"<<" } else { b"<" };
        let start = width - tail.len() - 1;
        full.truncate(start);
        full.extend_from_slice(tail);
        full.push(initial);
    }
    full
}

impl MrzBuilder {
    /// A builder for `format` with the usual document code (`P`, `I`, `V`, or `ID` for the French card)
    /// and everything else empty (fillers).
    pub fn new(format: Format) -> MrzBuilder {
        let code = match format {
            Format::Td3 => "P",
            Format::Td1 | Format::Td2 => "I",
            Format::MrvA | Format::MrvB => "V",
            Format::FrenchId => "ID",
        };
        MrzBuilder {
            format,
            document_code: code.into(),
            issuing_state: if format == Format::FrenchId {
                "FRA".into()
            } else {
                String::new()
            },
            nationality: String::new(),
            surname: String::new(),
            given_names: String::new(),
            document_number: String::new(),
            birth_date: String::new(),
            expiry_date: String::new(),
            sex: Sex::NotStated,
            optional_data: String::new(),
            optional_data_2: String::new(),
        }
    }

    /// Document code, 1–2 characters (`P`, `PO`, `I`, `ID`, `AC`, `V` …).
    pub fn document_code(mut self, v: &str) -> Self {
        v.clone_into(&mut self.document_code);
        self
    }

    /// Issuing state or organisation (`UTO`, `D`, `XOM` …).
    pub fn issuing_state(mut self, v: &str) -> Self {
        v.clone_into(&mut self.issuing_state);
        self
    }

    /// Nationality (not printed on the French card).
    pub fn nationality(mut self, v: &str) -> Self {
        v.clone_into(&mut self.nationality);
        self
    }

    /// Primary identifier; spaces and hyphens separate components.
    pub fn surname(mut self, v: &str) -> Self {
        v.clone_into(&mut self.surname);
        self
    }

    /// Secondary identifier; spaces separate given names.
    pub fn given_names(mut self, v: &str) -> Self {
        v.clone_into(&mut self.given_names);
        self
    }

    /// Document number; on TD1 and TD2 more than 9 characters continue in the optional data.
    pub fn document_number(mut self, v: &str) -> Self {
        v.clone_into(&mut self.document_number);
        self
    }

    /// Date of birth as `YYMMDD` (fillers for unknown parts).
    pub fn birth_date(mut self, v: &str) -> Self {
        v.clone_into(&mut self.birth_date);
        self
    }

    /// Date of expiry as `YYMMDD` (ignored on the French card, which has none).
    pub fn expiry_date(mut self, v: &str) -> Self {
        v.clone_into(&mut self.expiry_date);
        self
    }

    /// Sex.
    pub fn sex(mut self, v: Sex) -> Self {
        self.sex = v;
        self
    }

    /// Optional data (TD3: personal number; French card: the 6-character office code).
    pub fn optional_data(mut self, v: &str) -> Self {
        v.clone_into(&mut self.optional_data);
        self
    }

    /// TD1 only: the optional data of line 2.
    pub fn optional_data_2(mut self, v: &str) -> Self {
        v.clone_into(&mut self.optional_data_2);
        self
    }

    /// Writes the lines.
    pub fn build_lines(&self) -> Result<Vec<String>, MrzError> {
        let l = self.format.layout();
        let mut rows: Vec<Vec<u8>> = vec![vec![b'<'; l.width]; l.lines];
        let put = |rows: &mut Vec<Vec<u8>>, s: Span, v: &[u8]| {
            if let Some(row) = rows.get_mut(usize::from(s.line)) {
                for (k, &c) in v.iter().take(usize::from(s.len)).enumerate() {
                    if let Some(slot) = row.get_mut(usize::from(s.start) + k) {
                        *slot = c;
                    }
                }
            }
        };
        let one = |p: (u8, u8)| Span {
            line: p.0,
            start: p.1,
            len: 1,
        };

        put(
            &mut rows,
            l.code,
            &pad(
                &alphabet(&self.document_code, "document_code")?,
                2,
                "document_code",
            )?,
        );
        put(
            &mut rows,
            l.state,
            &pad(
                &alphabet(&self.issuing_state, "issuing_state")?,
                3,
                "issuing_state",
            )?,
        );
        if let Some(s) = l.nationality {
            put(
                &mut rows,
                s,
                &pad(
                    &alphabet(&self.nationality, "nationality")?,
                    3,
                    "nationality",
                )?,
            );
        }
        let date = |v: &str, field: &'static str| -> Result<Vec<u8>, MrzError> {
            let b = alphabet(v, field)?;
            if b.is_empty() {
                return Ok(vec![b'<'; 6]);
            }
            if b.len() != 6 || !b.iter().all(|c| c.is_ascii_digit() || *c == b'<') {
                return Err(MrzError::InvalidField {
                    field,
                    reason: "expected YYMMDD".into(),
                });
            }
            Ok(b)
        };
        let birth = date(&self.birth_date, "birth_date")?;
        put(&mut rows, l.birth, &birth);
        put(
            &mut rows,
            one(l.birth_check),
            &[digit_char(check_digit_bytes(&birth).unwrap_or(0))],
        );
        if let Some((s, p)) = l.expiry {
            let expiry = date(&self.expiry_date, "expiry_date")?;
            put(&mut rows, s, &expiry);
            put(
                &mut rows,
                one(p),
                &[digit_char(check_digit_bytes(&expiry).unwrap_or(0))],
            );
        }
        put(&mut rows, one(l.sex), &[self.sex.as_char() as u8]);

        // Names.
        let primary = components(&self.surname, "surname")?;
        let secondary = components(&self.given_names, "given_names")?;
        match l.given {
            Some(g) => {
                put(
                    &mut rows,
                    l.name,
                    &name_field(&primary, &[], b"<", usize::from(l.name.len)),
                );
                // The French card separates given names with `<<`.
                let joined = secondary.join(&b"<<"[..]);
                let given = if joined.is_empty() {
                    Vec::new()
                } else {
                    vec![joined]
                };
                put(
                    &mut rows,
                    g,
                    &name_field(&given, &[], b"<", usize::from(g.len)),
                );
            }
            None => put(
                &mut rows,
                l.name,
                &name_field(&primary, &secondary, b"<", usize::from(l.name.len)),
            ),
        }

        // Document number and optional data.
        let number = alphabet(&self.document_number, "document_number")?;
        let mut optional = alphabet(&self.optional_data, "optional_data")?;
        let principal = usize::from(l.number.len);
        if number.len() > principal && l.long_number {
            if number.contains(&b'<') {
                return Err(MrzError::InvalidField {
                    field: "document_number",
                    reason: "a long document number cannot contain fillers".into(),
                });
            }
            // ICAO 9303 Part 5 §4.2.2 note: `<` in the check position, the rest of the number and
            // its check digit at the start of the optional data.
            let check = digit_char(check_digit_bytes(&number).unwrap_or(0));
            put(&mut rows, l.number, number.get(..principal).unwrap_or(&[]));
            put(&mut rows, one(l.number_check), b"<");
            let mut cont = number.get(principal..).unwrap_or(&[]).to_vec();
            cont.push(check);
            cont.extend_from_slice(&optional);
            optional = cont;
        } else {
            let field = pad(&number, principal, "document_number")?;
            put(&mut rows, l.number, &field);
            put(
                &mut rows,
                one(l.number_check),
                &[digit_char(check_digit_bytes(&field).unwrap_or(0))],
            );
        }
        let optional = pad(&optional, usize::from(l.optional.len), "optional_data")?;
        put(&mut rows, l.optional, &optional);
        if let Some(p) = l.optional_check {
            let c = if optional.iter().all(|&c| c == b'<') {
                b'<'
            } else {
                digit_char(check_digit_bytes(&optional).unwrap_or(0))
            };
            put(&mut rows, one(p), &[c]);
        }
        if let Some(s) = l.optional2 {
            let o2 = pad(
                &alphabet(&self.optional_data_2, "optional_data_2")?,
                usize::from(s.len),
                "optional_data_2",
            )?;
            put(&mut rows, s, &o2);
        } else if !self.optional_data_2.is_empty() {
            return Err(MrzError::InvalidField {
                field: "optional_data_2",
                reason: format!("{} has no second optional data field", self.format.name()),
            });
        }
        if let Some((p, spans)) = l.composite {
            let mut all = Vec::with_capacity(64);
            for s in spans {
                let start = usize::from(s.start);
                if let Some(b) = rows
                    .get(usize::from(s.line))
                    .and_then(|r| r.get(start..start + usize::from(s.len)))
                {
                    all.extend_from_slice(b);
                }
            }
            put(
                &mut rows,
                one(p),
                &[digit_char(check_digit_bytes(&all).unwrap_or(0))],
            );
        }
        Ok(rows
            .into_iter()
            .map(|r| r.into_iter().map(char::from).collect())
            .collect())
    }

    /// Writes the lines and parses them back.
    pub fn build(&self) -> Result<Mrz, MrzError> {
        let lines = self.build_lines()?;
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        parse(&refs)
    }
}
