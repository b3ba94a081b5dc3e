//! The state every component of the page shares, provided once by the page.

use leptos::prelude::*;

use super::row::Row;
use crate::describe::{cache_key, capped_key, Detail, ProviderInfo, ResizeRule, DEFAULT_PROMPT};

/// What the next description is asked with.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub prompt: String,
    pub provider: String,
    pub model: String,
    pub detail: Detail,
    /// How the chosen provider wants images cut.
    pub resize: ResizeRule,
    /// The reply's length cap; none is the server's ceiling.
    pub max_tokens: Option<u32>,
}

impl Settings {
    pub fn key_for(&self, hash: &str) -> String {
        capped_key(cache_key(hash, &self.prompt, &self.provider, &self.model, self.detail), self.max_tokens)
    }
}

#[derive(Clone, Copy)]
pub struct Batch {
    pub rows: RwSignal<Vec<Row>>,
    pub prompt: RwSignal<String>,
    /// What the server offers; empty until it answers.
    pub providers: RwSignal<ProviderInfo>,
    /// The chosen provider's id.
    pub provider: RwSignal<String>,
    pub model: RwSignal<String>,
    pub detail: RwSignal<Detail>,
    pub parallel: RwSignal<u32>,
    /// The "Max tokens" field; none means the server's ceiling.
    pub max_tokens: RwSignal<Option<u32>>,
    /// How many calls the server lets this person have under way (from the viewer).
    pub max_parallel: RwSignal<u32>,
    /// The server's output ceiling, which bounds "Max tokens" (from the viewer).
    pub max_output_tokens: RwSignal<u32>,
    pub running: RwSignal<bool>,
    pub run_total: RwSignal<u32>,
    pub run_finished: RwSignal<u32>,
    pub run_failed: RwSignal<u32>,
    /// Bumped by Cancel; workers of an older run stop taking work.
    pub run_id: RwSignal<u64>,
    /// Writes to IndexedDB still under way.
    pub saving: RwSignal<u32>,
    /// A sentence for the live region: what just happened.
    pub announcement: RwSignal<String>,
    /// A storage failure, shown until the next success.
    pub storage_error: RwSignal<Option<String>>,
    next_id: StoredValue<u64>,
}

impl Batch {
    pub fn settings(&self) -> Settings {
        let provider = self.provider.get_untracked();
        let resize = self.providers.with_untracked(|info| info.choose(&provider).map(|p| p.resize));
        Settings {
            prompt: self.prompt.get_untracked(),
            provider,
            model: self.model.get_untracked(),
            detail: self.detail.get_untracked(),
            resize: resize.unwrap_or(ResizeRule::OpenAiTiles),
            max_tokens: self.max_tokens.get_untracked(),
        }
    }

    /// The key a row's description must carry to count as current, tracking the settings.
    pub fn current_key(&self, hash: &str) -> String {
        let key = cache_key(hash, &self.prompt.read(), &self.provider.read(), &self.model.read(), self.detail.get());
        capped_key(key, self.max_tokens.get())
    }

    pub fn next_id(&self) -> u64 {
        self.next_id.update_value(|id| *id += 1);
        self.next_id.get_value()
    }

    pub fn row(&self, id: u64) -> Option<Row> {
        self.rows.with_untracked(|rows| rows.iter().find(|r| r.id == id).cloned())
    }

    pub fn announce(&self, text: impl Into<String>) {
        self.announcement.set(text.into());
    }
}

pub fn provide_batch_context() -> Batch {
    let batch = Batch {
        rows: RwSignal::new(Vec::new()),
        prompt: RwSignal::new(DEFAULT_PROMPT.to_string()),
        providers: RwSignal::new(ProviderInfo::default()),
        provider: RwSignal::new(String::new()),
        model: RwSignal::new(String::new()),
        detail: RwSignal::new(Detail::Auto),
        parallel: RwSignal::new(4),
        max_tokens: RwSignal::new(None),
        max_parallel: RwSignal::new(8),
        max_output_tokens: RwSignal::new(1024),
        running: RwSignal::new(false),
        run_total: RwSignal::new(0),
        run_finished: RwSignal::new(0),
        run_failed: RwSignal::new(0),
        run_id: RwSignal::new(0),
        saving: RwSignal::new(0),
        announcement: RwSignal::new(String::new()),
        storage_error: RwSignal::new(None),
        next_id: StoredValue::new(0),
    };
    provide_context(batch);
    batch
}

pub fn use_batch() -> Batch {
    use_context::<Batch>().unwrap_or_else(provide_batch_context)
}
