//! Several photos, one description: an item's images go in one request, in each provider's
//! own multi-image form (valid against OpenAI's schema), up to each provider's limit, and
//! its tokens count every image.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::describe::events::StreamEvent;
use axum::http::StatusCode;
use base64::Engine as _;
use common::{call, describe_input, describer, router, stub, Family, KEY};

fn jpeg(width: u32, height: u32, seed: u8) -> String {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes.into_inner()))
}

fn item_input(family: Family, more: &[String]) -> serde_json::Value {
    let mut input = describe_input(family.id(), family.model(), "One product description from all its photos");
    input["input"]["more_images"] = serde_json::json!(more);
    input
}

#[tokio::test]
async fn every_dialect_sends_the_items_photos_in_one_request() {
    let more = [jpeg(40, 30, 1), jpeg(20, 20, 2)];
    for family in Family::ALL {
        let (stub, url) = stub().await;
        let app = router(describer(vec![family.entry(&url, KEY, true)]));
        let reply = call(app, "POST", "/api/describe", Some(item_input(family, &more))).await;
        assert_eq!(reply.last(), StreamEvent::Done, "{family:?}: {}", reply.body);
        let sent = stub.requests();
        assert_eq!(sent.len(), 1, "{family:?}: one request for the item");
        assert_eq!(sent[0].images, [(8, 6), (40, 30), (20, 20)], "{family:?}: every photo, in order");
        assert!(reply.text().starts_with("Stub description of 3 images (8×6, 40×30, 20×20)"), "{}", reply.text());
        let (input, _) = reply.tokens().unwrap();
        assert!(input > 3 * 85 - 1, "{family:?}: the tokens count every image: {input}");
    }
}

#[tokio::test]
async fn a_provider_s_own_limit_is_said() {
    let (stub, url) = stub().await;
    let app = router(describer(vec![Family::AzureV1.entry(&url, KEY, true)]));
    let eleven: Vec<String> = (0..10).map(|i| jpeg(16, 16, i)).collect();
    let reply = call(app, "POST", "/api/describe", Some(item_input(Family::AzureV1, &eleven))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.body.contains("Azure OpenAI takes at most 10 images in one request, and this item has 11 photos"),
        "{}",
        reply.body
    );
    assert!(stub.requests().is_empty());

    let app = router(describer(vec![Family::OpenAi.entry(&url, KEY, true)]));
    let many: Vec<String> = (0..20).map(|i| jpeg(16, 16, i)).collect();
    let reply = call(app, "POST", "/api/describe", Some(item_input(Family::OpenAi, &many))).await;
    assert!(reply.body.contains("An item can have at most 20 photos"), "{}", reply.body);
    let app = router(describer(vec![Family::OpenAi.entry(&url, KEY, true)]));
    let reply =
        call(app, "POST", "/api/describe", Some(item_input(Family::OpenAi, &["data:image/png;base64,AAAA".into()])))
            .await;
    assert!(reply.body.contains("The image could not be read"), "{}", reply.body);
}

#[test]
fn an_items_request_validates_against_openais_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/create-chat-completion-request.schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let (first, second) = (jpeg(40, 30, 1), jpeg(20, 20, 2));
    let request = app::describe::openai::chat_request(
        "gpt-4o-mini",
        "One description from all",
        &first,
        app::describe::Detail::Auto,
        true,
        app::describe::openai::OutputCap::Completion(300),
    )
    .with_more_images([second.as_str()].into_iter(), app::describe::Detail::Auto);
    let json = serde_json::to_value(&request).unwrap();
    assert_eq!(json["messages"][0]["content"].as_array().unwrap().len(), 3, "the text and two images");
    let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}
