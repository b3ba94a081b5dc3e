//! The providers' batch services as the stub speaks them: OpenAI's and Azure's files and
//! batches, Anthropic's message batches, Gemini's `batchGenerateContent` operations. A
//! batch moves one step each time it is looked at (`validating → in_progress → finalizing
//! → completed`), unless a test holds it; each line is answered as the describe endpoint
//! would answer it (and recorded as a request), and the results come back in the reverse
//! of the input's order. Tests queue per-line faults and how the next batch ends.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{reply_text, wire, Dialect, Stub};

/// What one line of the next batch to end meets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LineFault {
    Fine,
    /// An error answer for this line: a 4xx or 5xx inside `response.status_code` (OpenAI,
    /// Azure), an `errored` result (Anthropic), an error status (Gemini).
    Error {
        status: u16,
    },
    /// The line ran out of time: OpenAI's `batch_expired`, Anthropic's `expired`.
    Expired,
    /// The line is left out of the results altogether.
    Missing,
    /// A JSON answer without the fields asked for.
    Misfit,
}

/// How the next batch to end ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchEnd {
    Completed,
    /// The window passed: nothing answered.
    Expired,
    /// Refused as a whole (OpenAI's validation failure, Gemini's `BATCH_STATE_FAILED`).
    Failed,
}

/// A batch the stub holds.
#[derive(Clone, Debug, Serialize)]
pub struct StubBatch {
    pub id: String,
    pub dialect: Dialect,
    pub custom_ids: Vec<String>,
    /// What was uploaded for it.
    pub bytes: usize,
    /// 0 validating, 1 in progress, 2 finalizing, 3 over.
    pub step: u8,
    pub cancelled: bool,
    pub end: Option<BatchEnd>,
    #[serde(skip)]
    requests: Vec<Value>,
    #[serde(skip)]
    model: String,
    #[serde(skip)]
    headers: HeaderMap,
    /// Result lines (OpenAI's output file, Anthropic's results, Gemini's responses) and
    /// OpenAI's error file, once over.
    #[serde(skip)]
    results: Vec<Value>,
    #[serde(skip)]
    errors: Vec<Value>,
}

#[derive(Default)]
pub struct Batches {
    pub list: Vec<StubBatch>,
    files: HashMap<String, Vec<u8>>,
    pub faults: std::collections::VecDeque<LineFault>,
    pub ends: std::collections::VecDeque<BatchEnd>,
    pub hold: bool,
    next: u64,
}

impl Batches {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:04}", self.next)
    }
}

impl Stub {
    pub fn batches(&self) -> Vec<StubBatch> {
        self.lock().batches.list.clone()
    }

    /// Keeps batches where they are (or lets them move again) until [`Stub::finish_batches`].
    pub fn hold_batches(&self, hold: bool) {
        self.lock().batches.hold = hold;
    }

    pub fn push_line_faults(&self, faults: impl IntoIterator<Item = LineFault>) {
        self.lock().batches.faults.extend(faults);
    }

    pub fn push_batch_ends(&self, ends: impl IntoIterator<Item = BatchEnd>) {
        self.lock().batches.ends.extend(ends);
    }

    /// Ends every batch still under way, now.
    pub fn finish_batches(&self) {
        let ids: Vec<String> = self.lock().batches.list.iter().filter(|b| b.step < 3).map(|b| b.id.clone()).collect();
        for id in ids {
            self.advance(&id, true);
        }
    }

    /// Moves a batch one step (or to its end), answering its lines when it gets there.
    fn advance(&self, id: &str, to_end: bool) -> Option<StubBatch> {
        let mut inner = self.lock();
        let hold = inner.batches.hold;
        let index = inner.batches.list.iter().position(|b| b.id == id)?;
        let batch = &mut inner.batches.list[index];
        if batch.step < 3 && (to_end || batch.cancelled || !hold) {
            batch.step = if to_end || batch.cancelled { 3 } else { batch.step + 1 };
            if batch.step == 3 {
                let mut batch = batch.clone();
                let end = if batch.cancelled {
                    None
                } else {
                    Some(inner.batches.ends.pop_front().unwrap_or(BatchEnd::Completed))
                };
                let faults: Vec<LineFault> = batch
                    .custom_ids
                    .iter()
                    .map(|_| inner.batches.faults.pop_front().unwrap_or(LineFault::Fine))
                    .collect();
                drop(inner);
                batch.end = end;
                self.answer(&mut batch, &faults);
                let mut inner = self.lock();
                inner.batches.list[index] = batch.clone();
                return Some(batch);
            }
        }
        Some(batch.clone())
    }

    /// Answers each line as the describe endpoint would, in the dialect's result shape.
    fn answer(&self, batch: &mut StubBatch, faults: &[LineFault]) {
        let dialect = batch.dialect;
        let mut results = Vec::new();
        let mut errors = Vec::new();
        for (i, (request, fault)) in batch.requests.iter().zip(faults).enumerate() {
            let custom_id = batch.custom_ids[i].clone();
            let outcome = match (batch.end, batch.cancelled, fault) {
                (_, true, _) => Outcome::Cancelled,
                (Some(BatchEnd::Expired), _, _) | (_, _, LineFault::Expired) => Outcome::Expired,
                (Some(BatchEnd::Failed), _, _) | (_, _, LineFault::Missing) => continue,
                (_, _, LineFault::Error { status }) => Outcome::Error(*status),
                (_, _, fault) => match self.answer_line(dialect, request, &batch.model, &batch.headers, fault) {
                    Some(reply) => Outcome::Answered(reply),
                    None => Outcome::Error(400),
                },
            };
            match line(dialect, &custom_id, outcome) {
                (Some(result), _) => results.push(result),
                (None, Some(error)) => errors.push(error),
                (None, None) => {}
            }
        }
        // Results come in any order: the reverse of the input's shows it.
        results.reverse();
        errors.reverse();
        if dialect == Dialect::Gemini {
            // Gemini keeps the requests' order and may leave the metadata out.
            results.reverse();
        }
        batch.results = results;
        batch.errors = errors;
    }

    /// One line read and answered as a describe request: recorded, so tests see it.
    fn answer_line(
        &self,
        dialect: Dialect,
        request: &Value,
        model: &str,
        headers: &HeaderMap,
        fault: &LineFault,
    ) -> Option<Value> {
        let from_path = (dialect == Dialect::Gemini).then(|| format!("{model}:generateContent"));
        let body = request.to_string();
        let seen = dialect.read(request, headers, &HashMap::new(), from_path.as_deref())?;
        let mut recorded = seen.into_recorded(dialect, "batch", &HashMap::new(), body.len())?;
        if recorded.stream {
            return None;
        }
        let misfit = (fault == &LineFault::Misfit).then_some(super::Fault::Misfit);
        let (text, usage) = reply_text(misfit.as_ref(), &recorded);
        recorded.fault = misfit;
        self.lock().requests.push(recorded.clone());
        let reply = wire::Reply { text: &text, usage, refuse: false, no_usage: false, recorded: &recorded };
        Some(dialect.whole(&reply))
    }
}

enum Outcome {
    Answered(Value),
    Error(u16),
    Expired,
    Cancelled,
}

/// One result in the dialect's shape: a result line, or (OpenAI, Azure) an error-file line.
fn line(dialect: Dialect, custom_id: &str, outcome: Outcome) -> (Option<Value>, Option<Value>) {
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

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The batch object in the dialect's own shape.
fn shown(batch: &StubBatch, root: &str) -> Value {
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

fn not_found(dialect: Dialect) -> Response {
    dialect.error(StatusCode::NOT_FOUND, "No such batch.")
}

impl Stub {
    fn create(
        &self,
        dialect: Dialect,
        model: &str,
        headers: &HeaderMap,
        requests: Vec<(String, Value)>,
        bytes: usize,
    ) -> String {
        let mut inner = self.lock();
        let prefix = match dialect {
            Dialect::Openai | Dialect::Azure => "batch_",
            Dialect::Anthropic => "msgbatch_",
            Dialect::Gemini => "batches/",
        };
        let id = inner.batches.id(prefix);
        let (custom_ids, requests) = requests.into_iter().unzip();
        inner.batches.list.push(StubBatch {
            id: id.clone(),
            dialect,
            custom_ids,
            bytes,
            step: 0,
            cancelled: false,
            end: None,
            requests,
            model: model.to_string(),
            headers: headers.clone(),
            results: Vec::new(),
            errors: Vec::new(),
        });
        id
    }

    fn show(&self, dialect: Dialect, id: &str, headers: &HeaderMap, root: &str) -> Response {
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        match self.advance(id, false) {
            Some(batch) if batch.dialect == dialect || is_openai_pair(batch.dialect, dialect) => {
                Json(shown(&batch, root)).into_response()
            }
            _ => not_found(dialect),
        }
    }

    fn cancel(&self, dialect: Dialect, id: &str, headers: &HeaderMap, root: &str) -> Response {
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        let found = {
            let mut inner = self.lock();
            inner.batches.list.iter_mut().find(|b| b.id == id).map(|batch| {
                if batch.step < 3 {
                    batch.cancelled = true;
                }
                batch.clone()
            })
        };
        match found {
            Some(batch) => Json(shown(&batch, root)).into_response(),
            None => not_found(dialect),
        }
    }

    async fn upload(&self, dialect: Dialect, headers: &HeaderMap, mut form: Multipart) -> Response {
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        let (mut purpose, mut file) = (String::new(), None);
        while let Ok(Some(field)) = form.next_field().await {
            match field.name() {
                Some("purpose") => purpose = field.text().await.unwrap_or_default(),
                Some("file") => file = field.bytes().await.ok(),
                _ => {}
            }
        }
        let Some(file) = file.filter(|_| purpose == "batch") else {
            return dialect.error(StatusCode::BAD_REQUEST, "Expected purpose=batch and a file.");
        };
        let mut inner = self.lock();
        let id = inner.batches.id("file-");
        let bytes = file.len();
        inner.batches.files.insert(id.clone(), file.to_vec());
        Json(json!({"id": id, "object": "file", "bytes": bytes, "created_at": now(),
            "filename": "picscribe-batch.jsonl", "purpose": "batch"}))
        .into_response()
    }

    /// `POST /batches`: the uploaded file's lines, each `{custom_id, method, url, body}`.
    fn create_openai(&self, dialect: Dialect, headers: &HeaderMap, body: &Value, root: &str) -> Response {
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        let endpoint = if dialect == Dialect::Azure { "/chat/completions" } else { "/v1/chat/completions" };
        if body["endpoint"] != endpoint || body["completion_window"] != "24h" {
            return dialect.error(StatusCode::BAD_REQUEST, "endpoint or completion_window is wrong.");
        }
        let file = body["input_file_id"].as_str().and_then(|id| self.lock().batches.files.get(id).cloned());
        let Some(file) = file else { return dialect.error(StatusCode::NOT_FOUND, "No such file.") };
        let mut requests = Vec::new();
        for line in String::from_utf8_lossy(&file).lines().filter(|l| !l.trim().is_empty()) {
            let Ok(line) = serde_json::from_str::<Value>(line) else {
                return dialect.error(StatusCode::BAD_REQUEST, "A line is not JSON.");
            };
            let (Some(custom_id), true, true) =
                (line["custom_id"].as_str(), line["method"] == "POST", line["url"] == endpoint)
            else {
                return dialect.error(StatusCode::BAD_REQUEST, "A line lacks custom_id, method or url.");
            };
            requests.push((custom_id.to_string(), line["body"].clone()));
        }
        let model = requests.first().and_then(|(_, r)| r["model"].as_str()).unwrap_or_default().to_string();
        let id = self.create(dialect, &model, headers, requests, file.len());
        let batch = self.lock().batches.list.iter().find(|b| b.id == id).cloned();
        batch.map_or_else(|| not_found(dialect), |b| Json(shown(&b, root)).into_response())
    }

    fn file_content(&self, dialect: Dialect, headers: &HeaderMap, id: &str) -> Response {
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        let inner = self.lock();
        let found = inner.batches.list.iter().find_map(|b| {
            if id == format!("file-out-{}", b.id) {
                Some(&b.results)
            } else if id == format!("file-err-{}", b.id) {
                Some(&b.errors)
            } else {
                None
            }
        });
        match found {
            Some(lines) => lines.iter().map(|l| format!("{l}\n")).collect::<String>().into_response(),
            None => dialect.error(StatusCode::NOT_FOUND, "No such file."),
        }
    }

    fn create_anthropic(&self, headers: &HeaderMap, body: &[u8], root: &str) -> Response {
        let dialect = Dialect::Anthropic;
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        let parsed: Value = serde_json::from_slice(body).unwrap_or_default();
        let Some(list) = parsed["requests"].as_array() else {
            return dialect.error(StatusCode::BAD_REQUEST, "requests: expected a list.");
        };
        let mut requests = Vec::new();
        for item in list {
            let Some(custom_id) = item["custom_id"].as_str() else {
                return dialect.error(StatusCode::BAD_REQUEST, "A request lacks custom_id.");
            };
            requests.push((custom_id.to_string(), item["params"].clone()));
        }
        let model = requests.first().and_then(|(_, r)| r["model"].as_str()).unwrap_or_default().to_string();
        let id = self.create(dialect, &model, headers, requests, body.len());
        let batch = self.lock().batches.list.iter().find(|b| b.id == id).cloned();
        batch.map_or_else(|| not_found(dialect), |b| Json(shown(&b, root)).into_response())
    }

    fn anthropic_results(&self, headers: &HeaderMap, id: &str) -> Response {
        let dialect = Dialect::Anthropic;
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        let inner = self.lock();
        match inner.batches.list.iter().find(|b| b.id == id && b.step >= 3) {
            Some(batch) => batch.results.iter().map(|l| format!("{l}\n")).collect::<String>().into_response(),
            None => not_found(dialect),
        }
    }

    /// `models/{model}:batchGenerateContent`, from the describe route that shares its path.
    pub(super) fn create_gemini(&self, model: &str, headers: &HeaderMap, body: &[u8]) -> Response {
        let dialect = Dialect::Gemini;
        if let Some(refused) = dialect.authorize(self.key.as_deref(), headers, &HashMap::new()) {
            return refused;
        }
        let parsed: Value = serde_json::from_slice(body).unwrap_or_default();
        let batch = &parsed["batch"];
        let Some(list) = batch["input_config"]["requests"]["requests"].as_array() else {
            return dialect.error(StatusCode::BAD_REQUEST, "batch.input_config.requests.requests: expected a list.");
        };
        if batch["display_name"].as_str().is_none_or(str::is_empty) {
            return dialect.error(StatusCode::BAD_REQUEST, "batch.display_name is required.");
        }
        let requests = list
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let key = item["metadata"]["key"].as_str().map_or_else(|| i.to_string(), String::from);
                (key, item["request"].clone())
            })
            .collect();
        let id = self.create(dialect, model, headers, requests, body.len());
        let batch = self.lock().batches.list.iter().find(|b| b.id == id).cloned();
        batch.map_or_else(|| not_found(dialect), |b| Json(shown(&b, "")).into_response())
    }
}

fn is_openai_pair(a: Dialect, b: Dialect) -> bool {
    matches!((a, b), (Dialect::Openai | Dialect::Azure, Dialect::Openai | Dialect::Azure))
}

/// Where the stub is, for the results address Anthropic gives.
fn root(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// The batch routes of every dialect, and the test's controls.
pub fn routes() -> Router<Stub> {
    let openai = |dialect: Dialect| {
        Router::new()
            .route(
                "/files",
                post(move |State(stub): State<Stub>, headers: HeaderMap, form: Multipart| async move {
                    stub.upload(dialect, &headers, form).await
                }),
            )
            .route(
                "/files/{id}/content",
                get(move |State(stub): State<Stub>, headers: HeaderMap, Path(id): Path<String>| async move {
                    stub.file_content(dialect, &headers, &id)
                }),
            )
            .route(
                "/batches",
                post(move |State(stub): State<Stub>, headers: HeaderMap, Json(body): Json<Value>| async move {
                    stub.create_openai(dialect, &headers, &body, &root(&headers))
                }),
            )
            .route(
                "/batches/{id}",
                get(move |State(stub): State<Stub>, headers: HeaderMap, Path(id): Path<String>| async move {
                    stub.show(dialect, &id, &headers, &root(&headers))
                }),
            )
            .route(
                "/batches/{id}/cancel",
                post(move |State(stub): State<Stub>, headers: HeaderMap, Path(id): Path<String>| async move {
                    stub.cancel(dialect, &id, &headers, &root(&headers))
                }),
            )
    };
    Router::new()
        .nest("/v1", openai(Dialect::Openai))
        .nest("/openai/v1", openai(Dialect::Azure))
        .route(
            "/v1/messages/batches",
            post(|State(stub): State<Stub>, headers: HeaderMap, body: axum::body::Bytes| async move {
                stub.create_anthropic(&headers, &body, &root(&headers))
            }),
        )
        .route(
            "/v1/messages/batches/{id}",
            get(|State(stub): State<Stub>, headers: HeaderMap, Path(id): Path<String>| async move {
                stub.show(Dialect::Anthropic, &id, &headers, &root(&headers))
            }),
        )
        .route(
            "/v1/messages/batches/{id}/cancel",
            post(|State(stub): State<Stub>, headers: HeaderMap, Path(id): Path<String>| async move {
                stub.cancel(Dialect::Anthropic, &id, &headers, &root(&headers))
            }),
        )
        .route(
            "/v1/messages/batches/{id}/results",
            get(|State(stub): State<Stub>, headers: HeaderMap, Path(id): Path<String>| async move {
                stub.anthropic_results(&headers, &id)
            }),
        )
        .route(
            "/v1beta/batches/{name}",
            get(|State(stub): State<Stub>, headers: HeaderMap, Path(name): Path<String>| async move {
                stub.show(Dialect::Gemini, &format!("batches/{name}"), &headers, "")
            })
            .post(|State(stub): State<Stub>, headers: HeaderMap, Path(name): Path<String>| async move {
                match name.strip_suffix(":cancel") {
                    Some(id) => stub.cancel(Dialect::Gemini, &format!("batches/{id}"), &headers, ""),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }),
        )
        .route("/__stub/batches", get(|State(stub): State<Stub>| async move { Json(stub.batches()) }))
        .route(
            "/__stub/batches/hold",
            post(|State(stub): State<Stub>, Json(hold): Json<bool>| async move {
                stub.hold_batches(hold);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__stub/batches/finish",
            post(|State(stub): State<Stub>| async move {
                stub.finish_batches();
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__stub/batches/line-faults",
            post(|State(stub): State<Stub>, Json(faults): Json<Vec<LineFault>>| async move {
                stub.push_line_faults(faults);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/__stub/batches/ends",
            post(|State(stub): State<Stub>, Json(ends): Json<Vec<BatchEnd>>| async move {
                stub.push_batch_ends(ends);
                StatusCode::NO_CONTENT
            }),
        )
}
