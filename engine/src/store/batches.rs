//! The batches a provider has accepted, each recorded with every key it holds in the same
//! transaction as it is accepted, and what became of each key: answered, failed (to be sent
//! again), given up, or cancelled. A key in a pending item is never submitted again.

use rusqlite::{params, OptionalExtension, Row};

use super::{now, Store, Stored};

/// What became of one request in a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemState {
    /// Sent, no answer yet.
    Pending,
    Done,
    /// Not answered; waiting to be sent again.
    Failed,
    /// Sent again in a later batch.
    Retried,
    /// Not answered after the last attempt.
    GivenUp,
    Cancelled,
}

impl ItemState {
    fn word(self) -> &'static str {
        match self {
            ItemState::Pending => "pending",
            ItemState::Done => "done",
            ItemState::Failed => "failed",
            ItemState::Retried => "retried",
            ItemState::GivenUp => "given_up",
            ItemState::Cancelled => "cancelled",
        }
    }

    fn from_word(word: &str) -> ItemState {
        match word {
            "pending" => ItemState::Pending,
            "done" => ItemState::Done,
            "failed" => ItemState::Failed,
            "retried" => ItemState::Retried,
            "cancelled" => ItemState::Cancelled,
            _ => ItemState::GivenUp,
        }
    }
}

/// A request a batch did not answer: its id, what becomes of it, and why.
pub type Unanswered = (String, ItemState, String);

/// A batch to record, as the provider accepted it.
#[derive(Clone, Debug)]
pub struct NewBatch<'a> {
    /// The configured provider's id.
    pub provider: &'a str,
    /// The dialect (`openai`, `azure`, `anthropic`, `gemini`).
    pub service: &'a str,
    pub batch_id: &'a str,
    pub model: &'a str,
    /// The answer's fields as JSON (`[]` for free text), to check the answers by.
    pub fields: &'a str,
    /// The page's user who sent it; empty for the command.
    pub owner: &'a str,
    /// The command line that sent it, for `picscribe batches collect`.
    pub invocation: Option<&'a str>,
}

/// One request of a batch to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewItem {
    pub custom_id: String,
    pub key: String,
    /// The image's name, for messages.
    pub name: String,
    pub prompt: String,
    /// 1 the first time the key is sent, 2 the second, …
    pub attempt: u32,
    /// The tokens it is expected to cost, held against its sender's budget until charged.
    pub expected: u64,
}

/// A recorded batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRow {
    pub row: i64,
    pub provider: String,
    pub service: String,
    pub batch_id: String,
    pub model: String,
    pub fields: String,
    pub owner: String,
    pub invocation: Option<String>,
    /// `pending` until its results are in, then `collected` (or `cancelled`).
    pub state: String,
    /// The provider's last word on it.
    pub provider_state: String,
    pub answered: u64,
    pub total: u64,
    pub reserved: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub submitted_at: i64,
    pub finished_at: Option<i64>,
}

/// A recorded request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRow {
    pub batch: i64,
    pub custom_id: String,
    pub key: String,
    pub name: String,
    pub prompt: String,
    pub attempt: u32,
    pub state: ItemState,
    pub reason: Option<String>,
}

const BATCH_COLUMNS: &str = "id, provider, service, batch_id, model, fields, owner, invocation, state, \
     provider_state, answered, total, reserved, input_tokens, output_tokens, submitted_at, finished_at";

fn batch_row(row: &Row<'_>) -> rusqlite::Result<BatchRow> {
    let count = |i: usize| row.get::<_, i64>(i).map(|n| u64::try_from(n).unwrap_or(0));
    Ok(BatchRow {
        row: row.get(0)?,
        provider: row.get(1)?,
        service: row.get(2)?,
        batch_id: row.get(3)?,
        model: row.get(4)?,
        fields: row.get(5)?,
        owner: row.get(6)?,
        invocation: row.get(7)?,
        state: row.get(8)?,
        provider_state: row.get(9)?,
        answered: count(10)?,
        total: count(11)?,
        reserved: count(12)?,
        input_tokens: count(13)?,
        output_tokens: count(14)?,
        submitted_at: row.get(15)?,
        finished_at: row.get(16)?,
    })
}

fn item_row(row: &Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok(ItemRow {
        batch: row.get(0)?,
        custom_id: row.get(1)?,
        key: row.get(2)?,
        name: row.get(3)?,
        prompt: row.get(4)?,
        attempt: row.get(5)?,
        state: ItemState::from_word(&row.get::<_, String>(6)?),
        reason: row.get(7)?,
    })
}

fn text(err: rusqlite::Error) -> String {
    err.to_string()
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Records an accepted batch and every key in it, in one transaction; the keys it sends
    /// again are marked as sent again. Returns the batch's row.
    pub fn record_batch(&self, batch: &NewBatch<'_>, items: &[NewItem]) -> Result<i64, String> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(text)?;
        tx.execute(
            "INSERT INTO batches (provider, service, batch_id, model, fields, owner, invocation, state,
                 provider_state, total, reserved, submitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 'validating', ?8, ?9, ?10)",
            params![
                batch.provider,
                batch.service,
                batch.batch_id,
                batch.model,
                batch.fields,
                batch.owner,
                batch.invocation,
                signed(items.len() as u64),
                signed(items.iter().map(|i| i.expected).sum()),
                now()
            ],
        )
        .map_err(text)?;
        let row = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO batch_items (batch, custom_id, key, name, prompt, position, attempt, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')",
                )
                .map_err(text)?;
            let mut retried = tx
                .prepare_cached("UPDATE batch_items SET state = 'retried' WHERE key = ?1 AND state = 'failed'")
                .map_err(text)?;
            for (position, item) in items.iter().enumerate() {
                retried.execute(params![item.key]).map_err(text)?;
                insert
                    .execute(params![
                        row,
                        item.custom_id,
                        item.key,
                        item.name,
                        item.prompt,
                        position as i64,
                        item.attempt
                    ])
                    .map_err(text)?;
            }
        }
        tx.commit().map_err(text)?;
        Ok(row)
    }

    /// What became of a key in the latest of `owner`'s batches that held it: its state,
    /// the sentence if it was given up, and the batch.
    pub fn item_for_owner(
        &self,
        key: &str,
        owner: &str,
    ) -> Result<Option<(ItemState, Option<String>, BatchRow)>, String> {
        let conn = self.lock()?;
        let columns: Vec<String> = BATCH_COLUMNS.split(", ").map(|c| format!("b.{c}")).collect();
        let sql = format!(
            "SELECT {}, i.state, i.reason FROM batch_items i JOIN batches b ON b.id = i.batch
             WHERE i.key = ?1 AND b.owner = ?2 ORDER BY i.batch DESC LIMIT 1",
            columns.join(", ")
        );
        let mut statement = conn.prepare_cached(&sql).map_err(text)?;
        statement
            .query_row(params![key, owner], |row| {
                let batch = batch_row(row)?;
                let state = ItemState::from_word(&row.get::<_, String>(17)?);
                Ok((state, row.get(18)?, batch))
            })
            .optional()
            .map_err(text)
    }

    /// Whether a key waits in a batch the provider has not answered yet.
    pub fn is_pending(&self, key: &str) -> Result<bool, String> {
        let conn = self.lock()?;
        let mut statement = conn
            .prepare_cached("SELECT 1 FROM batch_items WHERE key = ?1 AND state = 'pending' LIMIT 1")
            .map_err(text)?;
        statement.exists(params![key]).map_err(text)
    }

    /// The last thing a batch said of a key that has no description: why it was not
    /// answered, and after how many attempts.
    pub fn last_failure(&self, key: &str) -> Result<Option<(ItemState, u32, String)>, String> {
        let conn = self.lock()?;
        let mut statement = conn
            .prepare_cached(
                "SELECT state, attempt, COALESCE(reason, '') FROM batch_items
                 WHERE key = ?1 AND state IN ('failed', 'given_up', 'cancelled')
                 ORDER BY batch DESC LIMIT 1",
            )
            .map_err(text)?;
        statement
            .query_row(params![key], |row| {
                Ok((ItemState::from_word(&row.get::<_, String>(0)?), row.get(1)?, row.get(2)?))
            })
            .optional()
            .map_err(text)
    }

    /// Batches whose results are not in yet: of one provider or of all, sent by one owner
    /// (the command's is empty) or by anyone.
    pub fn pending_batches(&self, provider: Option<&str>, owner: Option<&str>) -> Result<Vec<BatchRow>, String> {
        let conn = self.lock()?;
        let sql = format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE state = 'pending' AND (?1 IS NULL OR provider = ?1)
             AND (?2 IS NULL OR owner = ?2) ORDER BY id"
        );
        let mut statement = conn.prepare_cached(&sql).map_err(text)?;
        let rows = statement.query_map(params![provider, owner], batch_row).map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    /// Every batch, newest first.
    pub fn all_batches(&self) -> Result<Vec<BatchRow>, String> {
        let conn = self.lock()?;
        let mut statement =
            conn.prepare_cached(&format!("SELECT {BATCH_COLUMNS} FROM batches ORDER BY id DESC")).map_err(text)?;
        let rows = statement.query_map([], batch_row).map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    pub fn batch(&self, batch_id: &str) -> Result<Option<BatchRow>, String> {
        let conn = self.lock()?;
        let sql = format!("SELECT {BATCH_COLUMNS} FROM batches WHERE batch_id = ?1 ORDER BY id DESC LIMIT 1");
        conn.query_row(&sql, params![batch_id], batch_row).optional().map_err(text)
    }

    /// A batch's requests, in the order they were sent.
    pub fn items(&self, batch: i64) -> Result<Vec<ItemRow>, String> {
        let conn = self.lock()?;
        let mut statement = conn
            .prepare_cached(
                "SELECT batch, custom_id, key, name, prompt, attempt, state, reason FROM batch_items
                 WHERE batch = ?1 ORDER BY position",
            )
            .map_err(text)?;
        let rows = statement.query_map(params![batch], item_row).map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    /// Requests of one provider and owner not answered that may be sent again (not
    /// described since, not waiting in another batch), oldest first.
    /// Only those of batches for `model` with these `fields`, which the new batch is for.
    pub fn failed_items(&self, provider: &str, owner: &str, model: &str, fields: &str) -> Result<Vec<ItemRow>, String> {
        let conn = self.lock()?;
        let mut statement = conn
            .prepare_cached(
                "SELECT i.batch, i.custom_id, i.key, i.name, i.prompt, i.attempt, i.state, i.reason
                 FROM batch_items i JOIN batches b ON b.id = i.batch
                 WHERE i.state = 'failed' AND b.provider = ?1 AND b.owner = ?2 AND b.model = ?3 AND b.fields = ?4
                 AND NOT EXISTS (SELECT 1 FROM descriptions d WHERE d.key = i.key)
                 AND NOT EXISTS (SELECT 1 FROM batch_items p WHERE p.key = i.key AND p.state = 'pending')
                 ORDER BY i.batch, i.position",
            )
            .map_err(text)?;
        let rows = statement.query_map(params![provider, owner, model, fields], item_row).map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    /// Where a batch stands, as the provider last said.
    pub fn saw(&self, batch: i64, provider_state: &str, answered: u64) -> Result<(), String> {
        self.lock()?
            .execute(
                "UPDATE batches SET provider_state = ?2, answered = ?3 WHERE id = ?1",
                params![batch, provider_state, signed(answered)],
            )
            .map(drop)
            .map_err(text)
    }

    /// Takes in a finished batch's results in one transaction: each description kept, each
    /// request marked with what became of it (`failed` ones with why), the batch marked
    /// `collected` (or `cancelled`) with the tokens its results reported.
    pub fn settle(
        &self,
        batch: i64,
        described: &[(String, Stored)],
        unanswered: &[Unanswered],
        cancelled: bool,
    ) -> Result<(), String> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(text)?;
        let (mut input, mut output) = (0u64, 0u64);
        for (custom_id, stored) in described {
            Store::put_in(&tx, stored)?;
            if let Some((i, o)) = stored.usage {
                input += u64::from(i);
                output += u64::from(o);
            }
            tx.execute(
                "UPDATE batch_items SET state = 'done', reason = NULL WHERE batch = ?1 AND custom_id = ?2",
                params![batch, custom_id],
            )
            .map_err(text)?;
        }
        for (custom_id, state, reason) in unanswered {
            tx.execute(
                "UPDATE batch_items SET state = ?3, reason = ?4 WHERE batch = ?1 AND custom_id = ?2",
                params![batch, custom_id, state.word(), reason],
            )
            .map_err(text)?;
        }
        // A batch sent from the page is charged to its sender as its hold ends, in the same
        // transaction, so the budget never sees neither.
        tx.execute(
            "INSERT INTO usage (user, day, tokens, calls)
             SELECT owner, date('now'), ?2, ?3 FROM batches WHERE id = ?1 AND owner != '' AND ?2 > 0
             ON CONFLICT (user, day) DO UPDATE SET tokens = tokens + excluded.tokens, calls = calls + excluded.calls",
            params![batch, signed(input + output), signed(described.len() as u64)],
        )
        .map_err(text)?;
        tx.execute(
            "UPDATE batches SET state = ?2, answered = ?3, input_tokens = ?4, output_tokens = ?5, finished_at = ?6
             WHERE id = ?1",
            params![
                batch,
                if cancelled { "cancelled" } else { "collected" },
                signed(described.len() as u64),
                signed(input),
                signed(output),
                now()
            ],
        )
        .map_err(text)?;
        tx.commit().map_err(text)
    }

    /// Marks requests that will not be sent again, each with the sentence why.
    pub fn give_up(&self, items: &[(ItemRow, String)]) -> Result<(), String> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(text)?;
        for (item, why) in items {
            tx.execute(
                "UPDATE batch_items SET state = 'given_up', reason = ?3 WHERE batch = ?1 AND custom_id = ?2",
                params![item.batch, item.custom_id, why],
            )
            .map_err(text)?;
        }
        tx.commit().map_err(text)
    }
}

#[cfg(test)]
#[path = "batches_tests.rs"]
mod tests;
