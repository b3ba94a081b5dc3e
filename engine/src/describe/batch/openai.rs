//! OpenAI's and Azure OpenAI's Batch API: a JSONL file of `{custom_id, method, url, body}`
//! lines uploaded with `purpose=batch`, a batch object that moves from `validating` to
//! `completed`, and output and error files of `{custom_id, response: {status_code, body}, error}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::parse_id;
use super::{Line, Outcome, Results, State, Status};
use crate::describe::openai::parse_completion;

/// One request line: the body an interactive call sends, under its id.
#[derive(Debug, Serialize)]
pub struct RequestLine<'a, B: Serialize> {
    pub custom_id: &'a str,
    pub method: &'static str,
    pub url: &'a str,
    pub body: &'a B,
}

/// `POST /batches`.
#[derive(Debug, Serialize)]
pub struct CreateBatch<'a> {
    pub input_file_id: &'a str,
    pub endpoint: &'a str,
    pub completion_window: &'static str,
}

#[derive(Debug, Default, Deserialize)]
struct Batch {
    #[serde(default)]
    status: String,
    #[serde(default)]
    request_counts: Option<Counts>,
    #[serde(default)]
    output_file_id: Option<String>,
    #[serde(default)]
    error_file_id: Option<String>,
    #[serde(default)]
    errors: Option<Errors>,
}

#[derive(Debug, Default, Deserialize)]
struct Counts {
    #[serde(default)]
    total: u64,
    #[serde(default)]
    completed: u64,
    #[serde(default)]
    failed: u64,
}

#[derive(Debug, Default, Deserialize)]
struct Errors {
    #[serde(default)]
    data: Vec<Problem>,
}

#[derive(Debug, Default, Deserialize)]
struct Problem {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    line: Option<u64>,
}

/// The id in an answer to `POST /files` or `POST /batches`.
pub fn parse_batch(body: &str) -> Result<Status, serde_json::Error> {
    let batch: Batch = serde_json::from_str(body)?;
    let state = match batch.status.as_str() {
        "validating" => State::Validating,
        "in_progress" => State::InProgress,
        "finalizing" => State::Finalizing,
        "cancelling" => State::Cancelling,
        "completed" => State::Completed,
        "expired" => State::Expired,
        "cancelled" => State::Cancelled,
        _ => State::Failed,
    };
    let counts = batch.request_counts.unwrap_or_default();
    let files: Vec<String> = batch.output_file_id.into_iter().chain(batch.error_file_id).collect();
    let problem = batch.errors.and_then(|e| e.data.into_iter().next()).map(|p| match p.line {
        Some(line) => format!("line {line}: {}", p.message.unwrap_or_default()),
        None => p.message.unwrap_or_default(),
    });
    Ok(Status {
        state,
        total: counts.total,
        succeeded: counts.completed,
        failed: counts.failed,
        results: if files.is_empty() { Results::None } else { Results::Files(files) },
        problem,
    })
}

#[derive(Debug, Deserialize)]
struct OutputLine {
    custom_id: String,
    #[serde(default)]
    response: Option<Response>,
    #[serde(default)]
    error: Option<LineError>,
}

#[derive(Debug, Deserialize)]
struct Response {
    status_code: u16,
    #[serde(default)]
    body: Value,
}

#[derive(Debug, Deserialize)]
struct LineError {
    #[serde(default)]
    code: Option<String>,
}

/// One line of an output or error file.
pub fn parse_line(line: &str) -> Result<Line, serde_json::Error> {
    let parsed: OutputLine = serde_json::from_str(line)?;
    let outcome = match (parsed.response, parsed.error) {
        (Some(Response { status_code: 200, body }), _) => Outcome::Answered(parse_completion(&body.to_string())?),
        (Some(Response { status_code, body }), _) => {
            let kind = body["error"]["code"].as_str().or(body["error"]["type"].as_str()).unwrap_or("error");
            Outcome::Failed(format!("HTTP {status_code}, {kind}"))
        }
        (None, Some(error)) => Outcome::Failed(error.code.unwrap_or_else(|| "error".into()).replace('_', " ")),
        (None, None) => Outcome::Failed("no answer".into()),
    };
    Ok(Line { custom_id: parsed.custom_id, outcome })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::reply::{ChunkEvent, Usage};

    #[test]
    fn batch_objects_say_where_they_stand_and_where_results_are() -> Result<(), serde_json::Error> {
        let running = r#"{"id":"batch_1","object":"batch","status":"in_progress","output_file_id":null,
            "error_file_id":null,"request_counts":{"total":10,"completed":4,"failed":1}}"#;
        let status = parse_batch(running)?;
        assert_eq!((status.state, status.total, status.succeeded, status.failed), (State::InProgress, 10, 4, 1));
        assert_eq!(status.results, Results::None);
        let done = r#"{"id":"batch_1","status":"expired","output_file_id":"file-out","error_file_id":"file-err"}"#;
        let status = parse_batch(done)?;
        assert!(status.state.is_over());
        assert_eq!(status.results, Results::Files(vec!["file-out".into(), "file-err".into()]));
        let refused = r#"{"id":"b","status":"failed","errors":{"object":"list","data":[{"code":"invalid_json_line","line":3,"message":"This line is not parseable as valid JSON."}]}}"#;
        assert_eq!(parse_batch(refused)?.problem.as_deref(), Some("line 3: This line is not parseable as valid JSON."));
        Ok(())
    }

    #[test]
    fn result_lines_map_to_answers_and_failures() -> Result<(), serde_json::Error> {
        let answered = r#"{"id":"batch_req_1","custom_id":"abc","response":{"status_code":200,"request_id":"r",
            "body":{"choices":[{"index":0,"message":{"role":"assistant","content":"A red mug."},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":120,"completion_tokens":4}}},"error":null}"#;
        let line = parse_line(answered)?;
        assert_eq!(line.custom_id, "abc");
        let usage = Usage { prompt_tokens: 120, completion_tokens: 4 };
        let want = vec![ChunkEvent::Delta("A red mug.".into()), ChunkEvent::Finished, ChunkEvent::Usage(usage)];
        assert_eq!(line.outcome, Outcome::Answered(want));
        let refused = r#"{"custom_id":"d","response":{"status_code":400,"body":{"error":{"type":"invalid_request_error","code":"image_parse_error"}}}}"#;
        assert_eq!(parse_line(refused)?.outcome, Outcome::Failed("HTTP 400, image_parse_error".into()));
        let expired = r#"{"custom_id":"e","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}"#;
        assert_eq!(parse_line(expired)?.outcome, Outcome::Failed("batch expired".into()));
        Ok(())
    }
}
