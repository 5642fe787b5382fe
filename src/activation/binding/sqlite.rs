//! The embedded binding store: bindings, their history and the audit log in one SQLite file. One
//! active device per BankID is a partial UNIQUE index; bindings and audit records are append-only
//! (triggers refuse deletes and rewrites); a bind is one `BEGIN IMMEDIATE` transaction.

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::{AuditRecord, BindOutcome, BindingError, BindingRecord, BindingStore, Device};
use crate::activation::policy::{ApprovedActivation, Rejection};
use crate::activation::sqlite_util::open_connection;

// The document salt is 32 bytes of `randomblob`, SQLite's ChaCha20 generator seeded by the OS
// (the unix VFS reads /dev/urandom), written once when the store is created.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;
INSERT OR IGNORE INTO meta (key, value) VALUES ('document_salt', randomblob(32));
CREATE TABLE IF NOT EXISTS audit (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms              INTEGER NOT NULL,
    bankid_id          TEXT NOT NULL,
    device_id          TEXT,
    approved           INTEGER NOT NULL CHECK (approved IN (0, 1)),
    reasons            TEXT NOT NULL,
    document_hash      TEXT,
    rules_date         TEXT NOT NULL,
    replaced_device_id TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS audit_bankid ON audit (bankid_id, id);
CREATE TABLE IF NOT EXISTS binding (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    bankid_id       TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    key_fingerprint TEXT NOT NULL,
    public_key      BLOB NOT NULL,
    bound_at_ms     INTEGER NOT NULL,
    replaced_at_ms  INTEGER,
    replaces_seq    INTEGER REFERENCES binding (seq),
    audit_id        INTEGER NOT NULL REFERENCES audit (id)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS one_active_device_per_bankid
    ON binding (bankid_id) WHERE replaced_at_ms IS NULL;
CREATE INDEX IF NOT EXISTS binding_bankid ON binding (bankid_id, seq);
CREATE TRIGGER IF NOT EXISTS binding_append_only BEFORE DELETE ON binding
BEGIN SELECT RAISE(ABORT, 'binding history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_immutable BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS binding_only_replaced BEFORE UPDATE ON binding
WHEN OLD.replaced_at_ms IS NOT NULL OR NEW.replaced_at_ms IS NULL
  OR NEW.seq IS NOT OLD.seq OR NEW.bankid_id IS NOT OLD.bankid_id
  OR NEW.device_id IS NOT OLD.device_id OR NEW.key_fingerprint IS NOT OLD.key_fingerprint
  OR NEW.public_key IS NOT OLD.public_key OR NEW.bound_at_ms IS NOT OLD.bound_at_ms
  OR NEW.replaces_seq IS NOT OLD.replaces_seq OR NEW.audit_id IS NOT OLD.audit_id
BEGIN SELECT RAISE(ABORT, 'a binding can only be marked replaced, once'); END;
";

/// How hard a commit is pushed to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// `synchronous = FULL`: a committed bind survives power loss (the default).
    #[default]
    Full,
    /// `synchronous = NORMAL` (WAL): a committed bind survives a process crash; after a power loss
    /// the last binds may be rolled back, the store stays consistent.
    Normal,
}

/// The embedded SQLite binding store (WAL mode, busy timeout). Safe to share between threads, and
/// several processes may open the same file.
#[derive(Debug)]
pub struct SqliteBindingStore {
    conn: Mutex<Connection>,
    salt: Vec<u8>,
}

fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> BindingError {
    move |source| BindingError::Database { context, source }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

const BINDING_COLUMNS: &str = "b.seq, b.bankid_id, b.device_id, b.key_fingerprint, b.bound_at_ms,
    b.replaced_at_ms, (SELECT n.device_id FROM binding n WHERE n.replaces_seq = b.seq), b.audit_id";

fn binding_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BindingRecord> {
    Ok(BindingRecord {
        seq: r.get(0)?,
        bankid_id: r.get(1)?,
        device_id: r.get(2)?,
        key_fingerprint: r.get(3)?,
        bound_at_ms: r.get(4)?,
        replaced_at_ms: r.get(5)?,
        replaced_by_device_id: r.get(6)?,
        audit_id: r.get(7)?,
    })
}

impl SqliteBindingStore {
    /// Opens (creating if needed) the store at `path` with [`Durability::Full`].
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteBindingStore, BindingError> {
        SqliteBindingStore::open_with(path, Durability::Full)
    }

    /// Opens the store at `path`, which must exist.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<SqliteBindingStore, BindingError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(BindingError::Missing(path.display().to_string()));
        }
        SqliteBindingStore::open(path)
    }

    /// Opens (creating if needed) the store at `path`.
    pub fn open_with(
        path: impl AsRef<Path>,
        durability: Durability,
    ) -> Result<SqliteBindingStore, BindingError> {
        let mut conn = open_connection(path.as_ref()).map_err(db("opening"))?;
        let sync = match durability {
            Durability::Full => "PRAGMA synchronous = FULL",
            Durability::Normal => "PRAGMA synchronous = NORMAL",
        };
        conn.execute_batch(sync).map_err(db("opening"))?;
        SqliteBindingStore::init(&mut conn)?;
        let salt: Vec<u8> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'document_salt'",
                [],
                |r| r.get(0),
            )
            .map_err(db("reading the salt"))?;
        if salt.len() < 16 {
            return Err(BindingError::Corrupt(format!(
                "document salt is {} bytes",
                salt.len()
            )));
        }
        Ok(SqliteBindingStore {
            conn: Mutex::new(conn),
            salt,
        })
    }

    fn init(conn: &mut Connection) -> Result<(), BindingError> {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db("creating the schema"))?;
        tx.execute_batch(SCHEMA)
            .map_err(db("creating the schema"))?;
        tx.commit().map_err(db("creating the schema"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// SHA-256(salt ‖ document number), hex: lets an auditor match a known document without the
    /// store holding document numbers.
    pub fn document_hash(&self, document_number: &str) -> String {
        let mut h = Sha256::new();
        h.update(&self.salt);
        h.update(document_number.as_bytes());
        hex::encode(h.finalize())
    }

    /// Runs SQLite's `integrity_check` and verifies that no BankID has more than one active device.
    pub fn check_consistency(&self) -> Result<(), BindingError> {
        let conn = self.lock();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(db("integrity check"))?;
        if ok != "ok" {
            return Err(BindingError::Corrupt(ok));
        }
        let doubled: Option<String> = conn
            .query_row(
                "SELECT bankid_id FROM binding WHERE replaced_at_ms IS NULL
                 GROUP BY bankid_id HAVING count(*) > 1 LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(db("consistency check"))?;
        match doubled {
            Some(b) => Err(BindingError::Corrupt(format!(
                "BankID {b:?} has several active devices"
            ))),
            None => Ok(()),
        }
    }
}

impl BindingStore for SqliteBindingStore {
    fn bind(
        &self,
        approval: ApprovedActivation,
        device: &Device,
    ) -> Result<BindOutcome, BindingError> {
        let document_hash = self.document_hash(approval.document_number());
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db("starting the bind transaction"))?;
        let now = now_ms();
        let bankid = approval.bankid_id();
        let previous: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, device_id FROM binding WHERE bankid_id = ?1 AND replaced_at_ms IS NULL",
                [bankid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db("finding the active device"))?;
        tx.execute(
            "INSERT INTO audit (at_ms, bankid_id, device_id, approved, reasons, document_hash,
                                rules_date, replaced_device_id)
             VALUES (?1, ?2, ?3, 1, '', ?4, ?5, ?6)",
            params![
                now,
                bankid,
                device.id(),
                document_hash,
                approval.today().to_string(),
                previous.as_ref().map(|p| p.1.as_str())
            ],
        )
        .map_err(db("writing the audit record"))?;
        let audit_id = tx.last_insert_rowid();
        if let Some((seq, _)) = &previous {
            tx.execute(
                "UPDATE binding SET replaced_at_ms = ?1 WHERE seq = ?2",
                params![now, seq],
            )
            .map_err(db("retiring the active device"))?;
        }
        tx.execute(
            "INSERT INTO binding (bankid_id, device_id, key_fingerprint, public_key, bound_at_ms,
                                  replaces_seq, audit_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                bankid,
                device.id(),
                device.fingerprint_hex(),
                device.public_key_der(),
                now,
                previous.as_ref().map(|p| p.0),
                audit_id
            ],
        )
        .map_err(db("binding the device"))?;
        tx.commit().map_err(db("committing the bind"))?;
        Ok(BindOutcome {
            bankid_id: bankid.to_string(),
            device_id: device.id().to_string(),
            replaced_device_id: previous.map(|p| p.1),
            audit_id,
        })
    }

    fn record_rejection(
        &self,
        rejection: &Rejection,
        device: Option<&Device>,
    ) -> Result<i64, BindingError> {
        let document_hash = rejection
            .document_number
            .as_deref()
            .map(|n| self.document_hash(n));
        // A rejected attempt's BankID id is whatever was typed: keep the log bounded.
        let bankid: String = rejection.bankid_id.chars().take(128).collect();
        let conn = self.lock();
        conn.execute(
            "INSERT INTO audit (at_ms, bankid_id, device_id, approved, reasons, document_hash, rules_date)
             VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
            params![
                now_ms(),
                bankid,
                device.map(Device::id),
                rejection.codes().join(" "),
                document_hash,
                rejection.today.to_string()
            ],
        )
        .map_err(db("writing the audit record"))?;
        Ok(conn.last_insert_rowid())
    }

    fn active(&self, bankid_id: &str) -> Result<Option<BindingRecord>, BindingError> {
        let conn = self.lock();
        conn.query_row(
            &format!("SELECT {BINDING_COLUMNS} FROM binding b WHERE b.bankid_id = ?1 AND b.replaced_at_ms IS NULL"),
            [bankid_id],
            binding_row,
        )
        .optional()
        .map_err(db("reading the active device"))
    }

    fn history(&self, bankid_id: &str) -> Result<Vec<BindingRecord>, BindingError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {BINDING_COLUMNS} FROM binding b WHERE b.bankid_id = ?1 ORDER BY b.seq"
            ))
            .map_err(db("reading the history"))?;
        let rows = stmt
            .query_map([bankid_id], binding_row)
            .map_err(db("reading the history"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(db("reading the history"))
    }

    fn audit(&self, bankid_id: &str) -> Result<Vec<AuditRecord>, BindingError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, at_ms, bankid_id, device_id, approved, reasons, document_hash, rules_date,
                        replaced_device_id
                 FROM audit WHERE bankid_id = ?1 ORDER BY id",
            )
            .map_err(db("reading the audit log"))?;
        let rows = stmt
            .query_map([bankid_id], |r| {
                let reasons: String = r.get(5)?;
                Ok(AuditRecord {
                    id: r.get(0)?,
                    at_ms: r.get(1)?,
                    bankid_id: r.get(2)?,
                    device_id: r.get(3)?,
                    approved: r.get(4)?,
                    reasons: reasons.split_whitespace().map(str::to_string).collect(),
                    document_hash: r.get(6)?,
                    rules_date: r.get(7)?,
                    replaced_device_id: r.get(8)?,
                })
            })
            .map_err(db("reading the audit log"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(db("reading the audit log"))
    }
}
