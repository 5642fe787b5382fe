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
mod tests;
