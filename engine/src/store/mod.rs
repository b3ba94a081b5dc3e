//! The data directory's one database (`picscribe.sqlite3`, WAL): the tokens each user has
//! spent for the budgets, every description by cache key, and every batch a provider has
//! accepted with the keys it holds. A server and a command may share the file.

mod batches;
mod descriptions;

use std::path::Path;

use rusqlite::Connection;

pub use self::batches::{BatchRow, ItemRow, ItemState, NewBatch, NewItem, Unanswered};
pub use self::descriptions::{Store, Stored};

/// Schema changes, applied in order; `PRAGMA user_version` says how many have run.
const MIGRATIONS: [&str; 3] = [
    "CREATE TABLE usage (
        user TEXT NOT NULL,
        day TEXT NOT NULL,
        tokens INTEGER NOT NULL DEFAULT 0,
        calls INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user, day)
    ) WITHOUT ROWID",
    "CREATE TABLE descriptions (
        key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        answer TEXT,
        prompt TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        described_at INTEGER NOT NULL
    ) WITHOUT ROWID",
    // A batch is recorded the moment the provider accepts it, with every key it holds.
    "CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        service TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        model TEXT NOT NULL,
        fields TEXT NOT NULL,
        owner TEXT NOT NULL,
        invocation TEXT,
        state TEXT NOT NULL,
        provider_state TEXT NOT NULL,
        answered INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        reserved INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        submitted_at INTEGER NOT NULL,
        finished_at INTEGER
    );
    CREATE UNIQUE INDEX batches_by_provider_id ON batches (provider, batch_id);
    CREATE TABLE batch_items (
        batch INTEGER NOT NULL REFERENCES batches (id),
        custom_id TEXT NOT NULL,
        key TEXT NOT NULL,
        name TEXT NOT NULL,
        prompt TEXT NOT NULL,
        position INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        state TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (batch, custom_id)
    );
    CREATE INDEX batch_items_by_key ON batch_items (key, state);",
];

/// Opens (or creates) `picscribe.sqlite3` in `dir`, in WAL mode, its schema up to date.
pub fn open_database(dir: &Path) -> Result<Connection, String> {
    std::fs::create_dir_all(dir).map_err(|err| format!("cannot create the data directory {}: {err}", dir.display()))?;
    let path = dir.join("picscribe.sqlite3");
    let conn = Connection::open(&path).map_err(|err| format!("cannot open {}: {err}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(|err| err.to_string())?;
    // Waits for the other process (a server and a command share the file) instead of failing.
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|err| err.to_string())?;
    migrate(conn)
}

/// Brings a database's schema up to date, in one transaction.
pub fn migrate(mut conn: Connection) -> Result<Connection, String> {
    let done: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(|e| e.to_string())?;
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    for (number, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql).map_err(|err| format!("migration {} failed: {err}", number + 1))?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len()).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Seconds since 1970, as the tables keep time.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
