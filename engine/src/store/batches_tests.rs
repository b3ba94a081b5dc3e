use super::*;
use crate::plan::Described;

fn item(key: &str) -> NewItem {
    NewItem {
        custom_id: crate::describe::batch::custom_id(key),
        key: key.into(),
        name: format!("{key}.jpg"),
        prompt: "Alt".into(),
        attempt: 1,
        expected: 300,
    }
}

fn stored(key: &str) -> Stored {
    Stored {
        text: "A mug.".into(),
        values: None,
        described: Described {
            key: key.into(),
            prompt: "Alt".into(),
            provider: "openai".into(),
            model: "m".into(),
            tokens: Some(110),
        },
        usage: Some((100, 10)),
    }
}

#[test]
fn a_batch_holds_its_keys_until_settled_and_charges_its_sender() -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("picscribe-batches-{}", std::process::id()));
    let store = Store::open(&dir)?;
    let batch = NewBatch {
        provider: "openai",
        service: "open_ai",
        batch_id: "batch_1",
        model: "m",
        fields: "[]",
        owner: "alice",
        invocation: None,
    };
    let row = store.record_batch(&batch, &[item("a"), item("b")])?;
    assert!(store.is_pending("a")? && store.is_pending("b")?, "recorded with every key");
    assert!(!store.is_pending("c")?);
    let pending = store.pending_batches(Some("openai"), Some("alice"))?;
    assert_eq!((pending.len(), pending[0].reserved, pending[0].total), (1, 600, 2), "the estimate is held");
    assert!(store.pending_batches(None, Some(""))?.is_empty(), "not the command's");

    let a = crate::describe::batch::custom_id("a");
    let b = crate::describe::batch::custom_id("b");
    store.settle(row, &[(a, stored("a"))], &[(b.clone(), ItemState::Failed, "batch expired".into())], false)?;
    assert!(!store.is_pending("a")? && !store.is_pending("b")?);
    assert_eq!(store.get("a")?.map(|s| s.text), Some("A mug.".into()));
    let failed = store.failed_items("openai", "alice", "m", "[]")?;
    assert_eq!(failed.iter().map(|i| i.custom_id.as_str()).collect::<Vec<_>>(), [b.as_str()]);
    assert_eq!(store.last_failure("b")?, Some((ItemState::Failed, 1, "batch expired".into())));
    let charged: i64 =
        store.lock()?.query_row("SELECT tokens FROM usage WHERE user = 'alice'", [], |r| r.get(0)).map_err(text)?;
    assert_eq!(charged, 110, "what the results reported, charged to the sender");

    // Sent again: the failed item is marked retried, the new one pending.
    let again = NewItem { attempt: 2, ..item("b") };
    store.record_batch(&NewBatch { batch_id: "batch_2", ..batch }, &[again])?;
    assert!(store.is_pending("b")? && store.failed_items("openai", "alice", "m", "[]")?.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
