//! The CSCA trust store: country signing CA certificates loaded from PEM or DER files, directories of
//! them, and ICAO CSCA master lists (ICAO 9303 Part 12 §9: a CMS SignedData over a `CscaMasterList`).

use std::path::{Path, PathBuf};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetString};
use der::{Decode, Sequence};
use der::{Reader, SliceReader};
use x509_cert::Certificate;

use super::cms_verify::{verify_certificate_signature, verify_signed_data};

/// id-icao-cscaMasterList (ICAO 9303 Part 12 §9).
pub const ID_CSCA_MASTER_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.2");

/// Largest trust-store file read (master lists of all ICAO PKD members are around 1 MB).
pub const MAX_TRUST_FILE_LEN: u64 = 16 * 1024 * 1024;
/// Deepest directory nesting followed when loading a directory.
const MAX_DEPTH: usize = 4;

/// Why a trust-store source could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustStoreError {
    /// The file or directory could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The file is neither a PEM/DER certificate nor a CSCA master list.
    #[error("{path}: not a certificate or CSCA master list: {message}")]
    Unrecognised {
        /// The path.
        path: PathBuf,
        /// Why decoding failed.
        message: String,
    },
    /// A master list that does not verify (signature, or signer not certified by a CSCA in the list).
    #[error("master list: {0}")]
    MasterList(String),
}

/// CscaMasterList ::= SEQUENCE { version CscaMasterListVersion (v0), certList SET OF Certificate }.
/// The certificates are decoded one by one (see [`parse_master_list`]).
#[derive(Sequence)]
struct CscaMasterList<'a> {
    version: u8,
    cert_list: AnyRef<'a>,
}

/// Most certificates accepted from one master list (the ICAO PKD's has a few hundred).
pub const MAX_MASTER_LIST_CERTS: usize = 10_000;

/// A CSCA certificate and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    /// The certificate.
    pub certificate: Certificate,
    /// The file (and master list) it was loaded from, for reports.
    pub source: String,
}

/// A set of trusted CSCA certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
}

impl TrustStore {
    /// An empty store (nothing verifies against it).
    pub fn new() -> Self {
        Self::default()
    }

    /// Load every path: PEM files (any number of certificates), DER certificates, CSCA master lists
    /// (`.ml`, verified before use), and directories of them (recursively, a few levels).
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Self, TrustStoreError> {
        let mut store = Self::new();
        for p in paths {
            store.add_path(p.as_ref(), 0)?;
        }
        Ok(store)
    }

    /// The trusted certificates.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// Number of trusted certificates.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// Trust one certificate.
    pub fn add_certificate(&mut self, certificate: Certificate, source: impl Into<String>) {
        if !self.anchors.iter().any(|a| a.certificate == certificate) {
            self.anchors.push(TrustAnchor {
                certificate,
                source: source.into(),
            });
        }
    }

    fn add_path(&mut self, path: &Path, depth: usize) -> Result<(), TrustStoreError> {
        let io = |e: std::io::Error| TrustStoreError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            if depth >= MAX_DEPTH {
                return Ok(());
            }
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for entry in entries {
                let is_dir = entry.is_dir();
                let name = entry
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let wanted = ["pem", "crt", "cer", "der", "ml", "cert"]
                    .iter()
                    .any(|ext| name.ends_with(&format!(".{ext}")));
                if is_dir || wanted {
                    self.add_path(&entry, depth.saturating_add(1))?;
                }
            }
            return Ok(());
        }
        if meta.len() > MAX_TRUST_FILE_LEN {
            return Err(TrustStoreError::Io {
                path: path.to_path_buf(),
                message: format!(
                    "{} bytes is more than the {MAX_TRUST_FILE_LEN} accepted",
                    meta.len()
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let source = path.display().to_string();
        self.add_bytes(&bytes, &source).map_err(|e| match e {
            TrustStoreError::Unrecognised { message, .. } => TrustStoreError::Unrecognised {
                path: path.to_path_buf(),
                message,
            },
            TrustStoreError::MasterList(m) => TrustStoreError::MasterList(format!("{source}: {m}")),
            other => other,
        })?;
        Ok(())
    }

    /// Add the certificates in `bytes`: PEM (one or more `CERTIFICATE` blocks), a DER certificate, or a
    /// DER CSCA master list. Returns how many certificates were found.
    pub fn add_bytes(&mut self, bytes: &[u8], source: &str) -> Result<usize, TrustStoreError> {
        let unrecognised = |message: String| TrustStoreError::Unrecognised {
            path: PathBuf::from(source),
            message,
        };
        if bytes.starts_with(b"-----BEGIN") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            let certs = Certificate::load_pem_chain(bytes)
                .map_err(|e| unrecognised(format!("PEM: {e}")))?;
            let n = certs.len();
            for c in certs {
                self.add_certificate(c, source);
            }
            return Ok(n);
        }
        if let Ok(cert) = Certificate::from_der(bytes) {
            self.add_certificate(cert, source);
            return Ok(1);
        }
        match ContentInfo::from_der(bytes) {
            Ok(_) => {
                let (certs, _skipped) = parse_master_list(bytes)?;
                let n = certs.len();
                for c in certs {
                    self.add_certificate(c, format!("{source} (master list)"));
                }
                Ok(n)
            }
            Err(e) => Err(unrecognised(format!(
                "neither a DER certificate nor a CMS master list ({e})"
            ))),
        }
    }
}

/// Verify a CSCA master list (DER ContentInfo) and return its certificates and how many entries were
/// skipped because they do not decode as X.509 certificates (real lists hold a few malformed ones;
/// one bad entry must not make every other CSCA unusable).
///
/// The CMS signature must verify with the included master-list signer certificate, and that certificate
/// must be signed by one of the CSCA certificates in the list itself (ICAO 9303 Part 12 §9). That proves
/// the list is intact and issued under one of its own CSCAs; whoever loads the list decides to trust it.
pub fn parse_master_list(der_bytes: &[u8]) -> Result<(Vec<Certificate>, usize), TrustStoreError> {
    let ml = |m: String| TrustStoreError::MasterList(m);
    let ci = ContentInfo::from_der(der_bytes).map_err(|e| ml(format!("ContentInfo: {e}")))?;
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e: der::Error| ml(format!("SignedData: {e}")))?;
    if sd.encap_content_info.econtent_type != ID_CSCA_MASTER_LIST {
        return Err(ml(format!(
            "eContentType {} is not id-icao-cscaMasterList",
            sd.encap_content_info.econtent_type
        )));
    }
    let content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| ml("no encapsulated content".into()))?
        .decode_as::<OctetString>()
        .map_err(|e| ml(format!("eContent: {e}")))?;
    let list = CscaMasterList::from_der(content.as_bytes())
        .map_err(|e| ml(format!("CscaMasterList: {e}")))?;
    if list.version != 0 {
        return Err(ml(format!("CscaMasterList version {}", list.version)));
    }
    if list.cert_list.header().tag() != der::Tag::Set {
        return Err(ml("certList is not a SET".into()));
    }
    let raw_attrs = super::cms_verify::signed_attributes_as_encoded(der_bytes);
    let signer = verify_signed_data(&sd, content.as_bytes(), raw_attrs.as_deref())
        .map_err(|e| ml(format!("signature: {e}")))?;
    let mut reader =
        SliceReader::new(list.cert_list.value()).map_err(|e| ml(format!("certList: {e}")))?;
    let mut certs = Vec::new();
    let mut skipped = 0usize;
    while !reader.is_finished() {
        if certs.len().saturating_add(skipped) >= MAX_MASTER_LIST_CERTS {
            return Err(ml(format!(
                "more than {MAX_MASTER_LIST_CERTS} certificates"
            )));
        }
        let entry: AnyRef<'_> = reader
            .decode()
            .map_err(|e| ml(format!("certList entry: {e}")))?;
        let der_entry =
            der::Encode::to_der(&entry).map_err(|e| ml(format!("certList entry: {e}")))?;
        match Certificate::from_der(&der_entry) {
            Ok(c) => certs.push(c),
            Err(_) => skipped = skipped.saturating_add(1),
        }
    }
    let certified = certs.iter().any(|csca| {
        csca.tbs_certificate().subject() == signer.certificate.tbs_certificate().issuer()
            && verify_certificate_signature(&signer.certificate, csca).is_ok()
    });
    if !certified {
        return Err(ml(
            "the master-list signer is not certified by a CSCA in the list".into(),
        ));
    }
    Ok((certs, skipped))
}
