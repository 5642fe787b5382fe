//! ICAO 9303 Part 3 §4.9 check digits: weights 7-3-1, `<` = 0, digits 0–9, `A` = 10 … `Z` = 35.

/// The numeric value of one MRZ character for check digit computation, `None` outside `[0-9A-Z<]`.
pub(crate) const fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u32),
        b'A'..=b'Z' => Some((c - b'A') as u32 + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// The repeating weights of Part 3 §4.9.
pub(crate) const WEIGHTS: [u32; 3] = [7, 3, 1];

/// Check digit over raw bytes of an MRZ field, `None` when a byte is not an MRZ character.
pub(crate) fn check_digit_bytes(field: &[u8]) -> Option<u8> {
    let mut sum: u32 = 0;
    for (&c, w) in field.iter().zip(WEIGHTS.iter().cycle()) {
        let v = char_value(c)?;
        // Reduce as we go so that no field length can overflow the sum.
        sum = (sum + v * w) % 10;
    }
    // `sum` is already < 10.
    u8::try_from(sum).ok()
}

/// Computes the ICAO 9303 check digit of `field` (Part 3 §4.9).
///
/// Returns `None` when `field` contains a character outside `[0-9A-Z<]`.
///
/// ```
/// use bankid_activation::mrz::check_digit;
/// // ICAO 9303 Part 3 §4.9 worked example: date 520727 → 3.
/// assert_eq!(check_digit("520727"), Some(3));
/// assert_eq!(check_digit("ab"), None);
/// ```
pub fn check_digit(field: &str) -> Option<u8> {
    check_digit_bytes(field.as_bytes())
}

/// The ASCII character of a check digit value.
pub(crate) fn digit_char(d: u8) -> u8 {
    b'0' + (d % 10)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
