//! EF.SOD (ICAO 9303 Part 10 §4.6.2, Part 11 §5.1): tag `77` around a CMS SignedData whose content is the
//! LDSSecurityObject — the hash algorithm and one hash per data group. Parsed with `cms`/`der` (DER).

use std::collections::BTreeMap;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, Sequence, Tag, TagNumber};
use spki::AlgorithmIdentifierOwned;

/// id-signedData (RFC 5652 §5.1).
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-icao-mrtd-security-ldsSecurityObject (ICAO 9303 Part 10 §4.6.2.3).
pub const ID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");

/// Largest EF.SOD accepted (real ones are 2–10 KB; the limit bounds allocation on hostile input).
pub const MAX_SOD_LEN: usize = 64 * 1024;

/// Why EF.SOD could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SodError {
    /// The file is larger than [`MAX_SOD_LEN`].
    #[error("EF.SOD is {0} bytes, more than the {MAX_SOD_LEN} accepted")]
    TooLarge(usize),
    /// The outer tag is not `77`, or its length is wrong.
    #[error("EF.SOD outer tag: {0}")]
    OuterTag(String),
    /// The CMS structure does not decode.
    #[error("EF.SOD CMS: {0}")]
    Cms(String),
    /// The ContentInfo is not a SignedData.
    #[error("EF.SOD content type is {0}, not id-signedData")]
    NotSignedData(String),
    /// The encapsulated content is not an LDSSecurityObject.
    #[error("EF.SOD eContentType is {0}, not id-icao-mrtd-security-ldsSecurityObject")]
    WrongContentType(String),
    /// The encapsulated content is missing (detached signature).
    #[error("EF.SOD has no encapsulated LDSSecurityObject")]
    NoContent,
    /// The LDSSecurityObject does not decode or breaks a rule.
    #[error("LDSSecurityObject: {0}")]
    LdsSecurityObject(String),
}

/// DataGroupHash ::= SEQUENCE { dataGroupNumber, dataGroupHashValue }.
#[derive(Sequence)]
struct DataGroupHashAsn {
    number: u8,
    value: OctetString,
}

/// LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }.
#[derive(Sequence)]
struct LdsVersionInfoAsn {
    lds_version: der::asn1::PrintableString,
    unicode_version: der::asn1::PrintableString,
}

/// LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, ldsVersionInfo OPTIONAL }.
#[derive(Sequence)]
struct LdsSecurityObjectAsn {
    version: u8,
    hash_algorithm: AlgorithmIdentifierOwned,
    data_group_hash_values: Vec<DataGroupHashAsn>,
    lds_version_info: Option<LdsVersionInfoAsn>,
}

/// The signed content of EF.SOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsSecurityObject {
    /// 0 (LDS 1.7) or 1 (LDS 1.8, with `lds_version`).
    pub version: u8,
    /// The hash algorithm OID used for every data group.
    pub hash_algorithm: ObjectIdentifier,
    /// Data group number (1–16) → hash.
    pub hashes: BTreeMap<u8, Vec<u8>>,
    /// `(ldsVersion, unicodeVersion)` for version 1 objects.
    pub lds_version: Option<(String, String)>,
}

impl LdsSecurityObject {
    /// Decode the DER LDSSecurityObject.
    pub fn from_der(bytes: &[u8]) -> Result<Self, SodError> {
        let asn = LdsSecurityObjectAsn::from_der(bytes)
            .map_err(|e| SodError::LdsSecurityObject(e.to_string()))?;
        if asn.version > 1 {
            return Err(SodError::LdsSecurityObject(format!(
                "version {}",
                asn.version
            )));
        }
        let mut hashes = BTreeMap::new();
        for h in asn.data_group_hash_values {
            if !(1..=16).contains(&h.number) {
                return Err(SodError::LdsSecurityObject(format!(
                    "data group number {}",
                    h.number
                )));
            }
            if hashes
                .insert(h.number, h.value.as_bytes().to_vec())
                .is_some()
            {
                return Err(SodError::LdsSecurityObject(format!(
                    "DG{} listed twice",
                    h.number
                )));
            }
        }
        Ok(Self {
            version: asn.version,
            hash_algorithm: asn.hash_algorithm.oid,
            hashes,
            lds_version: asn
                .lds_version_info
                .map(|v| (v.lds_version.to_string(), v.unicode_version.to_string())),
        })
    }
}

/// A parsed EF.SOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sod {
    /// The CMS SignedData (certificates, signer infos).
    pub signed_data: SignedData,
    /// The raw eContent bytes (the DER LDSSecurityObject exactly as signed).
    pub econtent: Vec<u8>,
    /// The decoded LDSSecurityObject.
    pub lds: LdsSecurityObject,
    /// The first SignerInfo's signed attributes exactly as received, tagged `31` (what was signed).
    pub signed_attrs_der: Option<Vec<u8>>,
}

/// The value of an outer `77` tag (or of any single application-class constructed object) in DER.
fn strip_outer(bytes: &[u8], tag_number: u8) -> Result<&[u8], SodError> {
    let any = der::asn1::AnyRef::from_der(bytes).map_err(|e| SodError::OuterTag(e.to_string()))?;
    let expected = Tag::Application {
        constructed: true,
        number: TagNumber(u32::from(tag_number)),
    };
    if any.header().tag() != expected {
        return Err(SodError::OuterTag(format!(
            "found {}, expected {expected}",
            any.header().tag()
        )));
    }
    Ok(any.value())
}

impl Sod {
    /// Parse EF.SOD as read from the chip (outer tag `77` included).
    ///
    /// DER is parsed as is; if that fails, the file is normalised from BER (indefinite lengths,
    /// segmented strings — as some chips store it) to DER and parsed again. Signatures stay
    /// verifiable because everything signed in a SignedData is defined over DER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SodError> {
        if bytes.len() > MAX_SOD_LEN {
            return Err(SodError::TooLarge(bytes.len()));
        }
        let strict = strip_outer(bytes, 0x17).and_then(Self::from_content_info);
        match strict {
            Ok(sod) => Ok(sod),
            Err(first_error) => match super::ber::to_der(bytes, MAX_SOD_LEN) {
                Ok(der_bytes) if der_bytes != bytes => {
                    strip_outer(&der_bytes, 0x17).and_then(Self::from_content_info)
                }
                _ => Err(first_error),
            },
        }
    }

    /// Parse a bare DER CMS ContentInfo holding the SignedData.
    pub fn from_content_info(der_bytes: &[u8]) -> Result<Self, SodError> {
        let ci = ContentInfo::from_der(der_bytes).map_err(|e| SodError::Cms(e.to_string()))?;
        if ci.content_type != ID_SIGNED_DATA {
            return Err(SodError::NotSignedData(ci.content_type.to_string()));
        }
        let signed_data: SignedData = ci
            .content
            .decode_as()
            .map_err(|e: der::Error| SodError::Cms(e.to_string()))?;
        let eci = &signed_data.encap_content_info;
        if eci.econtent_type != ID_LDS_SECURITY_OBJECT {
            return Err(SodError::WrongContentType(eci.econtent_type.to_string()));
        }
        let econtent = eci
            .econtent
            .as_ref()
            .ok_or(SodError::NoContent)?
            .decode_as::<OctetString>()
            .map_err(|e| SodError::Cms(format!("eContent: {e}")))?
            .into_bytes()
            .into_vec();
        let lds = LdsSecurityObject::from_der(&econtent)?;
        let signed_attrs_der = crate::verify::signed_attributes_as_encoded(der_bytes);
        Ok(Self {
            signed_data,
            econtent,
            lds,
            signed_attrs_der,
        })
    }

    /// The SignedData re-encoded in DER (without the ContentInfo and the outer tag `77`).
    pub fn signed_data_der(&self) -> Result<Vec<u8>, SodError> {
        self.signed_data
            .to_der()
            .map_err(|e| SodError::Cms(e.to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
