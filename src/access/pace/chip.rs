//! The chip side of PACE for the software chip: MSE:Set AT and the four chained GENERAL
//! AUTHENTICATE steps of Part 11 §4.4.4–4.4.5 as a state machine ([`PaceChip`]).

use std::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

use super::groups::{Element, GroupArith};
use super::{
    InvalidKey, Mapping, PaceError, PaceParams, PaceProtocol, agree, arith, arithmetic,
    decode_peer, generic_map, im, integrated_map, public_key, token, wire,
};
use crate::access::AccessError;
use crate::apdu::{Command, StatusWord};
use crate::crypto::cipher;
use crate::crypto::keys::{PaceKey, SessionKeys};
use crate::sm::SecureChannel;
use crate::tlv::Tlv;

/// Why the chip refused a PACE command; [`ChipPaceError::status_word`] is its answer.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChipPaceError {
    /// The MSE:Set AT data is malformed or names another protocol (6A80).
    #[error("MSE:Set AT: {0}")]
    BadSetAt(String),
    /// The password or domain parameters referenced are not available (6A88).
    #[error("MSE:Set AT: referenced data not available: {0}")]
    NotAvailable(String),
    /// GENERAL AUTHENTICATE without MSE:Set AT, or out of order (6985).
    #[error("GENERAL AUTHENTICATE out of sequence")]
    OutOfSequence,
    /// The chaining bit is wrong for this step (6883: last command of the chain expected, or
    /// the chain ended early).
    #[error("GENERAL AUTHENTICATE: wrong command chaining for this step")]
    Chaining,
    /// The dynamic authentication data is malformed or a public key is invalid (6A80).
    #[error("GENERAL AUTHENTICATE: {0}")]
    BadData(String),
    /// The terminal's token did not verify: wrong password (6300).
    #[error("PACE authentication failed")]
    AuthenticationFailed,
}

impl ChipPaceError {
    /// The status word a chip answers with.
    pub fn status_word(&self) -> StatusWord {
        match self {
            ChipPaceError::BadSetAt(_) | ChipPaceError::BadData(_) => StatusWord(0x6A80),
            ChipPaceError::NotAvailable(_) => StatusWord(0x6A88),
            ChipPaceError::OutOfSequence => StatusWord(0x6985),
            ChipPaceError::Chaining => StatusWord(0x6883),
            ChipPaceError::AuthenticationFailed => StatusWord(0x6300),
        }
    }
}

/// What one GENERAL AUTHENTICATE step produced.
pub enum GeneralAuthenticateStep {
    /// Steps 1–3: the response data (`7C { … }`), status 9000.
    Continue(Vec<u8>),
    /// Step 4: the response data and the chip's end of the secure channel (SSC 0).
    Established(Vec<u8>, SecureChannel),
}

impl fmt::Debug for GeneralAuthenticateStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneralAuthenticateStep::Continue(d) => {
                f.debug_tuple("Continue").field(&d.len()).finish()
            }
            GeneralAuthenticateStep::Established(d, _) => f
                .debug_tuple("Established")
                .field(&d.len())
                .finish_non_exhaustive(),
        }
    }
}

/// The chip's secrets for fixed-value tests (the published examples): nonce s, mapping
/// private key, key agreement private key.
pub(crate) struct ChipSecrets {
    pub(crate) nonce: Vec<u8>,
    pub(crate) mapping: Vec<u8>,
    pub(crate) agreement: Vec<u8>,
}

// One per chip; the mapped generator dominates the size and is needed by value.
#[allow(clippy::large_enum_variant)]
enum State {
    Idle,
    Selected {
        key: PaceKey,
    },
    NonceSent {
        s: Zeroizing<Vec<u8>>,
    },
    Mapped {
        generator: Element,
    },
    Agreed {
        keys: SessionKeys,
        terminal_pk: Vec<u8>,
        chip_pk: Vec<u8>,
    },
}

/// The chip side of PACE, offering one [`PaceParams`] (the one its EF.CardAccess lists) with
/// the MRZ password (from DG1) and optionally a CAN.
///
/// Drive it with [`PaceChip::mse_set_at`] (INS 22, P1P2 C1A4) and
/// [`PaceChip::general_authenticate`] (INS 86) on plain APDUs; any error resets it, so a new
/// MSE:Set AT is needed after a failure.
pub struct PaceChip {
    params: PaceParams,
    mrz_information: Zeroizing<String>,
    can: Option<Zeroizing<String>>,
    state: State,
    fixed: Option<ChipSecrets>,
}

impl fmt::Debug for PaceChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaceChip")
            .field("params", &self.params)
            .field("passwords", &format_args!("<redacted>"))
            .field("can", &self.can.is_some())
            .finish_non_exhaustive()
    }
}

impl PaceChip {
    /// A chip offering `params` with the MRZ information (`document number ‖ check ‖ birth ‖
    /// check ‖ expiry ‖ check`, as for [`PaceKey::from_mrz_information`]) and an optional CAN.
    /// Fails if the passwords are malformed or the parameters are not supported.
    pub fn new(
        params: PaceParams,
        mrz_information: &str,
        can: Option<&str>,
    ) -> Result<Self, AccessError> {
        params.check_supported()?;
        let suite = params.protocol.cipher;
        PaceKey::from_mrz_information(mrz_information, suite).map_err(|e| {
            AccessError::Pace(PaceError::BadAccessSpec {
                spec: "MRZ information".into(),
                reason: e.to_string(),
            })
        })?;
        if let Some(can) = can {
            PaceKey::from_can(can, suite).map_err(|e| {
                AccessError::Pace(PaceError::BadAccessSpec {
                    spec: "CAN".into(),
                    reason: e.to_string(),
                })
            })?;
        }
        Ok(PaceChip {
            params,
            mrz_information: Zeroizing::new(mrz_information.to_string()),
            can: can.map(|c| Zeroizing::new(c.to_string())),
            state: State::Idle,
            fixed: None,
        })
    }

    /// Uses fixed secrets instead of the RNG (the published examples).
    #[cfg(test)]
    pub(crate) fn with_fixed_secrets(mut self, secrets: ChipSecrets) -> Self {
        self.fixed = Some(secrets);
        self
    }

    /// The parameters this chip offers.
    pub fn params(&self) -> &PaceParams {
        &self.params
    }

    /// Whether a PACE run is in progress (between MSE:Set AT and the last step).
    pub fn in_progress(&self) -> bool {
        !matches!(self.state, State::Idle)
    }

    /// Abandons any run in progress.
    pub fn reset(&mut self) {
        self.state = State::Idle;
    }

    /// MSE:Set AT: checks the protocol OID (DO'80'), the password reference (DO'83') and the
    /// parameter ID (DO'84', optional since this chip offers one set) and starts a run.
    pub fn mse_set_at(&mut self, data: &[u8]) -> Result<(), ChipPaceError> {
        self.state = State::Idle;
        let mut oid = None;
        let mut reference = None;
        let mut parameter_id = None;
        let mut rest = data;
        while !rest.is_empty() {
            let (tlv, tail) =
                Tlv::parse(rest).map_err(|e| ChipPaceError::BadSetAt(e.to_string()))?;
            match tlv.tag.number() {
                0x80 => oid = Some(tlv.value),
                0x83 => reference = Some(tlv.value),
                0x84 => parameter_id = Some(tlv.value),
                _ => {} // Part 11 §4.4.4.1 note 2: ignore unknown data objects.
            }
            rest = tail;
        }
        let oid = oid.ok_or_else(|| ChipPaceError::BadSetAt("no DO'80'".into()))?;
        let protocol = PaceProtocol::from_oid_bytes(oid)
            .map_err(|e| ChipPaceError::BadSetAt(e.to_string()))?;
        if protocol != self.params.protocol {
            return Err(ChipPaceError::BadSetAt(format!(
                "{protocol} is not offered"
            )));
        }
        if let Some(id) = parameter_id
            && id != [self.params.group.id()]
        {
            return Err(ChipPaceError::NotAvailable(format!(
                "domain parameters {}",
                hex::encode_upper(id)
            )));
        }
        let suite = protocol.cipher;
        let key = match reference {
            Some([0x01]) => PaceKey::from_mrz_information(&self.mrz_information, suite).ok(),
            Some([0x02]) => self
                .can
                .as_ref()
                .and_then(|can| PaceKey::from_can(can, suite).ok()),
            Some(_) => None,
            None => return Err(ChipPaceError::BadSetAt("no DO'83'".into())),
        };
        let key = key.ok_or_else(|| ChipPaceError::NotAvailable("password".into()))?;
        self.state = State::Selected { key };
        Ok(())
    }

    /// One GENERAL AUTHENTICATE step (the whole plain command; CLA must have the chaining bit
    /// on steps 1–3 and not on step 4). Errors reset the run.
    pub fn general_authenticate(
        &mut self,
        cmd: &Command,
        rng: &mut impl CryptoRng,
    ) -> Result<GeneralAuthenticateStep, ChipPaceError> {
        let state = std::mem::replace(&mut self.state, State::Idle);
        let chained = cmd.cla & 0x10 != 0;
        let last = matches!(state, State::Agreed { .. });
        if matches!(state, State::Idle) {
            return Err(ChipPaceError::OutOfSequence);
        }
        if chained == last {
            return Err(ChipPaceError::Chaining);
        }
        let (next, reply) = self.step(state, &cmd.data, rng)?;
        match next {
            Some(state) => {
                self.state = state;
                Ok(GeneralAuthenticateStep::Continue(reply.0))
            }
            None => {
                let channel = reply.1.ok_or(ChipPaceError::OutOfSequence)?;
                Ok(GeneralAuthenticateStep::Established(reply.0, channel))
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn step(
        &mut self,
        state: State,
        data: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(Option<State>, (Vec<u8>, Option<SecureChannel>)), ChipPaceError> {
        let params = self.params;
        let suite = params.protocol.cipher;
        let arith = arithmetic(params.group).map_err(bad)?;
        let objects = wire::dynamic_objects(data, "GENERAL AUTHENTICATE").map_err(bad_access)?;
        let find = |tag: u32| {
            objects
                .iter()
                .find(|t| t.tag.number() == tag)
                .map(|t| t.value)
        };
        match state {
            State::Selected { key } => {
                if !objects.is_empty() {
                    return Err(ChipPaceError::BadData("step 1 carries no data".into()));
                }
                let s = match &self.fixed {
                    Some(f) => Zeroizing::new(f.nonce.clone()),
                    None => {
                        let mut s = Zeroizing::new(vec![0u8; im::nonce_len(suite)]);
                        rng.fill_bytes(s.as_mut_slice());
                        s
                    }
                };
                let z = cipher::cbc_encrypt(suite, key.as_bytes(), &cipher::zero_iv(suite), &s)
                    .map_err(|e| ChipPaceError::BadData(e.to_string()))?;
                let reply = wire::tlv(0x7C, &wire::tlv(0x80, &z).map_err(bad_access)?)
                    .map_err(bad_access)?;
                Ok((Some(State::NonceSent { s }), (reply, None)))
            }
            State::NonceSent { s } => {
                let mapping_data =
                    find(0x81).ok_or_else(|| ChipPaceError::BadData("no DO'81'".into()))?;
                let (generator, reply_value) = match params.protocol.mapping {
                    Mapping::Generic => {
                        let terminal_pk =
                            decode_peer(arith, mapping_data, "Map Nonce").map_err(bad)?;
                        let sk = self.scalar(arith, rng, true)?;
                        let pk = public_key(arith, &arith.generator(), &sk).map_err(bad)?;
                        let generator = generic_map(arith, &s, &sk, &terminal_pk).map_err(bad)?;
                        (generator, pk)
                    }
                    Mapping::Integrated => {
                        if mapping_data.len() != suite.key_len() {
                            return Err(ChipPaceError::BadData(format!(
                                "nonce t of {} bytes, expected {}",
                                mapping_data.len(),
                                suite.key_len()
                            )));
                        }
                        let generator =
                            integrated_map(arith, suite, &s, mapping_data).map_err(bad_access)?;
                        (generator, Vec::new())
                    }
                    Mapping::ChipAuthentication => {
                        return Err(bad(PaceError::UnsupportedMapping(
                            Mapping::ChipAuthentication,
                        )));
                    }
                };
                let reply = wire::tlv(0x7C, &wire::tlv(0x82, &reply_value).map_err(bad_access)?)
                    .map_err(bad_access)?;
                Ok((Some(State::Mapped { generator }), (reply, None)))
            }
            State::Mapped { generator } => {
                let terminal_pk_bytes =
                    find(0x83).ok_or_else(|| ChipPaceError::BadData("no DO'83'".into()))?;
                let terminal_pk =
                    decode_peer(arith, terminal_pk_bytes, "Perform Key Agreement").map_err(bad)?;
                let sk = self.scalar(arith, rng, false)?;
                let chip_pk = public_key(arith, &generator, &sk).map_err(bad)?;
                if bool::from(chip_pk.as_slice().ct_eq(terminal_pk_bytes)) {
                    return Err(bad(PaceError::InvalidPublicKey {
                        step: "Perform Key Agreement",
                        reason: InvalidKey::Reflected,
                    }));
                }
                let keys = agree(arith, suite, &sk, &terminal_pk).map_err(bad)?;
                let reply = wire::tlv(0x7C, &wire::tlv(0x84, &chip_pk).map_err(bad_access)?)
                    .map_err(bad_access)?;
                Ok((
                    Some(State::Agreed {
                        keys,
                        terminal_pk: terminal_pk_bytes.to_vec(),
                        chip_pk,
                    }),
                    (reply, None),
                ))
            }
            State::Agreed {
                keys,
                terminal_pk,
                chip_pk,
            } => {
                let t_ifd = find(0x85).ok_or_else(|| ChipPaceError::BadData("no DO'85'".into()))?;
                let expected = token(arith, &params, &keys, &chip_pk).map_err(bad_access)?;
                if !bool::from(expected.as_slice().ct_eq(t_ifd)) {
                    return Err(ChipPaceError::AuthenticationFailed);
                }
                let t_ic = token(arith, &params, &keys, &terminal_pk).map_err(bad_access)?;
                let reply = wire::tlv(0x7C, &wire::tlv(0x86, &t_ic).map_err(bad_access)?)
                    .map_err(bad_access)?;
                Ok((None, (reply, Some(SecureChannel::with_zero_ssc(keys)))))
            }
            State::Idle => Err(ChipPaceError::OutOfSequence),
        }
    }

    fn scalar(
        &self,
        arith: &GroupArith,
        rng: &mut impl CryptoRng,
        mapping: bool,
    ) -> Result<Zeroizing<crypto_bigint::BoxedUint>, ChipPaceError> {
        let order = arith.order();
        match &self.fixed {
            Some(f) => {
                let bytes = if mapping { &f.mapping } else { &f.agreement };
                crypto_bigint::BoxedUint::from_be_slice(bytes, order.bits_precision())
                    .map(Zeroizing::new)
                    .map_err(|_| ChipPaceError::BadData("fixed key too long".into()))
            }
            None => arith::random_scalar(order, rng)
                .ok_or_else(|| ChipPaceError::BadData("no scalar".into())),
        }
    }
}

fn bad(e: PaceError) -> ChipPaceError {
    ChipPaceError::BadData(e.to_string())
}

fn bad_access(e: AccessError) -> ChipPaceError {
    ChipPaceError::BadData(e.to_string())
}
