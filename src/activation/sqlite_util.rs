//! Opening the embedded SQLite databases the same way everywhere: WAL journal, busy timeout, foreign keys.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// How long a writer waits for another writer's lock before giving up with `SQLITE_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens `path` (created if missing) in WAL mode with [`BUSY_TIMEOUT`] and foreign keys enforced.
pub(crate) fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // journal_mode returns the mode set; WAL persists in the file once set.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
    Ok(conn)
}
