//! The built-in text extraction, with the real models (fetched by `scripts/setup.sh`, which
//! the test command runs), through the router and the command: offered with no provider and
//! free, the text of a rendered image read back in the row and in fields, a broken image or
//! other fields said, nothing offered without its models or when turned off, and as a first
//! stage the text read fills the describing prompt.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::describe::events::StreamEvent;
use app::describe::server::Describer;
use app::describe::ProviderInfo;
use base64::Engine as _;
use common::{call, describe_input, describer, router, stub, Family, KEY};
use image::{Rgb, RgbImage};
use ocr::testset::models;

/// The describer with the built-in text extraction added as the server adds it.
fn with_builtin(mut describer: Describer, vars: &[(&str, &str)]) -> Describer {
    let models = models().display().to_string();
    let var = |name: &str| match vars.iter().find(|(n, _)| *n == name) {
        Some((_, value)) => Some(value.to_string()),
        None => (name == "PICSCRIBE_OCR_MODELS").then(|| models.clone()),
    };
    describer.add_builtin(&var);
    describer
}

/// What a screenshot of two lines says, as the PNG the page would send.
const SAID: [&str; 2] = ["Invoice 2024", "Total: $42.50"];

fn text_png(lines: &[&str]) -> Vec<u8> {
    let fonts = ocr::testset::Fonts::load().expect("fonts-dejavu-core");
    let mut image = RgbImage::from_pixel(640, 60 + 48 * lines.len() as u32, Rgb([250, 250, 250]));
    for (n, line) in lines.iter().enumerate() {
        fonts.sans.draw(&mut image, line, (30.0, 30.0 + 48.0 * n as f32), 36.0, Rgb([20, 20, 20]));
    }
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

fn data_url(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

fn extract(image: &str) -> serde_json::Value {
    let mut input = describe_input("builtin", "pp-ocrv4", "Transcribe all text visible in this image.");
    input["input"]["image"] = image.into();
    input
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_provider_the_text_of_an_image_is_read_here_for_nothing() {
    let app = router(with_builtin(describer(Vec::new()), &[]));
    let reply = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    let info: ProviderInfo = serde_json::from_str(&reply.body).unwrap();
    let offered: Vec<(&str, &str, &[String])> =
        info.providers.iter().map(|p| (p.id.as_str(), p.label.as_str(), p.models.as_slice())).collect();
    assert_eq!(offered, [("builtin", "Built-in (on this server)", &["pp-ocrv4".to_string()][..])]);
    assert!(!reply.body.contains("ppocr-v4"), "the models' folder stays on the server: {}", reply.body);
    let price = engine::describe::cost::price_for(&info.prices, "pp-ocrv4").expect("a price");
    assert_eq!((price.input, price.output), (0.0, 0.0));

    let image = data_url(&text_png(&SAID));
    let reply = call(app.clone(), "POST", "/api/describe", Some(extract(&image))).await;
    assert_eq!(reply.last(), StreamEvent::Done, "{}", reply.body);
    assert_eq!(reply.text(), SAID.join("\n"));
    assert_eq!(reply.tokens(), Some((0, 0)));

    // "Extract text" in fields: the field called text.
    let mut fields = extract(&image);
    fields["input"]["fields"] = serde_json::to_value(app::fields::preset_fields("Extract text")).unwrap();
    let reply = call(app.clone(), "POST", "/api/describe", Some(fields.clone())).await;
    let answer: serde_json::Value = serde_json::from_str(&reply.text()).unwrap();
    assert_eq!(answer, serde_json::json!({"text": SAID.join("\n")}));

    // What it cannot do is a sentence on the row.
    fields["input"]["fields"] = serde_json::to_value(app::fields::preset_fields("Product description")).unwrap();
    let reply = call(app.clone(), "POST", "/api/describe", Some(fields)).await;
    assert!(reply.body.contains("it fills only a field called “text”"), "{}", reply.body);
    let broken = data_url(b"\x89PNG\r\n\x1a\nnot really");
    let reply = call(app, "POST", "/api/describe", Some(extract(&broken))).await;
    assert!(reply.body.contains("The built-in text extraction could not read this image."), "{}", reply.body);
}

#[tokio::test]
async fn nothing_is_offered_without_its_models_or_when_turned_off() {
    let missing = with_builtin(describer(Vec::new()), &[("PICSCRIBE_OCR_MODELS", "/nonexistent/ppocr-v4")]);
    assert!(missing.providers.is_empty());
    let off = with_builtin(describer(Vec::new()), &[("PICSCRIBE_BUILTIN", "false")]);
    assert!(off.providers.is_empty());
    let (_, url) = stub().await;
    let beside = with_builtin(describer(vec![Family::OpenAi.entry(&url, KEY, true)]), &[]);
    let ids: Vec<&str> = beside.providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["openai", "builtin"], "after the configured ones, never the default");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_stops_the_paid_provider_but_not_the_free_extraction() {
    let (_, url) = stub().await;
    let data = tempfile::tempdir().unwrap();
    let token = "alice-token-0123456789abcdef";
    let file = "[[user]]\nname = \"alice\"\ntoken_env = \"TOKEN_ALICE\"\ndaily_token_budget = 100\n";
    let alice = common::access(&[("TOKEN_ALICE", token)], Some(file), Some(data.path()));
    let app = common::router_with(with_builtin(describer(vec![Family::OpenAi.entry(&url, KEY, true)]), &[]), alice);
    let image = data_url(&text_png(&SAID));
    let ask = |input: serde_json::Value| {
        let request = common::describe_request()
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::from(input.to_string()))
            .unwrap();
        common::send(app.clone(), request)
    };
    assert_eq!(ask(describe_input("openai", "stub-vision", "Describe")).await.last(), StreamEvent::Done);
    let spent = ask(describe_input("openai", "stub-vision", "Describe")).await;
    assert_eq!(spent.status, axum::http::StatusCode::PAYMENT_REQUIRED, "{}", spent.body);
    let free = ask(extract(&image)).await;
    assert_eq!(free.last(), StreamEvent::Done, "{}", free.body);
    assert_eq!(free.text(), SAID.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn read_first_the_text_fills_the_describing_prompt() {
    let (stub, url) = stub().await;
    let app = router(with_builtin(describer(vec![Family::OpenAi.entry(&url, KEY, true)]), &[]));
    let image = data_url(&text_png(&SAID));
    let ask = |prompt: &str| {
        let mut input = describe_input("openai", "stub-vision", prompt);
        input["input"]["image"] = image.clone().into();
        input["input"]["analyse"] = serde_json::json!({"with": "builtin-text", "min_confidence": 0.6});
        call(app.clone(), "POST", "/api/describe", Some(input))
    };
    let reply = ask("Write alt text; quote any text in the image exactly: {text}").await;
    assert_eq!(reply.last(), StreamEvent::Done, "{}", reply.body);
    let stage = reply.events().into_iter().find(|e| matches!(e, StreamEvent::Stage { .. }));
    assert_eq!(stage, Some(StreamEvent::Stage { model: "pp-ocrv4".into(), prompt_tokens: 0, completion_tokens: 0 }));
    assert_eq!(
        stub.requests()[0].prompt,
        "Write alt text; quote any text in the image exactly: Invoice 2024\nTotal: $42.50"
    );

    // A prompt that names no variable still gets the text, to quote.
    let reply = ask("Write alt text.").await;
    assert_eq!(reply.last(), StreamEvent::Done, "{}", reply.body);
    assert_eq!(
        stub.requests()[1].prompt,
        "Write alt text.\n\nThe text in the image, to quote exactly where it matters: Invoice 2024\nTotal: $42.50"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_extracts_the_text_of_a_folder_with_no_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("shots")).unwrap();
    std::fs::write(dir.path().join("shots/invoice.png"), text_png(&SAID)).unwrap();
    std::fs::write(dir.path().join("shots/thanks.png"), text_png(&["Thank you"])).unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_picscribe"))
        .args(["describe", "shots", "--preset", "extract-text", "--out", "text.csv"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("PICSCRIBE_DATA_DIR", dir.path().join("data"))
        .env("PICSCRIBE_OCR_MODELS", models())
        .env("PICSCRIBE_DISCOVER", "false")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let mut csv = csv::Reader::from_path(dir.path().join("text.csv")).unwrap();
    let headers = csv.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<(String, String)> = csv
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[column("filename")].to_string(), r[column("description")].to_string()))
        .collect();
    assert_eq!(rows, [("invoice.png".into(), SAID.join("\n")), ("thanks.png".into(), "Thank you".into())], "{stderr}");
}
