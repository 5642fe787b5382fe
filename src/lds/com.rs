//! EF.COM (ICAO 9303 Part 10 §4.6.1): LDS version, Unicode version and the list of data-group tags.

use super::{LdsError, children, dg_number_for_tag, outer};

const FILE: &str = "EF.COM";

/// The parsed EF.COM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    /// LDS version `aabb` as stored, e.g. `0107` (LDS 1.7).
    pub lds_version: String,
    /// Unicode version `aabbcc`, e.g. `040000`.
    pub unicode_version: String,
    /// The data-group tags listed (`5C`), in order.
    pub tags: Vec<u8>,
}

impl EfCom {
    /// Parse EF.COM as read (`60` { `5F01` `5F36` `5C` }).
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let top = outer(FILE, bytes, 0x60)?;
        let (mut lds, mut unicode, mut tags) = (None, None, None);
        for c in children(FILE, &top)? {
            match c.tag.number() {
                0x5F01 => lds = Some(c.value),
                0x5F36 => unicode = Some(c.value),
                0x5C => tags = Some(c.value),
                _ => {}
            }
        }
        let digits = |v: &[u8], n: usize, what: &'static str| -> Result<String, LdsError> {
            if v.len() != n || !v.iter().all(u8::is_ascii_digit) {
                return Err(LdsError::Invalid {
                    file: FILE,
                    what,
                    message: format!("expected {n} digits"),
                });
            }
            Ok(super::text(v))
        };
        let lds_version = digits(
            lds.ok_or(LdsError::Missing {
                file: FILE,
                what: "5F01 LDS version",
            })?,
            4,
            "5F01 LDS version",
        )?;
        let unicode_version = digits(
            unicode.ok_or(LdsError::Missing {
                file: FILE,
                what: "5F36 Unicode version",
            })?,
            6,
            "5F36 Unicode version",
        )?;
        let tags = tags
            .ok_or(LdsError::Missing {
                file: FILE,
                what: "5C tag list",
            })?
            .to_vec();
        Ok(Self {
            lds_version,
            unicode_version,
            tags,
        })
    }

    /// The LDS version as `(major, minor)`, e.g. `(1, 7)`.
    pub fn lds_version_numbers(&self) -> Option<(u8, u8)> {
        let major = self.lds_version.get(..2)?.parse().ok()?;
        let minor = self.lds_version.get(2..4)?.parse().ok()?;
        Some((major, minor))
    }

    /// The data-group numbers listed (tags that are not data-group tags are skipped).
    pub fn data_groups(&self) -> Vec<u8> {
        self.tags
            .iter()
            .filter_map(|&t| dg_number_for_tag(u32::from(t)))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
