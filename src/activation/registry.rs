//! The population/BankID registry the eligibility rules consult: the [`Registry`] trait a bank plugs its
//! own client into, the records it returns, and the embedded SQLite default with its JSON import.
//!
//! # Accepted values (import and every backend)
//! - `status` (the person's identity status in the population registry, after Folkeregisteret's
//!   *identitetsgrunnlag* status): `checked` (identity verified against a document: *kontrollert*),
//!   `not_checked` (*ikke kontrollert*), `not_possible` (verification was not possible: *ikke mulig*).
//!   Only `checked` passes the rules.
//! - document `type`: `passport` or `national_id`.
//! - `issuing_state`: three characters `A`–`Z` or `<` as in the MRZ (`NOR`, `D<<`), first a letter.
//! - document `number`: 1–22 characters `A`–`Z`, `0`–`9` (the MRZ alphabet; TD1 numbers can be long).
//! - dates: `YYYY-MM-DD`; a person's `birth_date` must be the one the national identity number encodes.
//! - person `id`: a fødselsnummer or D-number ([`NationalId`]).
//! - BankID `id`: 1–64 characters `A`–`Z`, `a`–`z`, `0`–`9`, `.`, `_`, `:`, `-`; an optional
//!   `national_id` (an extension of DESIGN.md's format) names its holder.

mod import;
mod sqlite;

pub use import::{ImportError, ImportSummary, MAX_IMPORT_LEN, Section, parse_import};
pub use sqlite::SqliteRegistry;

use core::fmt;

use crate::activation::national_id::NationalId;
use crate::mrz::Date;

/// A person's identity status in the population registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityStatus {
    /// Identity verified by the population registry (`checked`).
    Checked,
    /// Not verified (`not_checked`).
    NotChecked,
    /// Verification was not possible (`not_possible`).
    NotPossible,
}

impl IdentityStatus {
    /// Every accepted status.
    pub const ALL: [IdentityStatus; 3] = [
        IdentityStatus::Checked,
        IdentityStatus::NotChecked,
        IdentityStatus::NotPossible,
    ];

    /// The name used in the JSON format and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityStatus::Checked => "checked",
            IdentityStatus::NotChecked => "not_checked",
            IdentityStatus::NotPossible => "not_possible",
        }
    }

    /// The status with this name.
    pub fn from_name(name: &str) -> Option<IdentityStatus> {
        IdentityStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for IdentityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a registered identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentType {
    /// A passport (MRZ document code `P…`).
    Passport,
    /// A national identity card (MRZ document code `I…`, `A…` or `C…`).
    NationalId,
}

impl DocumentType {
    /// The name used in the JSON format and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::Passport => "passport",
            DocumentType::NationalId => "national_id",
        }
    }

    /// The type with this name.
    pub fn from_name(name: &str) -> Option<DocumentType> {
        match name {
            "passport" => Some(DocumentType::Passport),
            "national_id" => Some(DocumentType::NationalId),
            _ => None,
        }
    }
}

impl fmt::Display for DocumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A document registered to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredDocument {
    /// Passport or national ID card.
    pub document_type: DocumentType,
    /// Issuing state as in the MRZ (`NOR`, `D<<`).
    pub issuing_state: String,
    /// Document number (MRZ alphabet, no fillers).
    pub number: String,
    /// Date of expiry.
    pub expiry_date: Date,
}

/// A person in the registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Person {
    /// National identity number.
    pub national_id: NationalId,
    /// Identity status.
    pub status: IdentityStatus,
    /// Surname(s) as registered (Unicode, e.g. `Sørensen`).
    pub surname: String,
    /// Given names as registered.
    pub given_names: String,
    /// Date of birth.
    pub birth_date: Date,
    /// Documents registered to the person.
    pub documents: Vec<RegisteredDocument>,
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data stays out of logs: only what the rules need to explain a decision.
        f.debug_struct("Person")
            .field("status", &self.status)
            .field("documents", &self.documents.len())
            .finish_non_exhaustive()
    }
}

/// A BankID as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankIdAccount {
    /// BankID identifier.
    pub id: String,
    /// Whether the BankID is active.
    pub active: bool,
    /// Whether the holder has set a password (activation needs one).
    pub password_set: bool,
    /// Consecutive wrong passwords.
    pub failed_password_attempts: u32,
    /// The holder's national identity number, when the registry records it.
    pub national_id: Option<NationalId>,
}

/// A registry lookup failed (this is not "not found": that is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The embedded database failed.
    #[error("registry database: {context}: {source}")]
    Database {
        /// What was being done.
        context: &'static str,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored record does not hold an accepted value (the database was edited by hand?).
    #[error("registry record {record}: field {field}: {reason}")]
    Corrupt {
        /// Which record (its key).
        record: String,
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A custom backend failed (network, authorisation ...).
    #[error("registry backend: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// Where the rules look people and BankIDs up. Implement it over your own population-registry client;
/// [`SqliteRegistry`] is the embedded default. Lookups by a key that is not present return `Ok(None)`.
pub trait Registry: Send + Sync {
    /// The person with this national identity number.
    fn person(&self, national_id: &NationalId) -> Result<Option<Person>, RegistryError>;
    /// The BankID with this identifier.
    fn bankid(&self, id: &str) -> Result<Option<BankIdAccount>, RegistryError>;
}

impl<R: Registry + ?Sized> Registry for &R {
    fn person(&self, national_id: &NationalId) -> Result<Option<Person>, RegistryError> {
        (**self).person(national_id)
    }
    fn bankid(&self, id: &str) -> Result<Option<BankIdAccount>, RegistryError> {
        (**self).bankid(id)
    }
}

impl<R: Registry + ?Sized> Registry for std::sync::Arc<R> {
    fn person(&self, national_id: &NationalId) -> Result<Option<Person>, RegistryError> {
        (**self).person(national_id)
    }
    fn bankid(&self, id: &str) -> Result<Option<BankIdAccount>, RegistryError> {
        (**self).bankid(id)
    }
}

/// `registry import FILE.json --db PATH`: opens (creating) the embedded registry at `db` and imports
/// `json_file` all-or-nothing.
pub fn import_file(
    json_file: impl AsRef<std::path::Path>,
    db: impl AsRef<std::path::Path>,
) -> Result<ImportSummary, ImportError> {
    SqliteRegistry::open(db)
        .map_err(ImportError::Open)?
        .import_file(json_file)
}

/// Whether `id` is an accepted BankID identifier (see the module docs).
pub fn is_valid_bankid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Whether `state` is an accepted issuing-state code (see the module docs).
pub fn is_valid_issuing_state(state: &str) -> bool {
    let b = state.as_bytes();
    b.len() == 3
        && b.first().is_some_and(u8::is_ascii_uppercase)
        && b.iter().all(|c| c.is_ascii_uppercase() || *c == b'<')
}

/// Whether `number` is an accepted document number (see the module docs).
pub fn is_valid_document_number(number: &str) -> bool {
    (1..=22).contains(&number.len())
        && number
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
