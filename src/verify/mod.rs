//! Passive authentication (ICAO 9303 Part 11 §5.1, Part 12): the EF.SOD CMS signature, the document
//! signer → CSCA chain against a [`TrustStore`], and every data group's hash; the outcome is a
//! [`VerificationReport`]. Verification fails closed: anything not verified is reported as not verified.
//!
//! Certificate validity periods are reported (`document_signer.valid_now`, `csca.valid_now`) but do not
//! by themselves make a document invalid: a document signer's private key is used for a few months, but
//! its certificate must stay usable for the lifetime of every passport it signed (ICAO 9303 Part 12 §5),
//! and a chip cannot be re-signed, so "expired" says nothing about genuineness.

mod cms_verify;
pub mod country;
mod trust;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use x509_cert::Certificate;

pub use cms_verify::{
    CmsError, VerifiedSigner, find_signer_certificate, signed_attributes_as_encoded,
    verify_certificate_signature, verify_signed_data,
};
pub use trust::{
    ID_CSCA_MASTER_LIST, MAX_TRUST_FILE_LEN, TrustAnchor, TrustStore, TrustStoreError,
    parse_master_list,
};

use crate::crypto::signature::{HashAlgorithm, PublicKey};
use crate::lds::Sod;

/// Largest data-group file read from a dump (DG2 with a large JPEG 2000 image stays far below this).
pub const MAX_DG_FILE_LEN: u64 = 4 * 1024 * 1024;

/// Outcome for one data group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DgStatus {
    /// Its hash equals the one in the signed LDSSecurityObject.
    Valid,
    /// Its hash differs, or it is not listed in the SOD.
    Invalid,
    /// Listed in the SOD but not read (or the SOD could not be used), so not checked.
    Unchecked,
}

/// What is known about a certificate on the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Subject DN (RFC 4514 string).
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// Whether the current time is within the validity period (reported only; see the module docs).
    pub valid_now: bool,
    /// Key type and size, e.g. `RSA-2048` or `EC brainpoolP256r1`.
    pub key: String,
}

impl CertificateSummary {
    fn of(cert: &Certificate) -> Self {
        let tbs = cert.tbs_certificate();
        let validity = tbs.validity();
        let now = std::time::SystemTime::now();
        let valid_now = validity.not_before.to_system_time() <= now
            && now <= validity.not_after.to_system_time();
        let key = der::Encode::to_der(tbs.subject_public_key_info())
            .ok()
            .and_then(|d| PublicKey::from_spki_der(&d).ok())
            .map(|k| match k {
                PublicKey::Ec { curve, .. } => format!("EC {}", curve.name()),
                other => format!("{}-{}", other.kind(), other.bits()),
            })
            .unwrap_or_else(|| {
                format!(
                    "unsupported ({})",
                    tbs.subject_public_key_info().algorithm.oid
                )
            });
        Self {
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial: hex::encode(tbs.serial_number().as_bytes()),
            not_before: validity.not_before.to_string(),
            not_after: validity.not_after.to_string(),
            valid_now,
            key,
        }
    }
}

/// The result of passive authentication. JSON field names `valid`, `signature_valid`, `chain_valid`,
/// `data_groups` and `errors` are a fixed contract (DESIGN.md); the rest is extra detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationReport {
    /// True only if the SOD signature, the chain, the country and every present data group's hash hold.
    pub valid: bool,
    /// The EF.SOD SignerInfo verifies (signed attributes and signature) with the DS certificate.
    pub signature_valid: bool,
    /// The DS certificate is signed by a CSCA in the trust store.
    pub chain_valid: bool,
    /// Data group number → status (JSON keys `"1"`, `"2"`, ...).
    pub data_groups: BTreeMap<u8, DgStatus>,
    /// Everything that failed, one sentence each.
    pub errors: Vec<String>,
    /// Things worth knowing that do not fail verification (expired certificates, DGs not read).
    pub warnings: Vec<String>,
    /// The SignerInfo's signature algorithm, e.g. `RSA-PSS with SHA-256 (salt 32)`.
    pub signature_algorithm: Option<String>,
    /// The LDSSecurityObject's hash algorithm.
    pub lds_hash_algorithm: Option<String>,
    /// The document signer certificate.
    pub document_signer: Option<CertificateSummary>,
    /// The CSCA that signed the DS certificate.
    pub csca: Option<CertificateSummary>,
    /// The issuing state from DG1's MRZ (alpha-3 as printed), when DG1 was read.
    pub issuing_state: Option<String>,
    /// Whether the CSCA's country matches the issuing state (`None`: could not be compared).
    pub country_match: Option<bool>,
}

impl VerificationReport {
    fn failed(errors: Vec<String>) -> Self {
        Self {
            valid: false,
            signature_valid: false,
            chain_valid: false,
            data_groups: BTreeMap::new(),
            errors,
            warnings: Vec::new(),
            signature_algorithm: None,
            lds_hash_algorithm: None,
            document_signer: None,
            csca: None,
            issuing_state: None,
            country_match: None,
        }
    }
}

/// Passive authentication of EF.SOD (outer tag `77` included) and the data groups read, each as read from
/// the chip (outer tag included), keyed by data group number.
pub fn verify(
    ef_sod: &[u8],
    data_groups: &BTreeMap<u8, Vec<u8>>,
    trust: &TrustStore,
) -> VerificationReport {
    let sod = match Sod::from_bytes(ef_sod) {
        Ok(s) => s,
        Err(e) => {
            let mut r = VerificationReport::failed(vec![e.to_string()]);
            for &n in data_groups.keys() {
                r.data_groups.insert(n, DgStatus::Unchecked);
            }
            r.errors
                .push("no data group could be checked: EF.SOD is unusable".into());
            return r;
        }
    };
    verify_sod(&sod, data_groups, trust)
}

/// Passive authentication with an already parsed EF.SOD.
pub fn verify_sod(
    sod: &Sod,
    data_groups: &BTreeMap<u8, Vec<u8>>,
    trust: &TrustStore,
) -> VerificationReport {
    let mut r = VerificationReport::failed(Vec::new());

    // 1. The SignerInfo: signed attributes and signature.
    let signer = match verify_signed_data(
        &sod.signed_data,
        &sod.econtent,
        sod.signed_attrs_der.as_deref(),
    ) {
        Ok(s) => {
            r.signature_valid = true;
            r.signature_algorithm = Some(s.signature_algorithm.describe());
            Some(s.certificate)
        }
        Err(e) => {
            r.errors.push(format!("EF.SOD signature: {e}"));
            sod.signed_data
                .signer_infos
                .0
                .as_slice()
                .first()
                .and_then(|si| cms_verify::find_signer_certificate(&sod.signed_data, si).cloned())
        }
    };

    // 2. The chain DS → CSCA.
    let mut csca_country = None;
    if let Some(ds) = &signer {
        let summary = CertificateSummary::of(ds);
        if !summary.valid_now {
            r.warnings.push(format!(
                "document signer certificate is outside its validity period ({} – {}); not an error for a \
                 passive-authentication result",
                summary.not_before, summary.not_after
            ));
        }
        r.document_signer = Some(summary);
        match find_csca(ds, trust) {
            Ok(csca) => {
                r.chain_valid = true;
                let summary = CertificateSummary::of(csca);
                if !summary.valid_now {
                    r.warnings.push(format!(
                        "CSCA certificate is outside its validity period ({} – {})",
                        summary.not_before, summary.not_after
                    ));
                }
                r.csca = Some(summary);
                csca_country = csca
                    .tbs_certificate()
                    .subject()
                    .country()
                    .ok()
                    .flatten()
                    .map(|c| c.to_string());
                let ds_country = ds
                    .tbs_certificate()
                    .issuer()
                    .country()
                    .ok()
                    .flatten()
                    .map(|c| c.to_string());
                if ds_country.is_some() && ds_country != csca_country {
                    r.errors
                        .push("the DS certificate's issuer country differs from the CSCA's".into());
                    r.chain_valid = false;
                }
            }
            Err(e) => r.errors.push(format!("certificate chain: {e}")),
        }
    } else {
        r.errors
            .push("certificate chain: no document signer certificate in EF.SOD".into());
    }

    // 3. The data group hashes.
    let hash = HashAlgorithm::from_oid(&sod.lds.hash_algorithm);
    r.lds_hash_algorithm = Some(hash.map_or_else(
        || sod.lds.hash_algorithm.to_string(),
        |h| h.name().to_string(),
    ));
    let mut dg_ok = true;
    match hash {
        None => {
            r.errors.push(format!(
                "LDSSecurityObject hash algorithm {} is not supported",
                sod.lds.hash_algorithm
            ));
            dg_ok = false;
            for &n in data_groups.keys().chain(sod.lds.hashes.keys()) {
                r.data_groups.insert(n, DgStatus::Unchecked);
            }
        }
        Some(h) => {
            for (&n, bytes) in data_groups {
                let status = match sod.lds.hashes.get(&n) {
                    None => {
                        r.errors
                            .push(format!("DG{n} is present but has no hash in EF.SOD"));
                        DgStatus::Invalid
                    }
                    Some(expected) if *expected == h.digest(bytes) => DgStatus::Valid,
                    Some(_) => {
                        r.errors
                            .push(format!("DG{n} hash does not match EF.SOD ({})", h.name()));
                        DgStatus::Invalid
                    }
                };
                dg_ok &= status == DgStatus::Valid;
                r.data_groups.insert(n, status);
            }
            for &n in sod.lds.hashes.keys() {
                if let std::collections::btree_map::Entry::Vacant(e) = r.data_groups.entry(n) {
                    e.insert(DgStatus::Unchecked);
                    r.warnings.push(format!(
                        "DG{n} is listed in EF.SOD but was not read: unchecked"
                    ));
                }
            }
        }
    }

    // 4. Issuing state (DG1) against the CSCA's country.
    if let Some(dg1) = data_groups.get(&1) {
        r.issuing_state = crate::lds::dg1_issuing_state(dg1);
    }
    let country_ok = match (&r.issuing_state, &csca_country) {
        (Some(state), Some(c)) => match country::alpha2_for(state) {
            Some(a2) => {
                let same = a2.eq_ignore_ascii_case(c);
                r.country_match = Some(same);
                if !same {
                    r.errors.push(format!(
                        "CSCA country {c} does not match the issuing state {state}"
                    ));
                }
                same
            }
            None => {
                r.warnings.push(format!(
                    "issuing state {state} has no known ISO 3166 code: country not compared"
                ));
                true
            }
        },
        (None, Some(_)) => {
            r.warnings.push(
                "DG1 not read or unparsable: issuing state not compared with the CSCA".into(),
            );
            true
        }
        _ => true,
    };

    r.valid = r.signature_valid && r.chain_valid && dg_ok && country_ok && !data_groups.is_empty();
    if data_groups.is_empty() {
        r.errors.push("no data groups to check".into());
    }
    r
}

/// Find a trusted CSCA whose subject is the DS certificate's issuer and whose key verifies its signature.
fn find_csca<'a>(ds: &Certificate, trust: &'a TrustStore) -> Result<&'a Certificate, String> {
    let issuer = ds.tbs_certificate().issuer();
    let mut last_error = None;
    for anchor in trust.anchors() {
        let csca = &anchor.certificate;
        if csca.tbs_certificate().subject() != issuer {
            continue;
        }
        match verify_certificate_signature(ds, csca) {
            Ok(_) => return Ok(csca),
            Err(e) => last_error = Some(format!("{e} (CSCA from {})", anchor.source)),
        }
    }
    Err(match last_error {
        Some(e) => format!(
            "DS certificate signature does not verify with any trusted CSCA named {issuer}: {e}"
        ),
        None => format!("no trusted CSCA named {issuer}"),
    })
}

/// Read a chip dump directory (DESIGN.md layout: `EF.SOD.bin`, `DG1.bin` … `DG16.bin`) and verify it.
pub fn verify_dump(dir: &Path, trust: &TrustStore) -> VerificationReport {
    let read = |name: &str| -> Result<Option<Vec<u8>>, String> {
        let path = dir.join(name);
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{name}: {e}")),
            Ok(m) if m.len() > MAX_DG_FILE_LEN => {
                Err(format!("{name}: {} bytes is too large", m.len()))
            }
            Ok(_) => std::fs::read(&path)
                .map(Some)
                .map_err(|e| format!("{name}: {e}")),
        }
    };
    let mut dgs = BTreeMap::new();
    let mut unreadable = Vec::new();
    for n in 1u8..=16 {
        match read(&format!("DG{n}.bin")) {
            Ok(Some(b)) => {
                dgs.insert(n, b);
            }
            Ok(None) => {}
            Err(e) => unreadable.push((n, e)),
        }
    }
    let mut report = match read("EF.SOD.bin") {
        Ok(Some(sod)) => verify(&sod, &dgs, trust),
        Ok(None) => {
            let mut r = VerificationReport::failed(vec!["EF.SOD.bin is missing".into()]);
            for &n in dgs.keys() {
                r.data_groups.insert(n, DgStatus::Unchecked);
            }
            r
        }
        Err(e) => VerificationReport::failed(vec![e]),
    };
    for (n, e) in unreadable {
        report.data_groups.insert(n, DgStatus::Unchecked);
        report.errors.push(format!("DG{n} could not be read: {e}"));
        report.valid = false;
    }
    report
}
