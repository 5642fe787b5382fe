//! Errors of a chip session, split by whose fault they are (rustls style): the chip sent
//! malformed or unauthentic data, the chip refused, the feature is unsupported, the link failed,
//! or the caller asked for something impossible.

use std::path::PathBuf;

use thiserror::Error;

use super::LdsFile;
use crate::access::pace::PaceError;
use crate::access::{AccessError, AccessProtocol};
use crate::apdu::{ApduError, StatusWord};
use crate::sm::SmError;
use crate::transport::TransportError;

/// Whose fault a [`ReadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// The chip sent data that does not parse or does not authenticate.
    Chip,
    /// The chip refused a command with a status word (including wrong access keys).
    Refused,
    /// The chip or the link needs something this crate does not implement (yet).
    Unsupported,
    /// The link to the chip failed (card removed, reader error).
    Transport,
    /// The caller passed invalid credentials or options, or the dump could not be written.
    Caller,
}

/// Errors reading a chip.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadError {
    // ---- the chip sent garbage -------------------------------------------------------------
    /// A response has the wrong form: a length field beyond the bound, more data than asked,
    /// no data where some was due, a file that does not parse.
    #[error("{}chip sent malformed data: {what}", context(*file))]
    Malformed {
        /// The file being read, if any.
        file: Option<LdsFile>,
        /// What is wrong.
        what: String,
    },
    /// Secure messaging failed: a MAC did not verify, a protected response was malformed, or a
    /// success came back without a MAC. The session is over (the SSC cannot be resynchronised).
    #[error("{}secure messaging: {source}", context(*file))]
    SecureMessaging {
        /// The file being read, if any.
        file: Option<LdsFile>,
        /// The failure.
        source: SmError,
    },

    // ---- the chip refused -----------------------------------------------------------------
    /// The chip refused the access keys: wrong MRZ or CAN. Displays exactly
    /// `access denied (BAC)` / `access denied (PACE)`.
    #[error("access denied ({0})")]
    AccessDenied(AccessProtocol),
    /// The chip answered a command with an error status word.
    #[error("{}the chip answered {command} with {sw:#}", context(*file))]
    Refused {
        /// The command, e.g. "SELECT eMRTD application", "READ BINARY".
        command: &'static str,
        /// The file being read, if any.
        file: Option<LdsFile>,
        /// The status word.
        sw: StatusWord,
    },
    /// The access protocol failed in another way (malformed answer, refused step).
    #[error(transparent)]
    Access(AccessError),

    // ---- unsupported ----------------------------------------------------------------------
    /// The chip does not offer the protocol asked for, e.g. PACE (needed for a CAN) from a chip
    /// whose EF.CardAccess lists no PACEInfo.
    #[error(
        "the chip does not offer {0} (no PACEInfo in EF.CardAccess); a CAN needs PACE, BAC needs the MRZ"
    )]
    NotOffered(AccessProtocol),
    /// Something needed is not implemented, e.g. PACE with a CAN.
    #[error("unsupported: {0}")]
    Unsupported(String),

    // ---- the link -------------------------------------------------------------------------
    /// The link failed; no dump is returned (nothing partial passes as complete).
    #[error("{}link to the chip failed: {source}", context(*file))]
    Transport {
        /// The file being read, if any.
        file: Option<LdsFile>,
        /// The failure.
        source: TransportError,
    },

    // ---- the caller -----------------------------------------------------------------------
    /// Credentials that cannot derive keys (bad MRZ text, dates, CAN).
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    /// A command could not be built from the caller's parameters.
    #[error("cannot build the command: {0}")]
    Apdu(#[from] ApduError),
    /// No system randomness for the nonces.
    #[error("no system randomness: {0}")]
    Randomness(String),
    /// Writing the dump failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn context(file: Option<LdsFile>) -> String {
    file.map(|f| format!("{f}: ")).unwrap_or_default()
}

impl ReadError {
    /// Whose fault this is.
    pub fn fault(&self) -> Fault {
        match self {
            ReadError::Malformed { .. } | ReadError::SecureMessaging { .. } => Fault::Chip,
            ReadError::AccessDenied(_) | ReadError::Refused { .. } => Fault::Refused,
            ReadError::Access(e) => match e {
                AccessError::Transport(_) => Fault::Transport,
                AccessError::Refused { .. } | AccessError::AccessDenied(_) => Fault::Refused,
                AccessError::Apdu(_) => Fault::Caller,
                AccessError::Pace(
                    PaceError::NoSupportedVariant(_)
                    | PaceError::UnsupportedMapping(_)
                    | PaceError::ExplicitDomainParameters
                    | PaceError::PointEncodingUnsupported(_),
                ) => Fault::Unsupported,
                _ => Fault::Chip,
            },
            ReadError::Unsupported(_) | ReadError::NotOffered(_) => Fault::Unsupported,
            ReadError::Transport { .. } => Fault::Transport,
            ReadError::InvalidCredentials(_)
            | ReadError::Apdu(_)
            | ReadError::Randomness(_)
            | ReadError::Io { .. } => Fault::Caller,
        }
    }

    /// True if the chip left the field or the link dropped, so a retry with the card held
    /// still may succeed.
    pub fn is_link_lost(&self) -> bool {
        matches!(
            self,
            ReadError::Transport {
                source: TransportError::CardRemoved(_) | TransportError::Reset,
                ..
            } | ReadError::Access(AccessError::Transport(
                TransportError::CardRemoved(_) | TransportError::Reset
            ))
        )
    }

    pub(crate) fn transport(file: Option<LdsFile>, source: TransportError) -> Self {
        ReadError::Transport { file, source }
    }

    pub(crate) fn malformed(file: Option<LdsFile>, what: impl Into<String>) -> Self {
        ReadError::Malformed {
            file,
            what: what.into(),
        }
    }
}

impl From<AccessError> for ReadError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::AccessDenied(protocol) => ReadError::AccessDenied(protocol),
            AccessError::Transport(source) => ReadError::Transport { file: None, source },
            other => ReadError::Access(other),
        }
    }
}

#[cfg(test)]
mod tests;
