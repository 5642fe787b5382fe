//! DG2 (ICAO 9303 Part 10 §4.7.2): the biometric information group template `7F61` with one `7F60`
//! template per face — biometric header template `A1` (ISO/IEC 7816-11) and the biometric data block
//! `5F2E` (or `7F2E`) holding an ISO/IEC 19794-5 facial record; and DG7 (§4.7.7), displayed signature
//! images `5F43`.

use super::face::{DecodedImage, FaceError, FacialRecord, decode_image};
use super::{LdsError, children, outer};

const FILE: &str = "DG2";
const FILE7: &str = "DG7";
/// Most biometric templates / images accepted in one data group.
pub const MAX_INSTANCES: usize = 16;

/// Biometric header template (ISO/IEC 7816-11 Table 3), as far as present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BiometricHeader {
    /// `80` ICAO header version.
    pub version: Option<Vec<u8>>,
    /// `81` biometric type (2 = facial features).
    pub biometric_type: Option<Vec<u8>>,
    /// `82` biometric subtype.
    pub biometric_subtype: Option<Vec<u8>>,
    /// `83` creation date and time.
    pub creation_date: Option<Vec<u8>>,
    /// `85` validity period.
    pub validity_period: Option<Vec<u8>>,
    /// `86` creator of the reference data.
    pub creator: Option<Vec<u8>>,
    /// `87` format owner (0x0101 = ISO/IEC JTC 1/SC 37).
    pub format_owner: Option<u16>,
    /// `88` format type (0x0008 = face image, ISO/IEC 19794-5).
    pub format_type: Option<u16>,
}

/// One biometric template of DG2: header and facial record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiometricFace {
    /// The biometric header template.
    pub header: BiometricHeader,
    /// The facial record.
    pub record: FacialRecord,
}

/// The parsed DG2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    /// The biometric templates (usually one).
    pub faces: Vec<BiometricFace>,
}

fn u16_of(v: &[u8]) -> Option<u16> {
    match v {
        [a, b] => Some(u16::from_be_bytes([*a, *b])),
        [a] => Some(u16::from(*a)),
        _ => None,
    }
}

fn instance_count(file: &'static str, v: &[u8]) -> Result<usize, LdsError> {
    match v {
        [n] if usize::from(*n) <= MAX_INSTANCES => Ok(usize::from(*n)),
        _ => Err(LdsError::Invalid {
            file,
            what: "02 number of instances",
            message: format!("{v:02X?} is not a count of at most {MAX_INSTANCES}"),
        }),
    }
}

impl Dg2 {
    /// Parse DG2 as read (`75` { `7F61` { `02` count, `7F60` { `A1`, `5F2E` } … } }).
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let top = outer(FILE, bytes, 0x75)?;
        let group = top
            .find(0x7F61)
            .map_err(|source| LdsError::Tlv { file: FILE, source })?
            .ok_or(LdsError::Missing {
                file: FILE,
                what: "7F61 biometric information group template",
            })?;
        let mut declared = None;
        let mut faces = Vec::new();
        for c in children(FILE, &group)? {
            match c.tag.number() {
                0x02 => declared = Some(instance_count(FILE, c.value)?),
                0x7F60 => {
                    if faces.len() >= MAX_INSTANCES {
                        return Err(LdsError::Invalid {
                            file: FILE,
                            what: "7F60 templates",
                            message: format!("more than {MAX_INSTANCES}"),
                        });
                    }
                    faces.push(parse_template(&c)?);
                }
                _ => {}
            }
        }
        let declared = declared.ok_or(LdsError::Missing {
            file: FILE,
            what: "02 number of instances",
        })?;
        if declared != faces.len() {
            return Err(LdsError::Invalid {
                file: FILE,
                what: "02 number of instances",
                message: format!("says {declared}, {} templates present", faces.len()),
            });
        }
        if faces.is_empty() {
            return Err(LdsError::Missing {
                file: FILE,
                what: "7F60 biometric information template",
            });
        }
        Ok(Self { faces })
    }

    /// Decode the first face image to pixels (JPEG or JPEG 2000).
    pub fn decode_first_image(&self) -> Result<DecodedImage, LdsError> {
        let face = self
            .faces
            .first()
            .and_then(|f| f.record.faces.first())
            .ok_or(LdsError::Missing {
                file: FILE,
                what: "face image",
            })?;
        face.decode()
            .map_err(|source| LdsError::Face { file: FILE, source })
    }
}

fn parse_template(t: &crate::tlv::Tlv<'_>) -> Result<BiometricFace, LdsError> {
    let mut header = None;
    let mut data = None;
    for c in children(FILE, t)? {
        match c.tag.number() {
            0xA1 => header = Some(parse_header(&c)?),
            0x5F2E | 0x7F2E => data = Some(c.value),
            _ => {}
        }
    }
    let header = header.ok_or(LdsError::Missing {
        file: FILE,
        what: "A1 biometric header template",
    })?;
    let data = data.ok_or(LdsError::Missing {
        file: FILE,
        what: "5F2E biometric data block",
    })?;
    let record =
        FacialRecord::parse(data).map_err(|source| LdsError::Face { file: FILE, source })?;
    Ok(BiometricFace { header, record })
}

fn parse_header(t: &crate::tlv::Tlv<'_>) -> Result<BiometricHeader, LdsError> {
    let mut h = BiometricHeader::default();
    for c in children(FILE, t)? {
        let v = Some(c.value.to_vec());
        match c.tag.number() {
            0x80 => h.version = v,
            0x81 => h.biometric_type = v,
            0x82 => h.biometric_subtype = v,
            0x83 => h.creation_date = v,
            0x85 => h.validity_period = v,
            0x86 => h.creator = v,
            0x87 => h.format_owner = u16_of(c.value),
            0x88 => h.format_type = u16_of(c.value),
            _ => {}
        }
    }
    Ok(h)
}

/// The parsed DG7: displayed signature or usual mark images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg7 {
    /// The image bytes (`5F43`), usually JPEG.
    pub images: Vec<Vec<u8>>,
}

impl Dg7 {
    /// Parse DG7 as read (`67` { `02` count, `5F43` image … }).
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let top = outer(FILE7, bytes, 0x67)?;
        let mut declared = None;
        let mut images = Vec::new();
        for c in children(FILE7, &top)? {
            match c.tag.number() {
                0x02 => declared = Some(instance_count(FILE7, c.value)?),
                0x5F43 => {
                    if images.len() >= MAX_INSTANCES {
                        return Err(LdsError::Invalid {
                            file: FILE7,
                            what: "5F43 images",
                            message: format!("more than {MAX_INSTANCES}"),
                        });
                    }
                    images.push(c.value.to_vec());
                }
                _ => {}
            }
        }
        match declared {
            Some(n) if n == images.len() => Ok(Self { images }),
            Some(n) => Err(LdsError::Invalid {
                file: FILE7,
                what: "02 number of instances",
                message: format!("says {n}, {} images present", images.len()),
            }),
            None => Err(LdsError::Missing {
                file: FILE7,
                what: "02 number of instances",
            }),
        }
    }

    /// Decode image `index` to pixels.
    pub fn decode(&self, index: usize) -> Result<DecodedImage, LdsError> {
        let img = self.images.get(index).ok_or(LdsError::Missing {
            file: FILE7,
            what: "5F43 image",
        })?;
        decode_image(img).map_err(|source: FaceError| LdsError::Face {
            file: FILE7,
            source,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
