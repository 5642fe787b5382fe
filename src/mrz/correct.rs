//! Field-aware correction of OCR'd MRZ text: look-alike swaps by field type, filler `K`/`<`,
//! ranked per-character candidates, and a bounded search accepted only when every check digit holds.
//!
//! Numeric fields (dates, check digits) cannot hold letters and alphabetic fields (names, codes)
//! cannot hold digits, so look-alikes there are swapped outright. Document numbers and optional
//! data are alphanumeric: which look-alike is right is decided by the check digits. A correction is
//! accepted only when every check digit then holds and no other correction holds with a score
//! within [`CorrectionOptions::ambiguity_margin`], and only when it changes at most
//! [`CorrectionOptions::max_changes_per_field`] characters of any one checked field. The search is
//! bounded in positions, changes and trials, so no input can make it run long.

use super::date::days_in_month;
use super::error::MrzError;
use super::layout::Span;
use super::parse::{CheckField, all_checks_hold, evaluate, format_of, parse, span_bytes};
use super::{Format, Mrz};

/// Ranked alternatives per character: `candidates[line][column]` is a list of `(character, score)`,
/// higher scores better; the first [`MAX_CANDIDATES`] of each list are read. An empty outer
/// slice, an empty line list or an empty list means "no candidates there" (the line's own
/// character and the built-in look-alikes are used). Candidates illegal in the field are ignored.
pub type Candidates = [Vec<Vec<(char, f32)>>];

/// At most this many candidates per position are read (the engine's best should come first).
pub const MAX_CANDIDATES: usize = 64;

/// Bounds and thresholds of the correction search.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionOptions {
    /// At most this many uncertain positions are searched (the least certain first).
    pub max_uncertain: usize,
    /// At most this many characters are changed by the check-digit search.
    pub max_changes: usize,
    /// At most this many of those changes fall in one field that carries its own check digit
    /// (document number, a date, a TD3 personal number, each with its check digit; what only the
    /// composite covers counts as one more field). One check digit detects any single substitution
    /// in its field but no pair of them reliably: two changes in one field can compensate each
    /// other, so a field's own check digit cannot vouch for a two-character repair of it.
    pub max_changes_per_field: usize,
    /// At most this many alternatives per position.
    pub max_options: usize,
    /// At most this many combinations are tried; past it the search stops and refuses (`complete` false).
    pub max_trials: usize,
    /// Two corrections whose costs differ by less than this are a tie: the result is ambiguous.
    /// Without candidates every look-alike swap costs 1, so the default 0.1 means an exact tie.
    pub ambiguity_margin: f32,
}

impl Default for CorrectionOptions {
    fn default() -> Self {
        CorrectionOptions {
            max_uncertain: 16,
            max_changes: 2,
            max_changes_per_field: 1,
            max_options: 10,
            max_trials: 20_000,
            ambiguity_margin: 0.1,
        }
    }
}

/// Why a character was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeReason {
    /// Lower case read; MRZ text is upper case.
    Case,
    /// A letter in a numeric field or a digit in an alphabetic field, swapped for its look-alike.
    FieldType,
    /// A `K` inside a run of fillers, read as `<`.
    Filler,
    /// The caller's candidates rank another character first.
    Candidate,
    /// Chosen by the check-digit search.
    CheckDigit,
}

/// One changed character (0-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Change {
    /// 0-based line.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
    /// The character read.
    pub from: char,
    /// The character written.
    pub to: char,
    /// Why.
    pub reason: ChangeReason,
}

/// The outcome of [`correct`].
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The corrected lines (when refused: the lines with the field-type swaps only).
    pub lines: Vec<String>,
    /// What was changed, in line/column order.
    pub changes: Vec<Change>,
    /// True when the corrected lines parse and every check digit holds, and the correction is unique.
    pub valid: bool,
    /// True when two or more different corrections hold with costs within the margin.
    pub ambiguous: bool,
    /// The competing corrections (check-digit search changes only) when ambiguous, best first.
    pub alternatives: Vec<Vec<Change>>,
    /// False when the search hit `max_trials` before it could rule out a competitor (then refused).
    pub complete: bool,
    /// Number of combinations tried.
    pub trials: usize,
    /// The parsed corrected MRZ, when it parses.
    pub mrz: Option<Mrz>,
}

/// What a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Digits, or `<` (dates with unknown parts, check positions where a filler is allowed).
    Digit,
    /// A check digit that must be a digit.
    Check,
    Alpha,
    AlphaNum,
    Sex,
}

fn legal(kind: Kind, c: u8) -> bool {
    match kind {
        Kind::Digit => c.is_ascii_digit() || c == b'<',
        Kind::Check => c.is_ascii_digit(),
        Kind::Alpha => c.is_ascii_uppercase() || c == b'<',
        Kind::AlphaNum => c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'<',
        Kind::Sex => matches!(c, b'M' | b'F' | b'X' | b'<'),
    }
}

/// Letters that OCR-B digits are mistaken for, mapped back to the digit.
fn to_digit(c: u8) -> Option<u8> {
    Some(match c {
        b'O' | b'Q' | b'D' | b'U' => b'0',
        b'I' | b'L' | b'J' => b'1',
        b'Z' => b'2',
        b'A' => b'4',
        b'S' => b'5',
        b'G' => b'6',
        b'T' => b'7',
        b'B' => b'8',
        _ => return None,
    })
}

/// Digits that OCR-B letters are mistaken for, mapped back to the letter.
fn to_alpha(c: u8) -> Option<u8> {
    Some(match c {
        b'0' => b'O',
        b'1' => b'I',
        b'2' => b'Z',
        b'4' => b'A',
        b'5' => b'S',
        b'6' => b'G',
        b'7' => b'T',
        b'8' => b'B',
        _ => return None,
    })
}

/// Look-alikes of a character in an alphanumeric field.
fn alnum_alternatives(c: u8) -> &'static [u8] {
    match c {
        b'0' => b"ODQ",
        b'O' => b"0DQ",
        b'D' => b"0O",
        b'Q' => b"0O",
        b'1' => b"IL",
        b'I' => b"1L",
        b'L' => b"1I",
        b'2' => b"Z",
        b'Z' => b"2",
        b'4' => b"A",
        b'A' => b"4",
        b'5' => b"S",
        b'S' => b"5",
        b'6' => b"G",
        b'G' => b"6",
        b'7' => b"T",
        b'T' => b"7",
        b'8' => b"B",
        b'B' => b"8",
        b'K' => b"<",
        b'<' => b"K",
        _ => b"",
    }
}

/// Whether the `K` at `i` of a field sits in a run of fillers: at least `min_left` fillers right
/// before it and a filler (or the end of the field) right after it.
///
/// Names use `min_left` 3: `<<<` never occurs inside an ICAO name (one `<<` separates the
/// identifiers), whereas `SMITH<<K<<<` is a one-letter given name. Optional data uses 2.
fn filler_k(field: &[u8], i: usize, min_left: usize) -> bool {
    if field.get(i) != Some(&b'K') {
        return false;
    }
    let mut a = i;
    while a > 0 && field.get(a - 1) == Some(&b'K') {
        a -= 1;
    }
    let mut b = i + 1;
    while field.get(b) == Some(&b'K') {
        b += 1;
    }
    if b - a > 2 || a == 0 || field.get(a - 1) != Some(&b'<') {
        return false;
    }
    let left = field
        .get(..a)
        .unwrap_or(&[])
        .iter()
        .rev()
        .take_while(|&&c| c == b'<')
        .count();
    let right = field
        .get(b..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&c| c == b'<')
        .count();
    let at_end = b == field.len();
    (at_end || right > 0) && left >= min_left
}

/// One alternative for a position: byte and cost (lower is better).
type Opt = (u8, f32);

struct Grid {
    width: usize,
    kinds: Vec<Kind>,
    protected: Vec<bool>,
}

impl Grid {
    fn new(format: Format) -> Grid {
        let l = format.layout();
        let n = l.lines * l.width;
        let mut g = Grid {
            width: l.width,
            kinds: vec![Kind::AlphaNum; n],
            protected: vec![false; n],
        };
        let mut set = |s: Span, k: Kind| {
            for c in 0..usize::from(s.len) {
                let i = usize::from(s.line) * l.width + usize::from(s.start) + c;
                if let Some(slot) = g.kinds.get_mut(i) {
                    *slot = k;
                }
            }
        };
        let one = |p: (u8, u8)| Span {
            line: p.0,
            start: p.1,
            len: 1,
        };
        set(l.code, Kind::Alpha);
        set(l.state, Kind::Alpha);
        set(l.name, Kind::Alpha);
        if let Some(s) = l.given {
            set(s, Kind::Alpha);
        }
        if let Some(s) = l.nationality {
            set(s, Kind::Alpha);
        }
        set(l.birth, Kind::Digit);
        set(one(l.birth_check), Kind::Check);
        // `<` marks a long TD1/TD2 number (Part 5 §4.2.2 note).
        let number_check = if l.long_number {
            Kind::Digit
        } else {
            Kind::Check
        };
        set(one(l.number_check), number_check);
        set(one(l.sex), Kind::Sex);
        if let Some((s, p)) = l.expiry {
            set(s, Kind::Digit);
            set(one(p), Kind::Check);
        }
        if let Some(p) = l.optional_check {
            // `<` for an all-filler personal number (Part 4 §4.2.2).
            set(one(p), Kind::Digit);
        }
        if let Some((p, _)) = l.composite {
            set(one(p), Kind::Check);
        }
        g
    }

    fn idx(&self, line: usize, col: usize) -> usize {
        line * self.width + col
    }
}

/// Field index of positions no check digit covers (at most `NO_FIELD` fields are told apart).
const NO_FIELD: u8 = 8;

/// Whether a six-digit date is a possible calendar date (fields with fillers are not judged).
fn date_ok(b: &[u8]) -> bool {
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let two = |i: usize| {
        let hi = b.get(i).map_or(0, |c| c - b'0');
        let lo = b.get(i + 1).map_or(0, |c| c - b'0');
        hi * 10 + lo
    };
    let (yy, mm, dd) = (two(0), two(2), two(4));
    (1..=12).contains(&mm) && dd >= 1 && dd <= days_in_month(2000 + u16::from(yy), mm)
}

fn holds(format: Format, rows: &[Vec<u8>]) -> bool {
    let mut refs: [&[u8]; 3] = [&[], &[], &[]];
    for (slot, r) in refs.iter_mut().zip(rows) {
        *slot = r;
    }
    let refs = refs.get(..rows.len()).unwrap_or(&[]);
    let l = format.layout();
    all_checks_hold(format, refs)
        && date_ok(span_bytes(refs, l.birth))
        && l.expiry.is_none_or(|(s, _)| date_ok(span_bytes(refs, s)))
}

/// Corrects OCR'd MRZ lines with the default bounds (see [`correct_with`]).
///
/// ```
/// use bankid_activation::mrz::correct;
/// # fn main() -> Result<(), bankid_activation::mrz::MrzError> {
/// // ICAO 9303 Part 4 TD3 specimen, read with `O` for `0` in the birth date and the document number.
/// let c = correct(
///     &[
///         "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
///         "L8989O2C36UTO74O8122F1204159ZE184226B<<<<<10",
///     ],
///     &[],
/// )?;
/// assert!(c.valid && !c.ambiguous);
/// assert_eq!(c.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
/// assert_eq!(c.changes.len(), 2);
/// # Ok(())
/// # }
/// ```
pub fn correct(lines: &[&str], candidates: &Candidates) -> Result<Correction, MrzError> {
    correct_with(lines, candidates, &CorrectionOptions::default())
}

/// Corrects OCR'd MRZ lines.
///
/// The lines must have an MRZ's shape (2 or 3 lines of one layout's length, counted in
/// characters); anything may be in them. `candidates` (possibly empty) gives ranked alternatives
/// per character; where a position has candidates, they replace the line's character there.
pub fn correct_with(
    lines: &[&str],
    candidates: &Candidates,
    opts: &CorrectionOptions,
) -> Result<Correction, MrzError> {
    // Shape first, on character counts: bounded work for any input.
    if lines.len() < 2 || lines.len() > 3 {
        return Err(MrzError::LineCount { found: lines.len() });
    }
    let chars: Vec<Vec<char>> = {
        let mut v = Vec::with_capacity(lines.len());
        let width = if lines.len() == 3 {
            30
        } else {
            lines.first().map_or(0, |l| l.chars().count())
        };
        for (i, l) in lines.iter().enumerate() {
            let n = l.chars().count();
            if n != width || (lines.len() == 2 && width != 36 && width != 44) {
                return Err(MrzError::LineLength {
                    line: i,
                    found: n,
                    expected: match (lines.len(), width) {
                        (3, _) => 30,
                        (_, w) if w > 40 => 44,
                        _ => 36,
                    },
                });
            }
            v.push(l.chars().collect());
        }
        v
    };
    if !candidates.is_empty() && candidates.len() != lines.len() {
        return Err(MrzError::Candidates {
            reason: format!(
                "{} candidate lines for {} MRZ lines",
                candidates.len(),
                lines.len()
            ),
        });
    }
    let upper: Vec<Vec<u8>> = chars
        .iter()
        .map(|l| {
            l.iter()
                .map(|&c| {
                    if c.is_ascii() {
                        c.to_ascii_uppercase() as u8
                    } else {
                        b'?'
                    }
                })
                .collect()
        })
        .collect();
    let width = upper.first().map_or(0, Vec::len);
    let format = format_of(
        lines.len(),
        width,
        upper.first().map_or(&[], |l| l.as_slice()),
        upper.get(1).map_or(&[], |l| l.as_slice()),
    );
    let layout = format.layout();
    let grid = Grid::new(format);

    // Filler-run `K`s are judged on the fields where fillers occur next to letters.
    let mut filler = vec![false; upper.len() * width];
    let mut fields: Vec<(Span, usize)> = vec![(layout.name, 3), (layout.optional, 2)];
    fields.extend(layout.given.map(|s| (s, 3)));
    fields.extend(layout.optional2.map(|s| (s, 2)));
    {
        let rows: Vec<&[u8]> = upper.iter().map(Vec::as_slice).collect();
        for (s, min_left) in fields {
            let f = span_bytes(&rows, s);
            for i in 0..f.len() {
                if filler_k(f, i, min_left) {
                    let idx = grid.idx(usize::from(s.line), usize::from(s.start) + i);
                    if let Some(slot) = filler.get_mut(idx) {
                        *slot = true;
                    }
                }
            }
        }
    }

    // Options per position, best first.
    let mut options: Vec<Vec<Opt>> = Vec::with_capacity(upper.len() * width);
    let mut reasons: Vec<ChangeReason> = Vec::with_capacity(upper.len() * width);
    for (li, row) in chars.iter().enumerate() {
        let cand_line = candidates.get(li).filter(|c| !c.is_empty());
        if let Some(c) = cand_line
            && c.len() != row.len()
        {
            return Err(MrzError::Candidates {
                reason: format!(
                    "line {} has {} candidate lists for {} characters",
                    li + 1,
                    c.len(),
                    row.len()
                ),
            });
        }
        for (ci, &read) in row.iter().enumerate() {
            let idx = grid.idx(li, ci);
            let kind = grid.kinds.get(idx).copied().unwrap_or(Kind::AlphaNum);
            let u = upper
                .get(li)
                .and_then(|r| r.get(ci))
                .copied()
                .unwrap_or(b'?');
            let mut o: Vec<Opt> = Vec::new();
            let mut reason = ChangeReason::FieldType;
            if let Some(list) = cand_line.and_then(|c| c.get(ci)).filter(|l| !l.is_empty()) {
                let mut ranked: Vec<(u8, f32)> = list
                    .iter()
                    .take(MAX_CANDIDATES)
                    .filter(|(c, s)| c.is_ascii() && s.is_finite() && legal(kind, *c as u8))
                    .map(|&(c, s)| (c as u8, s))
                    .collect();
                ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
                let mut seen = [false; 128];
                // Keep the best score of each character.
                ranked.retain(|(c, _)| {
                    seen.get_mut(usize::from(*c))
                        .is_some_and(|s| !std::mem::replace(s, true))
                });
                if let Some(&(_, top)) = ranked.first() {
                    o = ranked.iter().map(|&(c, s)| (c, top - s)).collect();
                    reason = ChangeReason::Candidate;
                }
            }
            if o.is_empty() {
                if legal(kind, u) {
                    if filler.get(idx).copied().unwrap_or(false)
                        && matches!(kind, Kind::Alpha | Kind::AlphaNum)
                    {
                        o.push((b'<', 0.0));
                        o.push((b'K', 1.0));
                        reason = ChangeReason::Filler;
                    } else {
                        o.push((u, 0.0));
                        if kind == Kind::AlphaNum {
                            o.extend(alnum_alternatives(u).iter().map(|&c| (c, 1.0)));
                        }
                        reason = if read.is_ascii_lowercase() {
                            ChangeReason::Case
                        } else {
                            ChangeReason::FieldType
                        };
                    }
                } else {
                    match kind {
                        Kind::Digit | Kind::Check => match to_digit(u) {
                            Some(d) => o.push((d, 0.0)),
                            // Unreadable digit: the check digits may still single it out.
                            None => {
                                o.extend((b'0'..=b'9').map(|d| (d, 2.0)));
                                reason = ChangeReason::CheckDigit;
                            }
                        },
                        Kind::Alpha => match to_alpha(u) {
                            Some(a) => o.push((a, 0.0)),
                            None => o.push((u, 0.0)),
                        },
                        Kind::Sex | Kind::AlphaNum => o.push((u, 0.0)),
                    }
                }
            }
            o.truncate(opts.max_options.saturating_add(1).max(1));
            options.push(o);
            reasons.push(reason);
        }
    }

    // The baseline: the best option everywhere.
    let mut rows: Vec<Vec<u8>> = upper.clone();
    for (li, row) in rows.iter_mut().enumerate() {
        for (ci, slot) in row.iter_mut().enumerate() {
            if let Some(o) = options.get(grid.idx(li, ci)).and_then(|o| o.first()) {
                *slot = o.0;
            }
        }
    }

    // Which checks fail on the baseline, and what they cover.
    let mut protected = grid.protected.clone();
    let mut in_failing = vec![0u8; protected.len()];
    // The check-digit field of each position (`NO_FIELD` where no check digit covers it): a field
    // with its own check digit, or the composite for what only the composite covers.
    let mut field_of = vec![NO_FIELD; protected.len()];
    {
        let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        let mut field_index = 0u8;
        evaluate(format, &refs, |c, spans| {
            let check_pos = Span {
                line: c.pos.0,
                start: c.pos.1,
                len: 1,
            };
            let own = c.field != CheckField::Composite;
            for s in spans.iter().chain(std::iter::once(&check_pos)) {
                for k in 0..usize::from(s.len) {
                    let i = grid.idx(usize::from(s.line), usize::from(s.start) + k);
                    if let Some(f) = field_of.get_mut(i)
                        && (own || *f == NO_FIELD)
                    {
                        *f = field_index;
                    }
                    if let Some(p) = protected.get_mut(i) {
                        *p = true;
                    }
                    if !c.ok
                        && let Some(f) = in_failing.get_mut(i)
                    {
                        *f = f.saturating_add(1);
                    }
                }
            }
            field_index = field_index.saturating_add(1).min(NO_FIELD - 1);
        });
    }
    let baseline_ok = holds(format, &rows);

    // Uncertain positions: protected, with alternatives; if something fails, only where it fails.
    let mut uncertain: Vec<(usize, f32)> = (0..options.len())
        .filter(|&i| protected.get(i).copied().unwrap_or(false))
        .filter(|&i| baseline_ok || in_failing.get(i).copied().unwrap_or(0) > 0)
        .filter_map(|i| {
            let o = options.get(i)?;
            let gap = o.get(1)?.1 - o.first()?.1;
            Some((i, gap))
        })
        .collect();
    uncertain.sort_by(|a, b| {
        a.1.total_cmp(&b.1).then_with(|| {
            let fa = in_failing.get(a.0).copied().unwrap_or(0);
            let fb = in_failing.get(b.0).copied().unwrap_or(0);
            fb.cmp(&fa).then(a.0.cmp(&b.0))
        })
    });
    uncertain.truncate(opts.max_uncertain);

    let mut search = Search {
        format,
        width,
        options: &options,
        uncertain: &uncertain,
        rows,
        chosen: Vec::new(),
        solutions: Vec::new(),
        best: f32::INFINITY,
        margin: opts.ambiguity_margin.max(0.0),
        trials: 0,
        max_trials: opts.max_trials,
        aborted: false,
    };
    let mut gaps: Vec<f32> = uncertain.iter().map(|u| u.1).collect();
    gaps.sort_by(f32::total_cmp);
    // A character outside the MRZ alphabet that nothing could replace: the lines cannot parse,
    // so there is nothing to search for.
    let unparseable = search
        .rows
        .iter()
        .flatten()
        .any(|&b| !legal(Kind::AlphaNum, b));
    let levels = if unparseable {
        0
    } else {
        opts.max_changes.min(uncertain.len()) + 1
    };
    for k in 0..levels {
        let lower: f32 = gaps.iter().take(k).sum();
        if lower > search.best + search.margin {
            break;
        }
        search.level(k, 0, 0.0);
        if search.aborted {
            break;
        }
    }
    let complete = !search.aborted;
    let trials = search.trials;
    let mut solutions = std::mem::take(&mut search.solutions);
    let mut rows = search.rows;
    solutions.sort_by(|a, b| a.0.total_cmp(&b.0));

    let read_at = |i: usize| -> char {
        chars
            .get(i / width.max(1))
            .and_then(|r| r.get(i % width.max(1)))
            .copied()
            .unwrap_or('?')
    };
    let to_changes = |sol: &[(usize, u8)]| -> Vec<Change> {
        sol.iter()
            .map(|&(i, c)| Change {
                line: i / width.max(1),
                column: i % width.max(1),
                from: read_at(i),
                to: char::from(c),
                reason: ChangeReason::CheckDigit,
            })
            .collect()
    };

    let best_cost = solutions.first().map(|s| s.0);
    let close: Vec<&(f32, Vec<(usize, u8)>)> = match best_cost {
        Some(b) => solutions
            .iter()
            .filter(|s| s.0 - b < search.margin)
            .collect(),
        None => Vec::new(),
    };
    let ambiguous = close.len() > 1;
    let alternatives = if ambiguous {
        close.iter().map(|s| to_changes(&s.1)).collect()
    } else {
        Vec::new()
    };
    // The best correction may change at most `max_changes_per_field` characters of one checked
    // field; one beyond that is refused, not replaced by the next best (competitors over the cap
    // still count for the ambiguity above, so a close two-character rival still refuses).
    let within_cap = close.first().is_none_or(|sol| {
        let mut per_field = [0usize; NO_FIELD as usize];
        sol.1.iter().all(|&(i, _)| {
            let f = field_of.get(i).copied().unwrap_or(NO_FIELD);
            per_field.get_mut(usize::from(f)).is_none_or(|n| {
                *n += 1;
                *n <= opts.max_changes_per_field
            })
        })
    });
    let accepted = complete && !ambiguous && !close.is_empty() && within_cap;
    let mut searched = vec![false; rows.len() * width];
    if accepted && let Some(sol) = close.first() {
        for &(i, c) in &sol.1 {
            if let Some(slot) = rows
                .get_mut(i / width.max(1))
                .and_then(|r| r.get_mut(i % width.max(1)))
            {
                *slot = c;
            }
            if let Some(f) = searched.get_mut(i) {
                *f = true;
            }
        }
    }
    // What changed, against what was read. A refused correction keeps unreadable characters
    // as read rather than a guess.
    let mut changes = Vec::new();
    for (li, row) in rows.iter_mut().enumerate() {
        for (ci, slot) in row.iter_mut().enumerate() {
            let idx = grid.idx(li, ci);
            let mut reason = reasons.get(idx).copied().unwrap_or(ChangeReason::FieldType);
            if searched.get(idx).copied().unwrap_or(false) {
                reason = ChangeReason::CheckDigit;
            } else if reason == ChangeReason::CheckDigit && !accepted {
                *slot = upper
                    .get(li)
                    .and_then(|r| r.get(ci))
                    .copied()
                    .unwrap_or(b'?');
            }
            let read = read_at(idx);
            // Non-ASCII left as read (`?` stands in for it in `rows`) is not a change.
            let kept = *slot == b'?' && !read.is_ascii();
            if !kept && char::from(*slot) != read {
                changes.push(Change {
                    line: li,
                    column: ci,
                    from: read,
                    to: char::from(*slot),
                    reason,
                });
            }
        }
    }

    let out: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(li, r)| {
            r.iter()
                .enumerate()
                .map(|(ci, &b)| {
                    let read = read_at(grid.idx(li, ci));
                    if b == b'?' && !read.is_ascii() {
                        read
                    } else {
                        char::from(b)
                    }
                })
                .collect()
        })
        .collect();
    let refs: Vec<&str> = out.iter().map(String::as_str).collect();
    let mrz = parse(&refs).ok();
    let valid = accepted && mrz.as_ref().is_some_and(Mrz::is_valid);
    Ok(Correction {
        lines: out,
        changes,
        valid,
        ambiguous,
        alternatives,
        complete,
        trials,
        mrz,
    })
}

/// The bounded search over combinations of alternatives.
struct Search<'a> {
    format: Format,
    width: usize,
    options: &'a [Vec<Opt>],
    uncertain: &'a [(usize, f32)],
    rows: Vec<Vec<u8>>,
    chosen: Vec<(usize, u8)>,
    solutions: Vec<(f32, Vec<(usize, u8)>)>,
    best: f32,
    margin: f32,
    trials: usize,
    max_trials: usize,
    aborted: bool,
}

impl Search<'_> {
    /// Tries every way to change `k` more positions from `uncertain[from..]`.
    fn level(&mut self, k: usize, from: usize, cost: f32) {
        if self.aborted || cost > self.best + self.margin {
            return;
        }
        if k == 0 {
            self.trials = self.trials.saturating_add(1);
            if self.trials > self.max_trials {
                self.aborted = true;
                return;
            }
            if holds(self.format, &self.rows) {
                self.best = self.best.min(cost);
                self.solutions.push((cost, self.chosen.clone()));
            }
            return;
        }
        for u in from..self.uncertain.len() {
            let Some(&(pos, _)) = self.uncertain.get(u) else {
                return;
            };
            let Some(opts) = self.options.get(pos) else {
                continue;
            };
            let base_cost = opts.first().map_or(0.0, |o| o.1);
            let (li, ci) = (pos / self.width.max(1), pos % self.width.max(1));
            let Some(orig) = self.rows.get(li).and_then(|r| r.get(ci)).copied() else {
                continue;
            };
            for &(c, oc) in opts.iter().skip(1) {
                if let Some(slot) = self.rows.get_mut(li).and_then(|r| r.get_mut(ci)) {
                    *slot = c;
                }
                self.chosen.push((pos, c));
                self.level(k - 1, u + 1, cost + (oc - base_cost));
                self.chosen.pop();
                if self.aborted {
                    break;
                }
            }
            if let Some(slot) = self.rows.get_mut(li).and_then(|r| r.get_mut(ci)) {
                *slot = orig;
            }
            if self.aborted {
                return;
            }
        }
    }
}
