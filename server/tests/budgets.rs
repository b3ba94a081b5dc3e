//! Budgets that hold when calls run together: describes started at once against a small
//! budget, each holding its expected tokens from its start, end within one call's
//! estimate of it, and every hold is given back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use app::describe::events::StreamEvent;
use axum::http::{header, StatusCode};
use common::{access, describe_body, describe_request, describer, router_with, send, Family, KEY};
use server::stub::Stub;

const ALICE: &str = "alice-token-0123456789abcdef";

fn alice_file(extra: &str) -> String {
    format!("[[user]]\nname = \"alice\"\ntoken_env = \"TOKEN_ALICE\"\n{extra}")
}

fn describer_for(url: &str) -> app::describe::server::Describer {
    describer(vec![Family::OpenAi.entry(url, KEY, true)])
}

#[tokio::test]
async fn calls_started_together_end_within_one_calls_estimate_of_the_budget() {
    let mut stub = Stub::new(Some(KEY.into()));
    stub.think = Duration::from_millis(300);
    let url = stub.clone().spawn().await.unwrap();
    let data = std::env::temp_dir().join(format!("picscribe-budget-together-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let file = alice_file("daily_token_budget = 500\nmax_parallel = 16");
    let alice = access(&[("TOKEN_ALICE", ALICE)], Some(&file), Some(&data));
    let app = router_with(describer_for(&url), alice.clone());
    let as_alice = || {
        describe_request()
            .header(header::AUTHORIZATION, format!("Bearer {ALICE}"))
            .body(describe_body("openai", "stub-vision"))
            .unwrap()
    };
    let replies = futures::future::join_all((0..16).map(|_| send(app.clone(), as_alice()))).await;
    let described = replies.iter().filter(|r| r.status == StatusCode::OK && r.last() == StreamEvent::Done).count();
    let refused = replies.iter().filter(|r| r.status == StatusCode::PAYMENT_REQUIRED).count();
    assert_eq!(described + refused, 16, "each call described or refused for the budget");
    assert!(described >= 1 && refused >= 1, "{described} described, {refused} refused");
    assert_eq!(stub.requests().len(), described, "a refused call reaches no provider");

    // What one call holds while it runs: its image, prompt and expected answer.
    let request = app::describe::server::VisionRequest {
        model: "stub-vision".into(),
        prompt: "Describe".into(),
        image_url: common::jpeg_data_url(),
        more_images: Vec::new(),
        detail: app::describe::Detail::Auto,
        max_tokens: alice.settings().max_output_tokens,
        fields: Vec::new(),
        native_schema: true,
        temperature: None,
    };
    let estimate =
        u64::from(app::describe::server::limits::request_tokens(app::describe::ProviderKind::Openai, &request));
    let mut spent = 0;
    for _ in 0..100 {
        spent = alice.budgets().spent("alice", SystemTime::now()).unwrap().day;
        if alice.held("alice").0 == 0 && spent > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(alice.held("alice"), (0, 0), "every hold is given back when its call ends");
    assert!(spent <= 500 + estimate, "spent {spent} of a 500-token budget; one call is expected to cost {estimate}");
    println!("16 calls at once against 500 tokens: {described} ran, {refused} refused, {spent} spent (one call's estimate: {estimate})");
    let _ = std::fs::remove_dir_all(&data);
}
