//! BankID activation: the [`registry`] of people and BankIDs, the eligibility [`policy`], the one-device
//! [`binding`] store, and the end-to-end [`flow`] that ties the MRZ, the chip and verification to them.
//!
//! ```text
//! BankID + national ID ─► MRZ (OCR or text) ─► chip read (keys from the MRZ) ─► passive authentication
//!        ─► policy (registry facts, today) ─► ApprovedActivation ─► BindingStore::bind
//! ```

pub mod binding;
pub mod chip_reader;
pub mod flow;
mod names;
pub mod national_id;
pub mod policy;
pub mod registry;
mod sqlite_util;

pub use binding::{BindOutcome, BindingStore, Device, SqliteBindingStore};
pub use chip_reader::TransportChipReader;
pub use names::name_matches;
pub use national_id::{NationalId, NationalIdError, NationalIdKind};
pub use policy::{
    ApprovedActivation, Decision, Evidence, Outcome, Policy, PolicyConfig, RuleViolation,
};
pub use registry::{Registry, SqliteRegistry};
pub use sqlite_util::BUSY_TIMEOUT;
