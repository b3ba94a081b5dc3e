//! The page's settings remembered in `localStorage`: the provider, the model chosen for
//! each provider, the prompt and its fields, the answer language, the detail, how many
//! requests run at once, the temperature, the analysis, the minimum confidence, the model
//! compared, and the presets saved here. What a description's key covers is all here, so
//! a reload does not make the table look stale.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::describe::Detail;
use crate::fields::Field;

const KEY: &str = "picscribe.settings";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub provider: Option<String>,
    /// The last model used with each provider, by provider id.
    pub models: BTreeMap<String, String>,
    pub prompt: Option<String>,
    pub detail: Option<Detail>,
    pub parallel: Option<u32>,
    pub fields: Option<Vec<Field>>,
    pub language: Option<String>,
    /// In hundredths, as [`crate::batch::Batch::temperature`].
    pub temperature: Option<u32>,
    pub analyse_with: Option<String>,
    pub min_confidence: Option<u32>,
    /// "Compare with": a provider's id and model.
    pub compare: Option<(String, String)>,
    /// Presets saved with "Save preset", in the order saved.
    pub presets: Vec<SavedPreset>,
}

/// A named prompt with its fields, kept in this browser.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedPreset {
    pub name: String,
    pub prompt: String,
    #[serde(default)]
    pub fields: Vec<Field>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What was saved, or nothing when storage is off or holds something else.
pub fn load() -> Prefs {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        // `from_slice`, as everywhere in the page: see `components::resource_codec`.
        .and_then(|text| serde_json::from_slice(text.as_bytes()).ok())
        .unwrap_or_default()
}

/// Best effort: a browser with storage switched off simply forgets.
pub fn save(prefs: &Prefs) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(prefs)) {
        let _ = storage.set_item(KEY, &text);
    }
}
