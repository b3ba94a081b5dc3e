//! Describing an image: the engine's requests, events, prompts and providers
//! (`engine::describe`), and the server functions the page calls them through.

pub mod api;

pub use engine::describe::*;
