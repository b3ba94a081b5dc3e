//! The table of images and what the page knows about each: the reactive state shared by
//! the components, and the actions that change it.

pub mod actions;
mod ask;
mod call;
pub(crate) mod compare;
mod context;
pub(crate) mod intake;
pub(crate) mod items;
mod row;
pub(crate) mod run;
pub(crate) mod send;
pub(crate) mod transfer;
mod watch;

pub use context::{key_under, provide_batch_context, use_batch, Batch, Run, Settings};
pub use row::{Answer, Described, Hand, Missed, Phase, Row};
