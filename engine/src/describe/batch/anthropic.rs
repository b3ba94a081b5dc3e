//! Anthropic's Message Batches API: `{requests: [{custom_id, params}]}`, a batch whose
//! `processing_status` goes from `in_progress` to `ended`, and a JSONL document at its
//! `results_url` with one `succeeded`, `errored`, `canceled` or `expired` result each.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::parse_id;
use super::{Line, Outcome, Results, State, Status};
use crate::describe::anthropic::parse_message;

/// One request: the body an interactive call sends, under its id.
#[derive(Debug, Serialize)]
pub struct RequestLine<'a, B: Serialize> {
    pub custom_id: &'a str,
    pub params: &'a B,
}

#[derive(Debug, Default, Deserialize)]
struct Batch {
    #[serde(default)]
    processing_status: String,
    #[serde(default)]
    request_counts: Counts,
    #[serde(default)]
    results_url: Option<String>,
    #[serde(default)]
    cancel_initiated_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Counts {
    #[serde(default)]
    processing: u64,
    #[serde(default)]
    succeeded: u64,
    #[serde(default)]
    errored: u64,
    #[serde(default)]
    canceled: u64,
    #[serde(default)]
    expired: u64,
}

pub fn parse_batch(body: &str) -> Result<Status, serde_json::Error> {
    let batch: Batch = serde_json::from_str(body)?;
    let cancelled = batch.cancel_initiated_at.is_some();
    let state = match (batch.processing_status.as_str(), cancelled) {
        ("ended", true) => State::Cancelled,
        ("ended", false) => State::Completed,
        ("canceling", _) => State::Cancelling,
        _ => State::InProgress,
    };
    let c = batch.request_counts;
    Ok(Status {
        state,
        total: c.processing + c.succeeded + c.errored + c.canceled + c.expired,
        succeeded: c.succeeded,
        failed: c.errored + c.canceled + c.expired,
        results: batch.results_url.map_or(Results::None, Results::Url),
        problem: None,
    })
}

#[derive(Debug, Deserialize)]
struct ResultLine {
    custom_id: String,
    result: Value,
}

/// One line of the results document.
pub fn parse_line(line: &str) -> Result<Line, serde_json::Error> {
    let parsed: ResultLine = serde_json::from_str(line)?;
    let result = parsed.result;
    let outcome = match result["type"].as_str().unwrap_or_default() {
        "succeeded" => Outcome::Answered(parse_message(&result["message"].to_string())?),
        "errored" => {
            let inner = &result["error"]["error"];
            let kind = inner["type"].as_str().or(result["error"]["type"].as_str()).unwrap_or("error");
            Outcome::Failed(kind.replace('_', " "))
        }
        "canceled" => Outcome::Failed("cancelled".into()),
        "expired" => Outcome::Failed("expired".into()),
        other => Outcome::Failed(format!("unknown result “{other}”")),
    };
    Ok(Line { custom_id: parsed.custom_id, outcome })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::reply::{ChunkEvent, Usage};

    #[test]
    fn batches_end_or_are_cancelled() -> Result<(), serde_json::Error> {
        let running = r#"{"id":"msgbatch_1","type":"message_batch","processing_status":"in_progress",
            "request_counts":{"processing":3,"succeeded":1,"errored":0,"canceled":0,"expired":0},"results_url":null}"#;
        let status = parse_batch(running)?;
        assert_eq!((status.state, status.total, status.succeeded), (State::InProgress, 4, 1));
        let ended = r#"{"id":"msgbatch_1","processing_status":"ended","request_counts":{"succeeded":3,"errored":1},
            "results_url":"https://api.anthropic.com/v1/messages/batches/msgbatch_1/results"}"#;
        let status = parse_batch(ended)?;
        assert_eq!((status.state, status.failed), (State::Completed, 1));
        assert_eq!(
            status.results,
            Results::Url("https://api.anthropic.com/v1/messages/batches/msgbatch_1/results".into())
        );
        let cancelled = r#"{"id":"m","processing_status":"ended","cancel_initiated_at":"2026-12-01T10:00:00Z"}"#;
        assert_eq!(parse_batch(cancelled)?.state, State::Cancelled);
        Ok(())
    }

    #[test]
    fn result_lines_map_to_answers_and_failures() -> Result<(), serde_json::Error> {
        let answered = r#"{"custom_id":"abc","result":{"type":"succeeded","message":{"id":"msg_1","type":"message",
            "role":"assistant","content":[{"type":"text","text":"A red mug."}],"stop_reason":"end_turn",
            "usage":{"input_tokens":1100,"output_tokens":5}}}}"#;
        let usage = Usage { prompt_tokens: 1100, completion_tokens: 5 };
        let want = vec![ChunkEvent::Delta("A red mug.".into()), ChunkEvent::Usage(usage), ChunkEvent::Finished];
        assert_eq!(parse_line(answered)?, Line { custom_id: "abc".into(), outcome: Outcome::Answered(want) });
        let errored = r#"{"custom_id":"d","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"Could not process image"}}}}"#;
        assert_eq!(parse_line(errored)?.outcome, Outcome::Failed("invalid request error".into()));
        assert_eq!(
            parse_line(r#"{"custom_id":"e","result":{"type":"expired"}}"#)?.outcome,
            Outcome::Failed("expired".into())
        );
        Ok(())
    }
}
