//! Analyse first, then describe, through the router against the stub: Azure AI Vision's
//! tags fill the describing prompt (above the minimum confidence), both stages' use is
//! reported, a failed first stage never calls the second, and the built-in facts need no
//! call; the command does the same and prices both stages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::describe::events::StreamEvent;
use app::describe::CAPTION_FROM_TAGS;
use common::{call, describe_input, describer, router, stub, vision_entry, Family, KEY};
use server::stub::Fault;

fn app(url: &str) -> axum::Router {
    router(describer(vec![Family::OpenAi.entry(url, KEY, true), vision_entry(url, KEY)]))
}

async fn chained(url: &str, prompt: &str, with: &str, min: f32) -> common::Reply {
    ask(app(url), prompt, with, min).await
}

async fn ask(app: axum::Router, prompt: &str, with: &str, min: f32) -> common::Reply {
    let mut input = describe_input("openai", "stub-vision", prompt);
    input["input"]["analyse"] = serde_json::json!({"with": with, "min_confidence": min});
    call(app, "POST", "/api/describe", Some(input)).await
}

#[tokio::test]
async fn tags_then_a_caption_written_from_them() {
    let (stub, url) = stub().await;
    let reply = chained(&url, CAPTION_FROM_TAGS, "azure-vision", 0.6).await;
    assert_eq!(reply.last(), StreamEvent::Done, "{}", reply.body);
    let analysed = stub.analyses();
    assert_eq!(analysed.len(), 1);
    assert_eq!(analysed[0].features, ["tags"], "only what the prompt names");
    let sent = stub.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].prompt,
        "Write a vivid one-line caption for this image from these tags: stub, photo, indoor. Reply with the caption only.",
        "blurry (0.41) is under the minimum"
    );
    let stage = reply.events().into_iter().find(|e| matches!(e, StreamEvent::Stage { .. }));
    assert_eq!(
        stage,
        Some(StreamEvent::Stage { model: "image-analysis-4.0".into(), prompt_tokens: 1, completion_tokens: 0 })
    );
    assert!(reply.tokens().is_some_and(|(input, _)| input > 50), "the second stage's own use: {:?}", reply.tokens());
}

#[tokio::test]
async fn an_image_analysed_once_is_not_analysed_again() {
    let (stub, url) = stub().await;
    let app = app(&url);
    assert_eq!(ask(app.clone(), CAPTION_FROM_TAGS, "azure-vision", 0.6).await.last(), StreamEvent::Done);
    let lower = ask(app.clone(), CAPTION_FROM_TAGS, "azure-vision", 0.4).await;
    assert_eq!(lower.last(), StreamEvent::Done);
    let other = ask(app, "A product title from {tags}", "azure-vision", 0.6).await;
    assert_eq!(other.last(), StreamEvent::Done);
    assert_eq!(stub.analyses().len(), 1, "the same image asked for tags again: kept");
    let prompts: Vec<String> = stub.requests().into_iter().map(|r| r.prompt).collect();
    assert!(prompts[1].contains("stub, photo, indoor, blurry"), "{prompts:?}");
    assert_eq!(prompts[2], "A product title from stub, photo, indoor");
    let stage = lower.events().into_iter().find(|e| matches!(e, StreamEvent::Stage { .. }));
    assert_eq!(
        stage,
        Some(StreamEvent::Stage { model: "image-analysis-4.0".into(), prompt_tokens: 0, completion_tokens: 0 }),
        "nothing spent"
    );
}

#[tokio::test]
async fn a_failed_first_stage_never_calls_the_second() {
    let (stub, url) = stub().await;
    stub.push_faults([Fault::NotInRegion]);
    let reply = chained(&url, "Alt text; the scene: {caption}", "azure-vision", 0.6).await;
    let StreamEvent::Error { message, .. } = reply.last() else { panic!("{}", reply.body) };
    assert!(message.starts_with("Azure AI Vision does not offer this analysis"), "{message}");
    assert_eq!(stub.analyses()[0].features, ["caption"]);
    assert!(stub.requests().is_empty(), "the describing model is not paid for");

    let unknown = chained(&url, "Alt text {tags}", "anthropic", 0.6).await;
    assert_eq!(unknown.status, axum::http::StatusCode::BAD_REQUEST, "{}", unknown.body);
    assert!(unknown.body.contains("no analyser called “anthropic”"), "{}", unknown.body);
    let describing = chained(&url, "Alt text {tags}", "openai", 0.6).await;
    assert!(describing.body.contains("cannot be the first stage"), "{}", describing.body);
}

#[tokio::test]
async fn the_builtin_facts_need_no_call() {
    let (stub, url) = stub().await;
    let reply = chained(&url, "Alt text. Shape and colours: {tags}", "builtin", 0.6).await;
    assert_eq!(reply.last(), StreamEvent::Done, "{}", reply.body);
    assert!(stub.analyses().is_empty());
    let prompt = &stub.requests()[0].prompt;
    assert!(prompt.starts_with("Alt text. Shape and colours: landscape"), "{prompt}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_analyses_first_and_prices_both_stages() {
    let (stub, url) = stub().await;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2u8 {
        let image = image::RgbImage::from_fn(400, 300, |x, y| image::Rgb([x as u8, y as u8, i]));
        image.save(dir.path().join(format!("p{i}.jpg"))).unwrap();
    }
    let run = |extra: &[&str]| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_picscribe"));
        command
            .arg("describe")
            .args(["p0.jpg", "p1.jpg", "--preset", "caption-from-tags", "--analyse-with", "azure-vision"])
            .args(extra)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("PICSCRIBE_DATA_DIR", dir.path().join("data"))
            .env("OPENAI_API_KEY", KEY)
            .env("OPENAI_BASE_URL", format!("{url}/v1"))
            .env("PICSCRIBE_MODEL", "gpt-4o-mini")
            .env("PICSCRIBE_MODELS", "gpt-4o-mini")
            .env("AZURE_VISION_ENDPOINT", &url)
            .env("AZURE_VISION_KEY", KEY)
            .kill_on_drop(true);
        command
    };
    let estimate = run(&["--estimate"]).output().await.unwrap();
    let said = String::from_utf8_lossy(&estimate.stdout);
    assert!(said.contains("tokens and 2 analyses, about $"), "{said}");
    assert!(stub.analyses().is_empty() && stub.requests().is_empty());

    let out = run(&["--out", "out.csv"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!((stub.analyses().len(), stub.requests().len()), (2, 2));
    assert!(stub.requests().iter().all(|r| r.prompt.contains("these tags: stub, photo, indoor.")));
    assert!(stderr.contains("and 2 analyses, about $"), "{stderr}");

    let again = run(&[]).output().await.unwrap();
    assert_eq!((again.status.code(), stub.analyses().len()), (Some(0), 2), "both stages are cached");
    let other = run(&["--min-confidence", "0.3"]).output().await.unwrap();
    assert_eq!(other.status.code(), Some(0), "{}", String::from_utf8_lossy(&other.stderr));
    assert_eq!(stub.analyses().len(), 2, "another minimum is the same analysis, kept with the results");
    assert_eq!(stub.requests().len(), 4, "but another description");
    assert!(stub.requests()[3].prompt.contains("stub, photo, indoor, blurry"));
}
