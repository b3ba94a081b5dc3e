//! The settings remembered in this browser: taken in once, when the server has said what
//! it offers ([`restore`]), and written on every change or "Save preset" ([`remember`]).
//! Both run in the `intake` part (`on_demand`): reading and writing the saved JSON is code
//! the page does not need to show itself.

use leptos::prelude::*;

use crate::batch::Batch;
use crate::browser::prefs::{self, Prefs, SavedPreset};
use crate::describe::{Detail, ProviderInfo, ProviderKind};

/// What restoring the remembered settings needs: what the server offers, and where the
/// remembered choices, the saved presets and the fact of having restored them go.
pub struct Restore {
    pub info: ProviderInfo,
    pub prefs: StoredValue<Prefs>,
    pub presets: RwSignal<Vec<SavedPreset>>,
    pub restored: RwSignal<bool>,
}

/// Takes in, once, what this browser remembered, within what the server offers. Runs in
/// the `intake` part (`on_demand::restore_settings`): reading the saved JSON is code the
/// page does not need to show itself.
pub fn restore(batch: Batch, restore: Restore) {
    let Restore { info, prefs: memory, presets, restored } = restore;
    let saved = prefs::load();
    let provider = info.choose(saved.provider.as_deref().unwrap_or_default()).cloned();
    // A provider picked before this part arrived (a slow network) is the person's choice.
    let picked = !batch.provider.with_untracked(String::is_empty);
    if let Some(provider) = provider.filter(|_| !picked) {
        let model = saved.models.get(&provider.id).cloned().unwrap_or(provider.default_model);
        batch.provider.set(provider.id);
        batch.model.set(model);
    }
    if let Some(prompt) = saved.prompt.clone().filter(|p| !p.trim().is_empty()) {
        batch.prompt.set(prompt);
    }
    if let Some(detail) = saved.detail {
        batch.detail.set(detail);
    }
    if let Some(parallel) = saved.parallel {
        batch.parallel.set(parallel.clamp(1, 8));
    }
    if let Some(fields) = saved.fields.clone() {
        batch.fields.set(fields);
    }
    if let Some(language) = saved.language.clone() {
        batch.language.set(language);
    }
    if let Some(temperature) = saved.temperature.filter(|t| *t <= 200) {
        batch.temperature.set(Some(temperature));
    }
    // Only what the server still offers: an analyser by its id and kind, a compared model.
    let offered = |id: &str| info.providers.iter().find(|p| p.id == id);
    if let Some(id) = saved.analyse_with.clone() {
        let vision = offered(&id).is_some_and(|p| p.kind == ProviderKind::AzureVision);
        let text = id == crate::describe::analysis::BUILTIN_TEXT
            && info.providers.iter().any(|p| p.kind == ProviderKind::Builtin);
        let known = id.is_empty() || id == crate::describe::analysis::BUILTIN || vision || text;
        batch.analyse_with.set(if known { id } else { String::new() });
    }
    if let Some(min) = saved.min_confidence {
        batch.min_confidence.set(min.min(100));
    }
    let comparable = |(id, model): &(String, String)| offered(id).is_some_and(|p| p.models.contains(model));
    if let Some(compare) = saved.compare.clone().filter(comparable) {
        batch.compare.set(Some(compare));
    }
    presets.set(saved.presets.clone());
    memory.set_value(saved);
    restored.set(true);
}

/// The choices remembered in this browser, as they are now.
pub struct Choices {
    pub provider: String,
    pub model: String,
    pub prompt: String,
    pub detail: Detail,
    pub parallel: u32,
    pub fields: Vec<crate::fields::Field>,
    pub language: String,
    pub temperature: Option<u32>,
    pub analyse_with: String,
    pub min_confidence: u32,
    pub compare: Option<(String, String)>,
}

/// What to write into this browser's memory (`on_demand::remember`, the `intake` part).
pub enum Remember {
    Choices(StoredValue<Prefs>, Box<Choices>),
    /// "Save preset": the prompt and fields under the typed name.
    Preset {
        remembered: StoredValue<Prefs>,
        saved: RwSignal<Vec<SavedPreset>>,
        name: RwSignal<String>,
    },
}

/// Writes the remembered choices or a saved preset.
pub fn remember(batch: Batch, what: Remember) {
    match what {
        Remember::Choices(remembered, choices) => {
            let Choices {
                provider,
                model,
                prompt,
                detail,
                parallel,
                fields,
                language,
                temperature,
                analyse_with,
                min_confidence,
                compare,
            } = *choices;
            remembered.update_value(|p| {
                p.models.insert(provider.clone(), model);
                p.provider = Some(provider);
                p.prompt = Some(prompt);
                p.detail = Some(detail);
                p.parallel = Some(parallel);
                p.fields = Some(fields);
                p.language = Some(language);
                p.temperature = temperature;
                p.analyse_with = Some(analyse_with);
                p.min_confidence = Some(min_confidence);
                p.compare = compare;
            });
            remembered.with_value(prefs::save);
        }
        Remember::Preset { remembered, saved, name: typed } => {
            let name = typed.get_untracked().trim().to_string();
            if name.is_empty() {
                batch.announce("Name the preset first, in “Preset name”.");
                return;
            }
            let preset = SavedPreset {
                name: name.clone(),
                prompt: batch.prompt.get_untracked(),
                fields: batch.fields.get_untracked(),
            };
            remembered.update_value(|p| {
                p.presets.retain(|saved| saved.name != name);
                p.presets.push(preset);
            });
            remembered.with_value(prefs::save);
            saved.set(remembered.with_value(|p| p.presets.clone()));
            typed.set(String::new());
            batch.announce(format!("Saved the preset “{name}” in this browser."));
        }
    }
}
