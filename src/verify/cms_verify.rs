//! CMS SignedData signer verification (RFC 5652 §5.4, §5.6) and X.509 certificate signature checks, with
//! the algorithm taken from the SignerInfo / certificate, never guessed from the key.

use cms::cert::CertificateChoices;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::OctetString;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use crate::crypto::signature::{
    self, HashAlgorithm, PublicKey, SignatureAlgorithm, SignatureError,
};

/// id-contentType (RFC 5652 §11.1).
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest (RFC 5652 §11.2).
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

/// Why a SignedData's signer does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// Not exactly one SignerInfo (ICAO 9303 Part 10 §4.6.2.2 requires one).
    #[error("{0} SignerInfos, expected exactly one")]
    SignerCount(usize),
    /// The signer's certificate is not in the SignedData.
    #[error("the signer's certificate is not in the SignedData")]
    SignerCertificateMissing,
    /// The SignerInfo's digest algorithm is not supported.
    #[error("digest algorithm: {0}")]
    DigestAlgorithm(String),
    /// No signed attributes (ICAO 9303 Part 10 §4.6.2.2 requires them).
    #[error("SignerInfo has no signed attributes")]
    NoSignedAttributes,
    /// The content-type attribute is missing or differs from the eContentType.
    #[error("signed content-type attribute: {0}")]
    ContentType(String),
    /// The message-digest attribute is missing or is not the hash of the eContent.
    #[error("signed message-digest attribute: {0}")]
    MessageDigest(String),
    /// Encoding problem while re-encoding the signed attributes.
    #[error("encoding: {0}")]
    Encoding(String),
    /// The signature algorithm, key or signature value is unusable, or the signature is wrong.
    #[error("{0}")]
    Signature(SignatureError),
}

/// A verified signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSigner {
    /// The signer's certificate (the document signer for EF.SOD).
    pub certificate: Certificate,
    /// The signature algorithm named in the SignerInfo.
    pub signature_algorithm: SignatureAlgorithm,
    /// The SignerInfo's digest algorithm (used for the message-digest attribute).
    pub digest_algorithm: HashAlgorithm,
}

fn spki_der(cert: &Certificate) -> Result<Vec<u8>, SignatureError> {
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| SignatureError::BadPublicKey(e.to_string()))
}

fn params_der(params: Option<&der::Any>) -> Result<Option<Vec<u8>>, SignatureError> {
    params
        .map(|p| p.to_der())
        .transpose()
        .map_err(|e| SignatureError::BadParameters(e.to_string()))
}

/// Find the signer's certificate among the SignedData's certificates (issuer+serial or subject key id).
pub fn find_signer_certificate<'a>(sd: &'a SignedData, si: &SignerInfo) -> Option<&'a Certificate> {
    let certs = sd.certificates.as_ref()?;
    certs.0.iter().find_map(|choice| {
        let CertificateChoices::Certificate(cert) = choice else {
            return None;
        };
        let tbs = cert.tbs_certificate();
        let matches = match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => {
                tbs.issuer() == &ias.issuer && tbs.serial_number() == &ias.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, own))) if own.0 == ski.0)
            }
        };
        matches.then_some(cert)
    })
}

/// The signed attributes of the first SignerInfo exactly as encoded in a DER ContentInfo, with the
/// `[0] IMPLICIT` tag replaced by the SET OF tag `31` — the bytes the signature covers (RFC 5652 §5.4).
/// Using the bytes as received (not a re-encoding) keeps signatures over unsorted SETs verifiable.
pub fn signed_attributes_as_encoded(content_info: &[u8]) -> Option<Vec<u8>> {
    use crate::tlv::Tlv;
    let (ci, _) = Tlv::parse(content_info).ok()?;
    let sd = ci.find(0xA0).ok()??.find(0x30).ok()??;
    let infos = sd
        .children()
        .ok()?
        .filter_map(Result::ok)
        .filter(|c| c.tag.number() == 0x31)
        .last()?;
    let first = infos.find(0x30).ok()??;
    let attrs = first.find(0xA0).ok()??;
    let mut out = attrs.raw.to_vec();
    *out.first_mut()? = 0x31;
    Some(out)
}

/// Verify the single SignerInfo of `sd` over `econtent` (the eContent OCTET STRING's value): the signed
/// content-type and message-digest attributes, then the signature over the signed attributes with the
/// signer certificate's key and the SignerInfo's signature algorithm.
///
/// `signed_attrs_der` are the signed attributes as received (see [`signed_attributes_as_encoded`]); they
/// must decode to the same attributes as `sd` holds. Without them the attributes are re-encoded in DER.
pub fn verify_signed_data(
    sd: &SignedData,
    econtent: &[u8],
    signed_attrs_der: Option<&[u8]>,
) -> Result<VerifiedSigner, CmsError> {
    let infos = sd.signer_infos.0.as_slice();
    let [si] = infos else {
        return Err(CmsError::SignerCount(infos.len()));
    };
    let cert = find_signer_certificate(sd, si).ok_or(CmsError::SignerCertificateMissing)?;
    let digest_algorithm = HashAlgorithm::from_oid(&si.digest_alg.oid)
        .ok_or_else(|| CmsError::DigestAlgorithm(si.digest_alg.oid.to_string()))?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or(CmsError::NoSignedAttributes)?;

    let single_value = |oid: ObjectIdentifier, what: fn(String) -> CmsError| {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        let attr = found.next().ok_or_else(|| what("missing".into()))?;
        if found.next().is_some() {
            return Err(what("present more than once".into()));
        }
        match attr.values.as_slice() {
            [v] => Ok(v),
            other => Err(what(format!("{} values", other.len()))),
        }
    };
    let ct = single_value(ID_CONTENT_TYPE, CmsError::ContentType)?
        .decode_as::<ObjectIdentifier>()
        .map_err(|e| CmsError::ContentType(e.to_string()))?;
    if ct != sd.encap_content_info.econtent_type {
        return Err(CmsError::ContentType(format!(
            "{ct} differs from eContentType {}",
            sd.encap_content_info.econtent_type
        )));
    }
    let md = single_value(ID_MESSAGE_DIGEST, CmsError::MessageDigest)?
        .decode_as::<OctetString>()
        .map_err(|e| CmsError::MessageDigest(e.to_string()))?;
    if md.as_bytes() != digest_algorithm.digest(econtent).as_slice() {
        return Err(CmsError::MessageDigest(format!(
            "is not the {} of the encapsulated content",
            digest_algorithm.name()
        )));
    }

    // RFC 5652 §5.4: the signature covers the DER of the attributes with an explicit SET OF tag.
    let signed = match signed_attrs_der {
        Some(raw) => {
            let decoded = <cms::signed_data::SignedAttributes as der::Decode>::from_der(raw)
                .map_err(|e| CmsError::Encoding(format!("signed attributes as received: {e}")))?;
            if &decoded != attrs {
                return Err(CmsError::Encoding(
                    "signed attributes as received differ from the parsed ones".into(),
                ));
            }
            raw.to_vec()
        }
        None => attrs
            .to_der()
            .map_err(|e| CmsError::Encoding(e.to_string()))?,
    };
    let params =
        params_der(si.signature_algorithm.parameters.as_ref()).map_err(CmsError::Signature)?;
    let signature_algorithm = SignatureAlgorithm::from_identifier(
        &si.signature_algorithm.oid,
        params.as_deref(),
        Some(digest_algorithm),
    )
    .map_err(CmsError::Signature)?;
    let key = PublicKey::from_spki_der(&spki_der(cert).map_err(CmsError::Signature)?)
        .map_err(CmsError::Signature)?;
    signature::verify(&key, &signature_algorithm, &signed, si.signature.as_bytes())
        .map_err(CmsError::Signature)?;
    Ok(VerifiedSigner {
        certificate: cert.clone(),
        signature_algorithm,
        digest_algorithm,
    })
}

/// Verify that `issuer`'s key signed `cert` (algorithm from the certificate's signatureAlgorithm, which
/// must equal the TBSCertificate's `signature` field).
pub fn verify_certificate_signature(
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<SignatureAlgorithm, SignatureError> {
    let outer = cert.signature_algorithm();
    if outer != cert.tbs_certificate().signature() {
        return Err(SignatureError::BadParameters(
            "certificate signatureAlgorithm differs from the TBSCertificate signature field".into(),
        ));
    }
    let params = params_der(outer.parameters.as_ref())?;
    let alg = SignatureAlgorithm::from_identifier(&outer.oid, params.as_deref(), None)?;
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(|e| SignatureError::BadParameters(e.to_string()))?;
    let sig = cert
        .signature()
        .as_bytes()
        .ok_or(SignatureError::MalformedSignature)?;
    let key = PublicKey::from_spki_der(&spki_der(issuer)?)?;
    signature::verify(&key, &alg, &tbs, sig)?;
    Ok(alg)
}
