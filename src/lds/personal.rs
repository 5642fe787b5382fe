//! DG11 (additional personal details, ICAO 9303 Part 10 §4.7.11) and DG12 (additional document
//! details, §4.7.12): tag lists and text elements; images and unknown elements are kept as bytes.

use super::{LdsError, children, outer, text};
use crate::tlv::Tlv;

/// Most "other names" / "other persons" entries accepted.
pub const MAX_ENTRIES: usize = 32;

/// The parsed DG11.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dg11 {
    /// `5C` tag list as stored.
    pub tag_list: Vec<u8>,
    /// `5F0E` full name in national characters (primary and secondary identifiers, `<<`-separated).
    pub full_name: Option<String>,
    /// `5F0F` other names (inside `A0` with a count, or bare).
    pub other_names: Vec<String>,
    /// `5F10` personal number.
    pub personal_number: Option<String>,
    /// `5F2B` full date of birth `YYYYMMDD` (as stored; may be BCD in old chips).
    pub full_date_of_birth: Option<String>,
    /// `5F11` place of birth.
    pub place_of_birth: Option<String>,
    /// `5F42` permanent address.
    pub address: Option<String>,
    /// `5F12` telephone.
    pub telephone: Option<String>,
    /// `5F13` profession.
    pub profession: Option<String>,
    /// `5F14` title.
    pub title: Option<String>,
    /// `5F15` personal summary.
    pub personal_summary: Option<String>,
    /// `5F16` proof of citizenship (an image).
    pub proof_of_citizenship: Option<Vec<u8>>,
    /// `5F17` other valid travel document numbers.
    pub other_td_numbers: Option<String>,
    /// `5F18` custody information.
    pub custody_information: Option<String>,
}

/// The parsed DG12.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dg12 {
    /// `5C` tag list as stored.
    pub tag_list: Vec<u8>,
    /// `5F19` issuing authority.
    pub issuing_authority: Option<String>,
    /// `5F26` date of issue `YYYYMMDD`.
    pub date_of_issue: Option<String>,
    /// `5F1A` names of other persons (inside `A0` with a count, or bare).
    pub other_persons: Vec<String>,
    /// `5F1B` endorsements and observations.
    pub endorsements: Option<String>,
    /// `5F1C` tax or exit requirements.
    pub tax_exit_requirements: Option<String>,
    /// `5F1D` image of the front of the document.
    pub image_front: Option<Vec<u8>>,
    /// `5F1E` image of the rear of the document.
    pub image_rear: Option<Vec<u8>>,
    /// `5F55` date and time of personalisation `YYYYMMDDhhmmss`.
    pub personalization_time: Option<String>,
    /// `5F56` serial number of the personalisation system.
    pub personalization_system_serial: Option<String>,
}

fn push_bounded(file: &'static str, list: &mut Vec<String>, v: &[u8]) -> Result<(), LdsError> {
    if list.len() >= MAX_ENTRIES {
        return Err(LdsError::Invalid {
            file,
            what: "name list",
            message: format!("more than {MAX_ENTRIES}"),
        });
    }
    list.push(text(v));
    Ok(())
}

/// The entries with `tag` of an `A0` { `02` count, `tag` … } group (count checked), or bare.
fn names_in_group(
    file: &'static str,
    group: &crate::tlv::Tlv<'_>,
    tag: u32,
    out: &mut Vec<String>,
) -> Result<(), LdsError> {
    let mut declared = None;
    let before = out.len();
    for c in children(file, group)? {
        match c.tag.number() {
            0x02 => declared = Some(c.value.to_vec()),
            t if t == tag => push_bounded(file, out, c.value)?,
            _ => {}
        }
    }
    if let Some(d) = declared {
        let found = out.len().saturating_sub(before);
        if d.as_slice() != [u8::try_from(found).unwrap_or(u8::MAX)] {
            return Err(LdsError::Invalid {
                file,
                what: "A0 count",
                message: format!("says {d:02X?}, {found} entries present"),
            });
        }
    }
    Ok(())
}

impl Dg11 {
    /// Parse DG11 as read (`6B` { `5C` tag list, elements … }).
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        const FILE: &str = "DG11";
        let mut d = Self::default();
        let tag_list = tagged_elements(FILE, bytes, 0x6B, |c| {
            let s = || Some(text(c.value));
            match c.tag.number() {
                0x5F0E => d.full_name = s(),
                0xA0 => names_in_group(FILE, c, 0x5F0F, &mut d.other_names)?,
                0x5F0F => push_bounded(FILE, &mut d.other_names, c.value)?,
                0x5F10 => d.personal_number = s(),
                0x5F2B => d.full_date_of_birth = Some(date_text(c.value)),
                0x5F11 => d.place_of_birth = s(),
                0x5F42 => d.address = s(),
                0x5F12 => d.telephone = s(),
                0x5F13 => d.profession = s(),
                0x5F14 => d.title = s(),
                0x5F15 => d.personal_summary = s(),
                0x5F16 => d.proof_of_citizenship = Some(c.value.to_vec()),
                0x5F17 => d.other_td_numbers = s(),
                0x5F18 => d.custody_information = s(),
                _ => {}
            }
            Ok(())
        })?;
        d.tag_list = tag_list;
        Ok(d)
    }
}

impl Dg12 {
    /// Parse DG12 as read (`6C` { `5C` tag list, elements … }).
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        const FILE: &str = "DG12";
        let mut d = Self::default();
        let tag_list = tagged_elements(FILE, bytes, 0x6C, |c| {
            let s = || Some(text(c.value));
            match c.tag.number() {
                0x5F19 => d.issuing_authority = s(),
                0x5F26 => d.date_of_issue = Some(date_text(c.value)),
                0xA0 => names_in_group(FILE, c, 0x5F1A, &mut d.other_persons)?,
                0x5F1A => push_bounded(FILE, &mut d.other_persons, c.value)?,
                0x5F1B => d.endorsements = s(),
                0x5F1C => d.tax_exit_requirements = s(),
                0x5F1D => d.image_front = Some(c.value.to_vec()),
                0x5F1E => d.image_rear = Some(c.value.to_vec()),
                0x5F55 => d.personalization_time = Some(date_text(c.value)),
                0x5F56 => d.personalization_system_serial = s(),
                _ => {}
            }
            Ok(())
        })?;
        d.tag_list = tag_list;
        Ok(d)
    }
}

/// Walks the elements of a DG11/DG12 template (`outer_tag` { `5C` tag list, elements … }), handing
/// every element but the tag list to `element`; returns the tag list, which must be present.
fn tagged_elements<'a>(
    file: &'static str,
    bytes: &'a [u8],
    outer_tag: u32,
    mut element: impl FnMut(&Tlv<'a>) -> Result<(), LdsError>,
) -> Result<Vec<u8>, LdsError> {
    let top = outer(file, bytes, outer_tag)?;
    let mut tag_list = None;
    for c in children(file, &top)? {
        if c.tag.number() == 0x5C {
            tag_list = Some(c.value.to_vec());
        } else {
            element(&c)?;
        }
    }
    tag_list.ok_or(LdsError::Missing {
        file,
        what: "5C tag list",
    })
}

/// A date element: ASCII digits as stored, or packed BCD (some LDS 1.7 chips) unpacked to digits.
fn date_text(v: &[u8]) -> String {
    if v.iter().all(u8::is_ascii_digit) {
        return text(v);
    }
    let bcd = v.iter().all(|b| (b >> 4) <= 9 && (b & 0x0F) <= 9);
    if bcd {
        v.iter()
            .flat_map(|b| [char::from(b'0' + (b >> 4)), char::from(b'0' + (b & 0x0F))])
            .collect()
    } else {
        text(v)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
