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

/// What one call to the server came to.
pub struct Reply {
    pub text: String,
    /// Input and output tokens, when the provider said.
    pub usage: Option<(u32, u32)>,
    pub end: End,
}

pub enum End {
    Finished,
    Failed {
        message: String,
        stop_batch: bool,
    },
    Refused(String),
    /// The stream ended without saying how.
    Closed,
}

/// How many times a call waits two seconds for a free slot before giving up.
const SLOT_WAITS: u32 = 30;

/// Sends one call and reads its event stream, showing the text in the row as it arrives.
pub async fn fetch_reply(row: &Row, input: DescribeInput) -> Reply {
    let mut reply = Reply { text: String::new(), usage: None, end: End::Closed };
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
                reply.end = End::Failed { stop_batch: err.stops_batch(), message: err.to_string() };
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
                reply.end = End::Failed { stop_batch: err.stops_batch(), message: err.to_string() };
                return reply;
            }
        };
        for event in splitter.push(&chunk) {
            match event {
                StreamEvent::Retrying { attempt, wait_ms, reason } => row.note.set(Some(format!(
                    "Provider {reason}; trying again in {:.0} s (retry {attempt} of 3).",
                    (wait_ms as f64 / 1000.0).ceil()
                ))),
                StreamEvent::Delta { text } => {
                    reply.text.push_str(&text);
                    row.note.set(None);
                    row.phase.set(Phase::Writing { draft: reply.text.clone() });
                }
                StreamEvent::Usage { prompt_tokens, completion_tokens } => {
                    reply.usage = Some((prompt_tokens, completion_tokens));
                }
                StreamEvent::Done => {
                    reply.end = End::Finished;
                    return reply;
                }
                StreamEvent::Error { message, stop_batch } => {
                    reply.end = End::Failed { message, stop_batch };
                    return reply;
                }
                StreamEvent::Refused { message } => {
                    reply.end = End::Refused(message);
                    return reply;
                }
            }
        }
    }
    reply
}
