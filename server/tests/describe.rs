//! The server through its router, against the stub provider: what it refuses before any
//! call, what it serves without a provider, that the key never leaves it, that a page
//! which goes away stops paying, and that the OpenAI requests it builds match OpenAI's
//! published schema. Each provider family's wire
//! format and faults are in `providers.rs`.

// A test that cannot set itself up should fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use app::describe::events::StreamEvent;
use axum::http::StatusCode;
use base64::Engine as _;
use common::{call, describe_then_leave, describe_with, describer, jpeg_data_url, router, stub, Family, KEY};
use server::stub::Fault;

#[tokio::test]
async fn bad_input_costs_no_call() {
    let (stub, url) = stub().await;
    let app = router(describer(vec![Family::OpenAi.entry(&url, KEY, true)]));
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
    let app = router(describer(vec![]));
    let status = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    let info: app::describe::ProviderInfo = serde_json::from_str(&status.body).unwrap();
    assert!(!info.configured());

    let reply = describe_with(app.clone(), "", "m", "Describe").await;
    assert!(reply.body.contains("No vision provider is configured on this server"), "{}", reply.body);

    let page = call(app, "GET", "/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Add images"), "the page renders on the server");
}

#[tokio::test]
async fn the_key_appears_in_no_page_or_answer() {
    let (_stub, url) = stub().await;
    let app = router(describer(Family::ALL.iter().map(|f| f.entry(&url, KEY, true)).collect()));
    let page = call(app.clone(), "GET", "/", None).await;
    let status = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    let mut bodies = vec![page.body, status.body.clone()];
    for family in Family::ALL {
        bodies.push(describe_with(app.clone(), family.id(), family.model(), "Describe").await.body);
    }
    for body in &bodies {
        assert!(!body.contains(KEY));
        assert!(!body.contains(&url), "the provider's address stays on the server too");
    }
    assert!(status.body.contains("\"id\":\"anthropic\""), "{}", status.body);
}

#[tokio::test]
async fn a_page_that_leaves_during_a_retry_wait_costs_no_second_call() {
    for family in Family::ALL {
        let (stub, url) = stub().await;
        stub.push_faults([Fault::RateLimited { retry_after: Some("1".into()) }, Fault::Fine]);
        let app = router(describer(vec![family.entry(&url, KEY, true)]));
        let seen = describe_then_leave(app, family, |e| matches!(e, StreamEvent::Retrying { .. })).await;
        assert!(matches!(seen.last(), Some(StreamEvent::Retrying { wait_ms: 1000, .. })), "{family:?}: {seen:?}");

        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(stub.requests().len(), 1, "{family:?}: the retry after the page left was never sent");
    }
}

#[tokio::test]
async fn a_page_that_leaves_mid_reply_hangs_up_on_the_provider() {
    for family in Family::ALL {
        let (stub, url) = stub().await;
        stub.push_faults([Fault::Stall]);
        let mut describer = describer(vec![family.entry(&url, KEY, true)]);
        // Long enough that only the page leaving can end the call within the test.
        describer.timeouts.idle = Duration::from_secs(60);
        let app = router(describer);
        let seen = describe_then_leave(app, family, |e| matches!(e, StreamEvent::Delta { .. })).await;
        assert!(matches!(seen.last(), Some(StreamEvent::Delta { .. })), "{family:?}");
        assert_eq!(stub.open_replies(), 1, "{family:?}: the provider is still sending");

        let mut waited = Duration::ZERO;
        while stub.open_replies() > 0 && waited < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += Duration::from_millis(20);
        }
        assert_eq!(stub.open_replies(), 0, "{family:?}: picscribe hung up on the provider ({waited:?})");
        println!("{family:?}: provider connection closed {waited:?} after the page left");
    }
}

#[test]
fn requests_validate_against_openais_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/create-chat-completion-request.schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let image = jpeg_data_url();
    for (detail, stream) in app::describe::Detail::ALL.into_iter().flat_map(|d| [(d, true), (d, false)]) {
        let request = app::describe::openai::chat_request(
            "gpt-4o-mini",
            "Alt text",
            &image,
            detail,
            stream,
            app::describe::openai::OutputCap::Completion(1024),
        );
        let json = serde_json::to_value(&request).unwrap();
        let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    // The schema has teeth: a request without messages is refused.
    assert!(!validator.is_valid(&serde_json::json!({"model": "gpt-4o-mini"})));
    assert!(!validator.is_valid(&serde_json::json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x", "detail": "huge"}}]}]})));
}
