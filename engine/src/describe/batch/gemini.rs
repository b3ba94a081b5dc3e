//! Gemini's Batch Mode: `models/{model}:batchGenerateContent` with the requests inline,
//! a long-running operation whose `state` goes from `BATCH_STATE_PENDING` to
//! `BATCH_STATE_SUCCEEDED`, and the responses inline, in the order of the requests.

use serde::Serialize;
use serde_json::Value;

use super::{Line, Outcome, Results, State, Status};
use crate::describe::gemini::parse_response;

/// One inline request: the body an interactive call sends, its id in the metadata.
#[derive(Debug, Serialize)]
pub struct RequestLine<'a, B: Serialize> {
    pub request: &'a B,
    pub metadata: Metadata<'a>,
}

#[derive(Debug, Serialize)]
pub struct Metadata<'a> {
    pub key: &'a str,
}

/// The operation's (or the batch's) name: `batches/…`.
pub fn parse_id(body: &str) -> Result<String, serde_json::Error> {
    let value: Value = serde_json::from_str(body)?;
    let name = value["name"].as_str().or(value["metadata"]["name"].as_str()).unwrap_or_default();
    Ok(name.to_string())
}

fn count(value: &Value) -> u64 {
    // int64 travels as a string in Google's JSON.
    value.as_u64().or_else(|| value.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}

/// A batch, as its operation (`metadata` and, once done, `response`) or as itself.
pub fn parse_batch(body: &str) -> Result<Status, serde_json::Error> {
    let value: Value = serde_json::from_str(body)?;
    let batch = if value["metadata"].is_object() { &value["metadata"] } else { &value };
    let word = batch["state"].as_str().unwrap_or_default();
    let state = match word.trim_start_matches("BATCH_STATE_").trim_start_matches("JOB_STATE_") {
        "PENDING" | "" => State::Validating,
        "RUNNING" => State::InProgress,
        "SUCCEEDED" => State::Completed,
        "EXPIRED" => State::Expired,
        "CANCELLED" => State::Cancelled,
        _ => State::Failed,
    };
    let stats = &batch["batchStats"];
    let responses = [&value["response"], &batch["output"]]
        .into_iter()
        .find_map(|output| output["inlinedResponses"]["inlinedResponses"].as_array())
        .cloned();
    Ok(Status {
        state,
        total: count(&stats["requestCount"]),
        succeeded: count(&stats["successfulRequestCount"]),
        failed: count(&stats["failedRequestCount"]),
        results: responses.map_or(Results::None, Results::Inline),
        problem: value["error"]["message"].as_str().map(String::from),
    })
}

/// The inline responses, each matched to its request by the id in its metadata, or by its
/// place where the metadata did not come back (the responses keep the requests' order).
pub fn lines(responses: &[Value], ids: &[String]) -> Vec<Line> {
    responses
        .iter()
        .enumerate()
        .filter_map(|(i, response)| {
            let custom_id = response["metadata"]["key"].as_str().map(String::from).or_else(|| ids.get(i).cloned())?;
            let outcome = match (&response["response"], &response["error"]) {
                (answer, _) if answer.is_object() => match parse_response(&answer.to_string()) {
                    Ok(events) => Outcome::Answered(events),
                    Err(_) => Outcome::Failed("a reply not understood".into()),
                },
                (_, error) => {
                    let status = error["status"].as_str().unwrap_or("error");
                    Outcome::Failed(status.to_ascii_lowercase().replace('_', " "))
                }
            };
            Some(Line { custom_id, outcome })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::reply::{ChunkEvent, Usage};

    #[test]
    fn operations_say_where_the_batch_stands() -> Result<(), serde_json::Error> {
        let pending = r#"{"name":"batches/123","metadata":{"@type":"type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "state":"BATCH_STATE_RUNNING","batchStats":{"requestCount":"3","pendingRequestCount":"3"}}}"#;
        assert_eq!(parse_id(pending)?, "batches/123");
        let status = parse_batch(pending)?;
        assert_eq!((status.state, status.total, status.results.clone()), (State::InProgress, 3, Results::None));
        let done = r#"{"name":"batches/123","metadata":{"state":"BATCH_STATE_SUCCEEDED","batchStats":{"requestCount":"2","successfulRequestCount":"1","failedRequestCount":"1"}},
            "done":true,"response":{"@type":"type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
            "inlinedResponses":{"inlinedResponses":[
              {"response":{"candidates":[{"content":{"parts":[{"text":"A red mug."}],"role":"model"},"finishReason":"STOP"}],
                "usageMetadata":{"promptTokenCount":300,"candidatesTokenCount":4}},"metadata":{"key":"b"}},
              {"error":{"code":400,"message":"Unable to process input image.","status":"INVALID_ARGUMENT"}}]}}}"#;
        let status = parse_batch(done)?;
        assert_eq!((status.state, status.succeeded, status.failed), (State::Completed, 1, 1));
        let responses = match status.results {
            Results::Inline(responses) => responses,
            _ => Vec::new(),
        };
        let usage = Usage { prompt_tokens: 300, completion_tokens: 4 };
        let ids = ["a".to_string(), "c".to_string()];
        assert_eq!(
            lines(&responses, &ids),
            [
                Line {
                    custom_id: "b".into(),
                    outcome: Outcome::Answered(vec![
                        ChunkEvent::Delta("A red mug.".into()),
                        ChunkEvent::Finished,
                        ChunkEvent::Usage(usage)
                    ])
                },
                Line { custom_id: "c".into(), outcome: Outcome::Failed("invalid argument".into()) },
            ],
            "the id in the metadata first, else the request's place"
        );
        Ok(())
    }
}
