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
    // Waits for the other process (a server and a command share the file) instead of failing.
    conn.busy_timeout(BUSY).map_err(|err| err.to_string())?;
    write_ahead(&conn)?;
    migrate(conn)
}

/// How long a statement waits for another process's lock.
const BUSY: std::time::Duration = std::time::Duration::from_secs(10);

/// Turns on WAL. Two processes doing it at once on a new file can deadlock on the lock upgrade,
/// which SQLite reports at once as busy without waiting, so it is tried again until `BUSY`.
fn write_ahead(conn: &Connection) -> Result<(), String> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => return Ok(()),
            Err(err)
                if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) && started.elapsed() < BUSY =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(err) => return Err(format!("cannot turn on the write-ahead log: {err}")),
        }
    }
}

/// Brings a database's schema up to date, in one transaction. The transaction takes the write
/// lock before it reads how far the schema is, so two processes opening a new data directory at
/// once (a server and a command) run each migration once: the second waits, then finds it done.
pub fn migrate(mut conn: Connection) -> Result<Connection, String> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| e.to_string())?;
    let done: usize = tx.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(|e| e.to_string())?;
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

#[cfg(test)]
mod tests {
    /// A server and a command opening a new data directory at the same moment: before the write
    /// lock was taken first, the second ran migration 1 again ("table usage already exists").
    #[test]
    fn processes_opening_a_new_data_directory_at_once_each_find_the_schema_made() {
        for round in 0..20 {
            let dir = std::env::temp_dir().join(format!("picscribe-migrate-{}-{round}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let opened: Vec<Result<usize, String>> = std::thread::scope(|scope| {
                let openers: Vec<_> = (0..4)
                    .map(|_| {
                        scope.spawn(|| {
                            let conn = super::open_database(&dir)?;
                            conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(|e| e.to_string())
                        })
                    })
                    .collect();
                openers.into_iter().map(|opener| opener.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
            });
            let _ = std::fs::remove_dir_all(&dir);
            for result in opened {
                assert_eq!(result, Ok(super::MIGRATIONS.len()), "round {round}");
            }
        }
    }
}
