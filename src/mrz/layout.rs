//! Field positions of each MRZ layout (ICAO 9303 Parts 4, 5, 6, 7 and the old French ID card).

use super::Format;

/// A run of characters on one line (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub line: u8,
    pub start: u8,
    pub len: u8,
}

const fn sp(line: u8, start: u8, len: u8) -> Span {
    Span { line, start, len }
}

/// One position (0-based line, column).
pub(crate) type Pos = (u8, u8);

/// Where every field of a layout is.
#[derive(Debug)]
pub(crate) struct Layout {
    pub lines: usize,
    pub width: usize,
    pub code: Span,
    pub state: Span,
    /// The name field (for the French ID: the surname only).
    pub name: Span,
    /// French ID: given names field on line 2.
    pub given: Option<Span>,
    pub number: Span,
    pub number_check: Pos,
    pub nationality: Option<Span>,
    pub birth: Span,
    pub birth_check: Pos,
    pub sex: Pos,
    pub expiry: Option<(Span, Pos)>,
    pub optional: Span,
    /// TD3 personal number check digit.
    pub optional_check: Option<Pos>,
    /// TD1 line 2 optional data.
    pub optional2: Option<Span>,
    pub composite: Option<(Pos, &'static [Span])>,
    /// Whether a long document number may continue in the optional data (TD1, TD2).
    pub long_number: bool,
}

/// ICAO 9303 Part 5 §4.2.2 (TD1, 3 × 30).
static TD1: Layout = Layout {
    lines: 3,
    width: 30,
    code: sp(0, 0, 2),
    state: sp(0, 2, 3),
    name: sp(2, 0, 30),
    given: None,
    number: sp(0, 5, 9),
    number_check: (0, 14),
    nationality: Some(sp(1, 15, 3)),
    birth: sp(1, 0, 6),
    birth_check: (1, 6),
    sex: (1, 7),
    expiry: Some((sp(1, 8, 6), (1, 14))),
    optional: sp(0, 15, 15),
    optional_check: None,
    optional2: Some(sp(1, 18, 11)),
    composite: Some((
        (1, 29),
        &[sp(0, 5, 25), sp(1, 0, 7), sp(1, 8, 7), sp(1, 18, 11)],
    )),
    long_number: true,
};

/// ICAO 9303 Part 6 §4.2.2 (TD2, 2 × 36).
static TD2: Layout = Layout {
    lines: 2,
    width: 36,
    code: sp(0, 0, 2),
    state: sp(0, 2, 3),
    name: sp(0, 5, 31),
    given: None,
    number: sp(1, 0, 9),
    number_check: (1, 9),
    nationality: Some(sp(1, 10, 3)),
    birth: sp(1, 13, 6),
    birth_check: (1, 19),
    sex: (1, 20),
    expiry: Some((sp(1, 21, 6), (1, 27))),
    optional: sp(1, 28, 7),
    optional_check: None,
    optional2: None,
    composite: Some(((1, 35), &[sp(1, 0, 10), sp(1, 13, 7), sp(1, 21, 14)])),
    long_number: true,
};

/// ICAO 9303 Part 4 §4.2.2 (TD3, 2 × 44).
static TD3: Layout = Layout {
    lines: 2,
    width: 44,
    code: sp(0, 0, 2),
    state: sp(0, 2, 3),
    name: sp(0, 5, 39),
    given: None,
    number: sp(1, 0, 9),
    number_check: (1, 9),
    nationality: Some(sp(1, 10, 3)),
    birth: sp(1, 13, 6),
    birth_check: (1, 19),
    sex: (1, 20),
    expiry: Some((sp(1, 21, 6), (1, 27))),
    optional: sp(1, 28, 14),
    optional_check: Some((1, 42)),
    optional2: None,
    composite: Some(((1, 43), &[sp(1, 0, 10), sp(1, 13, 7), sp(1, 21, 22)])),
    long_number: false,
};

/// ICAO 9303 Part 7 §4.2.2 (MRV-A, 2 × 44): no composite check digit.
static MRVA: Layout = Layout {
    lines: 2,
    width: 44,
    code: sp(0, 0, 2),
    state: sp(0, 2, 3),
    name: sp(0, 5, 39),
    given: None,
    number: sp(1, 0, 9),
    number_check: (1, 9),
    nationality: Some(sp(1, 10, 3)),
    birth: sp(1, 13, 6),
    birth_check: (1, 19),
    sex: (1, 20),
    expiry: Some((sp(1, 21, 6), (1, 27))),
    optional: sp(1, 28, 16),
    optional_check: None,
    optional2: None,
    composite: None,
    long_number: false,
};

/// ICAO 9303 Part 7 §5.2.2 (MRV-B, 2 × 36): no composite check digit.
static MRVB: Layout = Layout {
    lines: 2,
    width: 36,
    code: sp(0, 0, 2),
    state: sp(0, 2, 3),
    name: sp(0, 5, 31),
    given: None,
    number: sp(1, 0, 9),
    number_check: (1, 9),
    nationality: Some(sp(1, 10, 3)),
    birth: sp(1, 13, 6),
    birth_check: (1, 19),
    sex: (1, 20),
    expiry: Some((sp(1, 21, 6), (1, 27))),
    optional: sp(1, 28, 8),
    optional_check: None,
    optional2: None,
    composite: None,
    long_number: false,
};

/// The French national ID card issued 1988–2021 (2 × 36, not an ICAO layout): line 1 is
/// `IDFRA` + surname (25) + administrative code (6); line 2 is the 12-character card number +
/// check, given names (14), birth date + check, sex, and a final check over both lines.
static FRENCH_ID: Layout = Layout {
    lines: 2,
    width: 36,
    code: sp(0, 0, 2),
    state: sp(0, 2, 3),
    name: sp(0, 5, 25),
    given: Some(sp(1, 13, 14)),
    number: sp(1, 0, 12),
    number_check: (1, 12),
    nationality: None,
    birth: sp(1, 27, 6),
    birth_check: (1, 33),
    sex: (1, 34),
    expiry: None,
    optional: sp(0, 30, 6),
    optional_check: None,
    optional2: None,
    composite: Some(((1, 35), &[sp(0, 0, 36), sp(1, 0, 35)])),
    long_number: false,
};

impl Format {
    pub(crate) fn layout(self) -> &'static Layout {
        match self {
            Format::Td1 => &TD1,
            Format::Td2 => &TD2,
            Format::Td3 => &TD3,
            Format::MrvA => &MRVA,
            Format::MrvB => &MRVB,
            Format::FrenchId => &FRENCH_ID,
        }
    }
}
