//! Descriptions kept by cache key as each one arrives (one transaction each), so that a run
//! stopped by ctrl-c, `kill -9` or a reboot is taken up by running the same command again,
//! and nothing finished is paid twice.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use super::open_database;
use crate::fields::Values;
use crate::plan::Described;

/// One finished description.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub text: String,
    /// The answer in fields, when it was asked for in fields.
    pub values: Option<Values>,
    pub described: Described,
    /// Input and output tokens, when the provider said.
    pub usage: Option<(u32, u32)>,
}

pub struct Store {
    pub(super) conn: Mutex<Connection>,
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store, String> {
        let conn = open_database(dir)?;
        // A result must survive a killed process; the WAL makes that cheap without a sync
        // per row (it is lost only with the machine's power).
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(|err| err.to_string())?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    pub(super) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, String> {
        self.conn.lock().map_err(|_| "the results database is poisoned".to_string())
    }

    pub fn get(&self, key: &str) -> Result<Option<Stored>, String> {
        let conn = self.lock()?;
        let mut statement = conn
            .prepare_cached(
                "SELECT text, answer, prompt, provider, model, input_tokens, output_tokens
                 FROM descriptions WHERE key = ?1",
            )
            .map_err(|err| err.to_string())?;
        statement
            .query_row(params![key], |row| {
                let answer: Option<String> = row.get(1)?;
                let input: Option<u32> = row.get(5)?;
                let output: Option<u32> = row.get(6)?;
                let usage = input.zip(output);
                Ok(Stored {
                    text: row.get(0)?,
                    values: answer.and_then(|a| serde_json::from_str(&a).ok()),
                    described: Described {
                        key: key.to_string(),
                        prompt: row.get(2)?,
                        provider: row.get(3)?,
                        model: row.get(4)?,
                        tokens: usage.map(|(i, o)| i + o),
                    },
                    usage,
                })
            })
            .optional()
            .map_err(|err| err.to_string())
    }

    pub fn put(&self, stored: &Stored) -> Result<(), String> {
        Store::put_in(&*self.lock()?, stored)
    }

    /// Keeps a description, inside whatever transaction `conn` is in.
    pub(super) fn put_in(conn: &Connection, stored: &Stored) -> Result<(), String> {
        let answer = stored.values.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default());
        let d = &stored.described;
        conn.execute(
            "INSERT OR REPLACE INTO descriptions
             (key, text, answer, prompt, provider, model, input_tokens, output_tokens, described_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.key,
                stored.text,
                answer,
                d.prompt,
                d.provider,
                d.model,
                stored.usage.map(|u| u.0),
                stored.usage.map(|u| u.1),
                super::now()
            ],
        )
        .map(drop)
        .map_err(|err| err.to_string())
    }
}

/// First stages' answers kept with the descriptions, under their own keys (`analysis|…`),
/// so a command run again with another prompt or minimum confidence pays for none again.
impl crate::describe::server::chain::Remember for Store {
    fn recall(&self, key: &str) -> Option<String> {
        self.get(key).ok().flatten().map(|stored| stored.text)
    }

    fn keep(&self, key: &str, answer: &str) {
        let stored = Stored {
            text: answer.to_string(),
            values: None,
            described: Described {
                key: key.to_string(),
                prompt: String::new(),
                provider: String::new(),
                model: String::new(),
                tokens: None,
            },
            usage: None,
        };
        if let Err(problem) = self.put(&stored) {
            tracing::warn!(%problem, "an analysis could not be kept");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_is_there_when_the_store_is_opened_again() -> Result<(), String> {
        let dir = std::env::temp_dir().join(format!("picscribe-store-{}", std::process::id()));
        let mut values = Values::new();
        values.insert("alt_text".into(), "A mug.".into());
        let stored = Stored {
            text: "{\"alt_text\":\"A mug.\"}".into(),
            values: Some(values),
            described: Described {
                key: "h|auto|6:openai|11:gpt-4o-mini|3:Alt".into(),
                prompt: "Alt".into(),
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                tokens: Some(130),
            },
            usage: Some((120, 10)),
        };
        Store::open(&dir)?.put(&stored)?;
        let again = Store::open(&dir)?;
        assert_eq!(again.get(&stored.described.key)?, Some(stored));
        assert_eq!(again.get("another key")?, None);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
