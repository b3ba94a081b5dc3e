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
pub mod fields;
pub mod images;
pub mod import;
pub mod on_demand;
pub mod sizing;
#[cfg(feature = "ssr")]
pub mod state;

pub use components::app::{shell, App};
