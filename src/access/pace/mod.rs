//! Password Authenticated Connection Establishment (ICAO 9303 Part 11 §4.4, BSI TR-03110):
//! protocol identifiers and parameters ([`PaceProtocol`], [`PaceParams`]), the terminal side
//! ([`authenticate`]), the chip side ([`PaceChip`]) and EF.CardAccess ([`card_access`]).
//!
//! Supported: Generic Mapping (DH and ECDH) and Integrated Mapping (DH and ECDH) with 3DES and
//! AES-128/192/256, over every standardized domain parameter set (IDs 0–2 and 8–18;
//! Integrated Mapping over curves needs `p ≡ 3 mod 4`, which excludes P-224 only). Chip
//! Authentication Mapping is recognised (OIDs, EF.CardAccess) but not run: it ends in
//! [`PaceError::UnsupportedMapping`] on both sides until its issue lands; it slots in after the
//! token exchange (DO'8A', `IV = E(KS_enc, -1)`).
//!
//! The arithmetic is one constant-time implementation over `crypto-bigint` for every curve
//! (module `ec`, stack-allocated `FixedMontyForm`) and every MODP group (module `arith`): the
//! same code serves brainpoolP512r1, for which RustCrypto has no crate.
//!
//! # Use
//!
//! Reader (terminal): parse EF.CardAccess with
//! [`crate::lds::security_info::parse_security_infos`], pick the variant with
//! [`card_access::select`] (`Ok(None)`: no PACE, BAC only; `Err`: PACE offered but nothing we
//! run), derive the password key for the variant's cipher
//! (`PaceKey::from_can(can, params.protocol.cipher)` or `PaceKey::from_document(…)`), then
//! [`authenticate`]`(&mut transport, &key, &params, &mut rng)` and continue with
//! [`PaceOutcome::channel`].
//!
//! Software chip: `PaceChip::new(params, &mrz_information, Some(can))`, serve
//! [`card_access::build`]`(&params)` as EF.CardAccess, answer INS 22 (P1P2 C1A4) with
//! [`PaceChip::mse_set_at`]`(&cmd.data)` and INS 86 with
//! [`PaceChip::general_authenticate`]`(&cmd, &mut rng)`: `Continue(data)` is `data ‖ 9000`,
//! `Established(data, channel)` is `data ‖ 9000` after which secure messaging uses `channel`;
//! an error is answered with [`ChipPaceError::status_word`].

use std::fmt;
use std::str::FromStr;

use der::asn1::ObjectIdentifier;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

use super::{AccessError, AccessProtocol};
use crate::apdu::{Command, Response, StatusWord};
use crate::crypto::cipher;
use crate::crypto::keys::{CipherSuite, PaceKey, PasswordKind, SessionKeys};
use crate::crypto::mac;
use crate::sm::SecureChannel;
use crate::transport::Transport;

mod arith;
pub mod card_access;
mod chip;
mod ec;
pub mod groups;
mod im;
mod wire;

#[cfg(test)]
mod tests;

pub use chip::{ChipPaceError, GeneralAuthenticateStep, PaceChip};
pub use groups::{StandardGroup, UnknownGroup};

use arith::Invalid;
use groups::{Element, GroupArith};

/// `id-PACE` = 0.4.0.127.0.7.2.2.4 (BSI TR-03110-3 §A.1.1.1), DER content octets.
const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];

/// How the nonce is mapped to the ephemeral generator (Part 11 §4.4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mapping {
    /// Generic Mapping: `Ĝ = s·G + H` / `ĝ = g^s·h` with an anonymous DH for H.
    Generic,
    /// Integrated Mapping: `Ĝ = f_G(R_p(s, t))` with the terminal's nonce t.
    Integrated,
    /// Chip Authentication Mapping (recognised, not yet run: [`PaceError::UnsupportedMapping`]).
    ChipAuthentication,
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mapping::Generic => "GM",
            Mapping::Integrated => "IM",
            Mapping::ChipAuthentication => "CAM",
        })
    }
}

/// The key agreement family of a PACE protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// Diffie-Hellman over a MODP group.
    Dh,
    /// Elliptic-curve Diffie-Hellman.
    Ecdh,
}

impl fmt::Display for KeyAgreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyAgreement::Dh => "DH",
            KeyAgreement::Ecdh => "ECDH",
        })
    }
}

/// One PACE protocol OID: `id-PACE-{DH,ECDH}-{GM,IM,CAM}-{3DES-CBC-CBC,AES-CBC-CMAC-*}`
/// (Part 11 §4.4.3.1–2, Tables 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    /// The mapping.
    pub mapping: Mapping,
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// The cipher for the nonce, the tokens and secure messaging.
    pub cipher: CipherSuite,
}

impl PaceProtocol {
    /// The protocol; CAM exists only with ECDH and AES (Table 3).
    pub fn new(
        mapping: Mapping,
        key_agreement: KeyAgreement,
        cipher: CipherSuite,
    ) -> Result<Self, PaceError> {
        let protocol = PaceProtocol {
            mapping,
            key_agreement,
            cipher,
        };
        if mapping == Mapping::ChipAuthentication
            && (key_agreement == KeyAgreement::Dh || cipher == CipherSuite::TripleDes)
        {
            return Err(PaceError::UndefinedProtocol(protocol.name()));
        }
        Ok(protocol)
    }

    fn arcs(&self) -> (u8, u8) {
        let kind = match (self.key_agreement, self.mapping) {
            (KeyAgreement::Dh, Mapping::Generic) => 1,
            (KeyAgreement::Ecdh, Mapping::Generic) => 2,
            (KeyAgreement::Dh, Mapping::Integrated) => 3,
            (KeyAgreement::Ecdh, Mapping::Integrated) => 4,
            (_, Mapping::ChipAuthentication) => 6,
        };
        let cipher = match self.cipher {
            CipherSuite::TripleDes => 1,
            CipherSuite::Aes128 => 2,
            CipherSuite::Aes192 => 3,
            CipherSuite::Aes256 => 4,
        };
        (kind, cipher)
    }

    /// The DER content octets of the OID (DO'80' of MSE:Set AT, the token's OID).
    pub fn oid_bytes(&self) -> Vec<u8> {
        let (kind, cipher) = self.arcs();
        let mut out = ID_PACE.to_vec();
        out.push(kind);
        out.push(cipher);
        out
    }

    /// The OID.
    pub fn oid(&self) -> ObjectIdentifier {
        // The content octets are a valid OID by construction (fixed small arcs).
        ObjectIdentifier::from_bytes(&self.oid_bytes())
            .unwrap_or(ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4"))
    }

    /// The protocol of a PACE OID given as DER content octets.
    pub fn from_oid_bytes(bytes: &[u8]) -> Result<Self, PaceError> {
        let unknown = || PaceError::UnknownProtocol(hex::encode_upper(bytes));
        let rest = bytes.strip_prefix(&ID_PACE[..]).ok_or_else(unknown)?;
        let [kind, cipher] = rest else {
            return Err(unknown());
        };
        let (key_agreement, mapping) = match kind {
            1 => (KeyAgreement::Dh, Mapping::Generic),
            2 => (KeyAgreement::Ecdh, Mapping::Generic),
            3 => (KeyAgreement::Dh, Mapping::Integrated),
            4 => (KeyAgreement::Ecdh, Mapping::Integrated),
            6 => (KeyAgreement::Ecdh, Mapping::ChipAuthentication),
            _ => return Err(unknown()),
        };
        let cipher = match cipher {
            1 => CipherSuite::TripleDes,
            2 => CipherSuite::Aes128,
            3 => CipherSuite::Aes192,
            4 => CipherSuite::Aes256,
            _ => return Err(unknown()),
        };
        PaceProtocol::new(mapping, key_agreement, cipher)
    }

    /// The protocol of a PACE OID.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, PaceError> {
        Self::from_oid_bytes(oid.as_bytes())
    }

    /// The ASN.1 name, e.g. `id-PACE-ECDH-GM-AES-CBC-CMAC-128`.
    pub fn name(&self) -> String {
        let cipher = match self.cipher {
            CipherSuite::TripleDes => "3DES-CBC-CBC",
            CipherSuite::Aes128 => "AES-CBC-CMAC-128",
            CipherSuite::Aes192 => "AES-CBC-CMAC-192",
            CipherSuite::Aes256 => "AES-CBC-CMAC-256",
        };
        format!("id-PACE-{}-{}-{cipher}", self.key_agreement, self.mapping)
    }
}

impl fmt::Display for PaceProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// What the terminal runs: a protocol over a standardized domain parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceParams {
    /// The protocol OID.
    pub protocol: PaceProtocol,
    /// The domain parameters.
    pub group: StandardGroup,
    /// Whether MSE:Set AT carries DO'84' with the parameter ID. True whenever EF.CardAccess
    /// names the ID (chips reject the command otherwise); the Appendix G examples omit it.
    pub send_parameter_id: bool,
}

impl PaceParams {
    /// `mapping` over `group` with `cipher`; the key agreement follows from the group.
    pub fn new(
        mapping: Mapping,
        group: StandardGroup,
        cipher: CipherSuite,
    ) -> Result<Self, PaceError> {
        let key_agreement = if group.is_dh() {
            KeyAgreement::Dh
        } else {
            KeyAgreement::Ecdh
        };
        Self::from_protocol(PaceProtocol::new(mapping, key_agreement, cipher)?, group)
    }

    /// A protocol over a group; the families must agree (DH OIDs with IDs 0–2, ECDH with 8–18).
    pub fn from_protocol(protocol: PaceProtocol, group: StandardGroup) -> Result<Self, PaceError> {
        if group.is_dh() != (protocol.key_agreement == KeyAgreement::Dh) {
            return Err(PaceError::GroupMismatch {
                protocol: protocol.name(),
                group,
            });
        }
        Ok(PaceParams {
            protocol,
            group,
            send_parameter_id: true,
        })
    }

    /// Checks that this implementation can run these parameters (mapping and group).
    pub fn check_supported(&self) -> Result<(), PaceError> {
        if self.protocol.mapping == Mapping::ChipAuthentication {
            return Err(PaceError::UnsupportedMapping(Mapping::ChipAuthentication));
        }
        let arith = arithmetic(self.group)?;
        if self.protocol.mapping == Mapping::Integrated && !arith.supports_integrated_mapping() {
            return Err(PaceError::PointEncodingUnsupported(self.group));
        }
        Ok(())
    }
}

impl PaceParams {
    /// The mapping as on the command line: `gm`, `im` or `cam`.
    pub fn mapping_name(&self) -> &'static str {
        match self.protocol.mapping {
            Mapping::Generic => "gm",
            Mapping::Integrated => "im",
            Mapping::ChipAuthentication => "cam",
        }
    }

    /// The cipher as on the command line: `3des`, `aes128`, `aes192` or `aes256`.
    pub fn cipher_name(&self) -> &'static str {
        match self.protocol.cipher {
            CipherSuite::TripleDes => "3des",
            CipherSuite::Aes128 => "aes128",
            CipherSuite::Aes192 => "aes192",
            CipherSuite::Aes256 => "aes256",
        }
    }
}

/// `pace:MAPPING:GROUP:CIPHER`, the form [`PaceParams::from_str`] parses.
impl fmt::Display for PaceParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pace:{}:{}:{}",
            self.mapping_name(),
            self.group,
            self.cipher_name()
        )
    }
}

/// Parses `pace:MAPPING:GROUP:CIPHER` (DESIGN.md `--access`): MAPPING `gm|im|cam`, GROUP a
/// [`StandardGroup`] name (`brainpoolP256r1`, `P-256`, `modp2048-224`, …), CIPHER
/// `3des|aes128|aes192|aes256`. The leading `pace:` may be omitted; case does not matter.
impl FromStr for PaceParams {
    type Err = PaceError;
    fn from_str(spec: &str) -> Result<Self, PaceError> {
        let bad = |reason: String| PaceError::BadAccessSpec {
            spec: spec.to_string(),
            reason,
        };
        let mut parts: Vec<&str> = spec.split(':').collect();
        if parts
            .first()
            .is_some_and(|p| p.eq_ignore_ascii_case("pace"))
        {
            parts.remove(0);
        }
        let [mapping, group, cipher] = parts.as_slice() else {
            return Err(bad("expected pace:MAPPING:GROUP:CIPHER".into()));
        };
        let mapping = match mapping.to_ascii_lowercase().as_str() {
            "gm" => Mapping::Generic,
            "im" => Mapping::Integrated,
            "cam" => Mapping::ChipAuthentication,
            other => return Err(bad(format!("mapping {other:?} is not gm, im or cam"))),
        };
        let group: StandardGroup = group
            .parse()
            .map_err(|e: UnknownGroup| bad(e.to_string()))?;
        let cipher = match cipher.to_ascii_lowercase().replace('-', "").as_str() {
            "3des" | "tdes" => CipherSuite::TripleDes,
            "aes128" => CipherSuite::Aes128,
            "aes192" => CipherSuite::Aes192,
            "aes256" => CipherSuite::Aes256,
            other => {
                return Err(bad(format!(
                    "cipher {other:?} is not 3des, aes128, aes192 or aes256"
                )));
            }
        };
        PaceParams::new(mapping, group, cipher)
    }
}

/// Why a peer's public key was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidKey {
    /// Wrong encoding: not `04 ‖ X ‖ Y` of the field length, or a DH value longer than p.
    Encoding,
    /// A coordinate or value out of range (`≥ p`, or a DH value outside `1 < y < p - 1`).
    OutOfRange,
    /// The point is not on the curve.
    NotOnCurve,
    /// The neutral element.
    Identity,
    /// The DH value is not in the subgroup of order q (`y^q ≠ 1`).
    NotInSubgroup,
    /// The chip sent our own ephemeral key back (Part 11 §4.4.1: the keys must differ).
    Reflected,
}

impl From<Invalid> for InvalidKey {
    fn from(value: Invalid) -> Self {
        match value {
            Invalid::Encoding => InvalidKey::Encoding,
            Invalid::Range => InvalidKey::OutOfRange,
            Invalid::NotOnCurve => InvalidKey::NotOnCurve,
            Invalid::NotInSubgroup => InvalidKey::NotInSubgroup,
        }
    }
}

impl fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidKey::Encoding => "wrong encoding",
            InvalidKey::OutOfRange => "value out of range",
            InvalidKey::NotOnCurve => "point not on the curve",
            InvalidKey::Identity => "the neutral element",
            InvalidKey::NotInSubgroup => "not in the prime-order subgroup",
            InvalidKey::Reflected => "our own key reflected",
        })
    }
}

/// PACE-specific failures (parameters, unsupported variants, invalid chip data).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PaceError {
    /// Not a PACE protocol OID we know (content octets in hex).
    #[error("not a known PACE protocol OID: {0}")]
    UnknownProtocol(String),
    /// A combination Tables 2 and 3 do not define (CAM with DH or 3DES).
    #[error("{0} is not defined by ICAO 9303 Part 11")]
    UndefinedProtocol(String),
    /// The mapping is recognised but not implemented (CAM, a later issue).
    #[error("PACE {0} mapping is not supported yet")]
    UnsupportedMapping(Mapping),
    /// A parameter ID that Part 11 §9.5.1 does not standardize (3–7, 19–31) or a proprietary one.
    #[error("PACE domain parameter ID {0} is not a standardized one")]
    UnknownParameterId(u64),
    /// PACEInfo without a standardized parameter ID (explicit PACEDomainParameterInfo).
    #[error("explicit PACE domain parameters (PACEDomainParameterInfo) are not supported")]
    ExplicitDomainParameters,
    /// A DH protocol with an EC group or vice versa.
    #[error("{protocol} does not run over {group}")]
    GroupMismatch {
        /// The protocol name.
        protocol: String,
        /// The group.
        group: StandardGroup,
    },
    /// Integrated Mapping needs `p ≡ 3 (mod 4)` for the point encoding of Appendix B.
    #[error("Integrated Mapping over {0} needs p ≡ 3 (mod 4), which this curve's p is not")]
    PointEncodingUnsupported(StandardGroup),
    /// The PACE key was derived for a different cipher than the protocol's.
    #[error("the PACE password key is for {key}, the protocol uses {protocol}")]
    SuiteMismatch {
        /// The key's suite.
        key: CipherSuite,
        /// The protocol's suite.
        protocol: CipherSuite,
    },
    /// An unparsable `--access pace:…` specification.
    #[error("invalid PACE access {spec:?}: {reason}")]
    BadAccessSpec {
        /// What was given.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A public key from the peer failed validation.
    #[error("{step}: invalid public key from the peer ({reason})")]
    InvalidPublicKey {
        /// The GENERAL AUTHENTICATE step ("Map Nonce", "Perform Key Agreement").
        step: &'static str,
        /// Why.
        reason: InvalidKey,
    },
    /// The mapping produced the neutral element (an adversarial or broken peer).
    #[error("the mapped generator is degenerate")]
    DegenerateGenerator,
    /// EF.CardAccess lists PACE but none of its PACEInfos is something we can run.
    #[error("EF.CardAccess offers PACE, but no variant this implementation runs: {0}")]
    NoSupportedVariant(String),
    /// The domain parameter constants failed their self-check (a build defect).
    #[error("domain parameters of {0} failed their self-check")]
    BrokenConstants(StandardGroup),
}

const MSE_SET_AT: &str = "MSE:Set AT";
const GA_NONCE: &str = "GENERAL AUTHENTICATE (Encrypted Nonce)";
const GA_MAP: &str = "GENERAL AUTHENTICATE (Map Nonce)";
const GA_KEY: &str = "GENERAL AUTHENTICATE (Perform Key Agreement)";
const GA_AUTH: &str = "GENERAL AUTHENTICATE (Mutual Authentication)";

/// Longest encrypted nonce accepted from a chip (l is 128 or 256 bits in practice).
const MAX_NONCE_LEN: usize = 64;

/// What PACE established.
pub struct PaceOutcome {
    /// Secure messaging with the session keys, SSC = 0.
    pub channel: SecureChannel,
    /// The parameters that were run.
    pub params: PaceParams,
    /// Which password was used.
    pub password: PasswordKind,
    /// The chip's ephemeral public key `PK_DH,IC` (as encoded on the wire), which Chip
    /// Authentication and Terminal Authentication refer to.
    pub chip_ephemeral_public_key: Vec<u8>,
}

impl fmt::Debug for PaceOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaceOutcome")
            .field("channel", &self.channel)
            .field("params", &self.params)
            .field("password", &self.password)
            .finish_non_exhaustive()
    }
}

/// The arithmetic of a standardized group.
fn arithmetic(group: StandardGroup) -> Result<&'static GroupArith, PaceError> {
    group.arithmetic().ok_or(PaceError::BrokenConstants(group))
}

/// The terminal's secrets: drawn from an RNG, or fixed (for the published examples).
pub(crate) enum TerminalSecrets<'a, R: CryptoRng> {
    /// Fresh randomness.
    Random(&'a mut R),
    /// Fixed values: the mapping private key (GM) or nonce t (IM), and the key agreement
    /// private key, big-endian.
    #[cfg_attr(not(test), allow(dead_code))]
    Fixed {
        /// SK_Map,IFD (GM) or t (IM).
        mapping: Vec<u8>,
        /// SK_DH,IFD.
        agreement: Vec<u8>,
    },
}

impl<R: CryptoRng> TerminalSecrets<'_, R> {
    fn scalar(
        &mut self,
        group: StandardGroup,
        arith: &GroupArith,
        fixed_mapping: bool,
    ) -> Result<Zeroizing<crypto_bigint::BoxedUint>, PaceError> {
        let order = arith.order();
        match self {
            TerminalSecrets::Random(rng) => {
                arith::random_scalar(order, *rng).ok_or(PaceError::BrokenConstants(group))
            }
            TerminalSecrets::Fixed { mapping, agreement } => {
                let bytes = if fixed_mapping { mapping } else { agreement };
                crypto_bigint::BoxedUint::from_be_slice(bytes, order.bits_precision())
                    .map(Zeroizing::new)
                    .map_err(|_| PaceError::DegenerateGenerator)
            }
        }
    }

    fn nonce(&mut self, len: usize) -> Zeroizing<Vec<u8>> {
        match self {
            TerminalSecrets::Random(rng) => {
                let mut t = Zeroizing::new(vec![0u8; len]);
                rng.fill_bytes(t.as_mut_slice());
                t
            }
            TerminalSecrets::Fixed { mapping, .. } => Zeroizing::new(mapping.clone()),
        }
    }
}

/// Runs PACE over `transport` with `password` and returns the secure channel.
///
/// The sequence is Part 11 §4.4.4: MSE:Set AT (`0022C1A4`: DO'80' OID, DO'83' password
/// reference, DO'84' parameter ID when [`PaceParams::send_parameter_id`]), then four chained
/// GENERAL AUTHENTICATE commands (CLA 10 on all but the last): encrypted nonce, mapping, key
/// agreement, tokens. Every public key from the chip is validated. A wrong password ends in
/// [`AccessError::AccessDenied`]`(`[`AccessProtocol::Pace`]`)` ("access denied (PACE)"): the chip
/// answers 6300/6982 to our token, or its own token does not verify.
pub fn authenticate<T: Transport + ?Sized>(
    transport: &mut T,
    password: &PaceKey,
    params: &PaceParams,
    rng: &mut impl CryptoRng,
) -> Result<PaceOutcome, AccessError> {
    run(transport, password, params, TerminalSecrets::Random(rng))
}

pub(crate) fn run<T: Transport + ?Sized, R: CryptoRng>(
    transport: &mut T,
    password: &PaceKey,
    params: &PaceParams,
    mut secrets: TerminalSecrets<'_, R>,
) -> Result<PaceOutcome, AccessError> {
    let suite = params.protocol.cipher;
    if password.suite() != suite {
        return Err(PaceError::SuiteMismatch {
            key: password.suite(),
            protocol: suite,
        }
        .into());
    }
    params.check_supported()?;
    let arith = arithmetic(params.group)?;

    // MSE:Set AT.
    let mse = wire::mse_set_at(params, password.kind())?;
    exchange(transport, &mse, MSE_SET_AT)?;

    // 1. Encrypted nonce.
    let answer = exchange(transport, &wire::general_authenticate(&[], true)?, GA_NONCE)?;
    let z = wire::single(&answer.data, 0x80, GA_NONCE)?;
    if z.is_empty() || z.len() > MAX_NONCE_LEN || z.len() % suite.block_len() != 0 {
        return Err(malformed(
            GA_NONCE,
            format!("encrypted nonce of {} bytes", z.len()),
        ));
    }
    let s = Zeroizing::new(cipher::cbc_decrypt(
        suite,
        password.as_bytes(),
        &cipher::zero_iv(suite),
        z,
    )?);

    // 2. Mapping.
    let generator = match params.protocol.mapping {
        Mapping::Generic => {
            let sk_map = secrets.scalar(params.group, arith, true)?;
            let pk_map = public_key(arith, &arith.generator(), &sk_map)?;
            let cmd = wire::general_authenticate(&wire::tlv(0x81, &pk_map)?, true)?;
            let answer = exchange(transport, &cmd, GA_MAP)?;
            let chip_pk_map = wire::single(&answer.data, 0x82, GA_MAP)?;
            let chip_pk = decode_peer(arith, chip_pk_map, "Map Nonce")?;
            generic_map(arith, &s, &sk_map, &chip_pk)?
        }
        Mapping::Integrated => {
            if s.len() != im::nonce_len(suite) {
                return Err(malformed(
                    GA_NONCE,
                    format!(
                        "nonce of {} bytes, the Integrated Mapping with {suite} needs {}",
                        s.len(),
                        im::nonce_len(suite)
                    ),
                ));
            }
            let t = secrets.nonce(suite.key_len());
            let cmd = wire::general_authenticate(&wire::tlv(0x81, &t)?, true)?;
            let answer = exchange(transport, &cmd, GA_MAP)?;
            let reply = wire::optional(&answer.data, 0x82, GA_MAP)?;
            if reply.is_some_and(|r| !r.is_empty()) {
                return Err(malformed(
                    GA_MAP,
                    "DO'82' must be empty for the Integrated Mapping".into(),
                ));
            }
            integrated_map(arith, suite, &s, &t)?
        }
        Mapping::ChipAuthentication => {
            return Err(PaceError::UnsupportedMapping(Mapping::ChipAuthentication).into());
        }
    };

    // 3. Key agreement.
    let sk = secrets.scalar(params.group, arith, false)?;
    let pk = public_key(arith, &generator, &sk)?;
    let cmd = wire::general_authenticate(&wire::tlv(0x83, &pk)?, true)?;
    let answer = exchange(transport, &cmd, GA_KEY)?;
    let chip_pk_bytes = wire::single(&answer.data, 0x84, GA_KEY)?.to_vec();
    let chip_pk = decode_peer(arith, &chip_pk_bytes, "Perform Key Agreement")?;
    if bool::from(chip_pk_bytes.as_slice().ct_eq(pk.as_slice())) {
        return Err(PaceError::InvalidPublicKey {
            step: "Perform Key Agreement",
            reason: InvalidKey::Reflected,
        }
        .into());
    }
    let keys = agree(arith, suite, &sk, &chip_pk)?;

    // 4. Mutual authentication.
    let t_ifd = token(arith, params, &keys, &chip_pk_bytes)?;
    let cmd = wire::general_authenticate(&wire::tlv(0x85, &t_ifd)?, false)?;
    let answer = exchange(transport, &cmd, GA_AUTH)?;
    let t_ic = wire::single(&answer.data, 0x86, GA_AUTH)?;
    let expected = token(arith, params, &keys, &pk)?;
    if !bool::from(expected.as_slice().ct_eq(t_ic)) {
        return Err(denied());
    }
    Ok(PaceOutcome {
        channel: SecureChannel::with_zero_ssc(keys),
        params: *params,
        password: password.kind(),
        chip_ephemeral_public_key: chip_pk_bytes,
    })
}

/// `k × base`, encoded.
fn public_key(
    arith: &GroupArith,
    base: &Element,
    k: &crypto_bigint::BoxedUint,
) -> Result<Vec<u8>, PaceError> {
    let pk = arith.exp(base, k).ok_or(PaceError::DegenerateGenerator)?;
    arith.encode(&pk).ok_or(PaceError::DegenerateGenerator)
}

/// Decodes and validates a peer's key.
fn decode_peer(arith: &GroupArith, bytes: &[u8], step: &'static str) -> Result<Element, PaceError> {
    arith
        .decode(bytes)
        .map_err(|e| PaceError::InvalidPublicKey {
            step,
            reason: e.into(),
        })
}

/// Generic Mapping: `H = sk × PK_peer`, then `Ĝ = s × G + H` (or `ĝ = g^s · h`).
fn generic_map(
    arith: &GroupArith,
    s: &[u8],
    sk_map: &crypto_bigint::BoxedUint,
    peer: &Element,
) -> Result<Element, PaceError> {
    let h = arith
        .exp(peer, sk_map)
        .ok_or(PaceError::DegenerateGenerator)?;
    if arith.is_neutral(&h) {
        return Err(PaceError::DegenerateGenerator);
    }
    let bits =
        u32::try_from(s.len().saturating_mul(8)).map_err(|_| PaceError::DegenerateGenerator)?;
    let s_int = Zeroizing::new(
        crypto_bigint::BoxedUint::from_be_slice(s, bits)
            .map_err(|_| PaceError::DegenerateGenerator)?,
    );
    let s_g = arith
        .exp(&arith.generator(), &s_int)
        .ok_or(PaceError::DegenerateGenerator)?;
    let mapped = arith.op(&s_g, &h).ok_or(PaceError::DegenerateGenerator)?;
    if arith.is_neutral(&mapped) {
        return Err(PaceError::DegenerateGenerator);
    }
    Ok(mapped)
}

/// Integrated Mapping: `Ĝ = f_G(R_p(s, t))`.
fn integrated_map(
    arith: &GroupArith,
    suite: CipherSuite,
    s: &[u8],
    t: &[u8],
) -> Result<Element, AccessError> {
    let x = im::pseudo_random(suite, s, t, arith.field_bits())?;
    Ok(arith
        .integrated_map(&x)
        .ok_or(PaceError::DegenerateGenerator)?)
}

/// Key agreement `K = KA(sk, PK_peer, D̂)` and the session keys from it.
fn agree(
    arith: &GroupArith,
    suite: CipherSuite,
    sk: &crypto_bigint::BoxedUint,
    peer: &Element,
) -> Result<SessionKeys, PaceError> {
    let shared = arith.exp(peer, sk).ok_or(PaceError::DegenerateGenerator)?;
    let k = arith
        .shared_secret(&shared)
        .ok_or(PaceError::InvalidPublicKey {
            step: "Perform Key Agreement",
            reason: InvalidKey::Identity,
        })?;
    Ok(SessionKeys::derive(suite, &k))
}

/// The authentication token `MAC(KS_mac, 7F49 { 06 OID, 86|84 PK })` (Part 11 §4.4.3.4):
/// CMAC over the object for AES, retail MAC over the padded object for 3DES.
fn token(
    arith: &GroupArith,
    params: &PaceParams,
    keys: &SessionKeys,
    public_key: &[u8],
) -> Result<[u8; mac::MAC_LEN], AccessError> {
    let object = wire::public_key_object(params, arith.public_key_tag(), public_key)?;
    let suite = params.protocol.cipher;
    let input = if suite == CipherSuite::TripleDes {
        cipher::pad(&object, suite.block_len())
    } else {
        object
    };
    Ok(mac::mac(suite, keys.ks_mac(), &input)?)
}

/// 6300: authentication failed (Part 11 §4.4.4.2).
const SW_AUTH_FAILED: StatusWord = StatusWord(0x6300);
/// 6982: security status not satisfied.
const SW_SECURITY_STATUS: StatusWord = StatusWord(0x6982);

/// Sends `cmd`; 9000 gives the response, 6300/6982 to the token are access denied.
fn exchange<T: Transport + ?Sized>(
    transport: &mut T,
    cmd: &Command,
    command: &'static str,
) -> Result<Response, AccessError> {
    let raw = transport.transmit(&cmd.to_bytes()?)?;
    let response = Response::parse(&raw)?;
    match response.sw {
        StatusWord::SUCCESS => Ok(response),
        SW_AUTH_FAILED | SW_SECURITY_STATUS if command == GA_AUTH => Err(denied()),
        sw => Err(AccessError::Refused {
            protocol: AccessProtocol::Pace,
            command,
            sw,
        }),
    }
}

fn denied() -> AccessError {
    AccessError::AccessDenied(AccessProtocol::Pace)
}

fn malformed(command: &'static str, what: String) -> AccessError {
    AccessError::Malformed {
        protocol: AccessProtocol::Pace,
        command,
        what,
    }
}
