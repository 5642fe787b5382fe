//! Answer-to-Reset bytes (ISO/IEC 7816-3 §8.2): parsing the structure, the historical bytes'
//! card capabilities (ISO/IEC 7816-4 §12.1.1), and building the ATR a PC/SC reader reports
//! for a contactless ISO/IEC 14443-4 card (PC/SC Part 3 §3.1.3.2.3).

use thiserror::Error;

/// The longest ATR ISO/IEC 7816-3 allows: TS plus 32 bytes.
pub const MAX_ATR_LEN: usize = 33;

/// Why ATR bytes do not parse.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AtrError {
    /// Fewer than the two mandatory bytes TS and T0.
    #[error("ATR of {0} bytes is shorter than TS T0")]
    TooShort(usize),
    /// Longer than the 33 bytes ISO/IEC 7816-3 allows.
    #[error("ATR of {0} bytes exceeds the maximum of 33")]
    TooLong(usize),
    /// TS is neither `3B` (direct) nor `3F` (inverse convention).
    #[error("ATR starts with {0:#04x}, not TS = 3B or 3F")]
    BadTs(u8),
    /// The interface or historical bytes announced run past the end.
    #[error("ATR truncated at byte {at}: {what} announced but missing")]
    Truncated {
        /// Offset where the missing byte was expected.
        at: usize,
        /// What was expected there.
        what: &'static str,
    },
    /// The check byte TCK does not make the XOR of T0..TCK zero.
    #[error("ATR check byte TCK is wrong (XOR of T0..TCK is {0:#04x}, must be 0)")]
    BadTck(u8),
    /// Bytes after TCK (or after the historical bytes when no TCK is due).
    #[error("ATR has {0} bytes after its end")]
    TrailingBytes(usize),
}

/// A parsed ATR: the protocols it offers and its historical bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atr {
    bytes: Vec<u8>,
    protocols: u16,
    historical: std::ops::Range<usize>,
}

impl Atr {
    /// Parses `bytes` (TS first). The TCK is checked when one is due (any protocol other
    /// than T=0 indicated, ISO/IEC 7816-3 §8.2.5).
    pub fn parse(bytes: &[u8]) -> Result<Atr, AtrError> {
        if bytes.len() < 2 {
            return Err(AtrError::TooShort(bytes.len()));
        }
        if bytes.len() > MAX_ATR_LEN {
            return Err(AtrError::TooLong(bytes.len()));
        }
        match bytes.first() {
            Some(0x3B | 0x3F) => {}
            Some(&ts) => return Err(AtrError::BadTs(ts)),
            None => return Err(AtrError::TooShort(0)),
        }
        let byte = |at: usize, what: &'static str| -> Result<u8, AtrError> {
            bytes
                .get(at)
                .copied()
                .ok_or(AtrError::Truncated { at, what })
        };
        let t0 = byte(1, "T0")?;
        let k = usize::from(t0 & 0x0F);
        let mut y = t0 >> 4;
        let mut at = 2usize;
        let mut protocols = 0u16;
        let mut first_td = true;
        loop {
            // TAi, TBi, TCi carry no protocol information we need; skip them.
            for (bit, what) in [(0x1, "TA"), (0x2, "TB"), (0x4, "TC")] {
                if y & bit != 0 {
                    byte(at, what)?;
                    at += 1;
                }
            }
            if y & 0x8 == 0 {
                break;
            }
            let td = byte(at, "TD")?;
            at += 1;
            protocols |= 1 << (td & 0x0F);
            first_td = false;
            y = td >> 4;
        }
        if first_td {
            // No TD1: T=0 only (ISO/IEC 7816-3 §8.2.3).
            protocols = 1;
        }
        let start = at;
        let end = start + k;
        if end > bytes.len() {
            return Err(AtrError::Truncated {
                at: bytes.len(),
                what: "historical byte",
            });
        }
        let tck_due = protocols & !1 != 0;
        let total = if tck_due { end + 1 } else { end };
        if total > bytes.len() {
            return Err(AtrError::Truncated {
                at: end,
                what: "TCK",
            });
        }
        if total < bytes.len() {
            return Err(AtrError::TrailingBytes(bytes.len() - total));
        }
        if tck_due {
            let xor = bytes
                .get(1..total)
                .unwrap_or_default()
                .iter()
                .fold(0u8, |a, b| a ^ b);
            if xor != 0 {
                return Err(AtrError::BadTck(xor));
            }
        }
        Ok(Atr {
            bytes: bytes.to_vec(),
            protocols,
            historical: start..end,
        })
    }

    /// The ATR bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The historical bytes T1..TK.
    pub fn historical_bytes(&self) -> &[u8] {
        self.bytes.get(self.historical.clone()).unwrap_or_default()
    }

    /// True if the ATR offers protocol T=`t` (0..=15).
    pub fn offers_protocol(&self, t: u8) -> bool {
        t < 16 && self.protocols & (1 << t) != 0
    }

    /// The card capabilities from the historical bytes: the compact-TLV data object `7x`
    /// (ISO/IEC 7816-4 §12.1.1.9), up to its three software function tables, if the
    /// historical bytes are in compact-TLV format (category indicator `80`, or `00` with a
    /// three-byte status indicator at the end).
    pub fn card_capabilities(&self) -> Option<&[u8]> {
        let hist = self.historical_bytes();
        let objects = match hist.split_first() {
            Some((0x80, rest)) => rest,
            Some((0x00, rest)) => rest.get(..rest.len().checked_sub(3)?)?,
            _ => return None,
        };
        let mut rest = objects;
        while let Some((&tl, tail)) = rest.split_first() {
            let len = usize::from(tl & 0x0F);
            let value = tail.get(..len)?;
            if tl >> 4 == 0x7 {
                return Some(value);
            }
            rest = tail.get(len..)?;
        }
        None
    }

    /// Whether the card announces extended Lc and Le fields: bit 7 of the third software
    /// function table in the card capabilities (ISO/IEC 7816-4 §12.1.1.9, Table 120).
    /// `None` when the ATR carries no card capabilities to tell.
    pub fn extended_length(&self) -> Option<bool> {
        let caps = self.card_capabilities()?;
        Some(caps.get(2).is_some_and(|third| third & 0x40 != 0))
    }
}

/// Card capabilities (ISO/IEC 7816-4 Table 118–120) of an eMRTD as the software chip offers
/// them: selection by full DF name, by file identifier and by short EF identifier (`94`);
/// one-byte data units (`01`); extended Lc/Le when `extended_length` (`40`), no chaining,
/// no logical channels.
pub fn emrtd_card_capabilities(extended_length: bool) -> [u8; 3] {
    [0x94, 0x01, if extended_length { 0x40 } else { 0x00 }]
}

/// The ATR a PC/SC reader builds for an ISO/IEC 14443-4 Type A card (PC/SC Part 3 §3.1.3.2.3):
/// `3B 8n 80 01`, the historical bytes (at most 15, from the ATS), and the TCK.
/// Longer `historical` input is cut to 15 bytes.
pub fn contactless_atr(historical: &[u8]) -> Vec<u8> {
    let hist = historical
        .get(..historical.len().min(15))
        .unwrap_or_default();
    let n = u8::try_from(hist.len()).unwrap_or(15);
    let mut atr = vec![0x3B, 0x80 | n, 0x80, 0x01];
    atr.extend_from_slice(hist);
    let tck = atr.iter().skip(1).fold(0u8, |a, b| a ^ b);
    atr.push(tck);
    atr
}

/// The ATR the software chip presents through vpcd: [`contactless_atr`] with historical bytes
/// `80` (compact-TLV follows) and `73` + [`emrtd_card_capabilities`].
pub fn emrtd_atr(extended_length: bool) -> Vec<u8> {
    let caps = emrtd_card_capabilities(extended_length);
    let mut hist = vec![0x80, 0x73];
    hist.extend_from_slice(&caps);
    contactless_atr(&hist)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
