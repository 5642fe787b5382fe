//! ISO/IEC 19794-5:2005 facial record (the content of DG2's biometric data block, ICAO 9303 Part 10
//! §4.7.2) and decoding of the face / signature images it carries: JPEG with `image`, JPEG 2000 with
//! `hayro-jpeg2000`. Every length is checked against the bytes present; decoding is bounded in pixels.

/// Largest image (in pixels) decoded; passport images are around 0.3 Mpx.
pub const MAX_PIXELS: u64 = 16 * 1024 * 1024;

/// Why a facial record or image could not be parsed or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// Input ends before a field (what was being read, and its offset).
    #[error("facial record truncated reading {what} at offset {offset}")]
    Truncated {
        /// The field.
        what: &'static str,
        /// Byte offset in the record.
        offset: usize,
    },
    /// The format identifier is not `FAC\0`.
    #[error("facial record format identifier {0:02x?} is not \"FAC\\0\"")]
    BadFormat([u8; 4]),
    /// A length field disagrees with the data.
    #[error("facial record: {0}")]
    BadLength(String),
    /// The image data type is neither JPEG (0) nor JPEG 2000 (1).
    #[error("image data type {0} is not JPEG or JPEG 2000")]
    UnknownImageType(u8),
    /// The image is larger than [`MAX_PIXELS`].
    #[error("image of {width}x{height} pixels is larger than accepted")]
    TooLarge {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// The image bytes do not decode.
    #[error("image decoding: {0}")]
    Decode(String),
}

/// Compression of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (ISO/IEC 10918).
    Jpeg,
    /// JPEG 2000 (ISO/IEC 15444), JP2 file or raw codestream.
    Jpeg2000,
}

impl ImageFormat {
    /// Guess the format from the first bytes (JPEG SOI, JP2 signature box, J2K SOC+SIZ).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(&[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20])
            || bytes.starts_with(&[0xFF, 0x4F, 0xFF, 0x51])
        {
            Some(Self::Jpeg2000)
        } else {
            None
        }
    }
}

/// A decoded image: 8-bit samples, interleaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Samples per pixel (1 grey, 3 RGB, ...).
    pub channels: u8,
    /// `width * height * channels` samples.
    pub pixels: Vec<u8>,
}

fn check_size(width: u32, height: u32) -> Result<(), FaceError> {
    if u64::from(width).saturating_mul(u64::from(height)) > MAX_PIXELS || width == 0 || height == 0
    {
        return Err(FaceError::TooLarge { width, height });
    }
    Ok(())
}

/// Decode a JPEG or JPEG 2000 image (format sniffed from its bytes) to 8-bit pixels.
pub fn decode_image(bytes: &[u8]) -> Result<DecodedImage, FaceError> {
    match ImageFormat::sniff(bytes) {
        Some(ImageFormat::Jpeg) => decode_jpeg(bytes),
        Some(ImageFormat::Jpeg2000) => decode_jpeg2000(bytes),
        None => Err(FaceError::Decode(
            "neither a JPEG nor a JPEG 2000 image".into(),
        )),
    }
}

/// Decode a JPEG image.
pub fn decode_jpeg(bytes: &[u8]) -> Result<DecodedImage, FaceError> {
    use image::ImageDecoder;
    let decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(bytes))
        .map_err(|e| FaceError::Decode(format!("JPEG: {e}")))?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    let img = image::DynamicImage::from_decoder(decoder)
        .map_err(|e| FaceError::Decode(format!("JPEG: {e}")))?;
    let channels = img.color().channel_count();
    let pixels = if channels == 1 {
        img.into_luma8().into_raw()
    } else {
        img.into_rgb8().into_raw()
    };
    Ok(DecodedImage {
        width,
        height,
        channels: if channels == 1 { 1 } else { 3 },
        pixels,
    })
}

/// Decode a JPEG 2000 image (JP2 file or raw codestream).
pub fn decode_jpeg2000(bytes: &[u8]) -> Result<DecodedImage, FaceError> {
    let settings = hayro_jpeg2000::DecodeSettings::default();
    let img = hayro_jpeg2000::Image::new(bytes, &settings)
        .map_err(|e| FaceError::Decode(format!("JPEG 2000: {e}")))?;
    let (width, height) = (img.width(), img.height());
    check_size(width, height)?;
    let has_alpha = img.has_alpha();
    let channels = img
        .color_space()
        .num_channels()
        .saturating_add(u8::from(has_alpha));
    let mut ctx = hayro_jpeg2000::DecoderContext::default();
    let decoded = img
        .decode(&mut ctx)
        .map_err(|e| FaceError::Decode(format!("JPEG 2000: {e}")))?;
    if decoded.components().is_empty() {
        return Err(FaceError::Decode("JPEG 2000: no components".into()));
    }
    let pixels = decoded.data_u8();
    let expected = u64::from(width) * u64::from(height) * u64::from(channels);
    if pixels.len() as u64 != expected {
        return Err(FaceError::Decode(format!(
            "JPEG 2000: {} samples, expected {expected}",
            pixels.len()
        )));
    }
    Ok(DecodedImage {
        width,
        height,
        channels,
        pixels,
    })
}

/// The facial information block of one face (ISO/IEC 19794-5:2005 §5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacialInformation {
    /// Number of feature points that follow.
    pub feature_points: u16,
    /// 0 unspecified, 1 male, 2 female, 0xFF unknown.
    pub gender: u8,
    /// Eye colour code (§5.5.4).
    pub eye_colour: u8,
    /// Hair colour code (§5.5.5).
    pub hair_colour: u8,
    /// Property mask (24 bits, §5.5.6).
    pub property_mask: u32,
    /// Expression (§5.5.7).
    pub expression: u16,
    /// Pose angle yaw, pitch, roll (§5.5.8).
    pub pose_angle: [u8; 3],
    /// Pose angle uncertainty (§5.5.9).
    pub pose_angle_uncertainty: [u8; 3],
}

/// The image information block (ISO/IEC 19794-5:2005 §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInformation {
    /// Face image type: 0 basic, 1 full frontal, 2 token frontal.
    pub face_image_type: u8,
    /// The compression.
    pub format: ImageFormat,
    /// Width in pixels, as declared.
    pub width: u16,
    /// Height in pixels, as declared.
    pub height: u16,
    /// Colour space (§5.7.4).
    pub colour_space: u8,
    /// Source type (§5.7.5).
    pub source_type: u8,
    /// Device type (§5.7.6).
    pub device_type: u16,
    /// Quality (§5.7.7).
    pub quality: u16,
}

/// One face in a facial record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// Facial information.
    pub info: FacialInformation,
    /// The feature points, 8 bytes each, undecoded.
    pub feature_points: Vec<[u8; 8]>,
    /// Image information.
    pub image_info: ImageInformation,
    /// The compressed image bytes.
    pub image: Vec<u8>,
}

impl FaceImage {
    /// Decode the image to pixels.
    pub fn decode(&self) -> Result<DecodedImage, FaceError> {
        match self.image_info.format {
            ImageFormat::Jpeg => decode_jpeg(&self.image),
            ImageFormat::Jpeg2000 => decode_jpeg2000(&self.image),
        }
    }
}

/// A facial record: header plus one or more faces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacialRecord {
    /// Version, e.g. `010`.
    pub version: String,
    /// The faces.
    pub faces: Vec<FaceImage>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FaceError> {
        let end = self.pos.checked_add(n).ok_or(FaceError::Truncated {
            what,
            offset: self.pos,
        })?;
        let s = self.data.get(self.pos..end).ok_or(FaceError::Truncated {
            what,
            offset: self.pos,
        })?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, FaceError> {
        Ok(self.take(1, what)?.first().copied().unwrap_or_default())
    }
    fn be(&mut self, n: usize, what: &'static str) -> Result<u32, FaceError> {
        Ok(self
            .take(n, what)?
            .iter()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
    }
    fn arr3(&mut self, what: &'static str) -> Result<[u8; 3], FaceError> {
        let s = self.take(3, what)?;
        let mut a = [0u8; 3];
        a.copy_from_slice(s);
        Ok(a)
    }
}

impl FacialRecord {
    /// Parse an ISO/IEC 19794-5:2005 facial record (`FAC\0` …).
    pub fn parse(data: &[u8]) -> Result<Self, FaceError> {
        let mut c = Cursor { data, pos: 0 };
        let magic = c.take(4, "format identifier")?;
        if magic != b"FAC\0" {
            let mut m = [0u8; 4];
            m.copy_from_slice(magic);
            return Err(FaceError::BadFormat(m));
        }
        let version_bytes = c.take(4, "version")?;
        let version =
            String::from_utf8_lossy(version_bytes.get(..3).unwrap_or_default()).into_owned();
        let record_len = c.be(4, "record length")? as usize;
        if record_len > data.len() {
            return Err(FaceError::BadLength(format!(
                "record length {record_len} but only {} bytes present",
                data.len()
            )));
        }
        let count = c.be(2, "number of facial images")?;
        if count == 0 {
            return Err(FaceError::BadLength("no facial images".into()));
        }
        let mut faces = Vec::new();
        for _ in 0..count {
            let block_start = c.pos;
            let block_len = c.be(4, "facial record block length")? as usize;
            let block_end = block_start
                .checked_add(block_len)
                .filter(|&e| e <= record_len)
                .ok_or_else(|| {
                    FaceError::BadLength(format!(
                        "block length {block_len} at {block_start} overruns the record"
                    ))
                })?;
            let feature_points = c.be(2, "number of feature points")? as u16;
            let info = FacialInformation {
                feature_points,
                gender: c.u8("gender")?,
                eye_colour: c.u8("eye colour")?,
                hair_colour: c.u8("hair colour")?,
                property_mask: c.be(3, "property mask")?,
                expression: c.be(2, "expression")? as u16,
                pose_angle: c.arr3("pose angle")?,
                pose_angle_uncertainty: c.arr3("pose angle uncertainty")?,
            };
            let mut points = Vec::new();
            for _ in 0..feature_points {
                let p = c.take(8, "feature point")?;
                let mut a = [0u8; 8];
                a.copy_from_slice(p);
                points.push(a);
            }
            let face_image_type = c.u8("face image type")?;
            let format = match c.u8("image data type")? {
                0 => ImageFormat::Jpeg,
                1 => ImageFormat::Jpeg2000,
                other => return Err(FaceError::UnknownImageType(other)),
            };
            let image_info = ImageInformation {
                face_image_type,
                format,
                width: c.be(2, "width")? as u16,
                height: c.be(2, "height")? as u16,
                colour_space: c.u8("colour space")?,
                source_type: c.u8("source type")?,
                device_type: c.be(2, "device type")? as u16,
                quality: c.be(2, "quality")? as u16,
            };
            let image_len = block_end.checked_sub(c.pos).ok_or_else(|| {
                FaceError::BadLength(format!(
                    "block of {block_len} bytes is shorter than its headers"
                ))
            })?;
            let image = c.take(image_len, "image data")?.to_vec();
            faces.push(FaceImage {
                info,
                feature_points: points,
                image_info,
                image,
            });
        }
        Ok(Self { version, faces })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
