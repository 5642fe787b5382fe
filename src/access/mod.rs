//! Access control to the eMRTD chip (ICAO 9303 Part 11 §4): Basic Access Control in [`bac`].
//!
//! Each protocol ends in a [`crate::sm::SecureChannel`]; failures say whose fault they are:
//! the chip refused the keys, the chip sent malformed data, or the link failed.

use std::fmt;

use thiserror::Error;

use crate::apdu::{ApduError, StatusWord};
use crate::crypto::cipher::CipherError;
use crate::sm::SmError;
use crate::transport::TransportError;

pub mod aa;
pub mod bac;
pub mod pace;

/// The access protocol an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessProtocol {
    /// Basic Access Control (Part 11 §4.3).
    Bac,
    /// Password Authenticated Connection Establishment (Part 11 §4.4).
    Pace,
}

impl fmt::Display for AccessProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccessProtocol::Bac => "BAC",
            AccessProtocol::Pace => "PACE",
        })
    }
}

/// Errors of the access protocols, terminal side.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AccessError {
    /// The chip refused the keys (6300, 6982), or its answer did not authenticate: wrong MRZ or
    /// CAN, or not the chip we are talking to.
    #[error("access denied ({0})")]
    AccessDenied(AccessProtocol),
    /// The chip answered a step with an unexpected status word.
    #[error("{protocol}: the chip answered {command} with status {sw}")]
    Refused {
        /// The protocol.
        protocol: AccessProtocol,
        /// The command that was refused, e.g. "GET CHALLENGE".
        command: &'static str,
        /// The status word.
        sw: StatusWord,
    },
    /// The chip's answer has the wrong form.
    #[error("{protocol}: malformed answer to {command}: {what}")]
    Malformed {
        /// The protocol.
        protocol: AccessProtocol,
        /// The command answered.
        command: &'static str,
        /// What is wrong with it.
        what: String,
    },
    /// The link to the chip failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A command could not be encoded or a response was too short to parse.
    #[error(transparent)]
    Apdu(#[from] ApduError),
    /// A cipher failure (key or block sizes).
    #[error(transparent)]
    Cipher(#[from] CipherError),
    /// Setting up secure messaging failed.
    #[error(transparent)]
    Sm(#[from] SmError),
    /// PACE parameters, variants or chip data that PACE rejects (invalid public keys, …).
    #[error("PACE: {0}")]
    Pace(#[from] pace::PaceError),
}
