//! "Send as a batch" from the page, through the router against the stub's batch service:
//! rows added to a draft and sent, the estimate held against the sender's budget and
//! replaced by what the results report, answers read back by key (only by the sender),
//! cancelling.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{access, describer, jpeg_data_url, router_with, send, Family, KEY};
use serde_json::{json, Value};

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdefgh";

fn users() -> String {
    "[[user]]\nname = \"alice\"\ntoken_env = \"TOKEN_ALICE\"\ndaily_token_budget = 100000\n\n\
     [[user]]\nname = \"bob\"\ntoken_env = \"TOKEN_BOB\"\n"
        .to_string()
}

struct Page {
    app: axum::Router,
    access: app::access::server::Access,
    stub: server::stub::Stub,
    _dir: tempfile::TempDir,
}

async fn page() -> Page {
    let (stub, url) = common::stub().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().into_owned();
    let vars = [
        ("TOKEN_ALICE", ALICE),
        ("TOKEN_BOB", BOB),
        ("PICSCRIBE_DATA_DIR", &data),
        ("PICSCRIBE_BATCH_POLL_SECS", "0.05"),
    ];
    let access = access(&vars, Some(&users()), Some(dir.path()));
    let app = router_with(describer(vec![Family::OpenAi.entry(&url, KEY, true)]), access.clone());
    Page { app, access, stub, _dir: dir }
}

async fn post(page: &Page, token: &str, endpoint: &str, body: Value) -> common::Reply {
    let text = body.to_string();
    let request = Request::builder()
        .method("POST")
        .uri(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(text))
        .unwrap();
    send(page.app.clone(), request).await
}

fn row(draft: &str, key: &str) -> Value {
    json!({"line": {"draft": draft, "key": key, "name": format!("{key}.jpg"), "input": {
        "image": jpeg_data_url(), "prompt": format!("Alt text for {key}"), "provider": "openai",
        "model": "stub-vision", "detail": "auto"}}})
}

async fn results(page: &Page, token: &str, keys: &[&str]) -> Vec<(String, Value)> {
    let reply = post(page, token, "batch_results", json!({"keys": keys})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

async fn wait_until_done(page: &Page, keys: &[&str]) -> Vec<(String, Value)> {
    for _ in 0..200 {
        let found = results(page, ALICE, keys).await;
        if found.len() == keys.len() && found.iter().all(|(_, s)| s["state"] != "pending") {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the batch never came back");
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_sent_as_a_batch_come_back_by_key_to_their_sender_and_are_charged() {
    let page = page().await;
    let keys = ["mug", "cup", "jug"];
    for key in keys {
        let added = post(&page, ALICE, "batch_add", row("d1", key)).await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    assert!(page.stub.batches().is_empty(), "nothing is sent until the draft is");
    page.stub.hold_batches(true);
    let sent = post(&page, ALICE, "batch_send", json!({"draft": "d1"})).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let sent: Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(sent["images"], 3);
    assert_eq!(sent["batches"], json!(["batch_0002"]), "the upload was file-0001");

    let held = page.access.budgets().spent("alice", SystemTime::now()).unwrap().day;
    assert!(held > 0, "the batch's estimate is held against Alice's budget");
    let pending = results(&page, ALICE, &keys).await;
    assert!(pending.iter().all(|(_, s)| s["state"] == "pending" && s["batch"] == "batch_0002"), "{pending:?}");
    assert!(results(&page, BOB, &keys).await.is_empty(), "Bob reads nothing of Alice's batch");

    page.stub.hold_batches(false);
    let done = wait_until_done(&page, &keys).await;
    for (key, state) in &done {
        assert_eq!(state["state"], "done", "{key}: {state}");
        assert!(
            state["text"].as_str().unwrap().contains(&format!("Alt text for {key}")),
            "{key} got its own answer: {state}"
        );
        assert_eq!(state["described"]["model"], "stub-vision");
    }
    let reported: u64 = done.iter().map(|(_, s)| s["described"]["tokens"].as_u64().unwrap()).sum();
    let spent = page.access.budgets().spent("alice", SystemTime::now()).unwrap().day;
    assert_eq!(spent, reported, "the hold is replaced by what the results reported");
    assert!(results(&page, BOB, &keys).await.is_empty());
    assert!(page.stub.requests().iter().all(|r| r.path == "batch"), "no interactive call was made");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_batch_says_so_on_its_rows() {
    let page = page().await;
    assert_eq!(post(&page, ALICE, "batch_add", row("d2", "mug")).await.status, StatusCode::OK);
    page.stub.hold_batches(true);
    assert_eq!(post(&page, ALICE, "batch_send", json!({"draft": "d2"})).await.status, StatusCode::OK);
    let cancelled = post(&page, ALICE, "batch_cancel", json!({})).await;
    assert_eq!((cancelled.status, cancelled.body.as_str()), (StatusCode::OK, "1"));
    let rows = wait_until_done(&page, &["mug"]).await;
    assert_eq!(rows[0].1, json!({"state": "failed", "sentence": "Its batch was cancelled."}));
    assert_eq!(
        page.access.budgets().spent("alice", SystemTime::now()).unwrap().day,
        0,
        "nothing answered, nothing charged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_takes_one_provider_model_and_fields_and_asks_for_sign_in() {
    let page = page().await;
    assert_eq!(post(&page, ALICE, "batch_add", row("d3", "mug")).await.status, StatusCode::OK);
    let mut other = row("d3", "cup");
    other["line"]["input"]["model"] = json!("stub-vision-large");
    let refused = post(&page, ALICE, "batch_add", other).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("same provider, model and fields"), "{}", refused.body);
    let nothing = post(&page, ALICE, "batch_send", json!({"draft": "never-made"})).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    let anonymous = common::call(page.app.clone(), "POST", "/api/batch_results", Some(json!({"keys": ["mug"]}))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
