//! Safe to share: every way an outsider (another site, a rebound host name, someone
//! without a token, a greedy script, a hostile or hijacked upstream) could spend the key or
//! break the server is refused here — and each refusal costs no provider call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use app::describe::events::StreamEvent;
use app::error::ApiError;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use base64::Engine as _;
use common::{
    access, call, describe_body, describe_input, describe_request, describer, noisy_png, router, router_with, send,
    stub, Family, Reply, KEY,
};
use http_body_util::BodyExt;
use server::stub::{Fault, Stub};
use tower::ServiceExt;

const ALICE: &str = "alice-token-0123456789abcdef";
const TEAM: &str = "team-token-0123456789abcdef";

fn alice_file(extra: &str) -> String {
    format!("[[user]]\nname = \"alice\"\ntoken_env = \"TOKEN_ALICE\"\n{extra}")
}

fn api_error(reply: &Reply) -> ApiError {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not an ApiError: {}", reply.body))
}

async fn openai() -> (Stub, String, app::describe::server::Describer) {
    let (stub, url) = stub().await;
    let describer = describer(vec![Family::OpenAi.entry(&url, KEY, true)]);
    (stub, url, describer)
}

#[tokio::test]
async fn a_hostile_page_cannot_post_with_text_plain_or_another_origin() {
    let (stub, _, describer) = openai().await;
    let app = router(describer);
    // What `fetch(url, {mode: "no-cors", body})` sends from another site: no preflight.
    let no_cors = Request::builder()
        .method("POST")
        .uri("/api/describe")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "text/plain;charset=UTF-8")
        .header(header::ORIGIN, "https://evil.example")
        .body(describe_body("openai", "stub-vision"))
        .unwrap();
    assert_eq!(send(app.clone(), no_cors).await.status, StatusCode::FORBIDDEN);
    // The same without an Origin (an old browser, a form): still not JSON.
    let form = Request::builder()
        .method("POST")
        .uri("/api/describe")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(describe_body("openai", "stub-vision"))
        .unwrap();
    assert_eq!(send(app.clone(), form).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // JSON, but the browser says another site sent it.
    let cross =
        describe_request().header("sec-fetch-site", "cross-site").body(describe_body("openai", "stub-vision")).unwrap();
    assert_eq!(send(app.clone(), cross).await.status, StatusCode::FORBIDDEN);
    assert!(stub.requests().is_empty(), "no provider call");

    // The page itself: same origin, JSON.
    let own = describe_request()
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin")
        .body(describe_body("openai", "stub-vision"))
        .unwrap();
    let reply = send(app, own).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.last(), StreamEvent::Done);
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn a_rebound_host_name_is_refused() {
    let (stub, _, describer) = openai().await;
    let app = router(describer);
    let rebound = describe_request()
        .header(header::HOST, "rebind.evil.example:3100")
        .body(describe_body("openai", "stub-vision"))
        .unwrap();
    assert_eq!(send(app.clone(), rebound).await.status, StatusCode::MISDIRECTED_REQUEST);
    let page =
        Request::builder().uri("/").header(header::HOST, "rebind.evil.example:3100").body(Body::empty()).unwrap();
    assert_eq!(send(app, page).await.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(stub.requests().is_empty());

    // A name the operator allowed is served.
    let (_, url) = common::stub().await;
    let allowed =
        router_with(describer_for(&url), access(&[("PICSCRIBE_ALLOWED_HOSTS", "pics.example.com")], None, None));
    let page = Request::builder().uri("/").header(header::HOST, "pics.example.com").body(Body::empty()).unwrap();
    assert_eq!(send(allowed, page).await.status, StatusCode::OK);
}

fn describer_for(url: &str) -> app::describe::server::Describer {
    describer(vec![Family::OpenAi.entry(url, KEY, true)])
}

#[tokio::test]
async fn only_a_right_token_describes() {
    let (stub, url, describer) = openai().await;
    let access = access(&[("PICSCRIBE_ACCESS_TOKEN", TEAM)], None, None);
    let app = router_with(describer, access);

    let nobody = send(app.clone(), describe_request().body(describe_body("openai", "stub-vision")).unwrap()).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert!(matches!(api_error(&nobody), ApiError::SignIn(_)));
    let wrong = describe_request()
        .header(header::AUTHORIZATION, "Bearer team-token-0123456789abcdeX")
        .body(describe_body("openai", "stub-vision"))
        .unwrap();
    assert_eq!(send(app.clone(), wrong).await.status, StatusCode::UNAUTHORIZED);
    let listed = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    assert_eq!(listed.status, StatusCode::UNAUTHORIZED, "what the server offers is for signed-in people");
    assert!(stub.requests().is_empty(), "no provider call without the token");

    let bearer = describe_request()
        .header(header::AUTHORIZATION, format!("Bearer {TEAM}"))
        .body(describe_body("openai", "stub-vision"))
        .unwrap();
    let reply = send(app.clone(), bearer).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.last(), StreamEvent::Done);

    // The page's way: sign in, then the session cookie.
    let wrong_sign_in = call(app.clone(), "POST", "/api/sign_in", Some(serde_json::json!({"token": "nope"}))).await;
    assert_eq!(wrong_sign_in.status, StatusCode::UNAUTHORIZED);
    assert!(wrong_sign_in.headers.get(header::SET_COOKIE).is_none());
    let signed_in = call(app.clone(), "POST", "/api/sign_in", Some(serde_json::json!({"token": TEAM}))).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let cookie = signed_in.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(TEAM), "the cookie is a session id, not the token");
    let session = cookie.split(';').next().unwrap().to_string();
    let with_cookie =
        describe_request().header(header::COOKIE, &session).body(describe_body("openai", "stub-vision")).unwrap();
    assert_eq!(send(app.clone(), with_cookie).await.status, StatusCode::OK);

    let viewer = Request::builder()
        .method("POST")
        .uri("/api/viewer")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &session)
        .body(Body::from("{}"))
        .unwrap();
    let viewer: app::access::Viewer = serde_json::from_str(&send(app.clone(), viewer).await.body).unwrap();
    assert_eq!((viewer.name.as_deref(), viewer.can_sign_out), (Some("team"), true));

    let sign_out = Request::builder()
        .method("POST")
        .uri("/api/sign_out")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &session)
        .body(Body::from("{}"))
        .unwrap();
    let out = send(app.clone(), sign_out).await;
    assert!(out.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    let after =
        describe_request().header(header::COOKIE, &session).body(describe_body("openai", "stub-vision")).unwrap();
    assert_eq!(send(app, after).await.status, StatusCode::UNAUTHORIZED, "a signed-out session is dead");
    assert_eq!(stub.requests().len(), 2);
    let _ = url;
}

#[tokio::test]
async fn a_proxys_header_is_believed_only_from_the_proxy() {
    let (stub, _, describer) = openai().await;
    let access = access(
        &[("PICSCRIBE_TRUSTED_USER_HEADER", "Remote-User"), ("PICSCRIBE_TRUSTED_PROXIES", "10.0.0.0/8")],
        None,
        None,
    );
    let app = router_with(describer, access);
    let from = |peer: [u8; 4]| {
        let mut request =
            describe_request().header("remote-user", "carol").body(describe_body("openai", "stub-vision")).unwrap();
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 50_000))));
        request
    };
    assert_eq!(send(app.clone(), from([192, 0, 2, 7])).await.status, StatusCode::UNAUTHORIZED, "anyone else");
    let viewer = call(app.clone(), "POST", "/api/viewer", Some(serde_json::json!({}))).await;
    let viewer: app::access::Viewer = serde_json::from_str(&viewer.body).unwrap();
    assert!(viewer.sign_in_required && !viewer.token_sign_in, "no token form where only the proxy signs in");
    assert!(stub.requests().is_empty());
    let reply = send(app, from([10, 1, 2, 3])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn the_server_refuses_to_serve_a_network_address_to_everyone() {
    let data = std::env::temp_dir().join(format!("picscribe-bind-{}", std::process::id()));
    let run = |extra: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_picscribe"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEPTOS_SITE_ADDR", "0.0.0.0:0")
            .env("PICSCRIBE_DATA_DIR", &data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in extra {
            command.env(k, v);
        }
        command
    };
    let refused = run(&[]).output().unwrap();
    let said = String::from_utf8_lossy(&refused.stdout).to_string() + &String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(said.contains("PICSCRIBE_ACCESS_TOKEN") && said.contains("PICSCRIBE_ALLOW_UNAUTHENTICATED"), "{said}");

    // With a token it starts (and is stopped by SIGTERM, as systemd would).
    let mut started = run(&[("PICSCRIBE_ACCESS_TOKEN", TEAM)]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(started.try_wait().unwrap().is_none(), "still running");
    let pid = started.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = started.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "SIGTERM did not stop the server");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a clean exit after SIGTERM: {status:?}");
    let _ = std::fs::remove_dir_all(&data);
}

/// Waits for the usage of a finished call to reach the record (it is written off the
/// async threads once the call's stream is dropped).
async fn wait_for_usage(access: &app::access::server::Access, user: &str) -> u64 {
    for _ in 0..100 {
        let spent = access.budgets().spent(user, SystemTime::now()).unwrap().day;
        if spent > 0 {
            return spent;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no usage recorded for {user}");
}

#[tokio::test]
async fn a_spent_budget_refuses_before_any_call_and_survives_a_restart() {
    let (stub, url, _) = openai().await;
    let data = std::env::temp_dir().join(format!("picscribe-budget-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let file = alice_file("daily_token_budget = 50");
    let vars = [("TOKEN_ALICE", ALICE)];
    let as_alice = || {
        describe_request()
            .header(header::AUTHORIZATION, format!("Bearer {ALICE}"))
            .body(describe_body("openai", "stub-vision"))
            .unwrap()
    };

    let first = access(&vars, Some(&file), Some(&data));
    let app = router_with(describer_for(&url), first.clone());
    let reply = send(app.clone(), as_alice()).await;
    assert_eq!(reply.last(), StreamEvent::Done, "under budget, described");
    let (prompt, completion) = reply.tokens().unwrap();
    assert_eq!(wait_for_usage(&first, "alice").await, u64::from(prompt + completion), "what the provider reported");

    let refused = send(app, as_alice()).await;
    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        api_error(&refused),
        ApiError::Budget("Alice's daily budget of 50 tokens is used up; it resets at 00:00 UTC.".into())
    );
    assert_eq!(stub.requests().len(), 1, "refused before any provider call");

    // A restart with the same data directory remembers.
    drop(first);
    let restarted = router_with(describer_for(&url), access(&vars, Some(&file), Some(&data)));
    assert_eq!(send(restarted, as_alice()).await.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(stub.requests().len(), 1);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn the_servers_own_budget_holds_for_everyone() {
    let (stub, url, _) = openai().await;
    let open = access(&[("PICSCRIBE_DAILY_TOKEN_BUDGET", "10")], None, None);
    let app = router_with(describer_for(&url), open.clone());
    assert_eq!(common::describe_with(app.clone(), "openai", "stub-vision", "Describe").await.last(), StreamEvent::Done);
    wait_for_usage(&open, "local").await;
    let refused = common::describe_with(app, "openai", "stub-vision", "Describe").await;
    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED);
    assert!(refused.body.contains("This server's daily budget of 10 tokens is used up"), "{}", refused.body);
    assert_eq!(stub.requests().len(), 1);
}

/// Starts a describe the stub will stall, and returns its body once text is flowing, so
/// the call holds its slots until the body is dropped.
async fn hold_a_call(app: axum::Router, request: Request<Body>) -> Body {
    let mut body = app.oneshot(request).await.unwrap().into_body();
    while let Some(frame) = body.frame().await {
        if frame.unwrap().into_data().is_ok_and(|data| String::from_utf8_lossy(&data).contains("\"delta\"")) {
            return body;
        }
    }
    panic!("the held call ended early");
}

#[tokio::test]
async fn each_user_has_a_parallel_cap_and_the_server_a_global_one() {
    let (stub, url, _) = openai().await;
    let vars = [("TOKEN_ALICE", ALICE), ("PICSCRIBE_ACCESS_TOKEN", TEAM)];
    let app = router_with(describer_for(&url), access(&vars, Some(&alice_file("max_parallel = 1")), None));
    let as_user = |token: &str| {
        describe_request()
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(describe_body("openai", "stub-vision"))
            .unwrap()
    };
    stub.push_faults([Fault::Stall]);
    let held = hold_a_call(app.clone(), as_user(ALICE)).await;
    let second = send(app.clone(), as_user(ALICE)).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers.get(header::RETRY_AFTER).is_some());
    assert!(matches!(api_error(&second), ApiError::TooMany(_)), "{}", second.body);
    assert_eq!(send(app.clone(), as_user(TEAM)).await.last(), StreamEvent::Done, "others are not held up");
    drop(held);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(send(app, as_user(ALICE)).await.last(), StreamEvent::Done, "the slot came back");
    assert_eq!(stub.requests().len(), 3, "the refused call cost nothing");

    let (stub, url, _) = openai().await;
    let app = router_with(describer_for(&url), access(&[("PICSCRIBE_MAX_IN_FLIGHT", "1")], None, None));
    stub.push_faults([Fault::Stall]);
    let held = hold_a_call(app.clone(), describe_request().body(describe_body("openai", "stub-vision")).unwrap()).await;
    let full = common::describe_with(app, "openai", "stub-vision", "Describe").await;
    assert_eq!(full.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(full.body.contains("its limit"), "{}", full.body);
    assert_eq!(stub.requests().len(), 1);
    drop(held);
}

#[tokio::test]
async fn only_models_the_provider_offers_and_the_user_may_use() {
    let (stub, url, _) = openai().await;
    let vars = [("TOKEN_ALICE", ALICE)];
    let app = router_with(describer_for(&url), access(&vars, Some(&alice_file("models = [\"stub-vision\"]")), None));
    let as_alice = |model: &str| {
        describe_request()
            .header(header::AUTHORIZATION, format!("Bearer {ALICE}"))
            .body(describe_body("openai", model))
            .unwrap()
    };
    let unknown = send(app.clone(), as_alice("o1-pro")).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("o1-pro"), "{}", unknown.body);
    let not_hers = send(app.clone(), as_alice("stub-vision-large")).await;
    assert_eq!(not_hers.status, StatusCode::BAD_REQUEST);
    assert!(not_hers.body.contains("You may not use the model"), "{}", not_hers.body);
    assert!(stub.requests().is_empty());

    let offered = Request::builder()
        .method("POST")
        .uri("/api/provider_status")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {ALICE}"))
        .body(Body::from("{}"))
        .unwrap();
    let info: app::describe::ProviderInfo = serde_json::from_str(&send(app.clone(), offered).await.body).unwrap();
    assert_eq!(info.providers[0].models, ["stub-vision"], "the picker offers only what she may use");
    assert_eq!(send(app, as_alice("stub-vision")).await.last(), StreamEvent::Done);
}

#[tokio::test]
async fn every_provider_request_carries_an_output_cap() {
    let (stub, url) = stub().await;
    let app = router_with(
        describer(Family::ALL.iter().map(|f| f.entry(&url, KEY, true)).collect()),
        access(&[("PICSCRIBE_MAX_OUTPUT_TOKENS", "300")], None, None),
    );
    for family in Family::ALL {
        let reply = common::describe_with(app.clone(), family.id(), family.model(), "Describe").await;
        assert_eq!(reply.last(), StreamEvent::Done, "{family:?}");
    }
    let mut capped = describe_input("openai", "stub-vision", "Describe");
    capped["input"]["max_tokens"] = 120.into();
    assert_eq!(call(app.clone(), "POST", "/api/describe", Some(capped)).await.last(), StreamEvent::Done);
    let mut over = describe_input("openai", "stub-vision", "Describe");
    over["input"]["max_tokens"] = 301.into();
    let refused = call(app, "POST", "/api/describe", Some(over)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("between 1 and 300"), "{}", refused.body);

    let caps: Vec<_> = stub.requests().iter().map(|r| (r.dialect, r.max_tokens)).collect();
    assert_eq!(caps.len(), 6);
    assert!(caps[..5].iter().all(|(_, cap)| *cap == Some(300)), "{caps:?}");
    assert_eq!(caps[5].1, Some(120));
}

#[tokio::test]
async fn a_3_mb_png_is_described_not_refused_by_a_hidden_limit() {
    let (stub, _, describer) = openai().await;
    let app = router(describer);
    let png = noisy_png(900, 850);
    assert!(png.len() > 3_000_000, "{}", png.len());
    let image = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&png));
    let input = serde_json::json!({"input": {
        "image": image, "prompt": "Describe", "provider": "openai", "model": "stub-vision", "detail": "high"
    }});
    let reply = call(app.clone(), "POST", "/api/describe", Some(input)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:.200}", reply.body);
    assert_eq!(reply.last(), StreamEvent::Done);
    assert_eq!(stub.requests()[0].image_bytes, png.len());
    // On a loaded machine the 3 MB reply can miss the tests' 400 ms first-byte limit and be
    // sent again; what matters below is that the refused body adds no call.
    let sent = stub.requests().len();

    // Past the limit: a sentence, not a 500.
    let huge = "A".repeat(server::BODY_LIMIT + 1);
    let input = serde_json::json!({"input": {"image": huge, "prompt": "D", "model": "stub-vision", "detail": "auto"}});
    let refused = call(app, "POST", "/api/describe", Some(input)).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{:.300}", refused.body);
    assert!(matches!(api_error(&refused), ApiError::Invalid(message) if message.contains("too large")));
    assert_eq!(stub.requests().len(), sent);
}

#[tokio::test]
async fn a_redirect_to_another_host_gets_no_key() {
    // Where the redirect points: another host name for this machine, recording what arrives.
    let elsewhere = Stub::new(None);
    let elsewhere_url = elsewhere.clone().spawn().await.unwrap().replace("127.0.0.1", "localhost");
    for family in Family::ALL {
        let (stub, url) = stub().await;
        stub.push_faults([Fault::Redirect { location: format!("{elsewhere_url}/v1/chat/completions") }]);
        let app = router(describer(vec![family.entry(&url, KEY, true)]));
        let reply = common::describe_with(app, family.id(), family.model(), "Describe").await;
        match reply.last() {
            StreamEvent::Error { message, stop_batch } => {
                assert!(message.contains("redirect"), "{family:?}: {message}");
                assert!(stop_batch);
            }
            other => panic!("{family:?}: {other:?}"),
        }
        assert_eq!(stub.requests().len(), 1, "{family:?}: not retried");
    }
    assert!(elsewhere.requests().is_empty(), "nothing, and so no key, reached the other host");
}

#[tokio::test]
async fn an_absurd_retry_after_is_clamped_not_a_panic() {
    let (stub, _, describer) = openai().await;
    stub.push_faults([Fault::RateLimited { retry_after: Some("1e30".into()) }]);
    let reply = common::describe_with(router(describer), "openai", "stub-vision", "Describe").await;
    assert_eq!(reply.retries(), 1, "{}", reply.body);
    assert_eq!(reply.last(), StreamEvent::Done);
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn pages_carry_a_nonced_policy_and_every_answer_security_headers() {
    let (_, _, describer) = openai().await;
    let app = router(describer);
    let page = call(app.clone(), "GET", "/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_string();
    for part in [
        "script-src 'self' 'wasm-unsafe-eval' 'nonce-",
        "img-src 'self' blob: data:",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(policy.contains(part), "{policy} lacks {part}");
    }
    let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    let again = call(app.clone(), "GET", "/", None).await;
    assert!(!again.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains(nonce), "a new nonce each time");

    for reply in [page, call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await] {
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(reply.headers[header::REFERRER_POLICY], "no-referrer");
        assert!(reply.headers.get(header::CONTENT_SECURITY_POLICY).is_some());
    }
}

#[tokio::test]
async fn the_page_is_at_the_root_and_any_other_address_is_not_found() {
    let (_, _, describer) = openai().await;
    let app = router(describer);
    let page = call(app.clone(), "GET", "/", None).await;
    assert!(page.body.contains("Describe all"), "{}", page.body);
    for address in ["/settings", "/pkg/nothing.wasm", "/index.html"] {
        let missing = call(app.clone(), "GET", address, None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{address}");
        assert!(missing.body.contains("Page not found"), "{address}: {}", missing.body);
        assert!(!missing.body.contains("Describe all"), "{address} is not the page");
        assert_eq!(missing.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}

#[tokio::test]
async fn health_checks_need_no_sign_in_and_say_nothing() {
    let (_, url, _) = openai().await;
    let app = router_with(describer_for(&url), access(&[("PICSCRIBE_ACCESS_TOKEN", TEAM)], None, None));
    let health = call(app.clone(), "GET", "/healthz", None).await;
    assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, "ok"));
    let ready = call(app, "GET", "/readyz", None).await;
    assert_eq!((ready.status, ready.body.as_str()), (StatusCode::OK, "ready"));
}

/// Reads until the server answers or hangs up; returns what it said and how long it took.
async fn until_closed(stream: &mut tokio::net::TcpStream) -> (String, Duration) {
    use tokio::io::AsyncReadExt;
    let started = Instant::now();
    let mut said = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut said)).await;
    (String::from_utf8_lossy(&said).into_owned(), started.elapsed())
}

#[tokio::test]
async fn half_sent_requests_are_cut_off() {
    use tokio::io::AsyncWriteExt;
    let (stub, url, _) = openai().await;
    let access = access(&[("PICSCRIBE_CLIENT_TIMEOUT_SECS", "1")], None, None);
    let timeout = access.settings().client_timeout;
    let app = router_with(describer_for(&url), access);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(listener, app, timeout, std::future::pending()));

    // Headers that never finish.
    let mut slow_headers = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow_headers.write_all(b"POST /api/describe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl").await.unwrap();
    let (_, took) = until_closed(&mut slow_headers).await;
    assert!(took < Duration::from_secs(3), "headers cut off after {took:?}");

    // A body that stops a hundred bytes in.
    let mut slow_body = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /api/describe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
    slow_body.write_all(head.as_bytes()).await.unwrap();
    slow_body.write_all(&[b' '; 100]).await.unwrap();
    let (said, took) = until_closed(&mut slow_body).await;
    assert!(took < Duration::from_secs(3), "body cut off after {took:?}: {said:.200}");
    assert!(stub.requests().is_empty());

    // The same server still serves whole requests.
    let mut fine = tokio::net::TcpStream::connect(addr).await.unwrap();
    fine.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await.unwrap();
    let (said, _) = until_closed(&mut fine).await;
    assert!(said.starts_with("HTTP/1.1 200") && said.ends_with("ok"), "{said}");
}
