//! Validation of the registry import JSON (DESIGN.md's format) into typed records, naming the record
//! and field of every error; nothing is written until the whole file is valid.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{
    BankIdAccount, DocumentType, IdentityStatus, Person, RegisteredDocument, is_valid_bankid_id,
    is_valid_document_number, is_valid_issuing_state,
};
use crate::activation::national_id::NationalId;
use crate::mrz::Date;

/// Largest import file accepted (bytes).
pub const MAX_IMPORT_LEN: u64 = 64 * 1024 * 1024;
/// Longest name accepted (characters).
const MAX_NAME_CHARS: usize = 200;
/// Most documents per person.
const MAX_DOCUMENTS: usize = 64;

/// The top-level array a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `people`.
    People,
    /// `bankids`.
    Bankids,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::People => "people",
            Section::Bankids => "bankids",
        }
    }
}

/// Why an import was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_IMPORT_LEN`].
    #[error("import file is {len} bytes, more than the {max} accepted")]
    TooLarge {
        /// Its size.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// Not JSON.
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The top level is not `{"people": [...], "bankids": [...]}`.
    #[error("top level: {0}")]
    Shape(String),
    /// A record has a missing or invalid field.
    #[error("{}[{index}].{field}: {reason}", section.name())]
    Invalid {
        /// `people` or `bankids`.
        section: Section,
        /// 0-based index of the record in its array.
        index: usize,
        /// The field, e.g. `status` or `documents[1].expiry_date`.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The registry database could not be opened.
    #[error("{0}")]
    Open(#[source] super::RegistryError),
    /// The database refused the import (rolled back).
    #[error("registry database: {0}")]
    Database(#[from] rusqlite::Error),
}

/// What an import loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ImportSummary {
    /// People written (inserted or replaced).
    pub people: usize,
    /// Documents written.
    pub documents: usize,
    /// BankIDs written (inserted or replaced).
    pub bankids: usize,
}

/// A validated import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportData {
    /// People, in file order.
    pub people: Vec<Person>,
    /// BankIDs, in file order.
    pub bankids: Vec<BankIdAccount>,
}

struct Rec<'a> {
    section: Section,
    index: usize,
    obj: &'a Map<String, Value>,
}

impl<'a> Rec<'a> {
    fn err(&self, field: impl Into<String>, reason: impl Into<String>) -> ImportError {
        ImportError::Invalid {
            section: self.section,
            index: self.index,
            field: field.into(),
            reason: reason.into(),
        }
    }

    fn only(
        &self,
        prefix: &str,
        obj: &Map<String, Value>,
        known: &[&str],
    ) -> Result<(), ImportError> {
        match obj.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(self.err(
                format!("{prefix}{}", truncate(k)),
                format!("unknown field (expected one of {})", known.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn get(
        &self,
        obj: &'a Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Result<&'a Value, ImportError> {
        obj.get(key)
            .ok_or_else(|| self.err(format!("{prefix}{key}"), "missing"))
    }

    fn str(
        &self,
        obj: &'a Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Result<&'a str, ImportError> {
        match self.get(obj, prefix, key)? {
            Value::String(s) => Ok(s),
            other => Err(self.err(
                format!("{prefix}{key}"),
                format!("expected a string, found {}", kind(other)),
            )),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, ImportError> {
        match self.get(self.obj, "", key)? {
            Value::Bool(b) => Ok(*b),
            other => Err(self.err(
                key,
                format!("expected true or false, found {}", kind(other)),
            )),
        }
    }

    fn date(
        &self,
        obj: &'a Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Result<Date, ImportError> {
        let s = self.str(obj, prefix, key)?;
        Date::parse_iso(s).map_err(|e| self.err(format!("{prefix}{key}"), e.to_string()))
    }

    fn name(&self, key: &str, required: bool) -> Result<String, ImportError> {
        let s = self.str(self.obj, "", key)?;
        let t = s.trim();
        if required && !t.chars().any(char::is_alphabetic) {
            return Err(self.err(key, "must contain a letter"));
        }
        if t.chars().count() > MAX_NAME_CHARS {
            return Err(self.err(key, format!("longer than {MAX_NAME_CHARS} characters")));
        }
        if t.chars().any(|c| c.is_control()) {
            return Err(self.err(key, "contains a control character"));
        }
        Ok(t.to_string())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

fn records<'a>(
    top: &'a Map<String, Value>,
    section: Section,
) -> Result<impl Iterator<Item = Result<Rec<'a>, ImportError>>, ImportError> {
    let list: &[Value] = match top.get(section.name()) {
        None => &[],
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(ImportError::Shape(format!(
                "\"{}\" must be an array, found {}",
                section.name(),
                kind(other)
            )));
        }
    };
    Ok(list.iter().enumerate().map(move |(index, v)| match v {
        Value::Object(obj) => Ok(Rec {
            section,
            index,
            obj,
        }),
        other => Err(ImportError::Invalid {
            section,
            index,
            field: String::new(),
            reason: format!("expected an object, found {}", kind(other)),
        }),
    }))
}

fn person(rec: &Rec<'_>) -> Result<Person, ImportError> {
    rec.only(
        "",
        rec.obj,
        &[
            "id",
            "status",
            "surname",
            "given_names",
            "birth_date",
            "documents",
        ],
    )?;
    let id_text = rec.str(rec.obj, "", "id")?;
    let national_id = NationalId::parse(id_text).map_err(|e| rec.err("id", e.to_string()))?;
    let status_text = rec.str(rec.obj, "", "status")?;
    let status = IdentityStatus::from_name(status_text).ok_or_else(|| {
        let names: Vec<_> = IdentityStatus::ALL.iter().map(|s| s.as_str()).collect();
        rec.err(
            "status",
            format!(
                "unknown status {:?} (accepted: {})",
                truncate(status_text),
                names.join(", ")
            ),
        )
    })?;
    let surname = rec.name("surname", true)?;
    let given_names = rec.name("given_names", false)?;
    let birth_date = rec.date(rec.obj, "", "birth_date")?;
    if birth_date != national_id.birth_date() {
        return Err(rec.err(
            "birth_date",
            format!(
                "{birth_date} is not the birth date {} the id encodes",
                national_id.birth_date()
            ),
        ));
    }
    let docs: &[Value] = match rec.obj.get("documents") {
        None => &[],
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(rec.err(
                "documents",
                format!("expected an array, found {}", kind(other)),
            ));
        }
    };
    if docs.len() > MAX_DOCUMENTS {
        return Err(rec.err("documents", format!("more than {MAX_DOCUMENTS} documents")));
    }
    let mut documents = Vec::with_capacity(docs.len());
    for (j, d) in docs.iter().enumerate() {
        let prefix = format!("documents[{j}].");
        let Value::Object(obj) = d else {
            return Err(rec.err(
                format!("documents[{j}]"),
                format!("expected an object, found {}", kind(d)),
            ));
        };
        rec.only(
            &prefix,
            obj,
            &["type", "issuing_state", "number", "expiry_date"],
        )?;
        let t = rec.str(obj, &prefix, "type")?;
        let document_type = DocumentType::from_name(t).ok_or_else(|| {
            rec.err(
                format!("{prefix}type"),
                format!(
                    "unknown document type {:?} (accepted: passport, national_id)",
                    truncate(t)
                ),
            )
        })?;
        let issuing_state = rec.str(obj, &prefix, "issuing_state")?;
        if !is_valid_issuing_state(issuing_state) {
            return Err(rec.err(
                format!("{prefix}issuing_state"),
                format!(
                    "{:?} is not three letters A-Z (or '<' fillers) as in the MRZ",
                    truncate(issuing_state)
                ),
            ));
        }
        let number = rec.str(obj, &prefix, "number")?;
        if !is_valid_document_number(number) {
            return Err(rec.err(
                format!("{prefix}number"),
                format!("{:?} is not 1-22 characters A-Z, 0-9", truncate(number)),
            ));
        }
        let expiry_date = rec.date(obj, &prefix, "expiry_date")?;
        documents.push(RegisteredDocument {
            document_type,
            issuing_state: issuing_state.to_string(),
            number: number.to_string(),
            expiry_date,
        });
    }
    Ok(Person {
        national_id,
        status,
        surname,
        given_names,
        birth_date,
        documents,
    })
}

fn bankid(rec: &Rec<'_>) -> Result<BankIdAccount, ImportError> {
    rec.only(
        "",
        rec.obj,
        &[
            "id",
            "active",
            "password_set",
            "failed_password_attempts",
            "national_id",
        ],
    )?;
    let id = rec.str(rec.obj, "", "id")?;
    if !is_valid_bankid_id(id) {
        return Err(rec.err("id", "not 1-64 characters A-Z a-z 0-9 . _ : -"));
    }
    let active = rec.bool("active")?;
    let password_set = rec.bool("password_set")?;
    let attempts = rec.get(rec.obj, "", "failed_password_attempts")?;
    let failed_password_attempts = attempts
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            rec.err(
                "failed_password_attempts",
                format!("expected an integer 0..={}, found {attempts}", u32::MAX),
            )
        })?;
    let national_id = match rec.obj.get("national_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(NationalId::parse(s).map_err(|e| rec.err("national_id", e.to_string()))?)
        }
        Some(other) => {
            return Err(rec.err(
                "national_id",
                format!("expected a string, found {}", kind(other)),
            ));
        }
    };
    Ok(BankIdAccount {
        id: id.to_string(),
        active,
        password_set,
        failed_password_attempts,
        national_id,
    })
}

/// Parses and validates an import file's text (DESIGN.md's format; see [`super`] for the accepted
/// values). Duplicate people, documents or BankIDs within the file are errors.
pub fn parse_import(json: &str) -> Result<ImportData, ImportError> {
    let value: Value = serde_json::from_str(json).map_err(|e| ImportError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(top) = &value else {
        return Err(ImportError::Shape(format!(
            "expected an object, found {}",
            kind(&value)
        )));
    };
    if let Some(k) = top
        .keys()
        .find(|k| !matches!(k.as_str(), "people" | "bankids"))
    {
        return Err(ImportError::Shape(format!(
            "unknown field {:?} (expected people, bankids)",
            truncate(k)
        )));
    }
    let mut data = ImportData::default();
    let mut ids = HashSet::new();
    let mut docs = HashSet::new();
    for rec in records(top, Section::People)? {
        let rec = rec?;
        let p = person(&rec)?;
        if !ids.insert(p.national_id.as_str().to_string()) {
            return Err(rec.err("id", "the same id appears earlier in the file"));
        }
        for (j, d) in p.documents.iter().enumerate() {
            if !docs.insert((d.document_type, d.issuing_state.clone(), d.number.clone())) {
                return Err(rec.err(
                    format!("documents[{j}].number"),
                    "this document (type, issuing state, number) appears earlier in the file",
                ));
            }
        }
        data.people.push(p);
    }
    let mut bankids = HashSet::new();
    for rec in records(top, Section::Bankids)? {
        let rec = rec?;
        let b = bankid(&rec)?;
        if !bankids.insert(b.id.clone()) {
            return Err(rec.err("id", "the same id appears earlier in the file"));
        }
        data.bankids.push(b);
    }
    Ok(data)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
