//! The page's side of one describe call: send it, wait for a free slot when the server
//! says this person has too many under way, and read the event stream into the row as it
//! arrives.

use futures::StreamExt;
use leptos::prelude::*;

use super::{Phase, Row};
use crate::browser;
use crate::describe::api::describe_image;
use crate::describe::events::{LineSplitter, StreamEvent};
use crate::describe::DescribeInput;
use crate::error::ApiError;

pub use crate::describe::events::{End, Reply};

/// How many times a call waits two seconds for a free slot before giving up.
const SLOT_WAITS: u32 = 30;

/// Sends one call and reads its event stream, showing the text in the row as it arrives
/// when `live`.
pub async fn fetch_reply(row: &Row, input: DescribeInput, live: bool) -> Reply {
    let mut reply = Reply::default();
    // Another tab of the same person may hold their slots: wait for one, a while.
    let mut waits = 0;
    let mut stream = loop {
        match describe_image(input.clone()).await {
            Ok(stream) => break stream.into_inner(),
            Err(ApiError::TooMany(message)) if waits < SLOT_WAITS => {
                row.note.set(Some(message));
                waits += 1;
                browser::sleep(2_000).await;
            }
            Err(err) => {
                reply.end = Some(End::Failed { stop_batch: err.stops_batch(), message: err.to_string() });
                return reply;
            }
        }
    };
    row.note.set(None);
    let mut splitter = LineSplitter::default();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(err) => {
                reply.end = Some(End::Failed { stop_batch: err.stops_batch(), message: err.to_string() });
                return reply;
            }
        };
        for event in splitter.push(&chunk) {
            // The engine's fold decides how the reply ends; the row shows it as it comes.
            if let StreamEvent::Retrying { attempt, wait_ms, reason } = &event {
                row.note.set(Some(format!(
                    "Provider {reason}; trying again in {:.0} s (retry {attempt} of 3).",
                    (*wait_ms as f64 / 1000.0).ceil()
                )));
            }
            let writing = matches!(event, StreamEvent::Delta { .. });
            if reply.see(event) {
                return reply;
            }
            if writing && live {
                row.note.set(None);
                row.phase.set(Phase::Writing { draft: reply.text.clone() });
            }
        }
    }
    reply
}
