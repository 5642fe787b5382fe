//! The activation flow as types: `Activation<Started>` → `scan_mrz` → `read_chip` → `verify` →
//! `decide` → [`Decided::finish`], each step consuming the previous state, with [`Progress`] events
//! for the app's UI. A failed step does not stop the flow: its failure becomes evidence, so the
//! decision lists every failing rule and is audited. Binding is only reachable through an
//! [`ApprovedActivation`](crate::activation::policy::ApprovedActivation), which only the policy constructs.
//!
//! The OCR and the chip reader plug in through [`MrzSource`] and [`ChipReader`] (closures work too).
//!
//! ```
//! use bankid_activation::activation::flow::{Activation, DumpDirectory, MrzText, Progress};
//! use bankid_activation::activation::policy::Policy;
//! use bankid_activation::activation::registry::SqliteRegistry;
//! use bankid_activation::mrz::Date;
//! use bankid_activation::verify::TrustStore;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = SqliteRegistry::open_in_memory()?;
//! let trust = TrustStore::load(&["fixtures/pki/csca"])?;
//! let mut ui = |p: &Progress| println!("{p:?}");
//! let decided = Activation::start("bankid-1", "15019012317", &mut ui)
//!     // ICAO 9303 Part 4 specimen, the MRZ of the fixture chip.
//!     .scan_mrz(&mut MrzText(
//!         "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
//!          L898902C36UTO7408122F1204159ZE184226B<<<<<10".into(),
//!     ))
//!     .read_chip(&mut DumpDirectory::new("fixtures/dumps/td3-rsa2048"))
//!     .verify(&trust)
//!     .decide(&Policy::default(), &registry, Date::new(2010, 1, 1)?);
//! // The registry is empty: the person and the BankID are unknown (and no clone check was made).
//! assert_eq!(
//!     decided.decision().codes(),
//!     ["clone_check_failed", "person_not_found", "bankid_inactive"]
//! );
//! # Ok(())
//! # }
//! ```
//!
//! Steps cannot be skipped or reordered:
//!
//! ```compile_fail,E0599
//! use bankid_activation::activation::flow::{Activation, DumpDirectory, Progress};
//! let mut ui = |_: &Progress| {};
//! let started = Activation::start("bankid-1", "15019012317", &mut ui);
//! // error[E0599]: `Activation<Started>` has no `read_chip`: the MRZ comes first.
//! let _ = started.read_chip(&mut DumpDirectory::new("fixtures/dumps/td3-rsa2048"));
//! ```

use core::fmt;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::activation::binding::{BindingError, BindingStore, Device};
use crate::activation::policy::{CloneCheck, Decision, Evidence, Outcome, Policy, RegistryFacts};
use crate::activation::registry::Registry;
use crate::crypto::keys::BacKeys;
use crate::mrz::{Date, Mrz};
use crate::verify::{TrustStore, VerificationReport};

/// Where the MRZ comes from: the OCR over camera frames, or typed/pasted text.
pub trait MrzSource {
    /// Reads the MRZ (or says why it could not).
    fn read_mrz(&mut self) -> Result<Mrz, String>;
}

impl<F: FnMut() -> Result<Mrz, String>> MrzSource for F {
    fn read_mrz(&mut self) -> Result<Mrz, String> {
        self()
    }
}

/// MRZ text (lines separated by newlines or spaces) as an [`MrzSource`].
#[derive(Debug, Clone)]
pub struct MrzText(pub String);

impl MrzSource for MrzText {
    fn read_mrz(&mut self) -> Result<Mrz, String> {
        Mrz::parse_text(&self.0).map_err(|e| e.to_string())
    }
}

/// What the chip reader gets: the MRZ information the access keys (BAC, PACE with the MRZ password)
/// are derived from. Zeroized on drop, redacted in `Debug`.
pub struct ChipAccess {
    mrz_information: Zeroizing<String>,
}

impl fmt::Debug for ChipAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChipAccess(<redacted>)")
    }
}

impl ChipAccess {
    /// The access data of a scanned MRZ.
    pub fn from_mrz(mrz: &Mrz) -> ChipAccess {
        ChipAccess {
            mrz_information: Zeroizing::new(mrz.mrz_information()),
        }
    }

    /// Document number ‖ check digit ‖ birth date ‖ check digit ‖ expiry date ‖ check digit
    /// (ICAO 9303 Part 11 §9.7.2).
    pub fn mrz_information(&self) -> &str {
        &self.mrz_information
    }

    /// The BAC keys (ICAO 9303 Part 11 §9.7.2).
    pub fn bac_keys(&self) -> Result<BacKeys, String> {
        BacKeys::from_mrz_information(&self.mrz_information).map_err(|e| e.to_string())
    }
}

/// Progress inside a chip read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChipProgress {
    /// What is being done (`"BAC"`, `"PACE"`, `"DG2"` ...).
    pub step: String,
    /// Bytes (or units) done.
    pub done: usize,
    /// Total, when known.
    pub total: Option<usize>,
}

/// What a chip read returns: the files as read (outer tag included) and the clone check outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipData {
    /// EF.SOD.
    pub ef_sod: Vec<u8>,
    /// Data groups read, by number (DG1 must be among them).
    pub data_groups: BTreeMap<u8, Vec<u8>>,
    /// Chip/active authentication outcome.
    pub clone_check: CloneCheck,
}

/// Reads the chip with keys from the MRZ (the `reader` module over any `Transport`, or a closure).
pub trait ChipReader {
    /// Authenticates with `access`, reads EF.SOD and the data groups, reporting progress.
    fn read_chip(
        &mut self,
        access: &ChipAccess,
        progress: &mut dyn FnMut(ChipProgress),
    ) -> Result<ChipData, String>;
}

impl<F> ChipReader for F
where
    F: FnMut(&ChipAccess, &mut dyn FnMut(ChipProgress)) -> Result<ChipData, String>,
{
    fn read_chip(
        &mut self,
        access: &ChipAccess,
        progress: &mut dyn FnMut(ChipProgress),
    ) -> Result<ChipData, String> {
        self(access, progress)
    }
}

/// A chip dump directory (DESIGN.md layout) as a [`ChipReader`], for tests and demos without a chip.
/// No secure messaging is exercised; to behave like BAC, the read fails unless the access data equals
/// the MRZ information the chip was personalised with: by default that of the dump's own DG1, or the
/// one given to [`DumpDirectory::personalised_with`]. The clone check is [`CloneCheck::NotPerformed`].
pub struct DumpDirectory {
    dir: PathBuf,
    personalised: Option<Zeroizing<String>>,
}

impl fmt::Debug for DumpDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DumpDirectory")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl DumpDirectory {
    /// The dump in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> DumpDirectory {
        DumpDirectory {
            dir: dir.into(),
            personalised: None,
        }
    }

    /// The chip opens with keys from `mrz` (e.g. when DG1 was edited after personalisation).
    pub fn personalised_with(mut self, mrz: &Mrz) -> DumpDirectory {
        self.personalised = Some(Zeroizing::new(mrz.mrz_information()));
        self
    }
}

/// Largest file read from a dump directory.
const MAX_DUMP_FILE_LEN: u64 = 4 * 1024 * 1024;

fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
        Ok(m) if m.len() > MAX_DUMP_FILE_LEN => Err(format!("{}: too large", path.display())),
        Ok(_) => std::fs::read(path)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
    }
}

impl ChipReader for DumpDirectory {
    fn read_chip(
        &mut self,
        access: &ChipAccess,
        progress: &mut dyn FnMut(ChipProgress),
    ) -> Result<ChipData, String> {
        let ef_sod = read_bounded(&self.dir.join("EF.SOD.bin"))?.ok_or("the dump has no EF.SOD")?;
        let mut data_groups = BTreeMap::new();
        for n in 1u8..=16 {
            if let Some(bytes) = read_bounded(&self.dir.join(format!("DG{n}.bin")))? {
                progress(ChipProgress {
                    step: format!("DG{n}"),
                    done: bytes.len(),
                    total: Some(bytes.len()),
                });
                data_groups.insert(n, bytes);
            }
        }
        let expected = match &self.personalised {
            Some(info) => info.clone(),
            None => {
                let dg1 = data_groups.get(&1).ok_or("the dump has no DG1")?;
                let lines = dg1_lines(dg1)?;
                let mrz = Mrz::parse_lines(&lines).map_err(|e| e.to_string())?;
                Zeroizing::new(mrz.mrz_information())
            }
        };
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            access.mrz_information().as_bytes(),
        )) {
            return Err("access denied: the MRZ does not open this chip".into());
        }
        Ok(ChipData {
            ef_sod,
            data_groups,
            clone_check: CloneCheck::NotPerformed,
        })
    }
}

/// DG1's MRZ lines ([`crate::lds::Dg1::parse`]), its error as the flow's message.
fn dg1_lines(dg1: &[u8]) -> Result<Vec<String>, String> {
    crate::lds::Dg1::parse(dg1)
        .map(|d| d.lines)
        .map_err(|e| e.to_string())
}

/// A flow step, for timing and UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Reading the MRZ.
    Mrz,
    /// Reading the chip.
    Chip,
    /// Passive authentication.
    Verify,
    /// Registry lookups and rules.
    Decide,
    /// Binding (or auditing a rejection).
    Bind,
}

/// What the flow reports to the UI as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// The flow started for this BankID.
    Started {
        /// BankID.
        bankid_id: String,
    },
    /// Progress inside the chip read.
    Chip(ChipProgress),
    /// A step finished.
    StepDone {
        /// Which.
        step: Step,
        /// Whether it succeeded (for `Decide`: approved).
        ok: bool,
        /// A short human-readable detail (an error message, the reason codes, the bound device).
        detail: String,
        /// How long it took.
        elapsed: Duration,
    },
}

/// Flow state: started.
#[derive(Debug)]
pub struct Started(());
/// Flow state: the MRZ step ran.
#[derive(Debug)]
pub struct MrzScanned {
    mrz: Result<Mrz, String>,
}
/// Flow state: the chip step ran.
#[derive(Debug)]
pub struct ChipDone {
    mrz: Result<Mrz, String>,
    chip: Result<ChipData, String>,
}
/// Flow state: verification ran.
#[derive(Debug)]
pub struct Verified {
    mrz: Result<Mrz, String>,
    dg1: Result<Vec<String>, String>,
    report: Option<VerificationReport>,
    clone_check: CloneCheck,
}

/// One activation attempt in state `S`.
pub struct Activation<'e, S> {
    bankid_id: String,
    national_id: Zeroizing<String>,
    events: &'e mut dyn FnMut(&Progress),
    timings: Vec<(Step, Duration)>,
    state: S,
}

impl<S: fmt::Debug> fmt::Debug for Activation<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Activation")
            .field("bankid_id", &self.bankid_id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<'e, S> Activation<'e, S> {
    fn next<T>(self, state: T) -> Activation<'e, T> {
        Activation {
            bankid_id: self.bankid_id,
            national_id: self.national_id,
            events: self.events,
            timings: self.timings,
            state,
        }
    }

    fn done(&mut self, step: Step, ok: bool, detail: String, started: Instant) {
        let elapsed = started.elapsed();
        self.timings.push((step, elapsed));
        (self.events)(&Progress::StepDone {
            step,
            ok,
            detail,
            elapsed,
        });
    }

    /// Time spent per step so far.
    pub fn timings(&self) -> &[(Step, Duration)] {
        &self.timings
    }
}

impl<'e> Activation<'e, Started> {
    /// Starts an attempt: the BankID to activate and the national identity number the person typed.
    pub fn start(
        bankid_id: &str,
        national_id: &str,
        events: &'e mut dyn FnMut(&Progress),
    ) -> Activation<'e, Started> {
        events(&Progress::Started {
            bankid_id: bankid_id.to_string(),
        });
        Activation {
            bankid_id: bankid_id.to_string(),
            national_id: Zeroizing::new(national_id.to_string()),
            events,
            timings: Vec::new(),
            state: Started(()),
        }
    }

    /// Reads the MRZ.
    pub fn scan_mrz(mut self, source: &mut dyn MrzSource) -> Activation<'e, MrzScanned> {
        let t = Instant::now();
        let mrz = source.read_mrz();
        let (ok, detail) = match &mrz {
            Ok(m) if m.is_valid() => (true, m.format().contract_name().to_string()),
            Ok(_) => (false, "check digits fail".to_string()),
            Err(e) => (false, e.clone()),
        };
        self.done(Step::Mrz, ok, detail, t);
        self.next(MrzScanned { mrz })
    }
}

impl<'e> Activation<'e, MrzScanned> {
    /// Reads the chip with keys from the MRZ (not attempted without a valid MRZ).
    pub fn read_chip(mut self, reader: &mut dyn ChipReader) -> Activation<'e, ChipDone> {
        let t = Instant::now();
        let chip = match &self.state.mrz {
            Ok(m) if m.is_valid() => {
                let access = ChipAccess::from_mrz(m);
                let events = &mut *self.events;
                reader.read_chip(&access, &mut |p| events(&Progress::Chip(p)))
            }
            _ => Err("not attempted: no valid MRZ to derive the access keys from".into()),
        };
        let (ok, detail) = match &chip {
            Ok(c) => (true, format!("{} data groups", c.data_groups.len())),
            Err(e) => (false, e.clone()),
        };
        self.done(Step::Chip, ok, detail, t);
        let mrz = self.state.mrz.clone();
        self.next(ChipDone { mrz, chip })
    }
}

impl<'e> Activation<'e, ChipDone> {
    /// Passive authentication of what the chip returned, and DG1's MRZ.
    pub fn verify(mut self, trust: &TrustStore) -> Activation<'e, Verified> {
        let t = Instant::now();
        let (dg1, report, clone_check) = match &self.state.chip {
            Err(e) => (Err(e.clone()), None, CloneCheck::NotPerformed),
            Ok(c) => {
                let dg1 = c
                    .data_groups
                    .get(&1)
                    .ok_or_else(|| "the chip returned no DG1".to_string())
                    .and_then(|d| dg1_lines(d));
                let report = crate::verify::verify(&c.ef_sod, &c.data_groups, trust);
                (dg1, Some(report), c.clone_check.clone())
            }
        };
        let (ok, detail) = match &report {
            Some(r) if r.valid => (true, "passive authentication valid".into()),
            Some(r) => (false, r.errors.join("; ")),
            None => (false, "nothing to verify".into()),
        };
        self.done(Step::Verify, ok, detail, t);
        let mrz = self.state.mrz.clone();
        self.next(Verified {
            mrz,
            dg1,
            report,
            clone_check,
        })
    }
}

impl<'e> Activation<'e, Verified> {
    /// The evidence gathered.
    pub fn evidence(&self) -> Evidence {
        Evidence {
            bankid_id: self.bankid_id.clone(),
            national_id: self.national_id.to_string(),
            scanned_mrz: self.state.mrz.clone(),
            chip_dg1: self.state.dg1.clone(),
            passive_auth: self.state.report.clone(),
            clone_check: self.state.clone_check.clone(),
        }
    }

    /// Looks the person and BankID up and runs the rules for `today`.
    pub fn decide(mut self, policy: &Policy, registry: &dyn Registry, today: Date) -> Decided<'e> {
        let t = Instant::now();
        let evidence = self.evidence();
        let facts = RegistryFacts::lookup(registry, &evidence);
        let outcome = policy.decide(&evidence, &facts, today);
        let decision = outcome.decision();
        let detail = match &decision {
            Decision::Approve => "approved".to_string(),
            Decision::Reject(_) => decision.codes().join(" "),
        };
        self.done(Step::Decide, decision.is_approved(), detail, t);
        Decided {
            decision,
            outcome,
            flow: self.next(()),
        }
    }
}

/// The decision is made: [`Decided::finish`] binds (if approved) or audits the rejection.
pub struct Decided<'e> {
    decision: Decision,
    outcome: Outcome,
    flow: Activation<'e, ()>,
}

impl fmt::Debug for Decided<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decided")
            .field("decision", &self.decision)
            .finish_non_exhaustive()
    }
}

/// The result of an attempt. `activated`, `reasons`, `device_id` and `replaced_device_id` are
/// DESIGN.md's `activate` JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivationResult {
    /// Whether the device was bound.
    pub activated: bool,
    /// Reason codes of every failed rule (empty when activated).
    pub reasons: Vec<String>,
    /// The device of the attempt.
    pub device_id: String,
    /// The device the binding replaced.
    pub replaced_device_id: Option<String>,
    /// The BankID.
    pub bankid_id: String,
    /// One sentence per failed rule.
    pub details: Vec<String>,
    /// The audit record written.
    pub audit_id: i64,
    /// Milliseconds per step.
    pub timings_ms: BTreeMap<String, f64>,
}

impl<'e> Decided<'e> {
    /// The decision.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Binds `device` if approved (replacing any earlier device), otherwise records the rejection.
    pub fn finish(
        mut self,
        store: &dyn BindingStore,
        device: &Device,
    ) -> Result<ActivationResult, BindingError> {
        let t = Instant::now();
        let bankid_id = self.flow.bankid_id.clone();
        let result = match self.outcome {
            Outcome::Approved(approval) => {
                let bound = store.bind(approval, device)?;
                ActivationResult {
                    activated: true,
                    reasons: Vec::new(),
                    device_id: bound.device_id,
                    replaced_device_id: bound.replaced_device_id,
                    bankid_id,
                    details: Vec::new(),
                    audit_id: bound.audit_id,
                    timings_ms: BTreeMap::new(),
                }
            }
            Outcome::Rejected(rejection) => {
                let audit_id = store.record_rejection(&rejection, Some(device))?;
                ActivationResult {
                    activated: false,
                    reasons: rejection.codes().iter().map(|c| c.to_string()).collect(),
                    device_id: device.id().to_string(),
                    replaced_device_id: None,
                    bankid_id,
                    details: rejection.violations.iter().map(|v| v.to_string()).collect(),
                    audit_id,
                    timings_ms: BTreeMap::new(),
                }
            }
        };
        let detail = match &result.replaced_device_id {
            Some(r) if result.activated => format!("bound {} replacing {r}", result.device_id),
            _ if result.activated => format!("bound {}", result.device_id),
            _ => format!("audited rejection {}", result.audit_id),
        };
        self.flow.done(Step::Bind, result.activated, detail, t);
        let mut result = result;
        for (step, d) in &self.flow.timings {
            let key = serde_json::to_value(step)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            result.timings_ms.insert(key, d.as_secs_f64() * 1000.0);
        }
        Ok(result)
    }

    /// Consumes the decision and hands out the approval token, if any, for a custom binding step.
    pub fn into_outcome(self) -> Outcome {
        self.outcome
    }
}

/// Everything one attempt needs besides the MRZ source and the chip reader.
#[derive(Debug, Clone, Copy)]
pub struct ActivationContext<'a> {
    /// Trusted CSCAs for passive authentication.
    pub trust: &'a TrustStore,
    /// The rules.
    pub policy: &'a Policy,
    /// The date the rules use as today.
    pub today: Date,
}

/// Runs the whole flow: MRZ, chip, verification, decision, binding or audit.
#[allow(clippy::too_many_arguments)]
pub fn activate(
    bankid_id: &str,
    national_id: &str,
    mrz: &mut dyn MrzSource,
    chip: &mut dyn ChipReader,
    context: ActivationContext<'_>,
    registry: &dyn Registry,
    store: &dyn BindingStore,
    device: &Device,
    events: &mut dyn FnMut(&Progress),
) -> Result<ActivationResult, BindingError> {
    Activation::start(bankid_id, national_id, events)
        .scan_mrz(mrz)
        .read_chip(chip)
        .verify(context.trust)
        .decide(context.policy, registry, context.today)
        .finish(store, device)
}

/// The bound device and the history of a BankID (`bindings --store DB --bankid ID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindingsReport {
    /// The BankID.
    pub bankid_id: String,
    /// The active binding.
    pub device: Option<crate::activation::binding::BindingRecord>,
    /// Every binding, oldest first.
    pub history: Vec<crate::activation::binding::BindingRecord>,
    /// Every decision, oldest first.
    pub audit: Vec<crate::activation::binding::AuditRecord>,
}

impl fmt::Display for BindingsReport {
    /// The human-readable form of `bindings` (without `--json`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "BankID {}", self.bankid_id)?;
        match &self.device {
            Some(d) => writeln!(
                f,
                "bound device: {} (key SHA-256 {})",
                d.device_id, d.key_fingerprint
            )?,
            None => writeln!(f, "bound device: none")?,
        }
        writeln!(f, "history ({} bindings):", self.history.len())?;
        for b in &self.history {
            match (&b.replaced_at_ms, &b.replaced_by_device_id) {
                (None, _) => writeln!(
                    f,
                    "  #{} {} bound at {} ms, active",
                    b.seq, b.device_id, b.bound_at_ms
                )?,
                (Some(at), by) => writeln!(
                    f,
                    "  #{} {} bound at {} ms, replaced at {at} ms by {}",
                    b.seq,
                    b.device_id,
                    b.bound_at_ms,
                    by.as_deref().unwrap_or("?")
                )?,
            }
        }
        writeln!(f, "decisions ({}):", self.audit.len())?;
        for a in &self.audit {
            let what = if a.approved {
                "approved".to_string()
            } else {
                format!("rejected: {}", a.reasons.join(" "))
            };
            writeln!(
                f,
                "  #{} at {} ms, device {}, rules date {}: {what}",
                a.id,
                a.at_ms,
                a.device_id.as_deref().unwrap_or("-"),
                a.rules_date
            )?;
        }
        Ok(())
    }
}

/// Collects [`BindingsReport`] from a store.
pub fn bindings_report(
    store: &dyn BindingStore,
    bankid_id: &str,
) -> Result<BindingsReport, BindingError> {
    Ok(BindingsReport {
        bankid_id: bankid_id.to_string(),
        device: store.active(bankid_id)?,
        history: store.history(bankid_id)?,
        audit: store.audit(bankid_id)?,
    })
}

/// Why [`activate_files`] could not run an attempt (a rejected activation is not an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActivateError {
    /// The registry could not be opened or read.
    #[error(transparent)]
    Registry(#[from] crate::activation::registry::RegistryError),
    /// The binding store could not be opened or written.
    #[error(transparent)]
    Store(#[from] BindingError),
    /// The device id or key file is unusable.
    #[error(transparent)]
    Device(#[from] crate::activation::binding::DeviceError),
    /// The CSCA files could not be loaded.
    #[error(transparent)]
    Trust(#[from] crate::verify::TrustStoreError),
    /// No `today` was given and the system clock is unusable.
    #[error("the system clock gives no usable date")]
    Clock,
}

/// An `activate` invocation over files (DESIGN.md: `--bankid --registry --store --device-id
/// --device-key --csca [--date]`).
#[derive(Debug, Clone)]
pub struct ActivateFiles<'a> {
    /// The BankID to activate.
    pub bankid_id: &'a str,
    /// The national identity number the person typed; `None`: the BankID's registered holder.
    pub national_id: Option<&'a str>,
    /// Embedded registry database.
    pub registry_db: &'a Path,
    /// Embedded binding store database (created if missing).
    pub store_db: &'a Path,
    /// The device to bind.
    pub device_id: &'a str,
    /// Its public key, PEM SubjectPublicKeyInfo.
    pub device_key_file: &'a Path,
    /// CSCA certificates, directories or master lists.
    pub csca: &'a [PathBuf],
    /// The rules' today (`None`: today in UTC).
    pub date: Option<Date>,
    /// The rules' configuration.
    pub policy: crate::activation::policy::PolicyConfig,
}

/// Opens the stores and key named in `request` and runs [`activate`]. The device key is checked
/// before anything is read from the chip, so a bad key file fails fast and writes nothing.
pub fn activate_files(
    request: &ActivateFiles<'_>,
    mrz: &mut dyn MrzSource,
    chip: &mut dyn ChipReader,
    events: &mut dyn FnMut(&Progress),
) -> Result<ActivationResult, ActivateError> {
    let device = Device::from_pem_file(request.device_id, request.device_key_file)?;
    let trust = TrustStore::load(request.csca)?;
    let registry = crate::activation::registry::SqliteRegistry::open(request.registry_db)?;
    let store = crate::activation::binding::SqliteBindingStore::open(request.store_db)?;
    let today = match request.date {
        Some(d) => d,
        None => Date::today_utc().ok_or(ActivateError::Clock)?,
    };
    let national_id = match request.national_id {
        Some(n) => n.to_string(),
        None => registry
            .bankid(request.bankid_id)?
            .and_then(|b| b.national_id)
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
    };
    let policy = Policy::new(request.policy.clone());
    let context = ActivationContext {
        trust: &trust,
        policy: &policy,
        today,
    };
    Ok(activate(
        request.bankid_id,
        &national_id,
        mrz,
        chip,
        context,
        &registry,
        &store,
        &device,
        events,
    )?)
}

/// `bindings --store DB --bankid ID`: the report from an existing store (a missing file is an error,
/// not a new empty store).
pub fn bindings_report_file(
    store_db: &Path,
    bankid_id: &str,
) -> Result<BindingsReport, BindingError> {
    let store = crate::activation::binding::SqliteBindingStore::open_existing(store_db)?;
    bindings_report(&store, bankid_id)
}
