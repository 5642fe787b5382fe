//! Device binding: the [`BindingStore`] trait (one active device per BankID, a full history, an audit
//! record of every decision) and its embedded SQLite default, [`SqliteBindingStore`].
//!
//! Binding needs an [`ApprovedActivation`], which only the policy constructs, and consumes it: a
//! device cannot be bound without an approving decision.

mod device;
mod sqlite;

pub use device::{Device, DeviceError, DeviceKeyKind, MAX_KEY_FILE_LEN, is_valid_device_id};
pub use sqlite::{Durability, SqliteBindingStore};

use serde::Serialize;

use crate::activation::policy::{ApprovedActivation, Rejection};

/// The result of binding a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindOutcome {
    /// The BankID.
    pub bankid_id: String,
    /// The device now bound.
    pub device_id: String,
    /// The device it replaced, if one was bound.
    pub replaced_device_id: Option<String>,
    /// The audit record written with the binding.
    pub audit_id: i64,
}

/// A device binding, current or past.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingRecord {
    /// Sequence number (increasing in binding order).
    pub seq: i64,
    /// The BankID.
    pub bankid_id: String,
    /// The device.
    pub device_id: String,
    /// SHA-256 of the device's DER SubjectPublicKeyInfo, hex.
    pub key_fingerprint: String,
    /// When it was bound (Unix milliseconds).
    pub bound_at_ms: i64,
    /// When it was replaced (`None`: it is the active binding).
    pub replaced_at_ms: Option<i64>,
    /// The device that replaced it.
    pub replaced_by_device_id: Option<String>,
    /// The audit record of the decision that bound it.
    pub audit_id: i64,
}

/// One decision, approved or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Record id (increasing).
    pub id: i64,
    /// When it was recorded (Unix milliseconds).
    pub at_ms: i64,
    /// The BankID of the attempt.
    pub bankid_id: String,
    /// The device of the attempt, if known.
    pub device_id: Option<String>,
    /// Whether the activation was approved.
    pub approved: bool,
    /// The reason codes (empty when approved).
    pub reasons: Vec<String>,
    /// SHA-256(store salt ‖ document number), hex; `None` when no document number was read.
    pub document_hash: Option<String>,
    /// The date the rules were evaluated for (`YYYY-MM-DD`).
    pub rules_date: String,
    /// The device this decision's binding replaced.
    pub replaced_device_id: Option<String>,
}

/// A binding store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// The embedded database failed.
    #[error("binding store: {context}: {source}")]
    Database {
        /// What was being done.
        context: &'static str,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The store holds something it should not (more than one active device, a bad salt ...).
    #[error("binding store is inconsistent: {0}")]
    Corrupt(String),
    /// The store file does not exist.
    #[error("binding store {0} does not exist")]
    Missing(String),
    /// A custom backend failed.
    #[error("binding backend: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// Where bindings live. Implementations must keep at most one active device per BankID, make
/// [`BindingStore::bind`] atomic (the replaced binding, the new one and the audit record together or
/// not at all), and keep every binding and audit record.
pub trait BindingStore: Send + Sync {
    /// Binds `device` to the approved BankID, replacing the active device if any.
    fn bind(
        &self,
        approval: ApprovedActivation,
        device: &Device,
    ) -> Result<BindOutcome, BindingError>;
    /// Records a rejected attempt in the audit log; returns the record id.
    fn record_rejection(
        &self,
        rejection: &Rejection,
        device: Option<&Device>,
    ) -> Result<i64, BindingError>;
    /// The active binding of `bankid_id`.
    fn active(&self, bankid_id: &str) -> Result<Option<BindingRecord>, BindingError>;
    /// Every binding of `bankid_id`, oldest first.
    fn history(&self, bankid_id: &str) -> Result<Vec<BindingRecord>, BindingError>;
    /// Every audit record of `bankid_id`, oldest first.
    fn audit(&self, bankid_id: &str) -> Result<Vec<AuditRecord>, BindingError>;
}
