//! picscribe's describe engine: what the page, the server and the `picscribe describe`
//! command share, with no leptos in it. Settings and cache keys, the plan (which images to
//! send), prompts, fields and answer checking, sizing rules, the export writers as pure
//! functions over plain rows, and — behind the `server` feature, which the wasm leaves
//! out — the provider clients and their configuration.

pub mod describe;
pub mod export;
pub mod feed;
#[cfg(feature = "server")]
pub mod fetch;
pub mod fields;
pub mod images;
pub mod items;
pub mod plan;
#[cfg(feature = "server")]
pub mod prepare;
pub mod settings;
pub mod sizing;
#[cfg(feature = "server")]
pub mod store;
pub mod text;
