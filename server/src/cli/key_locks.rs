//! The same image found twice in one run (a copy in another folder) is described once:
//! whoever comes second waits for the first's turn with that key, then finds its result
//! in the store.

use std::collections::HashMap;
use std::sync::Arc;

/// One lock per cache key being worked on, dropped when the work is done.
#[derive(Default)]
pub struct KeyLocks {
    held: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

pub struct KeyTurn<'a> {
    locks: &'a KeyLocks,
    key: String,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl KeyLocks {
    pub async fn turn(&self, key: &str) -> Option<KeyTurn<'_>> {
        let lock = {
            let mut held = self.held.lock().ok()?;
            Arc::clone(held.entry(key.to_string()).or_default())
        };
        Some(KeyTurn { locks: self, key: key.to_string(), _turn: lock.lock_owned().await })
    }
}

impl Drop for KeyTurn<'_> {
    fn drop(&mut self) {
        // The result is in the store by now: whoever comes next finds it there.
        if let Ok(mut held) = self.locks.held.lock() {
            held.remove(&self.key);
        }
    }
}
