//! The batch services' routes in each dialect (OpenAI's and Azure's files and batches,
//! Anthropic's message batches, Gemini's batches), and the controls a test uses.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::shapes::{now, shown};
use super::{BatchEnd, LineFault, StubBatch};
use crate::stub::{Dialect, Stub};

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
        let prefix = match dialect {
            Dialect::Openai | Dialect::Azure => "batch_",
            Dialect::Anthropic => "msgbatch_",
            Dialect::Gemini => "batches/",
        };
        let id = self.new_id(prefix);
        let mut inner = self.lock();
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
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
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
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
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
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
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
        let id = self.new_id("file-");
        let mut inner = self.lock();
        let bytes = file.len();
        inner.batches.files.insert(id.clone(), file.to_vec());
        Json(json!({"id": id, "object": "file", "bytes": bytes, "created_at": now(),
            "filename": "picscribe-batch.jsonl", "purpose": "batch"}))
        .into_response()
    }

    /// `POST /batches`: the uploaded file's lines, each `{custom_id, method, url, body}`.
    fn create_openai(&self, dialect: Dialect, headers: &HeaderMap, body: &Value, root: &str) -> Response {
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
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
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
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
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
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
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
            return refused;
        }
        let inner = self.lock();
        match inner.batches.list.iter().find(|b| b.id == id && b.step >= 3) {
            Some(batch) => batch.results.iter().map(|l| format!("{l}\n")).collect::<String>().into_response(),
            None => not_found(dialect),
        }
    }

    /// `models/{model}:batchGenerateContent`, from the describe route that shares its path.
    pub(crate) fn create_gemini(&self, model: &str, headers: &HeaderMap, body: &[u8]) -> Response {
        let dialect = Dialect::Gemini;
        if let Some(refused) = self.authorize(dialect, headers, &HashMap::new()) {
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
