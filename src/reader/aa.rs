//! Active Authentication over a [`Secured`] session (ICAO 9303 Part 11 §6.1): the clone check
//! with the key in DG15, run after the files are read, its outcome kept in the [`ChipDump`].

use rand_core::CryptoRng;

use super::{ChipDump, FileOutcome, LdsFile, ReadError, Secured, Unreadable};
use crate::access::aa::{self, AaError, AaKey, ActiveAuthOutcome};
use crate::apdu::Command;
use crate::crypto::signature::PublicKey;
use crate::transport::Transport;

/// What became of Active Authentication in a read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActiveAuthentication {
    /// The chip has no DG15 (not listed in EF.COM, or absent): it does not support AA.
    NotSupported,
    /// The chip answered INTERNAL AUTHENTICATE; the outcome says whether the signature held.
    Performed(ActiveAuthOutcome),
    /// DG15 is there but the check could not be made (unusable key, refusal, link or secure
    /// messaging failure). Not verified.
    Failed(AaError),
}

impl ActiveAuthentication {
    /// True only when the chip's signature verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, ActiveAuthentication::Performed(o) if o.is_verified())
    }
}

impl std::fmt::Display for ActiveAuthentication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActiveAuthentication::NotSupported => f.write_str("not supported (no DG15)"),
            ActiveAuthentication::Performed(ActiveAuthOutcome::Verified(m)) => {
                write!(f, "verified ({m})")
            }
            ActiveAuthentication::Performed(ActiveAuthOutcome::Rejected(why)) => {
                write!(f, "signature rejected: {why}")
            }
            ActiveAuthentication::Failed(e) => write!(f, "not performed: {e}"),
        }
    }
}

impl<T: Transport> Secured<T> {
    /// Active Authentication with the key in `dg15` (and, for EC keys, the algorithm in
    /// `dg14`), both as read. An unusable key or a refusal is [`ActiveAuthentication::Failed`];
    /// a lost link or failed secure messaging is an error, as anywhere in a session (the
    /// session is over; a caller may retry with the card held still).
    pub fn active_authenticate_with(
        &mut self,
        dg15: &[u8],
        dg14: Option<&[u8]>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<ActiveAuthentication, ReadError> {
        let key = match AaKey::from_data_groups(dg15, dg14) {
            Ok(key) => key,
            Err(e) => return Ok(ActiveAuthentication::Failed(e)),
        };
        let file = Some(LdsFile::DataGroup(15));
        let (link, sm) = self.link_and_channel();
        let exchange = |cmd: &Command| {
            let sm_error = |source| ReadError::SecureMessaging { file, source };
            let protected = sm.wrap(cmd).map_err(sm_error)?;
            let answer = link
                .exchange(&protected)
                .map_err(|e| ReadError::transport(file, e))?;
            sm.unwrap(&answer).map_err(sm_error)
        };
        Ok(outcome(aa::authenticate_over(exchange, &key, rng)?))
    }

    /// Reads DG15 (and DG14 for an EC key) and runs Active Authentication. A chip without
    /// DG15 is [`ActiveAuthentication::NotSupported`].
    pub fn active_authenticate(
        &mut self,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<ActiveAuthentication, ReadError> {
        let dg15 = match self.read_file(LdsFile::DataGroup(15), &mut |_| {})? {
            FileOutcome::Read(bytes) => bytes,
            FileOutcome::Unreadable(Unreadable::NotFound) => {
                return Ok(ActiveAuthentication::NotSupported);
            }
            FileOutcome::Unreadable(why) => {
                return Ok(ActiveAuthentication::Failed(AaError::Key(format!(
                    "DG15 unreadable: {why}"
                ))));
            }
        };
        let dg14 = if is_ec_key(&dg15) {
            match self.read_file(LdsFile::DataGroup(14), &mut |_| {})? {
                FileOutcome::Read(bytes) => Some(bytes),
                FileOutcome::Unreadable(_) => None,
            }
        } else {
            None
        };
        self.active_authenticate_with(&dg15, dg14.as_deref(), rng)
    }

    /// Runs Active Authentication with the DG15 (and DG14) of `dump` and records the outcome
    /// in it (see [`ChipDump::active_authentication`]). Errors as
    /// [`Secured::active_authenticate_with`]: no dump comes back from a broken session.
    pub(crate) fn record_active_authentication(
        &mut self,
        dump: &mut ChipDump,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(), ReadError> {
        let dg15_refused = dump
            .unreadable
            .iter()
            .find(|(f, _)| *f == LdsFile::DataGroup(15))
            .map(|(_, why)| why.clone());
        let record = match (dump.files.get(&LdsFile::DataGroup(15)), dg15_refused) {
            (Some(dg15), _) => {
                let dg14 = dump.files.get(&LdsFile::DataGroup(14)).cloned();
                let dg15 = dg15.clone();
                self.active_authenticate_with(&dg15, dg14.as_deref(), rng)?
            }
            // Listed in EF.COM but not found on the chip: no AA key.
            (None, None | Some(Unreadable::NotFound)) => ActiveAuthentication::NotSupported,
            (None, Some(why)) => {
                ActiveAuthentication::Failed(AaError::Key(format!("DG15 unreadable: {why}")))
            }
        };
        dump.active_auth = Some(record);
        dump.apdu_count = self.apdu_count();
        Ok(())
    }
}

fn outcome(result: Result<ActiveAuthOutcome, AaError>) -> ActiveAuthentication {
    match result {
        Ok(o) => ActiveAuthentication::Performed(o),
        Err(e) => ActiveAuthentication::Failed(e),
    }
}

fn is_ec_key(dg15: &[u8]) -> bool {
    crate::lds::keys::Dg15::parse(dg15)
        .ok()
        .and_then(|d| d.public_key().ok())
        .is_some_and(|k| matches!(k, PublicKey::Ec { .. }))
}
