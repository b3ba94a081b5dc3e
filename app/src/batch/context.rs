//! The state every component of the page shares, provided once by the page.

use leptos::prelude::*;

use super::row::Row;
use crate::describe::analysis::FirstStage;
use crate::describe::cost::{dollars, money, price_for, thousands, Price};
use crate::describe::prompt::Facts;
use crate::describe::{Detail, ProviderInfo, ResizeRule, DEFAULT_PROMPT};
use crate::fields::Field;
pub use crate::settings::Settings;

/// One "Describe all": how many rows it took on and how far it got. A row removed during
/// the run leaves `total`; a run stopped by a refused key or a spent budget drops the rows
/// it never sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Run {
    pub id: u64,
    pub total: u32,
    pub finished: u32,
    pub failed: u32,
    /// False once it has ended or been cancelled; its calls no longer count.
    pub active: bool,
    /// Tokens the provider reported, input and output.
    pub input: u64,
    pub output: u64,
    /// The model's price when the run started (dollars per million, input and output).
    pub price: Option<(f64, f64)>,
    /// What first stages used (Azure AI Vision's transactions), and cost at their own price.
    pub first: u64,
    pub first_dollars: f64,
    /// What the model "Compare with" names used, and cost at its own price.
    pub second: u64,
    pub second_dollars: f64,
}

impl Run {
    pub fn progress_label(&self) -> String {
        match self.failed {
            0 => format!("{} of {} done", self.finished, self.total),
            failed => format!("{} of {} done, {failed} failed", self.finished, self.total),
        }
    }

    /// What the provider reported using so far, in tokens and, with a price, dollars.
    pub fn spent_label(&self) -> Option<String> {
        let tokens = self.input + self.output + self.second;
        if tokens == 0 && self.first == 0 {
            return None;
        }
        let mut used = format!("{} tokens", thousands(tokens));
        if self.first > 0 {
            used = format!("{used} and {}", crate::text::count(self.first, "analysis", "analyses"));
        }
        let priced = self.first_dollars + self.second_dollars;
        Some(match self.price {
            None if priced > 0.0 => format!("{used} used, {} besides the model with no price known", money(priced)),
            None => format!("{used} used"),
            Some((input, output)) => {
                let price = Price::new("", input, output);
                let spent = dollars(self.input, self.output, &price) + self.first_dollars + self.second_dollars;
                format!("{used} used, {}", money(spent))
            }
        })
    }
}

#[derive(Clone, Copy)]
pub struct Batch {
    pub rows: RwSignal<Vec<Row>>,
    pub prompt: RwSignal<String>,
    /// What the server offers, derived from the page's providers context; empty until
    /// it answers.
    pub providers: Memo<ProviderInfo>,
    /// The chosen provider's id.
    pub provider: RwSignal<String>,
    pub model: RwSignal<String>,
    pub detail: RwSignal<Detail>,
    pub parallel: RwSignal<u32>,
    /// The "Max tokens" field; none means the server's ceiling.
    pub max_tokens: RwSignal<Option<u32>>,
    /// The fields the answer must have; none means one free-text description.
    pub fields: RwSignal<Vec<Field>>,
    /// The "Answer language" field; empty means as the prompt says.
    pub language: RwSignal<String>,
    /// The "Temperature" field in hundredths (70 is 0.7); none means the provider's default.
    pub temperature: RwSignal<Option<u32>>,
    /// "First analyse with": an Azure AI Vision provider's id, `builtin`, or empty for none.
    pub analyse_with: RwSignal<String>,
    /// "Minimum confidence" in hundredths: tags and objects under it are left out of
    /// `{tags}` and exports.
    pub min_confidence: RwSignal<u32>,
    /// "Compare with": a second provider's id and model that "Describe all" asks too.
    pub compare: RwSignal<Option<(String, String)>>,
    /// "Include edited rows": let "Describe all" replace text a person wrote.
    pub include_edited: RwSignal<bool>,
    /// How many calls the server lets this person have under way (from the viewer).
    pub max_parallel: RwSignal<u32>,
    /// The server's output ceiling, which bounds "Max tokens" (from the viewer).
    pub max_output_tokens: RwSignal<u32>,
    /// The last "Describe all", under way or ended; none before the first or after Clear all.
    pub run: RwSignal<Option<Run>>,
    /// Writes to IndexedDB still under way.
    pub saving: RwSignal<u32>,
    /// A sentence for the live region: what just happened.
    pub announcement: RwSignal<String>,
    /// A storage failure, shown until the next success.
    pub storage_error: RwSignal<Option<String>>,
    /// Whether the page will ask again soon what its batches brought back.
    pub looking: StoredValue<bool>,
    next_id: StoredValue<u64>,
}

impl Batch {
    pub fn settings(&self) -> Settings {
        self.read_settings(false)
    }

    /// The settings, tracked: a view or memo calling this re-runs when any of them changes.
    pub fn tracked_settings(&self) -> Settings {
        self.read_settings(true)
    }

    fn read_settings(&self, tracked: bool) -> Settings {
        fn read<T: Clone + Send + Sync + 'static>(signal: RwSignal<T>, tracked: bool) -> T {
            if tracked {
                signal.get()
            } else {
                signal.get_untracked()
            }
        }
        let provider = read(self.provider, tracked);
        let resize = self.providers.with_untracked(|info| info.choose(&provider).map(|p| p.resize));
        Settings {
            prompt: read(self.prompt, tracked),
            provider,
            model: read(self.model, tracked),
            detail: read(self.detail, tracked),
            resize: resize.unwrap_or(ResizeRule::OpenAiTiles),
            max_tokens: read(self.max_tokens, tracked),
            fields: read(self.fields, tracked),
            language: read(self.language, tracked),
            temperature: read(self.temperature, tracked).map(|t| t as f32 / 100.0),
            analyse: Some(read(self.analyse_with, tracked))
                .filter(|with| !with.is_empty())
                .map(|with| FirstStage { with, min_confidence: read(self.min_confidence, tracked) as f32 / 100.0 }),
        }
    }

    /// The settings "Compare with" describes with: these, with its provider and model;
    /// none when nothing is compared, or when it names the model chosen above (as after
    /// choosing the compared model there). Tracked when `tracked`.
    pub fn compared_settings(&self, tracked: bool) -> Option<Settings> {
        let (provider, model) = if tracked { self.compare.get() } else { self.compare.get_untracked() }?;
        let mut settings = self.read_settings(tracked);
        if settings.provider == provider && settings.model == model {
            return None;
        }
        if let Some(resize) = self.providers.with_untracked(|info| info.choose(&provider).map(|p| p.resize)) {
            settings.resize = resize;
        }
        settings.provider = provider;
        settings.model = model;
        Some(settings)
    }

    /// The key a row's description must carry to count as current, tracking the settings
    /// and the row's own prompt.
    pub fn current_key(&self, row: &Row) -> Option<String> {
        key_under(row, &self.tracked_settings())
    }

    /// Whether a run is under way (tracked).
    pub fn running(&self) -> bool {
        self.run.with(|run| run.is_some_and(|r| r.active))
    }

    /// Whether `id` is the run under way: calls of a cancelled or older run stop.
    pub fn is_current(&self, id: u64) -> bool {
        self.run.with_untracked(|run| run.is_some_and(|r| r.active && r.id == id))
    }

    /// Starts a run of `total` rows with `model` and returns its id.
    pub fn start_run(&self, total: u32, model: &str) -> u64 {
        let id = self.run.with_untracked(|run| run.map_or(1, |r| r.id + 1));
        let price = self.providers.with_untracked(|info| price_for(&info.prices, model).map(|p| (p.input, p.output)));
        let run = Run {
            id,
            total,
            finished: 0,
            failed: 0,
            active: true,
            input: 0,
            output: 0,
            price,
            first: 0,
            first_dollars: 0.0,
            second: 0,
            second_dollars: 0.0,
        };
        self.run.set(Some(run));
        id
    }

    /// Changes the run `id`, if it is still the one under way.
    pub fn update_run(&self, id: u64, change: impl FnOnce(&mut Run)) {
        if self.is_current(id) {
            self.run.update(|run| {
                if let Some(run) = run {
                    change(run);
                }
            });
        }
    }

    /// Ends the run under way, keeping its counts for the progress bar.
    pub fn end_run(&self) -> Option<Run> {
        self.run.update(|run| {
            if let Some(run) = run {
                run.active = false;
            }
        });
        self.run.get_untracked()
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

/// The key a description of `row` made with `settings` carries, tracking the row.
pub fn key_under(row: &Row, settings: &Settings) -> Option<String> {
    let hash = row.item_hash(true)?;
    let facts = Facts { filename: &row.name, size: row.dims.get(), existing: None };
    Some(settings.key_for(&hash, &row.prompt.get(), &facts))
}

pub fn provide_batch_context(providers: Memo<ProviderInfo>) -> Batch {
    let batch = Batch {
        rows: RwSignal::new(Vec::new()),
        prompt: RwSignal::new(DEFAULT_PROMPT.to_string()),
        providers,
        provider: RwSignal::new(String::new()),
        model: RwSignal::new(String::new()),
        detail: RwSignal::new(Detail::Auto),
        parallel: RwSignal::new(4),
        max_tokens: RwSignal::new(None),
        fields: RwSignal::new(Vec::new()),
        language: RwSignal::new(String::new()),
        temperature: RwSignal::new(None),
        analyse_with: RwSignal::new(String::new()),
        min_confidence: RwSignal::new(60),
        compare: RwSignal::new(None),
        include_edited: RwSignal::new(false),
        max_parallel: RwSignal::new(8),
        max_output_tokens: RwSignal::new(1024),
        run: RwSignal::new(None),
        saving: RwSignal::new(0),
        announcement: RwSignal::new(String::new()),
        storage_error: RwSignal::new(None),
        looking: StoredValue::new(false),
        next_id: StoredValue::new(0),
    };
    provide_context(batch);
    batch
}

pub fn use_batch() -> Batch {
    use_context::<Batch>().unwrap_or_else(|| provide_batch_context(Memo::new(|_| ProviderInfo::default())))
}

#[cfg(test)]
mod tests {
    use super::Run;

    #[test]
    fn what_a_run_spent_is_said_with_each_models_own_price() {
        let run = Run {
            id: 1,
            total: 2,
            finished: 2,
            failed: 0,
            active: false,
            input: 1_000,
            output: 200,
            price: Some((0.15, 0.60)),
            first: 0,
            first_dollars: 0.0,
            second: 1_300,
            second_dollars: 0.0017,
        };
        let cases = [
            (run, Some("2,500 tokens used, $0.002")),
            (Run { price: None, ..run }, Some("2,500 tokens used, $0.0017 besides the model with no price known")),
            (Run { price: None, second_dollars: 0.0, ..run }, Some("2,500 tokens used")),
            (Run { input: 0, output: 0, second: 0, ..run }, None),
        ];
        for (run, want) in cases {
            assert_eq!(run.spent_label().as_deref(), want, "{run:?}");
        }
    }
}
