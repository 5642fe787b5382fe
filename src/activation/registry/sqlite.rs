//! The embedded registry: people, their documents and BankIDs in one SQLite file (bundled SQLite).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::import::{
    ImportData, ImportError, ImportSummary, MAX_IMPORT_LEN, Section, parse_import,
};
use super::{
    BankIdAccount, DocumentType, IdentityStatus, Person, RegisteredDocument, Registry,
    RegistryError,
};
use crate::activation::national_id::NationalId;
use crate::activation::sqlite_util::open_connection;
use crate::mrz::Date;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS person (
    national_id TEXT PRIMARY KEY NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('checked', 'not_checked', 'not_possible')),
    surname     TEXT NOT NULL,
    given_names TEXT NOT NULL,
    birth_date  TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS document (
    person_id     TEXT NOT NULL REFERENCES person (national_id) ON DELETE CASCADE,
    doc_type      TEXT NOT NULL CHECK (doc_type IN ('passport', 'national_id')),
    issuing_state TEXT NOT NULL,
    number        TEXT NOT NULL,
    expiry_date   TEXT NOT NULL,
    PRIMARY KEY (doc_type, issuing_state, number)
) STRICT;
CREATE INDEX IF NOT EXISTS document_person ON document (person_id);
CREATE TABLE IF NOT EXISTS bankid (
    id                       TEXT PRIMARY KEY NOT NULL,
    active                   INTEGER NOT NULL CHECK (active IN (0, 1)),
    password_set             INTEGER NOT NULL CHECK (password_set IN (0, 1)),
    failed_password_attempts INTEGER NOT NULL CHECK (failed_password_attempts >= 0),
    national_id              TEXT
) STRICT;
";

/// The embedded SQLite registry (WAL mode, busy timeout). Safe to share between threads.
#[derive(Debug)]
pub struct SqliteRegistry {
    conn: Mutex<Connection>,
}

fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> RegistryError {
    move |source| RegistryError::Database { context, source }
}

fn corrupt(record: &str, field: &'static str, reason: impl Into<String>) -> RegistryError {
    RegistryError::Corrupt {
        record: record.chars().take(64).collect(),
        field,
        reason: reason.into(),
    }
}

impl SqliteRegistry {
    /// Opens (creating if needed) the registry at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteRegistry, RegistryError> {
        let conn = open_connection(path.as_ref()).map_err(db("opening"))?;
        conn.execute_batch(SCHEMA)
            .map_err(db("creating the schema"))?;
        Ok(SqliteRegistry {
            conn: Mutex::new(conn),
        })
    }

    /// An in-memory registry (tests, examples).
    pub fn open_in_memory() -> Result<SqliteRegistry, RegistryError> {
        let conn = Connection::open_in_memory().map_err(db("opening"))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(db("opening"))?;
        conn.execute_batch(SCHEMA)
            .map_err(db("creating the schema"))?;
        Ok(SqliteRegistry {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Validates `json` and writes it in one transaction: all of it, or (on any error) nothing.
    /// A person already present is replaced with their documents; a BankID already present is replaced.
    pub fn import_json(&self, json: &str) -> Result<ImportSummary, ImportError> {
        let data = parse_import(json)?;
        self.import(&data)
    }

    /// Reads `path` (at most [`MAX_IMPORT_LEN`] bytes) and imports it as [`SqliteRegistry::import_json`].
    pub fn import_file(&self, path: impl AsRef<Path>) -> Result<ImportSummary, ImportError> {
        let path = path.as_ref();
        let io = |source| ImportError::Io {
            path: path.display().to_string(),
            source,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_IMPORT_LEN {
            return Err(ImportError::TooLarge {
                len,
                max: MAX_IMPORT_LEN,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        self.import_json(&text)
    }

    /// Writes already validated records in one transaction.
    pub fn import(&self, data: &ImportData) -> Result<ImportSummary, ImportError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = ImportSummary::default();
        for p in &data.people {
            tx.execute(
                "INSERT INTO person (national_id, status, surname, given_names, birth_date)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (national_id) DO UPDATE SET status = excluded.status,
                   surname = excluded.surname, given_names = excluded.given_names,
                   birth_date = excluded.birth_date",
                params![
                    p.national_id.as_str(),
                    p.status.as_str(),
                    p.surname,
                    p.given_names,
                    p.birth_date.to_string()
                ],
            )?;
            tx.execute(
                "DELETE FROM document WHERE person_id = ?1",
                [p.national_id.as_str()],
            )?;
            summary.people += 1;
        }
        for (index, p) in data.people.iter().enumerate() {
            for (j, d) in p.documents.iter().enumerate() {
                let owner: Option<String> = tx
                    .query_row(
                        "SELECT person_id FROM document
                         WHERE doc_type = ?1 AND issuing_state = ?2 AND number = ?3",
                        params![d.document_type.as_str(), d.issuing_state, d.number],
                        |r| r.get(0),
                    )
                    .optional()?;
                if owner.is_some() {
                    // Dropping `tx` rolls everything back.
                    return Err(ImportError::Invalid {
                        section: Section::People,
                        index,
                        field: format!("documents[{j}].number"),
                        reason: "this document is already registered to another person".into(),
                    });
                }
                tx.execute(
                    "INSERT INTO document (person_id, doc_type, issuing_state, number, expiry_date)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        p.national_id.as_str(),
                        d.document_type.as_str(),
                        d.issuing_state,
                        d.number,
                        d.expiry_date.to_string()
                    ],
                )?;
                summary.documents += 1;
            }
        }
        for b in &data.bankids {
            tx.execute(
                "INSERT INTO bankid (id, active, password_set, failed_password_attempts, national_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET active = excluded.active,
                   password_set = excluded.password_set,
                   failed_password_attempts = excluded.failed_password_attempts,
                   national_id = excluded.national_id",
                params![
                    b.id,
                    b.active,
                    b.password_set,
                    i64::from(b.failed_password_attempts),
                    b.national_id.as_ref().map(NationalId::as_str)
                ],
            )?;
            summary.bankids += 1;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Number of people, documents and BankIDs stored.
    pub fn counts(&self) -> Result<ImportSummary, RegistryError> {
        let conn = self.lock();
        let count = |table: &str| -> Result<usize, RegistryError> {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .map_err(db("counting"))?;
            Ok(usize::try_from(n).unwrap_or(0))
        };
        Ok(ImportSummary {
            people: count("person")?,
            documents: count("document")?,
            bankids: count("bankid")?,
        })
    }
}

fn parse_date(record: &str, field: &'static str, text: &str) -> Result<Date, RegistryError> {
    Date::parse_iso(text).map_err(|e| corrupt(record, field, e.to_string()))
}

impl Registry for SqliteRegistry {
    fn person(&self, national_id: &NationalId) -> Result<Option<Person>, RegistryError> {
        let conn = self.lock();
        let key = national_id.as_str();
        let row: Option<(String, String, String, String)> = conn
            .query_row(
                "SELECT status, surname, given_names, birth_date FROM person WHERE national_id = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(db("looking up a person"))?;
        let Some((status, surname, given_names, birth)) = row else {
            return Ok(None);
        };
        let status = IdentityStatus::from_name(&status)
            .ok_or_else(|| corrupt(key, "status", format!("unknown status {status:?}")))?;
        let birth_date = parse_date(key, "birth_date", &birth)?;
        let mut stmt = conn
            .prepare(
                "SELECT doc_type, issuing_state, number, expiry_date FROM document
                 WHERE person_id = ?1 ORDER BY rowid",
            )
            .map_err(db("looking up documents"))?;
        let rows = stmt
            .query_map([key], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(db("looking up documents"))?;
        let mut documents = Vec::new();
        for row in rows {
            let (t, issuing_state, number, expiry) = row.map_err(db("reading a document"))?;
            let document_type = DocumentType::from_name(&t)
                .ok_or_else(|| corrupt(key, "documents.type", format!("unknown type {t:?}")))?;
            documents.push(RegisteredDocument {
                document_type,
                issuing_state,
                number,
                expiry_date: parse_date(key, "documents.expiry_date", &expiry)?,
            });
        }
        Ok(Some(Person {
            national_id: national_id.clone(),
            status,
            surname,
            given_names,
            birth_date,
            documents,
        }))
    }

    fn bankid(&self, id: &str) -> Result<Option<BankIdAccount>, RegistryError> {
        let conn = self.lock();
        let row: Option<(bool, bool, i64, Option<String>)> = conn
            .query_row(
                "SELECT active, password_set, failed_password_attempts, national_id
                 FROM bankid WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(db("looking up a BankID"))?;
        let Some((active, password_set, attempts, holder)) = row else {
            return Ok(None);
        };
        let failed_password_attempts = u32::try_from(attempts).map_err(|_| {
            corrupt(
                id,
                "failed_password_attempts",
                format!("{attempts} out of range"),
            )
        })?;
        let national_id = holder
            .map(|h| NationalId::parse(&h).map_err(|e| corrupt(id, "national_id", e.to_string())))
            .transpose()?;
        Ok(Some(BankIdAccount {
            id: id.to_string(),
            active,
            password_set,
            failed_password_attempts,
            national_id,
        }))
    }
}
