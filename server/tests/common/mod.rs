//! What the server tests share: the stub, each provider family pointed at it, the router,
//! and a reader for the describe stream.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use app::access::server::Access;
use app::describe::events::{LineSplitter, StreamEvent};
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

/// Azure AI Vision at the stub's root, signed in with `key`.
pub fn vision_entry(url: &str, key: &str) -> ProviderEntry {
    let auth = app::describe::server::auth::Auth::Header("ocp-apim-subscription-key", key.into());
    let vision = app::describe::server::azure_vision::AzureVision::new(url, auth, Duration::from_secs(1)).unwrap();
    let naming = Naming {
        label: "Azure AI Vision".into(),
        key_setting: "AZURE_VISION_KEY".into(),
        url_setting: "AZURE_VISION_ENDPOINT".into(),
    };
    let mut entry =
        ProviderEntry::new("azure-vision", ProviderKind::AzureVision, naming, "image-analysis-4.0", Arc::new(vision));
    entry.list_models = false;
    entry
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
        prices: app::describe::cost::default_prices(),
        analyses: Arc::new(app::describe::server::chain::Remembered::default()),
    }
}

pub fn router(describer: Describer) -> axum::Router {
    router_with(describer, Access::open())
}

pub fn router_with(describer: Describer, access: Access) -> axum::Router {
    let options = LeptosOptions::builder().output_name("picscribe").build();
    server::router(options, describer, access)
}

/// Access settings read from these variables (and a `picscribe.toml` text), with usage
/// kept in `data_dir` or in memory.
pub fn access(vars: &[(&str, &str)], file: Option<&str>, data_dir: Option<&std::path::Path>) -> Access {
    let map: std::collections::HashMap<String, String> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let settings =
        app::access::server::config::load(&|name| map.get(name).cloned(), file.map(|t| ("picscribe.toml", t)))
            .expect("valid access settings");
    let budgets = match data_dir {
        Some(dir) => app::access::server::budget::Budgets::open(dir).expect("a data dir"),
        None => app::access::server::budget::Budgets::in_memory(),
    };
    Access::new(settings, budgets)
}

/// Sends a request as built, and reads the whole answer.
pub async fn send(router: axum::Router, request: Request<Body>) -> Reply {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// A describe request for the test JPEG, to add headers to.
pub fn describe_request() -> axum::http::request::Builder {
    Request::builder().method("POST").uri("/api/describe").header(header::CONTENT_TYPE, "application/json")
}

pub fn describe_body(provider: &str, model: &str) -> Body {
    Body::from(describe_input(provider, model, "Describe").to_string())
}

/// A real PNG of `width`×`height` noisy RGBA pixels, which no compressor can shrink: about
/// `4·width·height` bytes, as a transparent product cut-out is after the page's resize.
pub fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(data);
        out.extend_from_slice(&typed);
        out.extend_from_slice(&crc32(&typed).to_be_bytes());
    }
    let mut raw = Vec::with_capacity((width * height * 4 + height) as usize);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 24) as u8
    };
    for _ in 0..height {
        // Each row: filter "none", then its pixels.
        raw.extend(std::iter::once(0).chain((0..width * 4).map(|_| noise())));
    }
    // zlib with stored (uncompressed) deflate blocks.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
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
    pub headers: axum::http::HeaderMap,
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
            let text = json.to_string();
            // As browsers send it.
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .header(header::CONTENT_LENGTH, text.len());
            Body::from(text)
        }
        None => Body::empty(),
    };
    send(router, request.body(body).unwrap()).await
}

/// Asks for one description from a provider (empty: the default) with its model.
pub async fn describe_with(router: axum::Router, provider: &str, model: &str, prompt: &str) -> Reply {
    call(router, "POST", "/api/describe", Some(describe_input(provider, model, prompt))).await
}

/// The describe server function's JSON input for the test JPEG.
pub fn describe_input(provider: &str, model: &str, prompt: &str) -> serde_json::Value {
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
