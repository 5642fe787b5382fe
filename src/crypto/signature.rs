//! Signature verification (RSA PKCS#1 v1.5, RSA-PSS, ECDSA on NIST and brainpool curves) for passive
//! authentication: the algorithm comes from an X.509 / CMS `AlgorithmIdentifier`, the key from a
//! `SubjectPublicKeyInfo` (named curves and explicit EC domain parameters matched to a named curve).

use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5912, rfc8410};
use der::asn1::{AnyRef, OctetStringRef, UintRef};
use der::{Decode, Sequence};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, PublicKey as RsaPublicKey, pss::Pss};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;

mod weierstrass;

/// Why a signature could not be verified. Every variant means "not verified".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature algorithm OID is not one this crate verifies.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The hash algorithm OID is not SHA-1/224/256/384/512.
    #[error("unsupported hash algorithm {0}")]
    UnsupportedHash(String),
    /// The algorithm parameters (e.g. RSASSA-PSS-params) are malformed or not supported.
    #[error("bad signature algorithm parameters: {0}")]
    BadParameters(String),
    /// The public key could not be decoded.
    #[error("bad public key: {0}")]
    BadPublicKey(String),
    /// The EC key is on a curve this crate does not support (named by OID or explicit parameters).
    #[error("unsupported elliptic curve: {0}")]
    UnsupportedCurve(String),
    /// The key type does not fit the signature algorithm (e.g. an RSA signature with an EC key).
    #[error("{algorithm} signature cannot be made with a {key} key")]
    KeyMismatch {
        /// The signature algorithm.
        algorithm: &'static str,
        /// The key type.
        key: &'static str,
    },
    /// The signature bytes are not a well-formed signature for the algorithm.
    #[error("malformed signature value")]
    MalformedSignature,
    /// The signature is well formed but does not verify under the key.
    #[error("signature does not verify")]
    Invalid,
}

/// A hash algorithm used in eMRTD signatures and LDS security objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (legacy documents).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The hash algorithm with this OID (NIST / OIW arcs), if supported.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            rfc5912::ID_SHA_1 => Some(Self::Sha1),
            rfc5912::ID_SHA_224 => Some(Self::Sha224),
            rfc5912::ID_SHA_256 => Some(Self::Sha256),
            rfc5912::ID_SHA_384 => Some(Self::Sha384),
            rfc5912::ID_SHA_512 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => rfc5912::ID_SHA_1,
            Self::Sha224 => rfc5912::ID_SHA_224,
            Self::Sha256 => rfc5912::ID_SHA_256,
            Self::Sha384 => rfc5912::ID_SHA_384,
            Self::Sha512 => rfc5912::ID_SHA_512,
        }
    }

    /// A short name, e.g. `SHA-256`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha224 => Sha224::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// A signature scheme with all its parameters, as named by an `AlgorithmIdentifier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with the given hash.
    RsaPkcs1v15(HashAlgorithm),
    /// RSASSA-PSS (RFC 8017 §8.1); MGF1 uses `hash` (other MGF hashes are rejected when parsing).
    RsaPss {
        /// Message hash (also the MGF1 hash).
        hash: HashAlgorithm,
        /// Salt length in bytes.
        salt_len: usize,
    },
    /// ECDSA with the given hash; the signature is a DER `ECDSA-Sig-Value`.
    Ecdsa(HashAlgorithm),
    /// ECDSA with the given hash; the signature is plain `r || s` (BSI TR-03111 §5.2.1
    /// ecdsa-plain-signatures, used by some eMRTD signers and in EAC card-verifiable certificates).
    EcdsaPlain(HashAlgorithm),
}

/// OIDs not in `const-oid`'s database under a usable name.
mod oids {
    use const_oid::ObjectIdentifier;
    /// sha224WithRSAEncryption (RFC 4055).
    pub const SHA224_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.14");
    /// ecdsa-with-SHA1 (RFC 3279).
    pub const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
    /// brainpoolP256r1 (RFC 5639).
    pub const BRAINPOOL_P256R1: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7");
    /// brainpoolP384r1 (RFC 5639).
    pub const BRAINPOOL_P384R1: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11");
    /// brainpoolP512r1 (RFC 5639).
    pub const BRAINPOOL_P512R1: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.13");
    /// prime-field (X9.62).
    pub const PRIME_FIELD: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.1.1");
    /// ecdsa-plain-SHA1 (BSI TR-03111 §5.2.1).
    pub const ECDSA_PLAIN_SHA1: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.1");
    /// ecdsa-plain-SHA224.
    pub const ECDSA_PLAIN_SHA224: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.2");
    /// ecdsa-plain-SHA256.
    pub const ECDSA_PLAIN_SHA256: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");
    /// ecdsa-plain-SHA384.
    pub const ECDSA_PLAIN_SHA384: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.4");
    /// ecdsa-plain-SHA512.
    pub const ECDSA_PLAIN_SHA512: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.5");
    /// id-PK-ECDH (BSI TR-03110-3 §A.1.1.2).
    pub const ID_PK_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.2");
    /// id-mgf1 (RFC 8017).
    pub const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
}

fn hash_of(oid: &ObjectIdentifier) -> Result<HashAlgorithm, SignatureError> {
    HashAlgorithm::from_oid(oid).ok_or_else(|| SignatureError::UnsupportedHash(oid.to_string()))
}

/// `AlgorithmIdentifier` with optional parameters (RFC 5280), borrowed.
#[derive(Sequence)]
struct AlgId<'a> {
    oid: ObjectIdentifier,
    parameters: Option<AnyRef<'a>>,
}

/// RSASSA-PSS-params (RFC 8017 Appendix A.2.3); absent fields take the DEFAULTs (SHA-1, MGF1-SHA-1, 20, 1).
#[derive(Sequence)]
struct PssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgId<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgId<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u8>,
}

impl SignatureAlgorithm {
    /// The scheme named by an `AlgorithmIdentifier` (`oid` + DER `parameters`).
    ///
    /// `digest` is the separately named digest algorithm (a CMS SignerInfo's `digestAlgorithm`); it is
    /// used only when the signature OID names no hash (`rsaEncryption`, `id-ecPublicKey`, as many
    /// passports write it).
    pub fn from_identifier(
        oid: &ObjectIdentifier,
        parameters: Option<&[u8]>,
        digest: Option<HashAlgorithm>,
    ) -> Result<Self, SignatureError> {
        let need_digest = || {
            digest.ok_or_else(|| {
                SignatureError::BadParameters(format!(
                    "{oid} names no hash and no digest algorithm was given"
                ))
            })
        };
        Ok(match *oid {
            rfc5912::RSA_ENCRYPTION => Self::RsaPkcs1v15(need_digest()?),
            rfc5912::SHA_1_WITH_RSA_ENCRYPTION => Self::RsaPkcs1v15(HashAlgorithm::Sha1),
            oids::SHA224_WITH_RSA => Self::RsaPkcs1v15(HashAlgorithm::Sha224),
            rfc5912::SHA_256_WITH_RSA_ENCRYPTION => Self::RsaPkcs1v15(HashAlgorithm::Sha256),
            rfc5912::SHA_384_WITH_RSA_ENCRYPTION => Self::RsaPkcs1v15(HashAlgorithm::Sha384),
            rfc5912::SHA_512_WITH_RSA_ENCRYPTION => Self::RsaPkcs1v15(HashAlgorithm::Sha512),
            rfc5912::ID_RSASSA_PSS => Self::pss(parameters)?,
            rfc5912::ID_EC_PUBLIC_KEY => Self::Ecdsa(need_digest()?),
            oids::ECDSA_WITH_SHA1 => Self::Ecdsa(HashAlgorithm::Sha1),
            rfc5912::ECDSA_WITH_SHA_224 => Self::Ecdsa(HashAlgorithm::Sha224),
            rfc5912::ECDSA_WITH_SHA_256 => Self::Ecdsa(HashAlgorithm::Sha256),
            rfc5912::ECDSA_WITH_SHA_384 => Self::Ecdsa(HashAlgorithm::Sha384),
            rfc5912::ECDSA_WITH_SHA_512 => Self::Ecdsa(HashAlgorithm::Sha512),
            oids::ECDSA_PLAIN_SHA1 => Self::EcdsaPlain(HashAlgorithm::Sha1),
            oids::ECDSA_PLAIN_SHA224 => Self::EcdsaPlain(HashAlgorithm::Sha224),
            oids::ECDSA_PLAIN_SHA256 => Self::EcdsaPlain(HashAlgorithm::Sha256),
            oids::ECDSA_PLAIN_SHA384 => Self::EcdsaPlain(HashAlgorithm::Sha384),
            oids::ECDSA_PLAIN_SHA512 => Self::EcdsaPlain(HashAlgorithm::Sha512),
            _ => return Err(SignatureError::UnsupportedAlgorithm(oid.to_string())),
        })
    }

    fn pss(parameters: Option<&[u8]>) -> Result<Self, SignatureError> {
        let bad = |e: der::Error| SignatureError::BadParameters(format!("RSASSA-PSS-params: {e}"));
        let p = match parameters {
            Some(bytes) => PssParams::from_der(bytes).map_err(bad)?,
            None => PssParams {
                hash: None,
                mask_gen: None,
                salt_len: None,
                trailer: None,
            },
        };
        let hash = match &p.hash {
            Some(h) => hash_of(&h.oid)?,
            None => HashAlgorithm::Sha1,
        };
        let mgf_hash = match &p.mask_gen {
            None => HashAlgorithm::Sha1,
            Some(m) if m.oid == oids::MGF1 => {
                let inner = m
                    .parameters
                    .ok_or_else(|| SignatureError::BadParameters("MGF1 without a hash".into()))?
                    .decode_as::<AlgId<'_>>()
                    .map_err(bad)?;
                hash_of(&inner.oid)?
            }
            Some(m) => {
                return Err(SignatureError::BadParameters(format!(
                    "mask generation function {}",
                    m.oid
                )));
            }
        };
        if mgf_hash != hash {
            return Err(SignatureError::BadParameters(format!(
                "MGF1 hash {} differs from message hash {}",
                mgf_hash.name(),
                hash.name()
            )));
        }
        if p.trailer.unwrap_or(1) != 1 {
            return Err(SignatureError::BadParameters(
                "trailer field other than 1".into(),
            ));
        }
        let salt_len = usize::try_from(p.salt_len.unwrap_or(20))
            .map_err(|_| SignatureError::BadParameters("salt length".into()))?;
        Ok(Self::RsaPss { hash, salt_len })
    }

    /// The message hash of the scheme.
    pub fn hash(&self) -> HashAlgorithm {
        match *self {
            Self::RsaPkcs1v15(h)
            | Self::Ecdsa(h)
            | Self::EcdsaPlain(h)
            | Self::RsaPss { hash: h, .. } => h,
        }
    }

    /// A human-readable name, e.g. `ECDSA with SHA-256`.
    pub fn describe(&self) -> String {
        match self {
            Self::RsaPkcs1v15(h) => format!("RSA PKCS#1 v1.5 with {}", h.name()),
            Self::RsaPss { hash, salt_len } => {
                format!("RSA-PSS with {} (salt {salt_len})", hash.name())
            }
            Self::Ecdsa(h) => format!("ECDSA with {}", h.name()),
            Self::EcdsaPlain(h) => format!("ECDSA (plain r||s) with {}", h.name()),
        }
    }
}

/// Elliptic curves this crate verifies ECDSA on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639); no RustCrypto crate exists, verified with a generic implementation.
    BrainpoolP512r1,
}

impl NamedCurve {
    /// The curve with this OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            rfc5912::SECP_256_R_1 => Some(Self::P256),
            rfc5912::SECP_384_R_1 => Some(Self::P384),
            rfc5912::SECP_521_R_1 => Some(Self::P521),
            oids::BRAINPOOL_P256R1 => Some(Self::BrainpoolP256r1),
            oids::BRAINPOOL_P384R1 => Some(Self::BrainpoolP384r1),
            oids::BRAINPOOL_P512R1 => Some(Self::BrainpoolP512r1),
            _ => None,
        }
    }

    /// The curve's name, e.g. `brainpoolP256r1`.
    pub fn name(self) -> &'static str {
        match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::P521 => "P-521",
            Self::BrainpoolP256r1 => "brainpoolP256r1",
            Self::BrainpoolP384r1 => "brainpoolP384r1",
            Self::BrainpoolP512r1 => "brainpoolP512r1",
        }
    }
}

/// X9.62 `ECParameters` (explicit domain parameters, RFC 3279 §2.3.5).
#[derive(Sequence)]
struct EcParameters<'a> {
    version: u8,
    field_id: FieldId<'a>,
    curve: Curve<'a>,
    base: &'a OctetStringRef,
    order: UintRef<'a>,
    cofactor: Option<UintRef<'a>>,
}

#[derive(Sequence)]
struct FieldId<'a> {
    field_type: ObjectIdentifier,
    prime: UintRef<'a>,
}

#[derive(Sequence)]
struct Curve<'a> {
    a: &'a OctetStringRef,
    b: &'a OctetStringRef,
    seed: Option<der::asn1::BitStringRef<'a>>,
}

/// Domain parameters of a named curve, big-endian hex without leading zeros (G uncompressed).
struct KnownCurve {
    curve: NamedCurve,
    p: &'static str,
    a: &'static str,
    b: &'static str,
    g: &'static str,
    n: &'static str,
}

/// Values from SEC 2 v2 §2.4–2.6 (NIST) and RFC 5639 §3.4, §3.6, §3.7 (brainpool), as printed by
/// `openssl ecparam -param_enc explicit`.
const KNOWN_CURVES: [KnownCurve; 6] = [
    KnownCurve {
        curve: NamedCurve::P256,
        p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        a: "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
        b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
        g: "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    },
    KnownCurve {
        curve: NamedCurve::P384,
        p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
        a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
        b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
        g: "04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
        n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    },
    KnownCurve {
        curve: NamedCurve::P521,
        p: "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        a: "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc",
        b: "51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
        g: "0400c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
        n: "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
    },
    KnownCurve {
        curve: NamedCurve::BrainpoolP256r1,
        p: "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
        a: "7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
        b: "26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
        g: "048bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
        n: "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7",
    },
    KnownCurve {
        curve: NamedCurve::BrainpoolP384r1,
        p: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
        a: "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826",
        b: "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11",
        g: "041d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
        n: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565",
    },
    KnownCurve {
        curve: NamedCurve::BrainpoolP512r1,
        p: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
        a: "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
        b: "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
        g: "0481aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f8227dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
        n: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069",
    },
];

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

fn same_int(bytes: &[u8], hex_value: &str) -> bool {
    hex::decode(hex_value).is_ok_and(|v| strip_zeros(bytes) == strip_zeros(&v))
}

/// Match explicit X9.62 domain parameters (DER `ECParameters`) to a named curve: p, a, b, G, n must all
/// be equal (G uncompressed, or compressed with the right x and y parity); the cofactor, if given, 1.
pub fn match_explicit_curve(der_params: &[u8]) -> Result<NamedCurve, SignatureError> {
    let p = EcParameters::from_der(der_params)
        .map_err(|e| SignatureError::BadPublicKey(format!("explicit EC parameters: {e}")))?;
    if p.field_id.field_type != oids::PRIME_FIELD {
        return Err(SignatureError::UnsupportedCurve(format!(
            "field type {}",
            p.field_id.field_type
        )));
    }
    if p.version != 1 {
        return Err(SignatureError::UnsupportedCurve(format!(
            "ECParameters version {}",
            p.version
        )));
    }
    if let Some(h) = &p.cofactor
        && strip_zeros(h.as_bytes()) != [1]
    {
        return Err(SignatureError::UnsupportedCurve(
            "cofactor other than 1".into(),
        ));
    }
    for known in &KNOWN_CURVES {
        let g_ok = hex::decode(known.g).is_ok_and(|g| same_point(p.base.as_bytes(), &g));
        if same_int(p.field_id.prime.as_bytes(), known.p)
            && same_int(p.curve.a.as_bytes(), known.a)
            && same_int(p.curve.b.as_bytes(), known.b)
            && same_int(p.order.as_bytes(), known.n)
            && g_ok
        {
            return Ok(known.curve);
        }
    }
    Err(SignatureError::UnsupportedCurve(
        "explicit parameters match no supported named curve".into(),
    ))
}

/// Whether `point` (SEC1 uncompressed or compressed) is the uncompressed point `g`.
fn same_point(point: &[u8], g: &[u8]) -> bool {
    match point.first() {
        Some(0x04) => point == g,
        Some(&prefix @ (0x02 | 0x03)) => {
            let coord = (g.len().saturating_sub(1)) / 2;
            let (Some(gx), Some(gy_last)) = (g.get(1..=coord), g.last()) else {
                return false;
            };
            point.get(1..) == Some(gx) && (gy_last & 1) == (prefix & 1)
        }
        _ => false,
    }
}

/// A public key decoded from a `SubjectPublicKeyInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKey {
    /// An RSA key (`rsaEncryption` or `id-RSASSA-PSS` SPKI).
    Rsa(RsaPublicKey),
    /// An EC key: the curve and the SEC1-encoded point.
    Ec {
        /// The curve (named in the SPKI, or matched from explicit parameters).
        curve: NamedCurve,
        /// The SEC1 point bytes.
        point: Vec<u8>,
    },
}

impl PublicKey {
    /// Decode a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der_bytes: &[u8]) -> Result<Self, SignatureError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der_bytes)
            .map_err(|e| SignatureError::BadPublicKey(format!("SubjectPublicKeyInfo: {e}")))?;
        Self::from_spki(&spki)
    }

    /// Decode a parsed `SubjectPublicKeyInfo`.
    pub fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, SignatureError> {
        let key_bytes = spki.subject_public_key.as_bytes().ok_or_else(|| {
            SignatureError::BadPublicKey("public key bit string has unused bits".into())
        })?;
        match spki.algorithm.oid {
            rfc5912::RSA_ENCRYPTION | rfc5912::ID_RSASSA_PSS => {
                RsaPublicKey::from_pkcs1_der(key_bytes)
                    .map(Self::Rsa)
                    .map_err(|e| SignatureError::BadPublicKey(format!("RSA public key: {e}")))
            }
            // id-PK-ECDH (BSI TR-03110-3 §A.1.1.2): DG14 chip-authentication keys carry the same
            // ECParameters / named-curve parameters as id-ecPublicKey.
            rfc5912::ID_EC_PUBLIC_KEY | oids::ID_PK_ECDH => {
                let params = spki.algorithm.parameters.ok_or_else(|| {
                    SignatureError::BadPublicKey("EC key without domain parameters".into())
                })?;
                let curve = if let Ok(oid) = params.decode_as::<ObjectIdentifier>() {
                    NamedCurve::from_oid(&oid)
                        .ok_or_else(|| SignatureError::UnsupportedCurve(oid.to_string()))?
                } else {
                    let der_params = der::Encode::to_der(&params)
                        .map_err(|e| SignatureError::BadPublicKey(format!("EC parameters: {e}")))?;
                    match_explicit_curve(&der_params)?
                };
                Ok(Self::Ec {
                    curve,
                    point: key_bytes.to_vec(),
                })
            }
            rfc8410::ID_X_25519 | rfc8410::ID_ED_25519 => Err(SignatureError::BadPublicKey(
                format!("key algorithm {} not used in eMRTDs", spki.algorithm.oid),
            )),
            other => Err(SignatureError::BadPublicKey(format!(
                "key algorithm {other}"
            ))),
        }
    }

    /// `RSA` or `EC`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "RSA",
            Self::Ec { .. } => "EC",
        }
    }

    /// Key size in bits (RSA modulus or curve size).
    pub fn bits(&self) -> usize {
        match self {
            Self::Rsa(k) => rsa::traits::PublicKeyParts::size(k).saturating_mul(8),
            Self::Ec { curve, .. } => match curve {
                NamedCurve::P256 | NamedCurve::BrainpoolP256r1 => 256,
                NamedCurve::P384 | NamedCurve::BrainpoolP384r1 => 384,
                NamedCurve::P521 => 521,
                NamedCurve::BrainpoolP512r1 => 512,
            },
        }
    }
}

macro_rules! ecdsa_verify {
    ($curve:ty, $point:expr, $prehash:expr, $sig:expr, $plain:expr) => {{
        use ecdsa::signature::hazmat::PrehashVerifier;
        let key = ecdsa::VerifyingKey::<$curve>::from_sec1_bytes($point)
            .map_err(|_| SignatureError::BadPublicKey("EC point not on the curve".into()))?;
        let sig = if $plain {
            ecdsa::Signature::<$curve>::from_slice($sig)
        } else {
            ecdsa::Signature::<$curve>::from_der($sig)
        }
        .map_err(|_| SignatureError::MalformedSignature)?;
        key.verify_prehash($prehash, &sig)
            .map_err(|_| SignatureError::Invalid)
    }};
}

/// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3).
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// ECDSA on a curve without a RustCrypto crate, with its domain parameters from [`KNOWN_CURVES`].
fn verify_generic(
    curve: NamedCurve,
    point: &[u8],
    prehash: &[u8],
    signature: &[u8],
    plain: bool,
) -> Result<(), SignatureError> {
    let known = KNOWN_CURVES
        .iter()
        .find(|k| k.curve == curve)
        .ok_or_else(|| SignatureError::UnsupportedCurve(curve.name().into()))?;
    let h =
        |s: &str| hex::decode(s).map_err(|_| SignatureError::UnsupportedCurve(curve.name().into()));
    let c = weierstrass::Curve::new(
        &h(known.p)?,
        &h(known.a)?,
        &h(known.b)?,
        &h(known.n)?,
        &h(known.g)?,
    )?;
    if plain {
        if !signature.len().is_multiple_of(2) || signature.is_empty() {
            return Err(SignatureError::MalformedSignature);
        }
        let (r, s) = signature.split_at(signature.len() / 2);
        return c.verify(point, prehash, r, s);
    }
    let sig = EcdsaSigValue::from_der(signature).map_err(|_| SignatureError::MalformedSignature)?;
    c.verify(point, prehash, sig.r.as_bytes(), sig.s.as_bytes())
}

/// Verify `signature` over `message` with `key` under `algorithm`.
pub fn verify(
    key: &PublicKey,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let hash = algorithm.hash();
    let prehash = hash.digest(message);
    verify_prehash(key, algorithm, &prehash, signature)
}

/// Verify `signature` over a message whose hash (with `algorithm.hash()`) is `prehash`.
pub fn verify_prehash(
    key: &PublicKey,
    algorithm: &SignatureAlgorithm,
    prehash: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    if prehash.len() != algorithm.hash().output_len() {
        return Err(SignatureError::BadParameters(
            "digest length does not match the hash".into(),
        ));
    }
    match (key, algorithm) {
        (PublicKey::Rsa(k), SignatureAlgorithm::RsaPkcs1v15(h)) => {
            let scheme = match h {
                HashAlgorithm::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
                HashAlgorithm::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
                HashAlgorithm::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
                HashAlgorithm::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
                HashAlgorithm::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
            };
            k.verify(scheme, prehash, signature)
                .map_err(|_| SignatureError::Invalid)
        }
        (PublicKey::Rsa(k), SignatureAlgorithm::RsaPss { hash, salt_len }) => {
            let s = *salt_len;
            let r = match hash {
                HashAlgorithm::Sha1 => k.verify(Pss::<Sha1>::new_with_salt(s), prehash, signature),
                HashAlgorithm::Sha224 => {
                    k.verify(Pss::<Sha224>::new_with_salt(s), prehash, signature)
                }
                HashAlgorithm::Sha256 => {
                    k.verify(Pss::<Sha256>::new_with_salt(s), prehash, signature)
                }
                HashAlgorithm::Sha384 => {
                    k.verify(Pss::<Sha384>::new_with_salt(s), prehash, signature)
                }
                HashAlgorithm::Sha512 => {
                    k.verify(Pss::<Sha512>::new_with_salt(s), prehash, signature)
                }
            };
            r.map_err(|_| SignatureError::Invalid)
        }
        (
            PublicKey::Ec { curve, point },
            SignatureAlgorithm::Ecdsa(_) | SignatureAlgorithm::EcdsaPlain(_),
        ) => {
            let plain = matches!(algorithm, SignatureAlgorithm::EcdsaPlain(_));
            match curve {
                NamedCurve::P256 => ecdsa_verify!(p256::NistP256, point, prehash, signature, plain),
                NamedCurve::P384 => ecdsa_verify!(p384::NistP384, point, prehash, signature, plain),
                NamedCurve::P521 => ecdsa_verify!(p521::NistP521, point, prehash, signature, plain),
                NamedCurve::BrainpoolP256r1 => {
                    ecdsa_verify!(bp256::BrainpoolP256r1, point, prehash, signature, plain)
                }
                NamedCurve::BrainpoolP384r1 => {
                    ecdsa_verify!(bp384::BrainpoolP384r1, point, prehash, signature, plain)
                }
                NamedCurve::BrainpoolP512r1 => {
                    verify_generic(*curve, point, prehash, signature, plain)
                }
            }
        }
        (PublicKey::Rsa(_), SignatureAlgorithm::Ecdsa(_) | SignatureAlgorithm::EcdsaPlain(_)) => {
            Err(SignatureError::KeyMismatch {
                algorithm: "ECDSA",
                key: "RSA",
            })
        }
        (PublicKey::Ec { .. }, _) => Err(SignatureError::KeyMismatch {
            algorithm: "RSA",
            key: "EC",
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
