//! With no provider configured, the local servers already running are found by
//! themselves: an Ollama's and an LM Studio's models that take images are offered (and
//! free), those that do not are not, and nothing is asked when a provider is configured or
//! discovery is off.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::describe::events::StreamEvent;
use app::describe::ProviderInfo;
use axum::http::StatusCode;
use common::{call, describe_with, describer, router, stub as stub_with_key, Family, KEY};
use engine::describe::server::discover::{self, Local};
use server::stub::Stub;

async fn local_stub() -> (Stub, Local) {
    let stub = Stub::new(None);
    let url = stub.clone().spawn().await.unwrap();
    (stub, Local { ollama: url.clone(), lm_studio: url })
}

#[tokio::test]
async fn an_ollama_and_an_lm_studio_offer_their_models_that_see() {
    let (stub, local) = local_stub().await;
    let mut found = describer(Vec::new());
    found.add_local(&|_| None, &local).await;
    let app = router(found.clone());
    let reply = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let info: ProviderInfo = serde_json::from_str(&reply.body).unwrap();
    let offered: Vec<(&str, &str, Vec<&str>)> = info
        .providers
        .iter()
        .map(|p| (p.id.as_str(), p.label.as_str(), p.models.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        offered,
        [
            ("ollama", "Ollama (on this server)", vec!["llava:7b"]),
            ("lmstudio", "LM Studio (on this server)", vec!["google/gemma-3-4b"]),
        ],
        "llama3.2:3b and qwen/qwen3-8b take no images"
    );
    assert!(!reply.body.contains("127.0.0.1"), "the address stays on the server: {}", reply.body);
    // Its models cost nothing, so the page's estimate says $0.00, not "no price known".
    let price = engine::describe::cost::price_for(&info.prices, "google/gemma-3-4b").expect("a price");
    assert_eq!((price.input, price.output), (0.0, 0.0));

    // Described through its OpenAI-compatible API, without a key.
    let reply = describe_with(app, "ollama", "llava:7b", "Describe").await;
    assert_eq!(reply.last(), StreamEvent::Done, "{}", reply.body);
    let sent = stub.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].model, "llava:7b");
}

#[tokio::test]
async fn nothing_is_probed_when_a_provider_is_configured_or_discovery_is_off() {
    let (stub, local) = local_stub().await;
    let (_, url) = stub_with_key().await;
    let mut configured = describer(vec![Family::OpenAi.entry(&url, KEY, true)]);
    configured.add_local(&|_| None, &local).await;
    assert_eq!(configured.providers.len(), 1);
    let off = |name: &str| (name == "PICSCRIBE_DISCOVER").then(|| "false".to_string());
    let mut none = describer(Vec::new());
    none.add_local(&off, &local).await;
    assert!(none.providers.is_empty());
    assert_eq!(stub.local_probes(), 0, "neither looked");

    none.add_local(&|_| None, &local).await;
    assert_eq!(none.providers.len(), 2);
    assert_eq!(stub.local_probes(), 4, "Ollama's list and each of its two models shown, LM Studio's list");
}

#[tokio::test]
async fn no_local_server_is_no_provider_and_a_line_in_the_log() {
    // Nothing listens on the discard port: both probes are refused at once.
    let local = Local { ollama: "http://127.0.0.1:9".into(), lm_studio: "http://127.0.0.1:9".into() };
    let found = discover::discover(&local).await;
    assert!(found.providers.is_empty());
    assert_eq!(found.said, ["no Ollama at http://127.0.0.1:9", "no LM Studio at http://127.0.0.1:9"]);
}
