//! The tokens each user has spent, per UTC day, in an embedded SQLite database so budgets
//! hold across restarts. The sums and the refusal sentences are pure and table-tested.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};

pub use crate::describe::cost::thousands;
use crate::error::ApiError;

/// What a user (or everyone) has spent today and this month, in provider tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spent {
    pub day: u64,
    pub month: u64,
}

use engine::store::migrate;
pub use engine::store::open_database;

/// The usage record. Cheap to clone; every call blocks briefly, so async callers use
/// `spawn_blocking`.
#[derive(Clone)]
pub struct Budgets {
    conn: Arc<Mutex<Connection>>,
}

impl Budgets {
    /// Opens (or creates) `picscribe.sqlite3` in `dir` and brings its schema up to date.
    pub fn open(dir: &Path) -> Result<Budgets, String> {
        Ok(Budgets { conn: Arc::new(Mutex::new(open_database(dir)?)) })
    }

    pub fn in_memory() -> Budgets {
        let opened = Connection::open_in_memory().map_err(|err| err.to_string()).and_then(migrate);
        match opened {
            Ok(conn) => Budgets { conn: Arc::new(Mutex::new(conn)) },
            // An in-memory database only fails when there is no memory left at all.
            Err(error) => panic!("SQLite could not open an in-memory database: {error}"),
        }
    }

    /// Whether the database still takes writes (for `/readyz`).
    pub fn writable(&self) -> bool {
        self.conn.lock().is_ok_and(|conn| conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;").is_ok())
    }

    /// Adds one call's tokens to the user's day.
    pub fn record(&self, user: &str, tokens: u64, now: SystemTime) -> Result<(), String> {
        let conn = self.conn.lock().map_err(|_| "the usage record is poisoned".to_string())?;
        conn.execute(
            "INSERT INTO usage (user, day, tokens, calls) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (user, day) DO UPDATE SET tokens = tokens + ?3, calls = calls + 1",
            params![user, day(now), i64::try_from(tokens).unwrap_or(i64::MAX)],
        )
        .map_err(|err| err.to_string())?;
        Ok(())
    }

    pub fn spent(&self, user: &str, now: SystemTime) -> Result<Spent, String> {
        self.sum(Some(user), now)
    }

    pub fn spent_by_all(&self, now: SystemTime) -> Result<Spent, String> {
        self.sum(None, now)
    }

    fn sum(&self, user: Option<&str>, now: SystemTime) -> Result<Spent, String> {
        let conn = self.conn.lock().map_err(|_| "the usage record is poisoned".to_string())?;
        let today = day(now);
        let month = format!("{}%", &today[..8]);
        let query = |sql: &str, day: &str| -> Result<u64, String> {
            let total: i64 =
                conn.query_row(sql, params![day, user], |row| row.get(0)).map_err(|err| err.to_string())?;
            Ok(u64::try_from(total).unwrap_or(0))
        };
        // A batch sent from the page holds its estimate until its results are charged.
        let held: i64 = conn
            .query_row(
                "SELECT COALESCE(SUM(reserved), 0) FROM batches
                 WHERE state = 'pending' AND owner != '' AND (?1 IS NULL OR owner = ?1)",
                params![user],
                |row| row.get(0),
            )
            .map_err(|err| err.to_string())?;
        let held = u64::try_from(held).unwrap_or(0);
        Ok(Spent {
            day: held
                + query(
                    "SELECT COALESCE(SUM(tokens), 0) FROM usage WHERE day = ?1 AND (?2 IS NULL OR user = ?2)",
                    &today,
                )?,
            month: held
                + query(
                    "SELECT COALESCE(SUM(tokens), 0) FROM usage WHERE day LIKE ?1 AND (?2 IS NULL OR user = ?2)",
                    &month,
                )?,
        })
    }
}

/// Refuses when a budget is already spent; `whose` starts the sentence ("Alice's").
pub fn check(whose: &str, daily: Option<u64>, monthly: Option<u64>, spent: Spent) -> Result<(), ApiError> {
    if let Some(limit) = daily.filter(|limit| spent.day >= *limit) {
        return Err(ApiError::Budget(format!(
            "{whose} daily budget of {} tokens is used up; it resets at 00:00 UTC.",
            thousands(limit)
        )));
    }
    if let Some(limit) = monthly.filter(|limit| spent.month >= *limit) {
        return Err(ApiError::Budget(format!(
            "{whose} monthly budget of {} tokens is used up; it resets on the 1st at 00:00 UTC.",
            thousands(limit)
        )));
    }
    Ok(())
}

/// What is left, for the page: "188,000 of 200,000 tokens left today".
pub fn left(daily: Option<u64>, monthly: Option<u64>, spent: Spent) -> Option<String> {
    let day = daily.map(|limit| {
        format!("{} of {} tokens left today", thousands(limit.saturating_sub(spent.day)), thousands(limit))
    });
    let month = monthly.map(|limit| {
        format!("{} of {} left this month", thousands(limit.saturating_sub(spent.month)), thousands(limit))
    });
    match (day, month) {
        (Some(day), Some(month)) => Some(format!("{day}, {month}")),
        (day, month) => day.or(month),
    }
}

/// The UTC date, `YYYY-MM-DD` (days to civil date, after Howard Hinnant's algorithm).
pub fn day(now: SystemTime) -> String {
    let days = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs() / 86_400).unwrap_or(0) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn dates_are_utc_days() {
        for (secs, expected) in [
            (0, "1970-01-01"),
            (86_399, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (1_795_305_599, "2026-11-21"),
            (1_795_305_600, "2026-11-22"),
            (1_798_761_600, "2027-01-01"),
        ] {
            assert_eq!(day(at(secs)), expected, "{secs}");
        }
    }

    #[test]
    fn spending_adds_up_per_user_per_day_and_month() -> Result<(), String> {
        let budgets = Budgets::in_memory();
        let nov_22 = at(1_795_306_200);
        let nov_21 = at(1_795_306_200 - 86_400);
        let oct_31 = at(1_795_306_200 - 22 * 86_400);
        budgets.record("alice", 100, nov_22)?;
        budgets.record("alice", 50, nov_22)?;
        budgets.record("alice", 7, nov_21)?;
        budgets.record("alice", 1000, oct_31)?;
        budgets.record("bob", 3, nov_22)?;
        assert_eq!(budgets.spent("alice", nov_22)?, Spent { day: 150, month: 157 });
        assert_eq!(budgets.spent("carol", nov_22)?, Spent::default());
        assert_eq!(budgets.spent_by_all(nov_22)?, Spent { day: 153, month: 160 });
        assert!(budgets.writable());
        Ok(())
    }

    #[test]
    fn budgets_hold_across_a_restart() -> Result<(), String> {
        let dir = std::env::temp_dir().join(format!("picscribe-budget-{}", std::process::id()));
        let now = SystemTime::now();
        Budgets::open(&dir)?.record("alice", 42, now)?;
        assert_eq!(Budgets::open(&dir)?.spent("alice", now)?.day, 42, "reopened, the spending is still there");
        std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())
    }

    #[test]
    fn a_spent_budget_is_refused_with_when_it_resets() {
        let spent = Spent { day: 200_000, month: 250_000 };
        let refused = check("Alice's", Some(200_000), None, spent);
        assert_eq!(
            refused,
            Err(ApiError::Budget("Alice's daily budget of 200,000 tokens is used up; it resets at 00:00 UTC.".into()))
        );
        let monthly = check("This server's", None, Some(250_000), spent);
        assert!(monthly.is_err_and(|e| e.to_string().contains("monthly budget of 250,000 tokens")));
        assert_eq!(check("Alice's", Some(200_001), Some(250_001), spent), Ok(()));
        assert_eq!(check("Alice's", None, None, spent), Ok(()));
        assert_eq!(
            left(Some(200_000), Some(3_000_000), Spent { day: 12_000, month: 12_000 }).as_deref(),
            Some("188,000 of 200,000 tokens left today, 2,988,000 of 3,000,000 left this month")
        );
        assert_eq!(left(None, None, spent), None);
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
