//! "Add from URLs" through the router: the server fetches for the page, within the
//! allowance, and a refused URL is a sentence — with no connection made.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use common::{access, call, describer, router_with, KEY};
use server::stub::Stub;

#[tokio::test]
async fn the_server_fetches_an_allowed_url_and_refuses_the_rest() {
    let root = Stub::new(Some(KEY.into())).spawn().await.unwrap();
    let allowed = router_with(describer(Vec::new()), access(&[("PICSCRIBE_FETCH_ALLOW", "127.0.0.1")], None, None));

    let reply = call(
        allowed.clone(),
        "POST",
        "/api/fetch_image",
        Some(serde_json::json!({"url": format!("{root}/files/mug.jpg")})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let fetched: app::urls::FetchedImage = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(fetched.url, format!("{root}/files/mug.jpg"));
    let data = fetched.data_url.strip_prefix("data:image/jpeg;base64,").expect("a JPEG data URL");
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    assert_eq!(imagesize::blob_size(&bytes).map(|s| (s.width, s.height)).unwrap(), (1600, 1200), "the bytes as served");

    let cases = [
        (format!("{root}/files/page.html"), "was not fetched: it is not a JPEG, PNG, GIF or WebP image."),
        (
            "http://169.254.169.254/latest/meta-data/".to_string(),
            "was not fetched: it points at a link-local address (where cloud metadata lives).",
        ),
        ("http://10.0.0.1/a.jpg".to_string(), "was not fetched: it points at an address inside this network."),
        ("file:///etc/passwd".to_string(), "was not fetched: only http and https addresses are fetched."),
    ];
    for (url, said) in cases {
        let reply = call(allowed.clone(), "POST", "/api/fetch_image", Some(serde_json::json!({ "url": url }))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(reply.body.contains(said), "{url}: {}", reply.body);
    }

    // Without the allowance, this server's own loopback is refused too.
    let strict = router_with(describer(Vec::new()), access(&[], None, None));
    let reply =
        call(strict, "POST", "/api/fetch_image", Some(serde_json::json!({"url": format!("{root}/files/mug.jpg")})))
            .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("was not fetched: it points at this server itself."), "{}", reply.body);
}
