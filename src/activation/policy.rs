//! The eligibility rules for activating a BankID with a passport or national ID card, as a table of
//! independent checks over the evidence the flow gathered. Every failing rule is reported with its
//! stable reason code (DESIGN.md); deny by default: a missing or failed piece of evidence is a
//! violation, never an approval.
//!
//! Which MRZ the document rules read: the chip's DG1 when the chip was read (it is what passive
//! authentication covers), otherwise the scanned MRZ — so a failed chip read still reports what else
//! is wrong, while an approval always rests on the chip. Rules about the chip itself
//! (`chip_unverified`, `clone_check_failed`, `mrz_mismatch`) are evaluated only when the chip was read;
//! when it was not, `chip_unreadable` already rejects.
//!
//! Clone check (chip or active authentication): see [`CloneCheck`] and [`CloneCheckRequirement`].
//! The default, [`CloneCheckRequirement::Required`], fails closed: an activation without a passed
//! clone check is rejected with `clone_check_failed`.

use core::fmt;

use crate::activation::names::name_matches;
use crate::activation::national_id::NationalId;
use crate::activation::registry::{
    BankIdAccount, DocumentType, IdentityStatus, Person, Registry, RegistryError,
};
use crate::mrz::{Date, Mrz};
use crate::verify::VerificationReport;

/// Why a rule rejected the activation. [`RuleViolation::code`] is the stable reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleViolation {
    /// The scanned MRZ is missing or its check digits fail.
    MrzUnreadable(String),
    /// The chip could not be read with keys from the MRZ (or its DG1 is unusable).
    ChipUnreadable(String),
    /// Passive authentication did not succeed.
    ChipUnverified(Vec<String>),
    /// The clone check failed, or was required and not performed.
    CloneCheckFailed(String),
    /// The chip's DG1 MRZ differs from the scanned one (line numbers, 1-based).
    MrzMismatch(Vec<usize>),
    /// The document expired before `today`.
    DocumentExpired {
        /// Date of expiry (`None`: the MRZ has no usable expiry date, so validity is not shown).
        expiry: Option<Date>,
        /// The rules' date.
        today: Date,
    },
    /// Visas, unknown document codes, and national ID cards of states not on the allow-list.
    DocumentTypeNotAllowed {
        /// MRZ document code.
        document_code: String,
        /// MRZ issuing state.
        issuing_state: String,
    },
    /// The typed national identity number is invalid, or nobody has it (or the lookup failed).
    PersonNotFound(String),
    /// The person's identity status is not `checked`.
    StatusNotChecked(IdentityStatus),
    /// The document (type, issuing state, number) is not registered to the person.
    DocumentNotRegistered,
    /// Names, date of birth, personal number or BankID holder disagree with the registry (field names).
    IdentityMismatch(Vec<&'static str>),
    /// Younger than the minimum age on `today`.
    Under18 {
        /// Date of birth used.
        birth_date: Date,
    },
    /// The BankID is missing, inactive, has no password (or the lookup failed).
    BankIdInactive(String),
    /// Too many wrong passwords.
    BankIdSuspended {
        /// Consecutive wrong passwords.
        failed_attempts: u32,
        /// The configured limit.
        limit: u32,
    },
}

impl RuleViolation {
    /// The stable reason code of DESIGN.md.
    pub fn code(&self) -> &'static str {
        match self {
            RuleViolation::MrzUnreadable(_) => "mrz_unreadable",
            RuleViolation::ChipUnreadable(_) => "chip_unreadable",
            RuleViolation::ChipUnverified(_) => "chip_unverified",
            RuleViolation::CloneCheckFailed(_) => "clone_check_failed",
            RuleViolation::MrzMismatch(_) => "mrz_mismatch",
            RuleViolation::DocumentExpired { .. } => "document_expired",
            RuleViolation::DocumentTypeNotAllowed { .. } => "document_type_not_allowed",
            RuleViolation::PersonNotFound(_) => "person_not_found",
            RuleViolation::StatusNotChecked(_) => "status_not_checked",
            RuleViolation::DocumentNotRegistered => "document_not_registered",
            RuleViolation::IdentityMismatch(_) => "identity_mismatch",
            RuleViolation::Under18 { .. } => "under_18",
            RuleViolation::BankIdInactive(_) => "bankid_inactive",
            RuleViolation::BankIdSuspended { .. } => "bankid_suspended",
        }
    }
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            RuleViolation::MrzUnreadable(s)
            | RuleViolation::ChipUnreadable(s)
            | RuleViolation::CloneCheckFailed(s)
            | RuleViolation::PersonNotFound(s)
            | RuleViolation::BankIdInactive(s) => f.write_str(s),
            RuleViolation::ChipUnverified(e) => write!(f, "{}", e.join("; ")),
            RuleViolation::MrzMismatch(lines) => {
                write!(f, "MRZ lines {lines:?} differ from the chip's DG1")
            }
            RuleViolation::DocumentExpired {
                expiry: Some(expiry),
                today,
            } => write!(f, "expired {expiry} (today {today})"),
            RuleViolation::DocumentExpired { expiry: None, .. } => {
                f.write_str("no usable expiry date")
            }
            RuleViolation::DocumentTypeNotAllowed {
                document_code,
                issuing_state,
            } => {
                write!(
                    f,
                    "document code {document_code:?} of {issuing_state:?} is not accepted"
                )
            }
            RuleViolation::StatusNotChecked(s) => write!(f, "identity status is {s}"),
            RuleViolation::DocumentNotRegistered => {
                f.write_str("the document is not registered to the person")
            }
            RuleViolation::IdentityMismatch(fields) => {
                write!(f, "{} differ from the registry", fields.join(", "))
            }
            RuleViolation::Under18 { birth_date } => write!(f, "born {birth_date}"),
            RuleViolation::BankIdSuspended {
                failed_attempts,
                limit,
            } => {
                write!(f, "{failed_attempts} wrong passwords (limit {limit})")
            }
        }
    }
}

/// Every reason code, in the order the rules run.
pub const REASON_CODES: [&str; 14] = [
    "mrz_unreadable",
    "chip_unreadable",
    "chip_unverified",
    "clone_check_failed",
    "mrz_mismatch",
    "document_expired",
    "document_type_not_allowed",
    "person_not_found",
    "status_not_checked",
    "document_not_registered",
    "identity_mismatch",
    "under_18",
    "bankid_inactive",
    "bankid_suspended",
];

/// The outcome of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every rule holds.
    Approve,
    /// These rules failed (never empty).
    Reject(Vec<RuleViolation>),
}

impl Decision {
    /// Whether approved.
    pub fn is_approved(&self) -> bool {
        matches!(self, Decision::Approve)
    }

    /// The reason codes (empty when approved).
    pub fn codes(&self) -> Vec<&'static str> {
        match self {
            Decision::Approve => Vec::new(),
            Decision::Reject(v) => v.iter().map(RuleViolation::code).collect(),
        }
    }
}

/// Outcome of the clone check (chip authentication or active authentication, ICAO 9303 Part 11 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloneCheck {
    /// The chip proved possession of its private key.
    Passed,
    /// The chip failed the check (a clone, or a broken chip).
    Failed(String),
    /// The chip offers neither chip nor active authentication (no DG14 / DG15).
    NotSupportedByChip,
    /// The reader did not run a clone check.
    NotPerformed,
}

/// How much of a clone check the rules demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CloneCheckRequirement {
    /// Only [`CloneCheck::Passed`] is accepted (fail closed; the default).
    #[default]
    Required,
    /// [`CloneCheck::Passed`], or a chip that supports no clone check at all.
    WhenSupported,
    /// Anything but [`CloneCheck::Failed`] (for use until the reader performs the check).
    Optional,
}

/// Configuration of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyConfig {
    /// Issuing states (MRZ codes without fillers) whose national ID cards are accepted. Default `NOR`.
    pub national_id_card_states: Vec<String>,
    /// Wrong passwords at which a BankID counts as suspended. Default 3.
    pub password_attempt_limit: u32,
    /// Clone check demand. Default [`CloneCheckRequirement::Required`].
    pub clone_check: CloneCheckRequirement,
    /// Minimum age in whole years. Default 18.
    pub minimum_age: u8,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            national_id_card_states: vec!["NOR".into()],
            password_attempt_limit: 3,
            clone_check: CloneCheckRequirement::Required,
            minimum_age: 18,
        }
    }
}

/// What the flow gathered about one activation attempt.
#[derive(Clone)]
pub struct Evidence {
    /// The BankID being activated.
    pub bankid_id: String,
    /// The national identity number as the person typed it.
    pub national_id: String,
    /// The scanned MRZ, or why none was read.
    pub scanned_mrz: Result<Mrz, String>,
    /// The MRZ lines of the chip's DG1, or why the chip was not read.
    pub chip_dg1: Result<Vec<String>, String>,
    /// Passive authentication of what the chip returned (`None`: not performed).
    pub passive_auth: Option<VerificationReport>,
    /// Clone check outcome.
    pub clone_check: CloneCheck,
}

impl fmt::Debug for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data (the national identity number, the MRZ) stays out of logs.
        f.debug_struct("Evidence")
            .field("bankid_id", &self.bankid_id)
            .field(
                "scanned_mrz",
                &self.scanned_mrz.as_ref().map(|m| m.format()),
            )
            .field("chip_dg1", &self.chip_dg1.as_ref().map(Vec::len))
            .field("passive_auth", &self.passive_auth.as_ref().map(|r| r.valid))
            .field("clone_check", &self.clone_check)
            .finish_non_exhaustive()
    }
}

/// The registry's answers for this attempt (lookup errors kept as text: they reject).
#[derive(Debug, Clone)]
pub struct RegistryFacts {
    /// The person with the typed national identity number.
    pub person: Result<Option<Person>, String>,
    /// The BankID.
    pub bankid: Result<Option<BankIdAccount>, String>,
}

impl RegistryFacts {
    /// Looks both up in `registry` (an invalid typed number is not looked up).
    pub fn lookup(registry: &dyn Registry, evidence: &Evidence) -> RegistryFacts {
        let text = |e: RegistryError| e.to_string();
        let person = match NationalId::parse(&evidence.national_id) {
            Ok(id) => registry.person(&id).map_err(text),
            Err(_) => Ok(None),
        };
        RegistryFacts {
            person,
            bankid: registry.bankid(&evidence.bankid_id).map_err(text),
        }
    }
}

/// Proof that the rules approved an activation: the only way to bind a device. Only this module can
/// construct one (its fields are private, it is neither `Clone` nor `Default`), and binding consumes it.
///
/// ```compile_fail,E0451
/// use bankid_activation::activation::policy::ApprovedActivation;
/// // error[E0451]: the fields are private.
/// let forged = ApprovedActivation { bankid_id: "b".into(), document_number: "X".into(),
///     issuing_state: "NOR".into(), today: bankid_activation::mrz::Date { year: 2026, month: 1, day: 1 } };
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct ApprovedActivation {
    bankid_id: String,
    document_number: String,
    issuing_state: String,
    today: Date,
}

impl ApprovedActivation {
    /// The BankID approved for activation.
    pub fn bankid_id(&self) -> &str {
        &self.bankid_id
    }
    /// The document number the approval rests on (store only a hash of it).
    pub fn document_number(&self) -> &str {
        &self.document_number
    }
    /// The document's issuing state.
    pub fn issuing_state(&self) -> &str {
        &self.issuing_state
    }
    /// The date the rules were evaluated for.
    pub fn today(&self) -> Date {
        self.today
    }
}

/// A rejected attempt, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The BankID of the attempt.
    pub bankid_id: String,
    /// The document number, when an MRZ was read.
    pub document_number: Option<String>,
    /// The failed rules (never empty).
    pub violations: Vec<RuleViolation>,
    /// The date the rules were evaluated for.
    pub today: Date,
}

impl Rejection {
    /// The reason codes.
    pub fn codes(&self) -> Vec<&'static str> {
        self.violations.iter().map(RuleViolation::code).collect()
    }
}

/// The rules' answer with what comes with it: a token to bind with, or a rejection to audit.
#[derive(Debug)]
pub enum Outcome {
    /// Approved: bind with this.
    Approved(ApprovedActivation),
    /// Rejected.
    Rejected(Rejection),
}

impl Outcome {
    /// The plain decision.
    pub fn decision(&self) -> Decision {
        match self {
            Outcome::Approved(_) => Decision::Approve,
            Outcome::Rejected(r) => Decision::Reject(r.violations.clone()),
        }
    }
}

/// Everything a rule looks at.
struct Facts<'a> {
    evidence: &'a Evidence,
    registry: &'a RegistryFacts,
    config: &'a PolicyConfig,
    today: Date,
    typed_id: Result<NationalId, String>,
    scanned: Option<&'a Mrz>,
    /// The chip's DG1 MRZ, parsed: `Ok(None)` when the chip was not read.
    dg1: Result<Option<Mrz>, String>,
}

impl Facts<'_> {
    /// The MRZ the document rules read (see the module docs).
    fn document(&self) -> Option<&Mrz> {
        match &self.dg1 {
            Ok(Some(m)) => Some(m),
            _ => self.scanned,
        }
    }

    fn person(&self) -> Option<&Person> {
        self.registry.person.as_ref().ok().and_then(Option::as_ref)
    }

    fn bankid(&self) -> Option<&BankIdAccount> {
        self.registry.bankid.as_ref().ok().and_then(Option::as_ref)
    }

    fn chip_read(&self) -> Option<&Mrz> {
        self.dg1.as_ref().ok().and_then(Option::as_ref)
    }
}

/// One rule: its reason code and its check (`Some` = violated).
struct Rule {
    code: &'static str,
    check: fn(&Facts<'_>) -> Option<RuleViolation>,
}

/// The rules, in reporting order. Each may only produce its own code (a test checks it).
const RULES: &[Rule] = &[
    Rule {
        code: "mrz_unreadable",
        check: mrz_readable,
    },
    Rule {
        code: "chip_unreadable",
        check: chip_readable,
    },
    Rule {
        code: "chip_unverified",
        check: chip_verified,
    },
    Rule {
        code: "clone_check_failed",
        check: clone_check,
    },
    Rule {
        code: "mrz_mismatch",
        check: mrz_matches_chip,
    },
    Rule {
        code: "document_expired",
        check: not_expired,
    },
    Rule {
        code: "document_type_not_allowed",
        check: type_allowed,
    },
    Rule {
        code: "person_not_found",
        check: person_found,
    },
    Rule {
        code: "status_not_checked",
        check: status_checked,
    },
    Rule {
        code: "document_not_registered",
        check: document_registered,
    },
    Rule {
        code: "identity_mismatch",
        check: identity_matches,
    },
    Rule {
        code: "under_18",
        check: adult,
    },
    Rule {
        code: "bankid_inactive",
        check: bankid_active,
    },
    Rule {
        code: "bankid_suspended",
        check: bankid_not_suspended,
    },
];

fn mrz_readable(f: &Facts<'_>) -> Option<RuleViolation> {
    match &f.evidence.scanned_mrz {
        Err(e) => Some(RuleViolation::MrzUnreadable(e.clone())),
        Ok(m) if !m.is_valid() => Some(RuleViolation::MrzUnreadable(
            "a check digit of the scanned MRZ does not hold".into(),
        )),
        Ok(_) => None,
    }
}

fn chip_readable(f: &Facts<'_>) -> Option<RuleViolation> {
    match &f.dg1 {
        Err(e) => Some(RuleViolation::ChipUnreadable(e.clone())),
        Ok(None) => Some(RuleViolation::ChipUnreadable(
            "the chip was not read".into(),
        )),
        Ok(Some(_)) => None,
    }
}

fn chip_verified(f: &Facts<'_>) -> Option<RuleViolation> {
    f.chip_read()?;
    match &f.evidence.passive_auth {
        None => Some(RuleViolation::ChipUnverified(vec![
            "passive authentication was not performed".into(),
        ])),
        Some(r) if !r.valid => {
            let mut errors = r.errors.clone();
            if errors.is_empty() {
                errors.push("passive authentication failed".into());
            }
            Some(RuleViolation::ChipUnverified(errors))
        }
        Some(r) if r.data_groups.get(&1) != Some(&crate::verify::DgStatus::Valid) => {
            Some(RuleViolation::ChipUnverified(vec![
                "DG1 is not covered by a valid hash".into(),
            ]))
        }
        Some(_) => None,
    }
}

fn clone_check(f: &Facts<'_>) -> Option<RuleViolation> {
    f.chip_read()?;
    let req = f.config.clone_check;
    match &f.evidence.clone_check {
        CloneCheck::Passed => None,
        CloneCheck::Failed(e) => Some(RuleViolation::CloneCheckFailed(e.clone())),
        CloneCheck::NotSupportedByChip if req != CloneCheckRequirement::Required => None,
        CloneCheck::NotPerformed if req == CloneCheckRequirement::Optional => None,
        CloneCheck::NotSupportedByChip => Some(RuleViolation::CloneCheckFailed(
            "the chip supports no clone check and one is required".into(),
        )),
        CloneCheck::NotPerformed => Some(RuleViolation::CloneCheckFailed(
            "no clone check was performed and one is required".into(),
        )),
    }
}

fn mrz_matches_chip(f: &Facts<'_>) -> Option<RuleViolation> {
    let chip = f.chip_read()?;
    let scanned = f.scanned?;
    let differing: Vec<usize> = (0..chip.lines().len().max(scanned.lines().len()))
        .filter(|&i| {
            chip.lines().get(i).map(|s| s.trim()) != scanned.lines().get(i).map(|s| s.trim())
        })
        .map(|i| i + 1)
        .collect();
    (!differing.is_empty()).then_some(RuleViolation::MrzMismatch(differing))
}

fn not_expired(f: &Facts<'_>) -> Option<RuleViolation> {
    let doc = f.document()?;
    match doc.expiry_date().resolve_expiry(f.today) {
        // Valid through its expiry date.
        Ok(expiry) if expiry >= f.today => None,
        Ok(expiry) => Some(RuleViolation::DocumentExpired {
            expiry: Some(expiry),
            today: f.today,
        }),
        // No usable expiry date (e.g. fillers): not shown to be valid, so expired.
        Err(_) => Some(RuleViolation::DocumentExpired {
            expiry: None,
            today: f.today,
        }),
    }
}

/// The registry's document type for an MRZ document code (ICAO 9303 Parts 4–7: `P` passports;
/// `I`, `A`, `C` identity cards; `V` visas).
fn document_type(doc: &Mrz) -> Option<DocumentType> {
    match doc.document_code().chars().next() {
        Some('P') => Some(DocumentType::Passport),
        Some('I' | 'A' | 'C') => Some(DocumentType::NationalId),
        _ => None,
    }
}

fn type_allowed(f: &Facts<'_>) -> Option<RuleViolation> {
    let doc = f.document()?;
    let allowed = match document_type(doc) {
        Some(DocumentType::Passport) => !matches!(
            doc.format(),
            crate::mrz::Format::MrvA | crate::mrz::Format::MrvB
        ),
        Some(DocumentType::NationalId) => f
            .config
            .national_id_card_states
            .iter()
            .any(|s| s.trim_end_matches('<') == doc.issuing_state()),
        _ => false,
    };
    (!allowed).then(|| RuleViolation::DocumentTypeNotAllowed {
        document_code: doc.document_code().to_string(),
        issuing_state: doc.issuing_state().to_string(),
    })
}

fn person_found(f: &Facts<'_>) -> Option<RuleViolation> {
    if let Err(e) = &f.typed_id {
        return Some(RuleViolation::PersonNotFound(format!(
            "invalid national identity number: {e}"
        )));
    }
    match &f.registry.person {
        Err(e) => Some(RuleViolation::PersonNotFound(format!(
            "registry lookup failed: {e}"
        ))),
        Ok(None) => Some(RuleViolation::PersonNotFound(
            "no such person in the registry".into(),
        )),
        Ok(Some(_)) => None,
    }
}

fn status_checked(f: &Facts<'_>) -> Option<RuleViolation> {
    let p = f.person()?;
    (p.status != IdentityStatus::Checked).then_some(RuleViolation::StatusNotChecked(p.status))
}

fn document_registered(f: &Facts<'_>) -> Option<RuleViolation> {
    let p = f.person()?;
    let doc = f.document()?;
    let Some(t) = document_type(doc) else {
        return Some(RuleViolation::DocumentNotRegistered);
    };
    let registered = p.documents.iter().any(|d| {
        d.document_type == t
            && d.issuing_state.trim_end_matches('<') == doc.issuing_state()
            && d.number == doc.document_number()
    });
    (!registered).then_some(RuleViolation::DocumentNotRegistered)
}

fn identity_matches(f: &Facts<'_>) -> Option<RuleViolation> {
    let mut fields = Vec::new();
    if let (Some(p), Some(doc)) = (f.person(), f.document()) {
        let truncated = doc.name_truncated();
        let surname_ok = name_matches(&p.surname, doc.surname(), false)
            || (truncated
                && doc.given_names().is_empty()
                && name_matches(&p.surname, doc.surname(), true));
        let given_ok = name_matches(&p.given_names, doc.given_names(), false)
            || (truncated && name_matches(&p.given_names, doc.given_names(), true));
        if !surname_ok {
            fields.push("surname");
        }
        if !given_ok {
            fields.push("given_names");
        }
        let yymmdd = format!(
            "{:02}{:02}{:02}",
            p.birth_date.year % 100,
            p.birth_date.month,
            p.birth_date.day
        );
        if doc.birth_date().yymmdd() != yymmdd {
            fields.push("birth_date");
        }
        // Norwegian passports print the holder's national identity number as the personal number.
        let personal = doc.optional_data();
        if doc.issuing_state() == "NOR"
            && personal.len() == 11
            && personal.bytes().all(|b| b.is_ascii_digit())
            && personal != p.national_id.as_str()
        {
            fields.push("personal_number");
        }
    }
    if let (Some(b), Ok(id)) = (f.bankid(), &f.typed_id)
        && b.national_id.as_ref().is_some_and(|holder| holder != id)
    {
        fields.push("bankid_holder");
    }
    (!fields.is_empty()).then_some(RuleViolation::IdentityMismatch(fields))
}

fn adult(f: &Facts<'_>) -> Option<RuleViolation> {
    // The registry's date of birth, else the one the typed number encodes.
    let birth = f
        .person()
        .map(|p| p.birth_date)
        .or_else(|| f.typed_id.as_ref().ok().map(NationalId::birth_date))?;
    // 29 February birthdays fall on 28 February in common years (Date::add_years).
    let of_age = birth.add_years(i32::from(f.config.minimum_age));
    match of_age {
        Some(d) if d <= f.today => None,
        _ => Some(RuleViolation::Under18 { birth_date: birth }),
    }
}

fn bankid_active(f: &Facts<'_>) -> Option<RuleViolation> {
    let reason = match &f.registry.bankid {
        Err(e) => format!("registry lookup failed: {e}"),
        Ok(None) => "no such BankID".into(),
        Ok(Some(b)) if !b.active => "the BankID is not active".into(),
        Ok(Some(b)) if !b.password_set => "the BankID has no password".into(),
        Ok(Some(_)) => return None,
    };
    Some(RuleViolation::BankIdInactive(reason))
}

fn bankid_not_suspended(f: &Facts<'_>) -> Option<RuleViolation> {
    let b = f.bankid()?;
    let limit = f.config.password_attempt_limit;
    (b.failed_password_attempts >= limit).then_some(RuleViolation::BankIdSuspended {
        failed_attempts: b.failed_password_attempts,
        limit,
    })
}

/// The eligibility policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    config: PolicyConfig,
}

impl Policy {
    /// A policy with this configuration.
    pub fn new(config: PolicyConfig) -> Policy {
        Policy { config }
    }

    /// The configuration.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// Runs every rule for `today`.
    pub fn evaluate(&self, evidence: &Evidence, registry: &RegistryFacts, today: Date) -> Decision {
        let facts = Facts {
            evidence,
            registry,
            config: &self.config,
            today,
            typed_id: NationalId::parse(&evidence.national_id).map_err(|e| e.to_string()),
            scanned: evidence.scanned_mrz.as_ref().ok(),
            dg1: match &evidence.chip_dg1 {
                Err(e) => Err(e.clone()),
                // A DG1 whose check digits fail is still what the chip holds: passive authentication
                // and the comparison with the (valid) scanned MRZ judge it.
                Ok(lines) => match Mrz::parse_lines(lines) {
                    Ok(m) => Ok(Some(m)),
                    Err(e) => Err(format!("the chip's DG1 MRZ does not parse: {e}")),
                },
            },
        };
        let violations: Vec<RuleViolation> =
            RULES.iter().filter_map(|r| (r.check)(&facts)).collect();
        debug_assert!(
            violations
                .iter()
                .all(|v| RULES.iter().any(|r| r.code == v.code()))
        );
        if violations.is_empty() && facts.chip_read().is_some() {
            Decision::Approve
        } else if violations.is_empty() {
            // Unreachable by the rules above (chip_unreadable), kept so approval can never be a default.
            Decision::Reject(vec![RuleViolation::ChipUnreadable(
                "the chip was not read".into(),
            )])
        } else {
            Decision::Reject(violations)
        }
    }

    /// Runs every rule and returns the token to bind with, or the rejection to audit.
    pub fn decide(&self, evidence: &Evidence, registry: &RegistryFacts, today: Date) -> Outcome {
        let doc = match &evidence.chip_dg1 {
            Ok(lines) => Mrz::parse_lines(lines).ok(),
            Err(_) => None,
        }
        .or_else(|| evidence.scanned_mrz.as_ref().ok().cloned());
        match self.evaluate(evidence, registry, today) {
            Decision::Approve => match doc {
                Some(d) => Outcome::Approved(ApprovedActivation {
                    bankid_id: evidence.bankid_id.clone(),
                    document_number: d.document_number().to_string(),
                    issuing_state: d.issuing_state().to_string(),
                    today,
                }),
                None => Outcome::Rejected(Rejection {
                    bankid_id: evidence.bankid_id.clone(),
                    document_number: None,
                    violations: vec![RuleViolation::ChipUnreadable(
                        "the chip was not read".into(),
                    )],
                    today,
                }),
            },
            Decision::Reject(violations) => Outcome::Rejected(Rejection {
                bankid_id: evidence.bankid_id.clone(),
                document_number: doc.map(|d| d.document_number().to_string()),
                violations,
                today,
            }),
        }
    }

    /// Looks the person and BankID up in `registry`, then [`Policy::decide`].
    pub fn decide_with_registry(
        &self,
        evidence: &Evidence,
        registry: &dyn Registry,
        today: Date,
    ) -> Outcome {
        let facts = RegistryFacts::lookup(registry, evidence);
        self.decide(evidence, &facts, today)
    }
}

#[cfg(test)]
mod tests;
