//! BER → DER normalisation (X.690 §8 → §10) for the CMS structures some chips store in BER: indefinite
//! lengths become definite minimal lengths and constructed (segmented) strings become primitive.
//! Element order is kept. Bounded in depth and output size; never panics.

/// The deepest nesting accepted.
pub const MAX_DEPTH: usize = 48;

/// Why BER could not be normalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BerError {
    /// The input ends inside an element.
    #[error("BER truncated at offset {0}")]
    Truncated(usize),
    /// A tag or length form that is not allowed (e.g. a 5-byte tag, a length with more than 4 bytes).
    #[error("BER malformed at offset {offset}: {what}")]
    Malformed {
        /// Where.
        offset: usize,
        /// What.
        what: &'static str,
    },
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("BER nested deeper than {MAX_DEPTH} at offset {0}")]
    TooDeep(usize),
    /// Output would exceed the limit given.
    #[error("BER normalised output exceeds {0} bytes")]
    TooLarge(usize),
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    limit: usize,
}

/// Universal string types that BER may send constructed (X.690 §8.21): bit, octet and character strings.
fn is_string_type(tag_byte: u8) -> bool {
    matches!(
        tag_byte & 0x1F,
        3 | 4 | 12 | 18 | 19 | 20 | 21 | 22 | 25 | 26 | 27 | 28 | 30
    ) && tag_byte & 0xC0 == 0
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let used = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | used.len() as u8);
        out.extend_from_slice(used);
    }
}

impl<'a> Parser<'a> {
    fn byte(&mut self) -> Result<u8, BerError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or(BerError::Truncated(self.pos))?;
        self.pos = self.pos.saturating_add(1);
        Ok(b)
    }

    /// Tag bytes (1–4).
    fn tag(&mut self) -> Result<Vec<u8>, BerError> {
        let start = self.pos;
        let first = self.byte()?;
        let mut tag = vec![first];
        if first & 0x1F == 0x1F {
            loop {
                let b = self.byte()?;
                tag.push(b);
                if tag.len() > 4 {
                    return Err(BerError::Malformed {
                        offset: start,
                        what: "tag longer than 4 bytes",
                    });
                }
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        Ok(tag)
    }

    /// `None` for indefinite length.
    fn length(&mut self) -> Result<Option<usize>, BerError> {
        let start = self.pos;
        let first = self.byte()?;
        match first {
            0x00..=0x7F => Ok(Some(usize::from(first))),
            0x80 => Ok(None),
            0x81..=0x84 => {
                let mut len = 0usize;
                for _ in 0..(first & 0x7F) {
                    len = (len << 8) | usize::from(self.byte()?);
                }
                Ok(Some(len))
            }
            _ => Err(BerError::Malformed {
                offset: start,
                what: "length with more than 4 bytes",
            }),
        }
    }

    fn at_eoc(&self) -> bool {
        self.data.get(self.pos..self.pos.saturating_add(2)) == Some(&[0, 0])
    }

    /// Parse one element and append its DER form to `out`.
    fn element(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
        if depth >= MAX_DEPTH {
            return Err(BerError::TooDeep(self.pos));
        }
        let start = self.pos;
        let tag = self.tag()?;
        let constructed = tag.first().is_some_and(|t| t & 0x20 != 0);
        let len = self.length()?;
        let first = tag.first().copied().unwrap_or_default();
        if !constructed {
            let len = len.ok_or(BerError::Malformed {
                offset: start,
                what: "indefinite length on a primitive",
            })?;
            let end = self
                .pos
                .checked_add(len)
                .ok_or(BerError::Truncated(self.pos))?;
            let value = self
                .data
                .get(self.pos..end)
                .ok_or(BerError::Truncated(self.pos))?;
            self.pos = end;
            return self.emit(out, &tag, value);
        }
        // Constructed: collect the children's DER, bounded by the definite length or up to EOC.
        let mut body = Vec::new();
        match len {
            Some(len) => {
                let end = self
                    .pos
                    .checked_add(len)
                    .ok_or(BerError::Truncated(self.pos))?;
                if end > self.data.len() {
                    return Err(BerError::Truncated(self.pos));
                }
                while self.pos < end {
                    self.element(&mut body, depth.saturating_add(1))?;
                }
                if self.pos != end {
                    return Err(BerError::Malformed {
                        offset: start,
                        what: "children overrun the length",
                    });
                }
            }
            None => loop {
                if self.at_eoc() {
                    self.pos = self.pos.saturating_add(2);
                    break;
                }
                if self.pos >= self.data.len() {
                    return Err(BerError::Truncated(self.pos));
                }
                self.element(&mut body, depth.saturating_add(1))?;
            },
        }
        if is_string_type(first & !0x20) {
            // Segmented string: concatenate the segments' contents (bit strings: keep the last unused-bits).
            let contents = concat_segments(&body, first & 0x1F == 3, start)?;
            return self.emit(out, &[first & !0x20], &contents);
        }
        self.emit(out, &tag, &body)
    }

    fn emit(&self, out: &mut Vec<u8>, tag: &[u8], value: &[u8]) -> Result<(), BerError> {
        out.extend_from_slice(tag);
        push_len(out, value.len());
        out.extend_from_slice(value);
        if out.len() > self.limit {
            return Err(BerError::TooLarge(self.limit));
        }
        Ok(())
    }
}

/// The concatenated contents of DER-normalised primitive string segments.
fn concat_segments(body: &[u8], bit_string: bool, offset: usize) -> Result<Vec<u8>, BerError> {
    let mut out = Vec::new();
    let mut p = Parser {
        data: body,
        pos: 0,
        limit: body.len(),
    };
    let mut last_unused = 0u8;
    while p.pos < body.len() {
        let _tag = p.tag()?;
        let len = p.length()?.ok_or(BerError::Malformed {
            offset,
            what: "segment with indefinite length",
        })?;
        let end = p.pos.checked_add(len).ok_or(BerError::Truncated(offset))?;
        let seg = body.get(p.pos..end).ok_or(BerError::Truncated(offset))?;
        p.pos = end;
        if bit_string {
            let (&unused, bits) = seg.split_first().ok_or(BerError::Malformed {
                offset,
                what: "empty bit string segment",
            })?;
            if last_unused != 0 {
                return Err(BerError::Malformed {
                    offset,
                    what: "unused bits in a non-final bit string segment",
                });
            }
            last_unused = unused;
            out.extend_from_slice(bits);
        } else {
            out.extend_from_slice(seg);
        }
    }
    if bit_string {
        out.insert(0, last_unused);
    }
    Ok(out)
}

/// Normalise one BER element at the start of `bytes` to DER; trailing bytes are ignored. `limit` bounds
/// the output size.
pub fn to_der(bytes: &[u8], limit: usize) -> Result<Vec<u8>, BerError> {
    let mut p = Parser {
        data: bytes,
        pos: 0,
        limit,
    };
    let mut out = Vec::new();
    p.element(&mut out, 0)?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
