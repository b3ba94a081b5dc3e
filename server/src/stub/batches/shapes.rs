//! What the stub's batch services say, in each dialect's own shape: a batch object, and
//! one result line per request.

use serde_json::{json, Value};

use super::{BatchEnd, StubBatch};
use crate::stub::Dialect;

pub(super) enum Outcome {
    Answered(Value),
    Error(u16),
    Expired,
    Cancelled,
}

/// One result in the dialect's shape: a result line, or (OpenAI, Azure) an error-file line.
pub(super) fn line(dialect: Dialect, custom_id: &str, outcome: Outcome) -> (Option<Value>, Option<Value>) {
    let request_id = format!("batch_req_{}", &custom_id[..custom_id.len().min(8)]);
    match (dialect, outcome) {
        (Dialect::Openai | Dialect::Azure, Outcome::Answered(body)) => (
            Some(json!({"id": request_id, "custom_id": custom_id,
                "response": {"status_code": 200, "request_id": "req_stub", "body": body}, "error": null})),
            None,
        ),
        (Dialect::Openai | Dialect::Azure, Outcome::Error(status)) => (
            None,
            Some(json!({"id": request_id, "custom_id": custom_id, "response": {"status_code": status,
                "request_id": "req_stub", "body": {"error": {"message": "The stub refused this line.",
                "type": "invalid_request_error", "code": "stub_refused"}}}, "error": null})),
        ),
        (Dialect::Openai | Dialect::Azure, Outcome::Expired | Outcome::Cancelled) => (
            None,
            Some(json!({"id": request_id, "custom_id": custom_id, "response": null, "error": {"code": "batch_expired",
                "message": "This request could not be executed before the completion window expired."}})),
        ),
        (Dialect::Anthropic, outcome) => {
            let result = match outcome {
                Outcome::Answered(message) => json!({"type": "succeeded", "message": message}),
                Outcome::Error(_) => json!({"type": "errored", "error": {"type": "error",
                    "error": {"type": "invalid_request_error", "message": "The stub refused this line."}}}),
                Outcome::Expired => json!({"type": "expired"}),
                Outcome::Cancelled => json!({"type": "canceled"}),
            };
            (Some(json!({"custom_id": custom_id, "result": result})), None)
        }
        (Dialect::Gemini, outcome) => {
            let metadata = json!({"key": custom_id});
            let response = match outcome {
                Outcome::Answered(response) => json!({"response": response, "metadata": metadata}),
                Outcome::Error(status) => json!({"error": {"code": status, "message": "The stub refused this line.",
                    "status": "INVALID_ARGUMENT"}, "metadata": metadata}),
                Outcome::Expired | Outcome::Cancelled => return (None, None),
            };
            (Some(response), None)
        }
    }
}

pub(super) fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The batch object in the dialect's own shape.
pub(super) fn shown(batch: &StubBatch, root: &str) -> Value {
    let total = batch.custom_ids.len();
    let over = batch.step >= 3;
    let answered = batch.results.len();
    let failed = if over { total - answered.min(total) } else { 0 };
    match batch.dialect {
        Dialect::Openai | Dialect::Azure => {
            let status = match (batch.step, batch.cancelled, batch.end) {
                (3, true, _) => "cancelled",
                (_, true, _) => "cancelling",
                (0, ..) => "validating",
                (1, ..) => "in_progress",
                (2, ..) => "finalizing",
                (_, _, Some(BatchEnd::Expired)) => "expired",
                (_, _, Some(BatchEnd::Failed)) => "failed",
                _ => "completed",
            };
            let files =
                |kind: &str, lines: &[Value]| (over && !lines.is_empty()).then(|| format!("file-{kind}-{}", batch.id));
            let errors = (batch.end == Some(BatchEnd::Failed)).then(|| {
                json!({"object": "list", "data": [
                {"code": "invalid_request", "message": "The stub failed this batch.", "line": 1}]})
            });
            json!({"id": batch.id, "object": "batch", "endpoint": "/v1/chat/completions", "status": status,
                "completion_window": "24h", "created_at": now(), "errors": errors,
                "output_file_id": files("out", &batch.results), "error_file_id": files("err", &batch.errors),
                "request_counts": {"total": total, "completed": answered, "failed": failed}})
        }
        Dialect::Anthropic => {
            let status = match (over, batch.cancelled) {
                (true, _) => "ended",
                (false, true) => "canceling",
                (false, false) => "in_progress",
            };
            let count = |kind: &str| batch.results.iter().filter(|r| r["result"]["type"] == kind).count();
            json!({"id": batch.id, "type": "message_batch", "processing_status": status,
                "request_counts": {"processing": if over { 0 } else { total }, "succeeded": count("succeeded"),
                    "errored": count("errored"), "canceled": count("canceled"), "expired": count("expired")},
                "created_at": "2026-12-01T10:42:00Z", "expires_at": "2026-12-02T10:42:00Z",
                "cancel_initiated_at": batch.cancelled.then_some("2026-12-01T10:50:00Z"),
                "ended_at": over.then_some("2026-12-01T11:00:00Z"),
                "results_url": over.then(|| format!("{root}/v1/messages/batches/{}/results", batch.id))})
        }
        Dialect::Gemini => {
            let state = match (batch.step, batch.cancelled, batch.end) {
                (3, true, _) => "BATCH_STATE_CANCELLED",
                (0, ..) => "BATCH_STATE_PENDING",
                (1 | 2, ..) => "BATCH_STATE_RUNNING",
                (_, _, Some(BatchEnd::Expired)) => "BATCH_STATE_EXPIRED",
                (_, _, Some(BatchEnd::Failed)) => "BATCH_STATE_FAILED",
                _ => "BATCH_STATE_SUCCEEDED",
            };
            let ok = batch.results.iter().filter(|r| r.get("response").is_some()).count();
            let mut operation = json!({"name": batch.id, "metadata": {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
                "model": format!("models/{}", batch.model), "displayName": "picscribe", "state": state,
                "batchStats": {"requestCount": total.to_string(), "successfulRequestCount": ok.to_string(),
                    "failedRequestCount": (if over { total - ok } else { 0 }).to_string(),
                    "pendingRequestCount": (if over { 0 } else { total }).to_string()}}, "done": over});
            if over && state == "BATCH_STATE_SUCCEEDED" {
                operation["response"] = json!({
                    "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
                    "inlinedResponses": {"inlinedResponses": batch.results}});
            }
            operation
        }
    }
}
