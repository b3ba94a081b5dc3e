//! The page's settings remembered in `localStorage`: the provider, the model chosen for
//! each provider, the prompt, the detail and how many requests run at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::describe::Detail;

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
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What was saved, or nothing when storage is off or holds something else.
pub fn load() -> Prefs {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Best effort: a browser with storage switched off simply forgets.
pub fn save(prefs: &Prefs) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(prefs)) {
        let _ = storage.set_item(KEY, &text);
    }
}
