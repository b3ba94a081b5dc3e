//! The model lists of the local servers picscribe finds by itself: Ollama's `/api/tags`
//! and `/api/show` (one model that sees, one that does not) and LM Studio's
//! `/api/v1/models` (likewise), counting how often they are asked. Their chat API is the
//! stub's OpenAI one at `/v1`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::Stub;

/// The models each local server offers: the first of each takes images.
pub const OLLAMA_MODELS: [&str; 2] = ["llava:7b", "llama3.2:3b"];
pub const LM_STUDIO_MODELS: [&str; 2] = ["google/gemma-3-4b", "qwen/qwen3-8b"];

impl Stub {
    /// How often the local servers' model lists were asked.
    pub fn local_probes(&self) -> usize {
        self.lock().local_probes
    }
}

pub fn routes() -> Router<Stub> {
    Router::new()
        .route("/api/tags", get(tags))
        .route("/api/show", post(show))
        .route("/api/v1/models", get(lm_studio))
        .route("/__stub/local", get(|State(stub): State<Stub>| async move { Json(stub.local_probes()) }))
}

async fn tags(State(stub): State<Stub>) -> Json<Value> {
    stub.lock().local_probes += 1;
    let models: Vec<Value> =
        OLLAMA_MODELS.iter().map(|name| json!({"name": name, "model": name, "size": 4_700_000_000u64})).collect();
    Json(json!({ "models": models }))
}

async fn show(State(stub): State<Stub>, Json(asked): Json<Value>) -> Json<Value> {
    stub.lock().local_probes += 1;
    let sees = asked["model"] == OLLAMA_MODELS[0];
    let capabilities = if sees { json!(["completion", "vision"]) } else { json!(["completion", "tools"]) };
    Json(json!({ "capabilities": capabilities, "details": {"format": "gguf"} }))
}

async fn lm_studio(State(stub): State<Stub>) -> Json<Value> {
    stub.lock().local_probes += 1;
    let models: Vec<Value> = LM_STUDIO_MODELS
        .iter()
        .enumerate()
        .map(|(at, key)| json!({"type": "llm", "key": key, "capabilities": {"vision": at == 0, "trained_for_tool_use": false}}))
        .collect();
    Json(json!({ "models": models }))
}
