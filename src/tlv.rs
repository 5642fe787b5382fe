//! BER-TLV data objects (ISO/IEC 7816-4 §5.2, X.690 §8.1) as the ICAO 9303 LDS uses them:
//! zero-copy reading with `nom`, tag-path lookup, and a writer.
//!
//! A data object is a tag (1–4 bytes), a definite length (short form, or long form with 1–4
//! length bytes) and a value. Bit 6 (`0x20`) of the first tag byte marks a constructed object,
//! whose value is itself a sequence of data objects.
//!
//! Reading is strict where it matters for untrusted chip data: indefinite length (`0x80`),
//! length forms with more than 4 length bytes, tags longer than 4 bytes, lengths beyond the
//! input and nesting deeper than [`MAX_DEPTH`] are typed errors carrying the byte offset.
//! Non-minimal long-form lengths of at most 4 bytes (e.g. `81 05`) are accepted, as BER
//! allows (X.690 §8.1.3.5 note 2); the writer always emits the minimal form.

use nom::{
    IResult,
    bytes::complete::take,
    error::{ErrorKind, ParseError},
    number::complete::be_u8,
};
use thiserror::Error;

/// The deepest nesting accepted: objects live at depths `0..MAX_DEPTH`.
pub const MAX_DEPTH: usize = 32;
/// The longest tag accepted, in bytes.
pub const MAX_TAG_LEN: usize = 4;
/// The most length bytes accepted after a long-form length's first byte.
pub const MAX_LENGTH_OCTETS: usize = 4;
/// The longest possible header (tag + length) under these bounds.
pub const MAX_HEADER_LEN: usize = MAX_TAG_LEN + 1 + MAX_LENGTH_OCTETS;

/// Which part of a data object an error concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvField {
    /// The tag field.
    Tag,
    /// The length field.
    Length,
    /// The value field.
    Value,
}

impl std::fmt::Display for TlvField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlvField::Tag => "tag",
            TlvField::Length => "length",
            TlvField::Value => "value",
        })
    }
}

/// Errors reading or writing BER-TLV. Offsets count bytes from the start of the buffer
/// given to the top-level parse call.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvError {
    /// The input ends inside a field.
    #[error("truncated {field} at offset {offset}: needs {needed} bytes, {available} available")]
    Truncated {
        /// The field being read.
        field: TlvField,
        /// Where the field starts.
        offset: usize,
        /// How many bytes the field needs from `offset`.
        needed: usize,
        /// How many bytes remain from `offset`.
        available: usize,
    },
    /// A tag byte that cannot start or continue a tag: `00`/`FF` as first byte
    /// (ISO/IEC 7816-4 padding), or `80` as first subsequent byte (X.690 §8.1.2.4.2 c).
    #[error("invalid tag byte {byte:#04X} at offset {offset}")]
    InvalidTag {
        /// Where the byte is.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A tag of more than [`MAX_TAG_LEN`] bytes.
    #[error("tag at offset {offset} is longer than {MAX_TAG_LEN} bytes")]
    TagTooLong {
        /// Where the tag starts.
        offset: usize,
    },
    /// The indefinite length form `80`, which the LDS never uses.
    #[error("indefinite length (0x80) at offset {offset} is not supported")]
    IndefiniteLength {
        /// Where the length starts.
        offset: usize,
    },
    /// A long-form length with more than [`MAX_LENGTH_OCTETS`] length bytes (or the reserved `FF`).
    #[error("length at offset {offset} announces {octets} length bytes; at most 4 are allowed")]
    LengthTooLong {
        /// Where the length starts.
        offset: usize,
        /// The number of length bytes announced.
        octets: usize,
    },
    /// A length that does not fit this platform's `usize`, or header + value overflows it.
    #[error("length at offset {offset} overflows the address space")]
    LengthOverflow {
        /// Where the length starts.
        offset: usize,
    },
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("data object at offset {offset} is nested deeper than {max} levels")]
    TooDeep {
        /// Where the too-deep object starts.
        offset: usize,
        /// The bound.
        max: usize,
    },
    /// Children were asked of a primitive object.
    #[error("data object {tag} at offset {offset} is primitive, not constructed")]
    NotConstructed {
        /// The object's tag.
        tag: Tag,
        /// Where the object starts.
        offset: usize,
    },
    /// Bytes follow the one data object that was expected.
    #[error("{len} unexpected bytes after the data object, at offset {offset}")]
    TrailingData {
        /// Where the extra bytes start.
        offset: usize,
        /// How many there are.
        len: usize,
    },
    /// A number that is not the encoding of a valid tag of at most 4 bytes.
    #[error("{0:#X} is not a valid BER-TLV tag")]
    InvalidTagNumber(u32),
    /// A value too long for a 4-byte length.
    #[error("value of {0} bytes is too long for a 4-byte length")]
    ValueTooLong(usize),
    /// A lookup path longer than the nesting bound.
    #[error("tag path of {len} elements exceeds the nesting bound {max}")]
    PathTooLong {
        /// The path length.
        len: usize,
        /// The bound.
        max: usize,
    },
}

/// The class of a tag (bits 8–7 of its first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagClass {
    /// `00`: universal (ASN.1 types).
    Universal,
    /// `01`: application (most ICAO LDS tags, e.g. `60`, `75`, `5F1F`).
    Application,
    /// `10`: context-specific.
    ContextSpecific,
    /// `11`: private.
    Private,
}

/// A BER-TLV tag, held as its encoded bytes read big-endian (`5F1F` is `0x5F1F`).
///
/// Only valid encodings can be built, so every `Tag` writes out and parses back unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u32);

impl Tag {
    /// `60`: EF.COM (ICAO 9303 Part 10 §4.6.1).
    pub const EF_COM: Tag = Tag(0x60);
    /// `77`: EF.SOD (ICAO 9303 Part 10 §4.6.2).
    pub const EF_SOD: Tag = Tag(0x77);
    /// `61`: DG1, the MRZ data group.
    pub const DG1: Tag = Tag(0x61);
    /// `75`: DG2, encoded face.
    pub const DG2: Tag = Tag(0x75);
    /// `5F1F`: the MRZ data element inside DG1.
    pub const MRZ_DATA: Tag = Tag(0x5F1F);
    /// `5C`: the tag list in EF.COM.
    pub const TAG_LIST: Tag = Tag(0x5C);
    /// `7F61`: biometric information group template (ISO/IEC 7816-11).
    pub const BIOMETRIC_GROUP: Tag = Tag(0x7F61);
    /// `7F60`: biometric information template.
    pub const BIOMETRIC_TEMPLATE: Tag = Tag(0x7F60);
    /// `5F2E`: biometric data block.
    pub const BIOMETRIC_DATA: Tag = Tag(0x5F2E);
    /// `7F2E`: biometric data block, enciphered/constructed form.
    pub const BIOMETRIC_DATA_CONSTRUCTED: Tag = Tag(0x7F2E);

    /// Builds a tag from its encoded bytes read big-endian, e.g. `0x5F1F`.
    pub fn try_new(number: u32) -> Result<Tag, TlvError> {
        let tag = Tag(number);
        let (bytes, n) = tag.encoded();
        let encoded = bytes.get(MAX_TAG_LEN - n..).unwrap_or(&[]);
        match tag_parser(encoded) {
            Ok((rest, parsed)) if rest.is_empty() && parsed == tag => Ok(tag),
            _ => Err(TlvError::InvalidTagNumber(number)),
        }
    }

    /// The encoded bytes read big-endian.
    pub const fn number(self) -> u32 {
        self.0
    }

    /// The number of bytes the tag occupies (1–4).
    pub const fn encoded_len(self) -> usize {
        let significant = 32 - self.0.leading_zeros() as usize;
        if significant == 0 {
            1
        } else {
            significant.div_ceil(8)
        }
    }

    /// The first tag byte (class, constructed bit, low tag number or `1F`).
    pub const fn first_byte(self) -> u8 {
        (self.0 >> (8 * (self.encoded_len() - 1))).to_be_bytes()[3]
    }

    /// True if bit 6 of the first byte is set: the value holds nested data objects.
    pub const fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }

    /// The tag class.
    pub const fn class(self) -> TagClass {
        match self.first_byte() >> 6 {
            0 => TagClass::Universal,
            1 => TagClass::Application,
            2 => TagClass::ContextSpecific,
            _ => TagClass::Private,
        }
    }

    /// Appends the tag bytes to `out`.
    pub fn write_to(self, out: &mut Vec<u8>) {
        let (bytes, n) = self.encoded();
        out.extend_from_slice(bytes.get(MAX_TAG_LEN - n..).unwrap_or(&[]));
    }

    fn encoded(self) -> ([u8; 4], usize) {
        (self.0.to_be_bytes(), self.encoded_len())
    }
}

impl std::fmt::Debug for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tag({self})")
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:0width$X}", self.0, width = 2 * self.encoded_len())
    }
}

impl TryFrom<u32> for Tag {
    type Error = TlvError;
    fn try_from(number: u32) -> Result<Self, Self::Error> {
        Tag::try_new(number)
    }
}

// ---------------------------------------------------------------------------------------------
// nom parsers. Their error remembers the remaining input where the problem starts, from which
// the public error computes an absolute offset.

#[derive(Debug)]
struct PErr<'a> {
    at: &'a [u8],
    kind: PKind,
}

#[derive(Debug)]
enum PKind {
    /// A nom combinator failed (cannot happen with the combinators used; kept for completeness).
    Nom,
    Truncated(TlvField, usize),
    InvalidTag(u8),
    TagTooLong,
    Indefinite,
    LengthTooLong(usize),
    LengthOverflow,
}

impl<'a> ParseError<&'a [u8]> for PErr<'a> {
    fn from_error_kind(input: &'a [u8], _kind: ErrorKind) -> Self {
        PErr {
            at: input,
            kind: PKind::Nom,
        }
    }
    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

fn fail(at: &[u8], kind: PKind) -> nom::Err<PErr<'_>> {
    nom::Err::Error(PErr { at, kind })
}

impl PErr<'_> {
    /// Converts to the public error; `input` is the slice the parser was given, which starts at
    /// absolute offset `base`.
    fn into_error(self, input: &[u8], base: usize) -> TlvError {
        let offset = base.saturating_add(input.len().saturating_sub(self.at.len()));
        match self.kind {
            PKind::Truncated(field, needed) => TlvError::Truncated {
                field,
                offset,
                needed,
                available: self.at.len(),
            },
            PKind::Nom => TlvError::Truncated {
                field: TlvField::Value,
                offset,
                needed: 1,
                available: self.at.len(),
            },
            PKind::InvalidTag(byte) => TlvError::InvalidTag { offset, byte },
            PKind::TagTooLong => TlvError::TagTooLong { offset },
            PKind::Indefinite => TlvError::IndefiniteLength { offset },
            PKind::LengthTooLong(octets) => TlvError::LengthTooLong { offset, octets },
            PKind::LengthOverflow => TlvError::LengthOverflow { offset },
        }
    }
}

fn from_nom<'a>(e: nom::Err<PErr<'a>>, input: &'a [u8], base: usize) -> TlvError {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e.into_error(input, base),
        // Only `complete` parsers are used, which never report Incomplete.
        nom::Err::Incomplete(_) => TlvError::Truncated {
            field: TlvField::Value,
            offset: base,
            needed: 1,
            available: 0,
        },
    }
}

/// Tag field (X.690 §8.1.2, ISO/IEC 7816-4 §5.2.2.1).
fn tag_parser(input: &[u8]) -> IResult<&[u8], Tag, PErr<'_>> {
    let (mut rest, first) = be_u8::<&[u8], PErr<'_>>(input)
        .map_err(|_| fail(input, PKind::Truncated(TlvField::Tag, 1)))?;
    if first == 0x00 || first == 0xFF {
        return Err(fail(input, PKind::InvalidTag(first)));
    }
    let mut number = u32::from(first);
    if first & 0x1F == 0x1F {
        let mut len = 1usize;
        loop {
            let (after, byte) = be_u8::<&[u8], PErr<'_>>(rest)
                .map_err(|_| fail(input, PKind::Truncated(TlvField::Tag, len + 1)))?;
            if len == 1 && byte == 0x80 {
                return Err(fail(rest, PKind::InvalidTag(byte)));
            }
            len += 1;
            if len > MAX_TAG_LEN {
                return Err(fail(input, PKind::TagTooLong));
            }
            number = (number << 8) | u32::from(byte);
            rest = after;
            if byte & 0x80 == 0 {
                break;
            }
        }
    }
    Ok((rest, Tag(number)))
}

/// Definite length field (X.690 §8.1.3), at most 4 length bytes.
fn length_parser(input: &[u8]) -> IResult<&[u8], usize, PErr<'_>> {
    let (rest, first) = be_u8::<&[u8], PErr<'_>>(input)
        .map_err(|_| fail(input, PKind::Truncated(TlvField::Length, 1)))?;
    match first {
        0x00..=0x7F => Ok((rest, usize::from(first))),
        0x80 => Err(fail(input, PKind::Indefinite)),
        _ => {
            let octets = usize::from(first & 0x7F);
            if octets > MAX_LENGTH_OCTETS {
                return Err(fail(input, PKind::LengthTooLong(octets)));
            }
            let (rest, bytes) = take::<usize, &[u8], PErr<'_>>(octets)(rest)
                .map_err(|_| fail(input, PKind::Truncated(TlvField::Length, 1 + octets)))?;
            // At most 4 bytes, so the fold cannot lose bits.
            let value = bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            let value = usize::try_from(value).map_err(|_| fail(input, PKind::LengthOverflow))?;
            Ok((rest, value))
        }
    }
}

/// Tag and length: returns the tag and the value length.
fn header_parser(input: &[u8]) -> IResult<&[u8], (Tag, usize), PErr<'_>> {
    let (rest, tag) = tag_parser(input)?;
    let (rest, len) = length_parser(rest)?;
    Ok((rest, (tag, len)))
}

/// A whole data object: tag, value and the raw encoding.
/// Tag, value and raw encoding of one parsed object.
type RawTlv<'a> = (Tag, &'a [u8], &'a [u8]);

fn tlv_parser(input: &[u8]) -> IResult<&[u8], RawTlv<'_>, PErr<'_>> {
    let (after_header, (tag, len)) = header_parser(input)?;
    let (rest, value) = take::<usize, &[u8], PErr<'_>>(len)(after_header)
        .map_err(|_| fail(after_header, PKind::Truncated(TlvField::Value, len)))?;
    let consumed = input.len().saturating_sub(rest.len());
    let raw = input.get(..consumed).unwrap_or(input);
    Ok((rest, (tag, value, raw)))
}

// ---------------------------------------------------------------------------------------------

/// Reads the header at the start of `prefix` (e.g. the first 4–6 bytes of a file) and returns
/// `(header_len, total_len)`: the header size and the size of the whole data object.
///
/// The reader uses this to learn a file's size before reading the rest. A prefix too short for
/// the header is [`TlvError::Truncated`] with `needed` saying how many bytes the field takes.
pub fn header_len_and_total(prefix: &[u8]) -> Result<(usize, usize), TlvError> {
    let (rest, (_tag, len)) = header_parser(prefix).map_err(|e| from_nom(e, prefix, 0))?;
    let header_len = prefix.len().saturating_sub(rest.len());
    let total = header_len
        .checked_add(len)
        .ok_or(TlvError::LengthOverflow { offset: 0 })?;
    Ok((header_len, total))
}

/// A borrowed view of one BER-TLV data object inside a larger buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: Tag,
    /// The value bytes.
    pub value: &'a [u8],
    /// The whole encoding: tag, length and value, exactly as in the input.
    pub raw: &'a [u8],
    /// Where `raw` starts, counted from the start of the top-level buffer.
    pub offset: usize,
    depth: usize,
}

impl std::fmt::Debug for Tlv<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values can be personal data (DG1 holds the MRZ): print only the shape.
        f.debug_struct("Tlv")
            .field("tag", &self.tag)
            .field("offset", &self.offset)
            .field("len", &self.value.len())
            .field("depth", &self.depth)
            .finish()
    }
}

impl<'a> Tlv<'a> {
    /// Parses one data object at the start of `input`; returns it and the bytes after it.
    pub fn parse(input: &'a [u8]) -> Result<(Tlv<'a>, &'a [u8]), TlvError> {
        Self::parse_at(input, 0, 0)
    }

    /// Parses exactly one data object filling all of `input`.
    pub fn parse_exact(input: &'a [u8]) -> Result<Tlv<'a>, TlvError> {
        let (tlv, rest) = Self::parse(input)?;
        if rest.is_empty() {
            Ok(tlv)
        } else {
            Err(TlvError::TrailingData {
                offset: tlv.raw.len(),
                len: rest.len(),
            })
        }
    }

    fn parse_at(
        input: &'a [u8],
        offset: usize,
        depth: usize,
    ) -> Result<(Tlv<'a>, &'a [u8]), TlvError> {
        if depth >= MAX_DEPTH {
            return Err(TlvError::TooDeep {
                offset,
                max: MAX_DEPTH,
            });
        }
        let (rest, (tag, value, raw)) =
            tlv_parser(input).map_err(|e| from_nom(e, input, offset))?;
        Ok((
            Tlv {
                tag,
                value,
                raw,
                offset,
                depth,
            },
            rest,
        ))
    }

    /// The header (tag + length) size in bytes.
    pub fn header_len(&self) -> usize {
        self.raw.len().saturating_sub(self.value.len())
    }

    /// Where the value starts, from the start of the top-level buffer.
    pub fn value_offset(&self) -> usize {
        self.offset.saturating_add(self.header_len())
    }

    /// Nesting depth: 0 for a top-level object.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// True if the tag marks a constructed object.
    pub fn is_constructed(&self) -> bool {
        self.tag.is_constructed()
    }

    /// Iterates over the data objects in the value of a constructed object.
    pub fn children(&self) -> Result<Children<'a>, TlvError> {
        if !self.is_constructed() {
            return Err(TlvError::NotConstructed {
                tag: self.tag,
                offset: self.offset,
            });
        }
        Ok(Children {
            rest: self.value,
            offset: self.value_offset(),
            depth: self.depth.saturating_add(1),
            done: false,
        })
    }

    /// The first direct child with tag `tag`, if any. A malformed child before it is an error.
    pub fn find(&self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        for child in self.children()? {
            let child = child?;
            if child.tag.number() == tag {
                return Ok(Some(child));
            }
        }
        Ok(None)
    }

    /// Follows `path` down from this object: `path[0]` is a direct child, `path[1]` a child of
    /// that, and so on; at each level the first match is taken. An empty path is `self`.
    pub fn find_path(&self, path: &[u32]) -> Result<Option<Tlv<'a>>, TlvError> {
        if path.len() > MAX_DEPTH {
            return Err(TlvError::PathTooLong {
                len: path.len(),
                max: MAX_DEPTH,
            });
        }
        let mut current = *self;
        for &tag in path {
            match current.find(tag)? {
                Some(next) => current = next,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// Checks that every constructed object below this one parses, down to [`MAX_DEPTH`].
    pub fn validate(&self) -> Result<(), TlvError> {
        if self.is_constructed() {
            for child in self.children()? {
                child?.validate()?;
            }
        }
        Ok(())
    }
}

/// Iterator over a sequence of data objects; yields an error once and then stops.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    rest: &'a [u8],
    offset: usize,
    depth: usize,
    done: bool,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        match Tlv::parse_at(self.rest, self.offset, self.depth) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                self.offset = self.offset.saturating_add(tlv.raw.len());
                Some(Ok(tlv))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for Children<'_> {}

/// Iterates over the top-level data objects in `input` (depth 0).
pub fn parse_all(input: &[u8]) -> Children<'_> {
    Children {
        rest: input,
        offset: 0,
        depth: 0,
        done: false,
    }
}

/// Follows `path` from the top level of `input`: `path[0]` is matched against the top-level
/// objects, then down as in [`Tlv::find_path`]. E.g. the face image in DG2 is
/// `find_path(dg2, &[0x75, 0x7F61, 0x7F60, 0x5F2E])`. An empty path finds nothing.
pub fn find_path<'a>(input: &'a [u8], path: &[u32]) -> Result<Option<Tlv<'a>>, TlvError> {
    let Some((&first, below)) = path.split_first() else {
        return Ok(None);
    };
    if path.len() > MAX_DEPTH {
        return Err(TlvError::PathTooLong {
            len: path.len(),
            max: MAX_DEPTH,
        });
    }
    for top in parse_all(input) {
        let top = top?;
        if top.tag.number() == first {
            return top.find_path(below);
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------

/// Appends a definite length in minimal form (X.690 §8.1.3): short form below 128, else
/// `81`–`84` followed by the big-endian length.
pub fn encode_length(len: usize, out: &mut Vec<u8>) -> Result<(), TlvError> {
    let value = u32::try_from(len).map_err(|_| TlvError::ValueTooLong(len))?;
    if value < 0x80 {
        out.push(value.to_be_bytes()[3]);
    } else {
        let bytes = value.to_be_bytes();
        let skip = (value.leading_zeros() / 8) as usize;
        let significant = bytes.get(skip..).unwrap_or(&bytes);
        // 1..=4 significant bytes, since 0x80 <= value <= u32::MAX.
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    Ok(())
}

/// Encodes one data object: tag, minimal length, value.
pub fn encode(tag: Tag, value: &[u8]) -> Result<Vec<u8>, TlvError> {
    let mut w = TlvWriter::new();
    w.write(tag, value)?;
    Ok(w.into_bytes())
}

/// Builds a sequence of data objects, nesting constructed ones through closures.
///
/// ```
/// use bankid_activation::tlv::{Tag, TlvWriter};
/// # fn main() -> Result<(), bankid_activation::tlv::TlvError> {
/// let mut w = TlvWriter::new();
/// w.constructed(Tag::EF_COM, |w| {
///     w.write(Tag::try_new(0x5F01)?, b"0107")?;
///     w.write(Tag::TAG_LIST, &[0x61, 0x75])?;
///     Ok(())
/// })?;
/// assert_eq!(w.as_bytes()[..2], [0x60, 0x0B]);
/// # Ok(()) }
/// ```
#[derive(Debug, Default, Clone)]
pub struct TlvWriter {
    buf: Vec<u8>,
    depth: usize,
}

impl TlvWriter {
    /// An empty writer at the top level.
    pub fn new() -> Self {
        Self::default()
    }

    fn check_depth(&self) -> Result<(), TlvError> {
        if self.depth >= MAX_DEPTH {
            Err(TlvError::TooDeep {
                offset: self.buf.len(),
                max: MAX_DEPTH,
            })
        } else {
            Ok(())
        }
    }

    /// Appends a data object with the given value bytes (any tag; for a constructed tag the
    /// value must be the encoded children).
    pub fn write(&mut self, tag: Tag, value: &[u8]) -> Result<&mut Self, TlvError> {
        self.check_depth()?;
        let mut header = Vec::with_capacity(MAX_HEADER_LEN);
        tag.write_to(&mut header);
        encode_length(value.len(), &mut header)?;
        self.buf.extend_from_slice(&header);
        self.buf.extend_from_slice(value);
        Ok(self)
    }

    /// Appends a constructed data object whose children `build` writes.
    pub fn constructed<F>(&mut self, tag: Tag, build: F) -> Result<&mut Self, TlvError>
    where
        F: FnOnce(&mut TlvWriter) -> Result<(), TlvError>,
    {
        self.check_depth()?;
        if !tag.is_constructed() {
            return Err(TlvError::NotConstructed {
                tag,
                offset: self.buf.len(),
            });
        }
        let mut inner = TlvWriter {
            buf: Vec::new(),
            depth: self.depth.saturating_add(1),
        };
        build(&mut inner)?;
        self.write(tag, &inner.buf)
    }

    /// Appends bytes that are already encoded data objects.
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(encoded);
        self
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The finished encoding.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).expect("test hex")
    }

    /// EF.COM example of ICAO 9303 Part 10 §4.6.1 (also the one read in Part 11 Appendix D.4):
    /// LDS version "0106", Unicode version "040000", tag list DG1 (61) and DG2 (75).
    const EF_COM: &str = "60145F0104303130365F36063034303030305C026175";

    #[test]
    fn ef_com_worked_example() {
        let bytes = hex(EF_COM);
        let com = Tlv::parse_exact(&bytes).expect("EF.COM parses");
        assert_eq!(com.tag, Tag::EF_COM);
        assert!(com.is_constructed());
        assert_eq!(com.header_len(), 2);
        assert_eq!(com.value.len(), 0x14);
        let children: Vec<_> = com.children().unwrap().collect::<Result<_, _>>().unwrap();
        let tags: Vec<u32> = children.iter().map(|c| c.tag.number()).collect();
        assert_eq!(tags, [0x5F01, 0x5F36, 0x5C]);
        assert_eq!(children[0].value, b"0106");
        assert_eq!(children[0].offset, 2);
        assert_eq!(children[1].value, b"040000");
        assert_eq!(children[2].value, [0x61, 0x75]);
        assert_eq!(children[2].offset, 2 + 7 + 9);
        let list = find_path(&bytes, &[0x60, 0x5C]).unwrap().unwrap();
        assert_eq!(list.value, [0x61, 0x75]);
        assert_eq!(header_len_and_total(&bytes[..4]).unwrap(), (2, 22));
        com.validate().unwrap();
    }

    #[test]
    fn ef_com_rebuilt_with_writer() {
        let mut w = TlvWriter::new();
        w.constructed(Tag::EF_COM, |w| {
            w.write(Tag::try_new(0x5F01)?, b"0106")?;
            w.write(Tag::try_new(0x5F36)?, b"040000")?;
            w.write(Tag::TAG_LIST, &[0x61, 0x75])?;
            Ok(())
        })
        .unwrap();
        assert_eq!(w.into_bytes(), hex(EF_COM));
    }

    /// DG1 of ICAO 9303 Part 10 (TD3 specimen): 61 5B 5F1F 58 <88 MRZ characters>.
    #[test]
    fn dg1_td3_mrz() {
        let mrz = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        assert_eq!(mrz.len(), 88);
        let mut bytes = hex("615B5F1F58");
        bytes.extend_from_slice(mrz);
        let dg1 = Tlv::parse_exact(&bytes).unwrap();
        assert_eq!(dg1.tag, Tag::DG1);
        let data = dg1.find(0x5F1F).unwrap().unwrap();
        assert_eq!(data.value, mrz);
        assert_eq!(data.value_offset(), 5);
        assert_eq!(header_len_and_total(&bytes[..5]).unwrap(), (2, 93));
        assert_eq!(encode(Tag::DG1, &bytes[2..]).unwrap(), bytes);
    }

    /// DG2 shape (ICAO 9303 Part 10 §4.7.2): 75 → 7F61 { 02 count, 7F60 { A1 header, 5F2E data } },
    /// with a 300-byte image so the long length forms 82 appear.
    #[test]
    fn dg2_path_lookup_long_lengths() {
        let image: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let mut w = TlvWriter::new();
        w.constructed(Tag::DG2, |w| {
            w.constructed(Tag::BIOMETRIC_GROUP, |w| {
                w.write(Tag::try_new(0x02)?, &[0x01])?;
                w.constructed(Tag::BIOMETRIC_TEMPLATE, |w| {
                    w.constructed(Tag::try_new(0xA1)?, |w| {
                        w.write(Tag::try_new(0x80)?, &[0x01, 0x01])?;
                        Ok(())
                    })?;
                    w.write(Tag::BIOMETRIC_DATA, &image)?;
                    Ok(())
                })?;
                Ok(())
            })?;
            Ok(())
        })
        .unwrap();
        let dg2 = w.into_bytes();
        // 5F2E 82 012C: two-byte tag, long form with two length bytes.
        let face = find_path(&dg2, &[0x75, 0x7F61, 0x7F60, 0x5F2E])
            .unwrap()
            .unwrap();
        assert_eq!(face.value, &image[..]);
        assert_eq!(face.raw[..5], [0x5F, 0x2E, 0x82, 0x01, 0x2C]);
        assert_eq!(face.depth(), 3);
        assert_eq!(&dg2[face.value_offset()..][..300], &image[..]);
        let (h, total) = header_len_and_total(&dg2[..6]).unwrap();
        assert_eq!((h, total), (4, dg2.len()));
        assert_eq!(find_path(&dg2, &[0x75, 0x7F61, 0x7F2E]).unwrap(), None);
        assert_eq!(find_path(&dg2, &[0x61]).unwrap(), None);
        Tlv::parse_exact(&dg2).unwrap().validate().unwrap();
    }

    #[test]
    fn tags() {
        for (n, len, constructed, class) in [
            (0x5F1F, 2, false, TagClass::Application),
            (0x7F61, 2, true, TagClass::Application),
            (0x5F2E, 2, false, TagClass::Application),
            (0x7F2E, 2, true, TagClass::Application),
            (0x30, 1, true, TagClass::Universal),
            (0x02, 1, false, TagClass::Universal),
            (0xA1, 1, true, TagClass::ContextSpecific),
            (0x9F8101, 3, false, TagClass::ContextSpecific),
            (0xDF818201, 4, false, TagClass::Private),
        ] {
            let tag = Tag::try_new(n).unwrap();
            assert_eq!(tag.encoded_len(), len, "{n:X}");
            assert_eq!(tag.is_constructed(), constructed, "{n:X}");
            assert_eq!(tag.class(), class, "{n:X}");
            let mut out = Vec::new();
            tag.write_to(&mut out);
            assert_eq!(out.len(), len);
            assert_eq!(Tag::try_from(n), Ok(tag));
        }
        assert_eq!(Tag::try_new(0x5F1F).unwrap().to_string(), "5F1F");
        assert_eq!(Tag::try_new(0x02).unwrap().to_string(), "02");
        assert_eq!(format!("{:?}", Tag::DG2), "Tag(75)");
        for bad in [
            0x00u32, 0xFF, 0x1F, 0x5F, 0x5F80, 0x5F81, 0x5F8181, 0x1F0100, 0xDF818181,
        ] {
            assert_eq!(
                Tag::try_new(bad),
                Err(TlvError::InvalidTagNumber(bad)),
                "{bad:X}"
            );
        }
        for c in [
            Tag::EF_COM,
            Tag::EF_SOD,
            Tag::DG1,
            Tag::DG2,
            Tag::MRZ_DATA,
            Tag::TAG_LIST,
            Tag::BIOMETRIC_GROUP,
            Tag::BIOMETRIC_TEMPLATE,
            Tag::BIOMETRIC_DATA,
            Tag::BIOMETRIC_DATA_CONSTRUCTED,
        ] {
            assert_eq!(Tag::try_new(c.number()), Ok(c));
        }
    }

    #[test]
    fn length_forms() {
        for (len, enc) in [
            (0usize, "00"),
            (0x7F, "7F"),
            (0x80, "8180"),
            (0xFF, "81FF"),
            (0x100, "820100"),
            (0xFFFF, "82FFFF"),
            (0x10000, "83010000"),
            (0x0100_0000, "8401000000"),
        ] {
            let mut out = Vec::new();
            encode_length(len, &mut out).unwrap();
            assert_eq!(out, hex(enc), "{len}");
            let mut header = vec![0x04];
            header.extend_from_slice(&out);
            assert_eq!(
                header_len_and_total(&header).unwrap(),
                (header.len(), header.len() + len)
            );
        }
        #[cfg(target_pointer_width = "64")]
        assert_eq!(
            encode_length(1 << 32, &mut Vec::new()),
            Err(TlvError::ValueTooLong(1 << 32))
        );
        // Three length bytes carrying a 70 000-byte value (e.g. a large DG2 image).
        let big = vec![0xA5; 70_000];
        let encoded = encode(Tag::BIOMETRIC_DATA, &big).unwrap();
        assert_eq!(encoded[..6], hex("5F2E83011170")[..]);
        let parsed = Tlv::parse_exact(&encoded).unwrap();
        assert_eq!(parsed.header_len(), 6);
        assert!(parsed.value == &big[..]);
        // Non-minimal long forms within 4 length bytes are BER and accepted.
        let bytes = hex("04820003414243FF");
        let (t, rest) = Tlv::parse(&bytes).unwrap();
        assert_eq!(t.value, b"ABC");
        assert_eq!(t.header_len(), 4);
        assert_eq!(rest, [0xFF]);
    }

    #[test]
    fn rejections_name_what_and_where() {
        let e = |s: &str| Tlv::parse(&hex(s)).unwrap_err();
        assert_eq!(e("0480"), TlvError::IndefiniteLength { offset: 1 });
        assert_eq!(
            e("04850000000001"),
            TlvError::LengthTooLong {
                offset: 1,
                octets: 5
            }
        );
        assert_eq!(
            e("04FF"),
            TlvError::LengthTooLong {
                offset: 1,
                octets: 127
            }
        );
        assert_eq!(
            e("040541"),
            TlvError::Truncated {
                field: TlvField::Value,
                offset: 2,
                needed: 5,
                available: 1
            }
        );
        assert_eq!(
            e("048201"),
            TlvError::Truncated {
                field: TlvField::Length,
                offset: 1,
                needed: 3,
                available: 2
            }
        );
        assert_eq!(
            e("5F"),
            TlvError::Truncated {
                field: TlvField::Tag,
                offset: 0,
                needed: 2,
                available: 1
            }
        );
        assert_eq!(
            e("04"),
            TlvError::Truncated {
                field: TlvField::Length,
                offset: 1,
                needed: 1,
                available: 0
            }
        );
        assert_eq!(
            e(""),
            TlvError::Truncated {
                field: TlvField::Tag,
                offset: 0,
                needed: 1,
                available: 0
            }
        );
        assert_eq!(e("1F81818101"), TlvError::TagTooLong { offset: 0 });
        assert_eq!(
            e("5F8001"),
            TlvError::InvalidTag {
                offset: 1,
                byte: 0x80
            }
        );
        assert_eq!(e("0000"), TlvError::InvalidTag { offset: 0, byte: 0 });
        assert_eq!(
            e("FF00"),
            TlvError::InvalidTag {
                offset: 0,
                byte: 0xFF
            }
        );
        assert_eq!(
            Tlv::parse_exact(&hex("040141FF")).unwrap_err(),
            TlvError::TrailingData { offset: 3, len: 1 }
        );
        // A broken child reports its absolute offset: 60 06 | 5F01 01 30 | 04 05 (truncated).
        let bytes = hex("60065F010130040541");
        let outer = Tlv::parse(&bytes).unwrap().0;
        let kids: Vec<_> = outer.children().unwrap().collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(
            kids[1],
            Err(TlvError::Truncated {
                field: TlvField::Value,
                offset: 8,
                needed: 5,
                available: 0
            })
        );
        assert_eq!(outer.find(0x99), Err(kids[1].clone().unwrap_err()));
        assert!(outer.validate().is_err());
        // Children of a primitive object.
        let bytes = hex("0401AA");
        let prim = Tlv::parse_exact(&bytes).unwrap();
        assert_eq!(
            prim.children().unwrap_err(),
            TlvError::NotConstructed {
                tag: Tag::try_new(4).unwrap(),
                offset: 0
            }
        );
        assert_eq!(
            header_len_and_total(&hex("5F1F")).unwrap_err(),
            TlvError::Truncated {
                field: TlvField::Length,
                offset: 2,
                needed: 1,
                available: 0
            }
        );
        assert_eq!(
            TlvWriter::new()
                .constructed(Tag::DG1.max_primitive(), |_| Ok(()))
                .unwrap_err(),
            TlvError::NotConstructed {
                tag: Tag(0x41),
                offset: 0
            }
        );
    }

    impl Tag {
        /// Test helper: the same tag number with the constructed bit cleared (single-byte tags).
        fn max_primitive(self) -> Tag {
            Tag(self.0 & !0x20)
        }
    }

    /// Nesting `depth` levels of 30 (SEQUENCE) around an empty 04.
    fn nested(depth: usize) -> Vec<u8> {
        let mut bytes = hex("0400");
        for _ in 0..depth {
            bytes = encode(Tag::try_new(0x30).unwrap(), &bytes).unwrap();
        }
        bytes
    }

    #[test]
    fn depth_bound() {
        // 31 wrappers: the innermost 04 is at depth 31, the deepest allowed.
        let ok = nested(MAX_DEPTH - 1);
        Tlv::parse_exact(&ok).unwrap().validate().unwrap();
        let path = vec![0x30u32; MAX_DEPTH];
        assert!(find_path(&ok, &path).unwrap().is_none());
        let deep = nested(MAX_DEPTH);
        let err = Tlv::parse_exact(&deep).unwrap().validate().unwrap_err();
        // Each wrapper with a short-form length adds 2 header bytes.
        assert_eq!(
            err,
            TlvError::TooDeep {
                offset: 2 * MAX_DEPTH,
                max: MAX_DEPTH
            }
        );
        let mut path = vec![0x30u32; MAX_DEPTH];
        path.push(0x04);
        assert_eq!(
            find_path(&deep, &path).unwrap_err(),
            TlvError::PathTooLong {
                len: MAX_DEPTH + 1,
                max: MAX_DEPTH
            }
        );
        // The writer enforces the same bound.
        fn wrap(w: &mut TlvWriter, left: usize) -> Result<(), TlvError> {
            if left == 0 {
                w.write(Tag::try_new(0x04)?, &[])?;
                Ok(())
            } else {
                w.constructed(Tag::try_new(0x30)?, |w| wrap(w, left - 1))?;
                Ok(())
            }
        }
        let mut w = TlvWriter::new();
        wrap(&mut w, MAX_DEPTH - 1).unwrap();
        assert_eq!(w.into_bytes(), ok);
        assert!(matches!(
            wrap(&mut TlvWriter::new(), MAX_DEPTH),
            Err(TlvError::TooDeep { .. })
        ));
    }

    #[test]
    fn debug_does_not_print_values() {
        let bytes = hex("5F1F03414243");
        let t = Tlv::parse_exact(&bytes).unwrap();
        let dbg = format!("{t:?}");
        assert!(dbg.contains("5F1F") && dbg.contains("len: 3"), "{dbg}");
        assert!(!dbg.contains("65") && !dbg.contains("ABC"), "{dbg}");
    }

    // --- property tests -----------------------------------------------------------------

    /// Any valid tag: 1-byte low tag numbers, or 2–4 byte high tag numbers.
    fn any_tag(constructed: bool) -> impl Strategy<Value = Tag> {
        let cons = if constructed { 0x20u32 } else { 0 };
        prop_oneof![
            (0u32..4, 0u32..0x1F)
                .prop_map(move |(class, n)| (class << 6) | cons | n)
                .prop_filter("not 00", |v| *v != 0),
            (0u32..4, 1usize..4, any::<[u8; 3]>())
                .prop_filter("not FF", move |(class, _, _)| !(*class == 3 && cons != 0))
                .prop_map(move |(class, extra, bytes)| {
                    let mut v = (class << 6) | cons | 0x1F;
                    for (i, b) in bytes.iter().take(extra).enumerate() {
                        let mut b = u32::from(*b);
                        if i + 1 == extra {
                            b &= 0x7F;
                        } else {
                            b |= 0x80;
                        }
                        if i == 0 && b == 0x80 {
                            b = 0x81;
                        }
                        v = (v << 8) | b;
                    }
                    v
                }),
        ]
        .prop_map(|v| Tag::try_new(v).expect("generated tag is valid"))
    }

    #[derive(Debug, Clone)]
    enum Node {
        Leaf(Tag, Vec<u8>),
        Branch(Tag, Vec<Node>),
    }

    fn any_tree() -> impl Strategy<Value = Node> {
        let leaf = (
            any_tag(false),
            proptest::collection::vec(any::<u8>(), 0..300),
        )
            .prop_map(|(t, v)| Node::Leaf(t, v));
        leaf.prop_recursive(6, 64, 5, |inner| {
            (any_tag(true), proptest::collection::vec(inner, 0..5))
                .prop_map(|(t, kids)| Node::Branch(t, kids))
        })
    }

    fn write_node(w: &mut TlvWriter, node: &Node) -> Result<(), TlvError> {
        match node {
            Node::Leaf(t, v) => {
                w.write(*t, v)?;
            }
            Node::Branch(t, kids) => {
                w.constructed(*t, |w| {
                    for k in kids {
                        write_node(w, k)?;
                    }
                    Ok(())
                })?;
            }
        }
        Ok(())
    }

    fn check_node(tlv: &Tlv<'_>, node: &Node) {
        match node {
            Node::Leaf(t, v) => {
                assert_eq!(tlv.tag, *t);
                assert_eq!(tlv.value, &v[..]);
            }
            Node::Branch(t, kids) => {
                assert_eq!(tlv.tag, *t);
                let parsed: Vec<_> = tlv.children().unwrap().collect::<Result<_, _>>().unwrap();
                assert_eq!(parsed.len(), kids.len());
                for (p, k) in parsed.iter().zip(kids) {
                    check_node(p, k);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64),
                                       path in proptest::collection::vec(any::<u32>(), 0..4)) {
            let _ = header_len_and_total(&bytes);
            if let Ok((tlv, rest)) = Tlv::parse(&bytes) {
                prop_assert_eq!(tlv.raw.len() + rest.len(), bytes.len());
                let _ = tlv.validate();
                let _ = tlv.find_path(&path);
                if let Ok(kids) = tlv.children() {
                    for k in kids { let _ = k.map(|k| k.validate()); }
                }
            }
            for item in parse_all(&bytes) { let _ = item.map(|t| t.validate()); }
            let _ = find_path(&bytes, &path);
        }

        #[test]
        fn mutated_encodings_never_panic(tree in any_tree(), at in any::<usize>(), byte in any::<u8>(),
                                         cut in any::<usize>()) {
            let mut w = TlvWriter::new();
            write_node(&mut w, &tree).unwrap();
            let mut bytes = w.into_bytes();
            let i = at % bytes.len();
            bytes[i] = byte;
            bytes.truncate(cut % (bytes.len() + 1));
            if let Ok((tlv, _)) = Tlv::parse(&bytes) {
                let _ = tlv.validate();
                let _ = tlv.find_path(&[0x30, 0x5F1F]);
            }
            let _ = header_len_and_total(&bytes);
        }

        #[test]
        fn header_helper_agrees_with_parser(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            match (header_len_and_total(&bytes), Tlv::parse(&bytes)) {
                (Ok((h, total)), Ok((tlv, _))) => {
                    prop_assert_eq!(h, tlv.header_len());
                    prop_assert_eq!(total, tlv.raw.len());
                }
                (Ok((_, total)), Err(e)) => {
                    prop_assert!(total > bytes.len(), "{:?}", e);
                    let is_value_truncated = matches!(e, TlvError::Truncated { field: TlvField::Value, .. });
                    prop_assert!(is_value_truncated);
                }
                (Err(e1), Err(_)) => { let _ = e1; }
                (Err(e), Ok(_)) => prop_assert!(false, "header failed but parse ok: {:?}", e),
            }
        }

        #[test]
        fn tag_numbers_round_trip(n in any::<u32>()) {
            if let Ok(tag) = Tag::try_new(n) {
                let mut out = Vec::new();
                tag.write_to(&mut out);
                out.push(0x00);
                let (t, _) = Tlv::parse(&out).unwrap();
                prop_assert_eq!(t.tag, tag);
            }
        }

        #[test]
        fn write_then_parse_round_trip(tree in any_tree()) {
            let mut w = TlvWriter::new();
            write_node(&mut w, &tree).unwrap();
            let bytes = w.into_bytes();
            let tlv = Tlv::parse_exact(&bytes).unwrap();
            tlv.validate().unwrap();
            check_node(&tlv, &tree);
            let (h, total) = header_len_and_total(&bytes[..bytes.len().min(MAX_HEADER_LEN)]).unwrap();
            prop_assert_eq!(total, bytes.len());
            prop_assert_eq!(h, tlv.header_len());
            // Re-encoding the parsed view gives the same bytes (the writer is minimal).
            prop_assert_eq!(encode(tlv.tag, tlv.value).unwrap(), bytes);
        }
    }
}
