//! The server through its router, against the stub provider: what the page gets back for
//! a good reply and for every fault, how many provider calls each costs, and that the
//! key never leaves the server.

// A test that cannot set itself up should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use app::describe::events::{LineSplitter, StreamEvent};
use app::describe::server::openai_compat::OpenAiCompatible;
use app::describe::server::retry::RetryPolicy;
use app::describe::server::{Describer, Timeouts, VisionProvider};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine as _;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::stub::{Fault, Stub};
use tower::ServiceExt;

const KEY: &str = "sk-test-0123456789abcdefghijklmnop";

/// A real 8×6 JPEG, as the page would send after shrinking.
fn jpeg_data_url() -> String {
    let bytes = include_bytes!("fixtures/8x6.jpg");
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn describer(base_url: Option<&str>, key: &str) -> Describer {
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        first_byte: Duration::from_millis(400),
        idle: Duration::from_millis(400),
        total: Duration::from_secs(10),
    };
    let provider = base_url.map(|url| {
        Arc::new(OpenAiCompatible::new(url, Some(key.to_string()), timeouts.connect).unwrap())
            as Arc<dyn VisionProvider>
    });
    Describer {
        provider,
        default_model: "gpt-4o-mini".into(),
        timeouts,
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_retry_after: Duration::from_secs(2),
        },
    }
}

fn router(describer: Describer) -> axum::Router {
    let options = LeptosOptions::builder().output_name("picscribe").build();
    server::router(options, describer)
}

async fn stub() -> (Stub, String) {
    let stub = Stub::new(Some(KEY.to_string()));
    let url = stub.clone().spawn().await.unwrap();
    (stub, url)
}

struct Reply {
    status: StatusCode,
    body: String,
}

impl Reply {
    fn events(&self) -> Vec<StreamEvent> {
        let mut splitter = LineSplitter::default();
        let mut events = splitter.push(&self.body);
        events.extend(splitter.finish());
        events
    }

    fn text(&self) -> String {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                StreamEvent::Delta { text } => Some(text),
                _ => None,
            })
            .collect()
    }

    fn last(&self) -> StreamEvent {
        self.events().pop().expect("at least one event")
    }

    fn retries(&self) -> usize {
        self.events().iter().filter(|e| matches!(e, StreamEvent::Retrying { .. })).count()
    }
}

async fn call(router: axum::Router, method: &str, uri: &str, body: Option<serde_json::Value>) -> Reply {
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

async fn describe(router: axum::Router, prompt: &str) -> Reply {
    let input = serde_json::json!({"input": {
        "image": jpeg_data_url(), "prompt": prompt, "model": "gpt-4o-mini", "detail": "auto"
    }});
    call(router, "POST", "/api/describe", Some(input)).await
}

#[tokio::test]
async fn a_description_streams_back_with_its_usage() {
    let (stub, url) = stub().await;
    let reply = describe(router(describer(Some(&url), KEY)), "Write alt text").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.text(), "Stub description of a 8×6 JPEG image for the prompt “Write alt text”.");
    let deltas = reply.events().iter().filter(|e| matches!(e, StreamEvent::Delta { .. })).count();
    assert!(deltas > 1, "the text arrives in pieces, not at the end");
    assert!(
        reply.events().iter().any(|e| matches!(e, StreamEvent::Usage { prompt_tokens: 88, completion_tokens: 13 })),
        "{:?}",
        reply.events()
    );
    assert_eq!(reply.last(), StreamEvent::Done);

    let sent = stub.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].width, sent[0].height, sent[0].detail.as_str()), (8, 6, "auto"));
    assert!(sent[0].stream && sent[0].include_usage);
}

/// Each fault the provider can throw: attempts made, how the reply ends, and what the row reads.
#[tokio::test]
async fn fault_matrix() {
    let rate_limited = |after: Option<&str>| Fault::RateLimited { retry_after: after.map(String::from) };
    struct Case {
        name: &'static str,
        faults: Vec<Fault>,
        attempts: usize,
        retries: usize,
        ends_with: &'static str,
    }
    let cases = [
        Case { name: "429 then fine", faults: vec![rate_limited(Some("0"))], attempts: 2, retries: 1, ends_with: "done" },
        Case { name: "429 without Retry-After", faults: vec![rate_limited(None), rate_limited(None)], attempts: 3, retries: 2, ends_with: "done" },
        Case {
            name: "429 four times",
            faults: vec![rate_limited(Some("0")); 4],
            attempts: 4,
            retries: 3,
            ends_with: "Rate limited — try again in a minute. The provider kept refusing after 4 attempts.",
        },
        Case { name: "500 then fine", faults: vec![Fault::Status { status: 500 }], attempts: 2, retries: 1, ends_with: "done" },
        Case {
            name: "502, 503 and two 500s",
            faults: vec![Fault::Status { status: 502 }, Fault::Status { status: 503 }, Fault::Status { status: 500 }, Fault::Status { status: 500 }],
            attempts: 4,
            retries: 3,
            ends_with: "The provider is having trouble (HTTP 500) after 4 attempts — try again later.",
        },
        Case {
            name: "insufficient quota",
            faults: vec![Fault::InsufficientQuota],
            attempts: 1,
            retries: 0,
            ends_with: "The provider account has no credit left (insufficient quota). Add credit or use another key, then retry.",
        },
        Case {
            name: "400",
            faults: vec![Fault::Status { status: 400 }],
            attempts: 1,
            retries: 0,
            ends_with: "The provider rejected the request (HTTP 400). The model may not accept images, or this image.",
        },
        Case {
            name: "stall mid-stream",
            faults: vec![Fault::Stall],
            attempts: 1,
            retries: 0,
            ends_with: "The provider stopped sending partway through; nothing was saved. Retry this image.",
        },
        Case {
            name: "cut mid-stream",
            faults: vec![Fault::Cut],
            attempts: 1,
            retries: 0,
            ends_with: "The provider's reply was cut off; nothing was saved. Retry this image.",
        },
        Case { name: "no headers in time, then fine", faults: vec![Fault::StallBeforeHeaders], attempts: 2, retries: 1, ends_with: "done" },
    ];
    for case in cases {
        let (stub, url) = stub().await;
        stub.push_faults(case.faults.clone());
        let reply = describe(router(describer(Some(&url), KEY)), "Describe").await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", case.name, reply.body);
        assert_eq!(stub.requests().len(), case.attempts, "{}: attempts", case.name);
        assert_eq!(reply.retries(), case.retries, "{}: retry notes", case.name);
        match reply.last() {
            StreamEvent::Done => {
                assert_eq!(case.ends_with, "done", "{}", case.name);
                assert!(reply.text().starts_with("Stub description"), "{}: {}", case.name, reply.text());
            }
            StreamEvent::Error { message, stop_batch } => {
                assert_eq!(message, case.ends_with, "{}", case.name);
                assert_eq!(stop_batch, case.name == "insufficient quota", "{}: stop_batch", case.name);
            }
            other => panic!("{}: ended with {other:?}", case.name),
        }
    }
}

#[tokio::test]
async fn a_refused_key_is_final_and_never_echoed() {
    let (stub, url) = stub().await;
    let wrong = "sk-wrong-key-that-must-not-leak-9999";
    let reply = describe(router(describer(Some(&url), wrong)), "Describe").await;
    assert_eq!(stub.requests().len(), 0, "the stub refuses before recording");
    assert_eq!(
        reply.last(),
        StreamEvent::Error {
            message:
                "The server's API key was rejected by the provider. Ask whoever runs picscribe to check OPENAI_API_KEY."
                    .into(),
            stop_batch: true
        }
    );
    assert!(!reply.body.contains(wrong), "{}", reply.body);
    assert!(!reply.body.contains("Incorrect API key"), "the provider's raw error stays on the server");
}

#[tokio::test]
async fn an_unreachable_provider_is_retried_then_explained() {
    // Nothing listens on port 9 of loopback.
    let reply = describe(router(describer(Some("http://127.0.0.1:9/v1"), KEY)), "Describe").await;
    assert_eq!(reply.retries(), 3);
    assert_eq!(
        reply.last(),
        StreamEvent::Error {
            message: "Could not reach the provider after 4 attempts. Check that it is running and that OPENAI_BASE_URL is right.".into(),
            stop_batch: false
        }
    );
}

#[tokio::test]
async fn bad_input_costs_no_call() {
    let (stub, url) = stub().await;
    let app = router(describer(Some(&url), KEY));
    let not_an_image = format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode("hello"));
    let good = jpeg_data_url();
    let cases = [
        (not_an_image.as_str(), "Describe", "The image could not be read"),
        ("https://example.com/cat.jpg", "Describe", "The image could not be read"),
        (good.as_str(), "  ", "The prompt is empty"),
    ];
    for (image, prompt, says) in cases {
        let input = serde_json::json!({"input": {"image": image, "prompt": prompt, "model": "m", "detail": "low"}});
        let reply = call(app.clone(), "POST", "/api/describe", Some(input)).await;
        assert!(!reply.status.is_success(), "{image:.40}");
        assert!(reply.body.contains(says), "{}", reply.body);
    }
    assert!(stub.requests().is_empty());
}

#[tokio::test]
async fn without_a_provider_the_app_still_serves_and_says_so() {
    let app = router(describer(None, ""));
    let status = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    let info: app::describe::ProviderInfo = serde_json::from_str(&status.body).unwrap();
    assert!(!info.configured);

    let reply = describe(app.clone(), "Describe").await;
    assert!(reply.body.contains("No vision provider is configured on this server"), "{}", reply.body);

    let page = call(app, "GET", "/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Add images"), "the page renders on the server");
}

#[tokio::test]
async fn the_key_appears_in_no_page_or_answer() {
    let (_stub, url) = stub().await;
    let app = router(describer(Some(&url), KEY));
    let page = call(app.clone(), "GET", "/", None).await;
    let status = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    let reply = describe(app, "Describe").await;
    for body in [&page.body, &status.body, &reply.body] {
        assert!(!body.contains(KEY));
        assert!(!body.contains(&url), "the provider's address stays on the server too");
    }
    assert!(status.body.contains("\"configured\":true"), "{}", status.body);
}

#[test]
fn requests_validate_against_openais_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/create-chat-completion-request.schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let image = jpeg_data_url();
    for detail in app::describe::Detail::ALL {
        let request = app::describe::openai::chat_request("gpt-4o-mini", "Alt text", &image, detail);
        let json = serde_json::to_value(&request).unwrap();
        let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    // The schema has teeth: a request without messages is refused.
    assert!(!validator.is_valid(&serde_json::json!({"model": "gpt-4o-mini"})));
    assert!(!validator.is_valid(&serde_json::json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x", "detail": "huge"}}]}]})));
}
