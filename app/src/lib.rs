//! picscribe's application: the page, the state it keeps in the browser, and the server
//! functions that forward vision requests with the server-held key.
#![recursion_limit = "512"]

pub mod access;
pub mod batch;
pub mod browser;
pub mod components;
pub mod describe;
pub mod error;
pub mod export;
pub mod import;
pub mod jobs;
pub mod on_demand;
#[cfg(feature = "ssr")]
pub mod state;
pub mod urls;

pub use components::app::{shell, App};
pub use engine::{feed, fields, images, items, plan, settings, sizing, text};
