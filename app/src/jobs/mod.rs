//! "Send as a batch": the page's rows sent through the provider's batch service at about
//! half the price. The page adds its rows' requests one at a time to a draft the server
//! holds for it, then sends the draft; the server records each batch for the signed-in
//! user, holds its estimate against their budget, polls the provider (the tab may be
//! closed), keeps the answers by cache key and charges what they report. The page asks by
//! its rows' keys what has come back; only the user who sent a batch reads its results.

#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::describe::DescribeInput;
use crate::error::ApiError;
use crate::fields::Values;
use crate::plan::Described;

/// Keys one `batch_results` call asks about.
pub const MAX_KEYS: usize = 10_000;

/// One row's request for a draft batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobLine {
    /// The draft this row goes into: any id the page chose for one "Send as a batch".
    pub draft: String,
    /// The row's cache key, by which its answer comes back.
    pub key: String,
    /// The row's file name, for messages.
    pub name: String,
    pub input: DescribeInput,
}

/// A draft sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// The provider's ids of the batches it became.
    pub batches: Vec<String>,
    pub images: u32,
    /// When, in seconds since 1970.
    pub since: i64,
}

/// What has become of one row sent in a batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Still with the provider (or about to be sent again).
    Pending {
        since: i64,
        batch: String,
    },
    Done {
        text: String,
        values: Option<Values>,
        described: Described,
    },
    /// Not described; the sentence says why.
    Failed {
        sentence: String,
    },
}

/// Adds one row's request to the caller's draft batch.
///
/// Takes what `describe_image` takes (validated the same way: the image, prompt, provider,
/// model, detail, output cap and fields), the row's cache key (at most 4,000 characters)
/// and its name, and a draft id (at most 64 characters). Every row of a draft must name the
/// same provider, model and fields. Refused when the provider has no batch service (400),
/// when the caller's or the server's budget is spent (402), or when the caller has 100,000
/// rows in drafts. Costs nothing until the draft is sent; the draft is kept in the server's
/// memory for an hour.
#[server(input = Json, endpoint = "batch_add")]
pub async fn add_to_batch(line: JobLine) -> Result<(), ApiError> {
    server::add(line).await.map_err(crate::state::refuse)
}

/// Sends the caller's draft batch to the provider and records it.
///
/// The draft's expected tokens are held against the caller's budget until the results are
/// charged (refused with 402 when the budget is already spent). Costs the batch: about
/// half the interactive price, charged by the tokens the results report. Answers the
/// batch ids and when they were sent; a draft the provider refuses is a sentence (400/503).
#[server(input = Json, endpoint = "batch_send")]
pub async fn send_batch(draft: String) -> Result<Sent, ApiError> {
    server::send(draft).await.map_err(crate::state::refuse)
}

/// What has become of these keys in the caller's batches; keys the caller never sent in a
/// batch are left out. Takes at most 10,000 keys. Costs no paid call.
#[server(input = Json, endpoint = "batch_results")]
pub async fn batch_results(keys: Vec<String>) -> Result<Vec<(String, JobState)>, ApiError> {
    server::results(keys).await.map_err(crate::state::refuse)
}

/// Cancels the caller's batches still with the provider; what they answered before is
/// kept. Costs nothing; what was answered is charged.
#[server(input = Json, endpoint = "batch_cancel")]
pub async fn cancel_batches() -> Result<u32, ApiError> {
    server::cancel().await.map_err(crate::state::refuse)
}
