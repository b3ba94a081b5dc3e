//! What the server tests share: the stub, each provider family pointed at it, the router,
//! and a reader for the describe stream.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use app::describe::events::{LineSplitter, StreamEvent};
use app::access::server::Access;
use app::describe::server::anthropic::Anthropic;
use app::describe::server::gemini::Gemini;
use app::describe::server::openai_compat::OpenAiCompatible;
use app::describe::server::retry::RetryPolicy;
use app::describe::server::{Describer, Naming, ProviderEntry, Timeouts, VisionProvider};
use app::describe::ProviderKind;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine as _;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::stub::Stub;
use tower::ServiceExt;

pub const KEY: &str = "sk-test-0123456789abcdefghijklmnop";

/// A real 8×6 JPEG, as the page would send after shrinking.
pub fn jpeg_data_url() -> String {
    let bytes = include_bytes!("../fixtures/8x6.jpg");
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Each way picscribe talks to a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    OpenAi,
    /// Azure with an API version: the deployments path.
    Azure,
    /// Azure without one: the `/openai/v1/` path.
    AzureV1,
    Anthropic,
    Gemini,
}

impl Family {
    pub const ALL: [Family; 5] = [Family::OpenAi, Family::Azure, Family::AzureV1, Family::Anthropic, Family::Gemini];

    pub fn id(self) -> &'static str {
        match self {
            Family::OpenAi => "openai",
            Family::Azure => "azure",
            Family::AzureV1 => "azure-v1",
            Family::Anthropic => "anthropic",
            Family::Gemini => "gemini",
        }
    }

    pub fn kind(self) -> ProviderKind {
        match self {
            Family::OpenAi => ProviderKind::Openai,
            Family::Azure | Family::AzureV1 => ProviderKind::Azure,
            Family::Anthropic => ProviderKind::Anthropic,
            Family::Gemini => ProviderKind::Gemini,
        }
    }

    pub fn naming(self) -> Naming {
        let (label, key, url) = match self {
            Family::OpenAi => ("OpenAI", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
            Family::Azure | Family::AzureV1 => ("Azure OpenAI", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"),
            Family::Anthropic => ("Anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
            Family::Gemini => ("Gemini", "GEMINI_API_KEY", "GEMINI_BASE_URL"),
        };
        Naming { label: label.into(), key_setting: key.into(), url_setting: url.into() }
    }

    pub fn label(self) -> String {
        self.naming().label
    }

    pub fn model(self) -> &'static str {
        match self {
            Family::OpenAi => "stub-vision",
            Family::Azure | Family::AzureV1 => "vision-deployment",
            Family::Anthropic => "claude-stub-4",
            Family::Gemini => "gemini-stub-flash",
        }
    }

    /// The provider, pointed at the stub's root URL.
    pub fn provider(self, root: &str, key: &str, stream: bool) -> Arc<dyn VisionProvider> {
        let connect = Duration::from_secs(1);
        let key = key.to_string();
        match self {
            Family::OpenAi => {
                Arc::new(OpenAiCompatible::new(&format!("{root}/v1"), Some(key), connect).unwrap().streaming(stream))
            }
            Family::Azure => Arc::new(
                OpenAiCompatible::azure(root, Some(key), Some("2024-10-21"), connect).unwrap().streaming(stream),
            ),
            Family::AzureV1 => {
                Arc::new(OpenAiCompatible::azure(root, Some(key), None, connect).unwrap().streaming(stream))
            }
            Family::Anthropic => Arc::new(Anthropic::new(root, key, connect).unwrap().streaming(stream)),
            Family::Gemini => Arc::new(Gemini::new(root, key, connect).unwrap().streaming(stream)),
        }
    }

    pub fn entry(self, root: &str, key: &str, stream: bool) -> ProviderEntry {
        let mut entry =
            ProviderEntry::new(self.id(), self.kind(), self.naming(), self.model(), self.provider(root, key, stream));
        if matches!(self, Family::Azure) {
            // Deployments cannot be listed.
            entry.list_models = false;
        }
        entry
    }
}

pub fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(1),
        first_byte: Duration::from_millis(400),
        idle: Duration::from_millis(400),
        total: Duration::from_secs(10),
    }
}

pub fn describer(providers: Vec<ProviderEntry>) -> Describer {
    Describer {
        providers,
        timeouts: timeouts(),
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_retry_after: Duration::from_secs(2),
        },
    }
}

pub fn router(describer: Describer) -> axum::Router {
    let options = LeptosOptions::builder().output_name("picscribe").build();
    server::router(options, describer, Access::open())
}

/// A stub demanding [`KEY`], and its root URL.
pub async fn stub() -> (Stub, String) {
    let mut stub = Stub::new(Some(KEY.to_string()));
    stub.piece_delay = Duration::from_millis(5);
    let url = stub.clone().spawn().await.unwrap();
    (stub, url)
}

pub struct Reply {
    pub status: StatusCode,
    pub body: String,
}

impl Reply {
    pub fn events(&self) -> Vec<StreamEvent> {
        let mut splitter = LineSplitter::default();
        let mut events = splitter.push(&self.body);
        events.extend(splitter.finish());
        events
    }

    /// Everything streamed as description text.
    pub fn text(&self) -> String {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                StreamEvent::Delta { text } => Some(text),
                _ => None,
            })
            .collect()
    }

    pub fn last(&self) -> StreamEvent {
        self.events().pop().expect("at least one event")
    }

    pub fn retries(&self) -> usize {
        self.events().iter().filter(|e| matches!(e, StreamEvent::Retrying { .. })).count()
    }

    /// The last usage reported, as the row shows it.
    pub fn tokens(&self) -> Option<(u32, u32)> {
        self.events().into_iter().rev().find_map(|e| match e {
            StreamEvent::Usage { prompt_tokens, completion_tokens } => Some((prompt_tokens, completion_tokens)),
            _ => None,
        })
    }
}

pub async fn call(router: axum::Router, method: &str, uri: &str, body: Option<serde_json::Value>) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(json) => {
            request =
                request.header(header::CONTENT_TYPE, "application/json").header(header::ACCEPT, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = router.oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// Asks for one description from a provider (empty: the default) with its model.
pub async fn describe_with(router: axum::Router, provider: &str, model: &str, prompt: &str) -> Reply {
    call(router, "POST", "/api/describe", Some(describe_input(provider, model, prompt))).await
}

/// The describe server function's JSON input for the test JPEG.
fn describe_input(provider: &str, model: &str, prompt: &str) -> serde_json::Value {
    serde_json::json!({"input": {
        "image": jpeg_data_url(), "prompt": prompt, "provider": provider, "model": model, "detail": "auto"
    }})
}

/// Asks for one description and reads its events until `enough` says so, then hangs up,
/// as a tab that closes or a Cancel does. Returns what was read before leaving.
pub async fn describe_then_leave(
    router: axum::Router,
    family: Family,
    enough: impl Fn(&StreamEvent) -> bool,
) -> Vec<StreamEvent> {
    let input = describe_input(family.id(), family.model(), "Describe");
    let request = Request::builder()
        .method("POST")
        .uri("/api/describe")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(input.to_string()))
        .unwrap();
    let mut body = router.oneshot(request).await.unwrap().into_body();
    let mut splitter = LineSplitter::default();
    let mut seen = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(chunk) = frame.unwrap().into_data() else { continue };
        for event in splitter.push(&String::from_utf8_lossy(&chunk)) {
            let done = enough(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
    panic!("the stream ended before the test left: {seen:?}");
}

pub fn stub_text(prompt: &str) -> String {
    format!("Stub description of a 8×6 JPEG image for the prompt “{prompt}”.")
}
