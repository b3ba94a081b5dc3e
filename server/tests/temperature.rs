//! A temperature asked for on the page or in the command reaches each provider in its own
//! field, is left out when not asked, and a model that takes none is asked again without it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::describe::events::StreamEvent;
use axum::http::StatusCode;
use common::{call, describe_input, describer, router, stub, Family, KEY};

async fn describe_at(family: Family, model: &str, temperature: Option<f64>) -> (common::Reply, Vec<Option<f64>>) {
    let (stub, url) = stub().await;
    let app = router(describer(vec![family.entry(&url, KEY, true)]));
    let mut input = describe_input(family.id(), model, "Describe");
    if let Some(t) = temperature {
        input["input"]["temperature"] = serde_json::json!(t);
    }
    let reply = call(app, "POST", "/api/describe", Some(input)).await;
    (reply, stub.requests().iter().map(|r| r.temperature).collect())
}

/// The stub reads the temperature where each dialect puts it: `temperature` (OpenAI,
/// Azure, Anthropic), `generationConfig.temperature` (Gemini).
#[tokio::test]
async fn each_dialect_carries_the_temperature_only_when_asked() {
    for family in Family::ALL {
        let (reply, sent) = describe_at(family, family.model(), Some(0.7)).await;
        assert_eq!(reply.last(), StreamEvent::Done, "{family:?}: {}", reply.body);
        assert_eq!(sent.len(), 1, "{family:?}");
        assert!((sent[0].expect("a temperature") - 0.7).abs() < 1e-6, "{family:?}: {sent:?}");

        let (_, sent) = describe_at(family, family.model(), None).await;
        assert_eq!(sent, [None], "{family:?}: the provider's default is no field at all");
    }
    let (reply, sent) = describe_at(Family::Anthropic, Family::Anthropic.model(), Some(1.5)).await;
    assert_eq!(reply.last(), StreamEvent::Done);
    assert_eq!(sent, [Some(1.0)], "Anthropic takes at most 1");
}

#[tokio::test]
async fn a_reasoning_model_is_asked_again_without_it_once() {
    let (reply, sent) = describe_at(Family::OpenAi, "o4-mini", Some(0.7)).await;
    assert_eq!(reply.last(), StreamEvent::Done, "{}", reply.body);
    assert_eq!(sent.len(), 2, "refused once, then asked with the model's default");
    assert!(sent[0].is_some_and(|t| (t - 0.7).abs() < 1e-6));
    assert_eq!(sent[1], None);
    assert!(!reply.text().is_empty());

    let (reply, sent) = describe_at(Family::OpenAi, "o4-mini", None).await;
    assert_eq!((reply.last(), sent), (StreamEvent::Done, vec![None]), "no temperature, no refusal");
}

#[tokio::test]
async fn a_temperature_out_of_range_is_refused_before_any_call() {
    for bad in [2.5, -0.5] {
        let (reply, sent) = describe_at(Family::OpenAi, "stub-vision", Some(bad)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.body.contains("The temperature must be a number from 0 to 2"), "{}", reply.body);
        assert!(sent.is_empty());
    }
}
