//! The eMRTD Logical Data Structure (ICAO 9303 Part 10): typed, bounded, panic-free parsers for the
//! files read from the chip — EF.SOD here; EF.COM, EF.CardAccess and the data groups build on `tlv`.

pub mod face;
pub mod security_info;
pub mod sod;

pub use sod::{LdsSecurityObject, Sod, SodError};

/// The issuing-state code (MRZ characters 3–5 of the first line, e.g. `UTO`, `D<<`) from DG1 as read
/// (`61` / `5F1F` / MRZ text), or `None` if DG1 is malformed.
pub fn dg1_issuing_state(dg1: &[u8]) -> Option<String> {
    let mrz = dg1_mrz_text(dg1)?;
    let code = mrz.get(2..5)?;
    code.bytes()
        .all(|b| b.is_ascii_uppercase() || b == b'<')
        .then(|| code.to_string())
}

/// The MRZ text of DG1 (`61` / `5F1F`), as one string without line breaks.
fn dg1_mrz_text(dg1: &[u8]) -> Option<&str> {
    // `61 L { 5F1F L mrz }`: short- or long-form (81/82) lengths, as written by every chip.
    fn header(b: &[u8], tag: &[u8]) -> Option<(usize, usize)> {
        let rest = b.strip_prefix(tag)?;
        let (len, used) = match *rest.first()? {
            l @ 0..=0x7F => (usize::from(l), 1),
            0x81 => (usize::from(*rest.get(1)?), 2),
            0x82 => (
                usize::from(u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?])),
                3,
            ),
            _ => return None,
        };
        Some((tag.len().checked_add(used)?, len))
    }
    let (h, len) = header(dg1, &[0x61])?;
    let inner = dg1.get(h..h.checked_add(len)?)?;
    let (h2, len2) = header(inner, &[0x5F, 0x1F])?;
    std::str::from_utf8(inner.get(h2..h2.checked_add(len2)?)?).ok()
}
