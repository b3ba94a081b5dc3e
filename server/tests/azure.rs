//! Azure AI Vision through the router against the stub speaking Image Analysis 4.0 (its
//! features, its errors), and Azure without a key: the command signs in with the stub's
//! App Service managed-identity endpoint, once, again when the token is about to expire,
//! and never shows the token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use app::describe::events::StreamEvent;
use app::describe::PRESETS;
use common::{call, describe_input, describer, router, stub, vision_entry, KEY};
use server::stub::identity::{IDENTITY_HEADER, IDENTITY_PATH};
use server::stub::{Fault, Stub};

fn preset(label: &str) -> &'static str {
    PRESETS.iter().find(|(l, _)| *l == label).map(|(_, p)| *p).unwrap()
}

async fn analyse(stub: &Stub, url: &str, key: &str, input: serde_json::Value) -> common::Reply {
    let _ = stub;
    let app = router(describer(vec![vision_entry(url, key)]));
    call(app, "POST", "/api/describe", Some(input)).await
}

fn input(prompt: &str) -> serde_json::Value {
    describe_input("azure-vision", "image-analysis-4.0", prompt)
}

#[tokio::test]
async fn presets_ask_for_their_features_and_rows_get_confidences() {
    let (stub, url) = stub().await;
    let tags = analyse(&stub, &url, KEY, input(preset("Tags"))).await;
    assert_eq!(tags.last(), StreamEvent::Done, "{}", tags.body);
    assert_eq!(tags.text(), "stub (0.99), photo (0.87), indoor (0.61), blurry (0.41)");
    assert_eq!(tags.tokens(), Some((1, 0)), "one transaction");

    let alt = analyse(&stub, &url, KEY, input(preset("Alt text"))).await;
    assert_eq!(alt.text(), "A stub photo of 8 by 6 pixels.");
    let read = analyse(&stub, &url, KEY, input(preset("Extract text"))).await;
    assert_eq!(read.text(), "STUB TEXT\n8x6");

    let mut fielded = input(preset("Tags"));
    fielded["input"]["fields"] = serde_json::to_value(app::fields::preset_fields("Tags")).unwrap();
    let fields = analyse(&stub, &url, KEY, fielded).await;
    assert_eq!(fields.last(), StreamEvent::Done, "{}", fields.body);
    let answer: serde_json::Value = serde_json::from_str(&fields.text()).unwrap();
    assert_eq!(answer["tags"][0], "stub (0.99)");

    let seen = stub.analyses();
    let features: Vec<Vec<String>> = seen.iter().map(|a| a.features.clone()).collect();
    assert_eq!(features, [vec!["tags"], vec!["caption"], vec!["read"], vec!["tags"]]);
    assert!(seen[1].gender_neutral, "captions without gender");
    assert!(seen.iter().all(|a| a.auth == "key" && (a.width, a.height) == (8, 6)));
}

#[tokio::test]
async fn its_errors_are_sentences() {
    let (stub, url) = stub().await;
    let wrong = analyse(&stub, &url, "not-the-key", input("Tags")).await;
    assert_eq!(
        wrong.last(),
        StreamEvent::Error {
            message:
                "Azure AI Vision rejected the server's API key. Ask whoever runs picscribe to check AZURE_VISION_KEY."
                    .into(),
            stop_batch: true
        }
    );

    stub.push_faults([Fault::RateLimited { retry_after: Some("1".into()) }]);
    let limited = analyse(&stub, &url, KEY, input("Tags")).await;
    assert_eq!((limited.last(), limited.retries()), (StreamEvent::Done, 1), "{}", limited.body);

    stub.push_faults([Fault::NotInRegion]);
    let region = analyse(&stub, &url, KEY, input(preset("Alt text"))).await;
    let StreamEvent::Error { message, stop_batch: false } = region.last() else { panic!("{}", region.body) };
    assert!(message.starts_with("Azure AI Vision does not offer this analysis"), "{message}");
    assert!(!region.body.contains("NotSupportedFeature"), "no raw error body: {}", region.body);
}

/// The command, as on App Service: no key anywhere, the identity endpoint and header set.
fn keyless(url: &str, dir: &std::path::Path, vars: &[(&str, String)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_picscribe"));
    command
        .arg("describe")
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("PICSCRIBE_DATA_DIR", dir.join("data"))
        .env("IDENTITY_ENDPOINT", format!("{url}{IDENTITY_PATH}"))
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .env("RUST_LOG", "debug")
        .kill_on_drop(true);
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

fn photos(dir: &std::path::Path, n: u8) {
    for i in 0..n {
        let image = image::RgbImage::from_fn(320 + u32::from(i), 240, |x, y| image::Rgb([x as u8, y as u8, i]));
        image.save(dir.join(format!("p{i}.jpg"))).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_key_azure_signs_in_once_and_again_before_expiry() {
    let mut stub = Stub::new(Some(KEY.into()));
    // The crate takes a new token five minutes before the old one expires: this one is
    // good for three seconds more, and each image takes two.
    stub.token_lifetime = Duration::from_secs(303);
    stub.think = Duration::from_secs(2);
    let url = stub.clone().spawn().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    photos(dir.path(), 3);
    let vars = [("AZURE_VISION_ENDPOINT", url.clone())];
    let out = keyless(&url, dir.path(), &vars)
        .args(["p0.jpg", "p1.jpg", "p2.jpg", "--preset", "tags", "--parallel", "1", "--out", "out.csv"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let seen = stub.analyses();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|a| a.auth == "bearer"), "every call with a token");
    assert_eq!(stub.tokens_asked(), 2, "once at start-up, once when it was about to expire: {stderr}");
    let csv = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(csv.contains("stub (0.99)"), "{csv}");
    for shown in [&*stderr, &*String::from_utf8_lossy(&out.stdout), &csv] {
        assert!(!shown.contains("stub-entra-token"), "the token never shows: {shown}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn azure_openai_takes_the_token_too() {
    let (stub, url) = stub().await;
    let dir = tempfile::tempdir().unwrap();
    photos(dir.path(), 1);
    let vars = [("AZURE_OPENAI_ENDPOINT", url.clone()), ("AZURE_OPENAI_DEPLOYMENT", "vision-deployment".to_string())];
    let out = keyless(&url, dir.path(), &vars).args(["p0.jpg"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!((stub.requests().len(), stub.tokens_asked()), (1, 1));
    assert!(!stderr.contains("stub-entra-token"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_is_a_sentence_at_start_up() {
    let (stub, url) = stub().await;
    let dir = tempfile::tempdir().unwrap();
    photos(dir.path(), 1);
    let vars = [("AZURE_VISION_ENDPOINT", url.clone()), ("IDENTITY_HEADER", "wrong".to_string())];
    let out = keyless(&url, dir.path(), &vars).args(["p0.jpg"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "Azure AI Vision has no key (AZURE_VISION_KEY) and picscribe could not sign in with Microsoft Entra ID \
             through the App Service managed identity (IDENTITY_ENDPOINT, IDENTITY_HEADER)"
        ),
        "{stderr}"
    );
    assert!(stub.analyses().is_empty(), "nothing is sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_keeps_tags_at_the_minimum_confidence() {
    let stub = Stub::new(Some(KEY.into()));
    let url = stub.clone().spawn().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    photos(dir.path(), 1);
    let run = |out: &str, min: Option<&str>| {
        let mut command = keyless(&url, dir.path(), &[("AZURE_VISION_ENDPOINT", url.clone())]);
        command.env("AZURE_VISION_KEY", KEY).args(["p0.jpg", "--preset", "tags", "--out", out]);
        if let Some(min) = min {
            command.args(["--min-confidence", min]);
        }
        command.output()
    };
    let cell = |out: &str| {
        let mut reader = csv::Reader::from_path(dir.path().join(out)).unwrap();
        let record = reader.records().next().unwrap().unwrap();
        record.get(1).unwrap().to_string()
    };
    let default = run("default.csv", None).await.unwrap();
    assert_eq!(default.status.code(), Some(0), "{}", String::from_utf8_lossy(&default.stderr));
    assert_eq!(cell("default.csv"), "stub (0.99), photo (0.87), indoor (0.61)", "0.6, as the reference app");
    let strict = run("strict.csv", Some("0.8")).await.unwrap();
    assert_eq!(strict.status.code(), Some(0), "{}", String::from_utf8_lossy(&strict.stderr));
    assert_eq!(cell("strict.csv"), "stub (0.99), photo (0.87)");
    assert_eq!(stub.analyses().len(), 1, "the minimum filters what is kept; the image is not analysed again");
    assert!(stub.analyses().iter().all(|a| a.auth == "key"));
}
