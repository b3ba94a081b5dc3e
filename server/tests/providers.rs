//! Every provider family through the router against the stub speaking its wire format,
//! streamed and not: the description, its tokens, refusals, and the whole fault matrix —
//! how many attempts each fault costs, what the row ends up saying, and that no finished
//! description is lost or sent twice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::describe::events::StreamEvent;
use app::describe::{ProviderInfo, ResizeRule};
use axum::http::StatusCode;
use common::{call, describe_with, describer, router, stub, stub_text, Family, KEY};
use server::stub::{Dialect, Fault};

async fn describe(family: Family, stream: bool, faults: Vec<Fault>) -> (common::Reply, Vec<server::stub::Recorded>) {
    let (stub, url) = stub().await;
    stub.push_faults(faults);
    let app = router(describer(vec![family.entry(&url, KEY, stream)]));
    let reply = describe_with(app, family.id(), family.model(), "Describe").await;
    assert_eq!(reply.status, StatusCode::OK, "{family:?}: {}", reply.body);
    (reply, stub.requests())
}

#[tokio::test]
async fn each_provider_describes_streamed_and_not() {
    for family in Family::ALL {
        for stream in [true, false] {
            let (reply, sent) = describe(family, stream, vec![]).await;
            let case = format!("{family:?} stream={stream}");
            assert_eq!(reply.text(), stub_text("Describe"), "{case}");
            assert_eq!(reply.last(), StreamEvent::Done, "{case}");
            assert_eq!(reply.tokens(), Some((86, 11)), "{case}: the row's tokens come from the provider's usage");
            let deltas = reply.events().iter().filter(|e| matches!(e, StreamEvent::Delta { .. })).count();
            assert_eq!(deltas > 1, stream, "{case}: text arrives in pieces only when streamed ({deltas})");

            assert_eq!(sent.len(), 1, "{case}");
            let seen = &sent[0];
            assert_eq!((seen.width, seen.height, seen.image_mime.as_str()), (8, 6, "image/jpeg"), "{case}");
            assert_eq!((seen.model.as_str(), seen.stream), (family.model(), stream), "{case}");
            let (dialect, path) = match (family, stream) {
                (Family::OpenAi, _) => (Dialect::Openai, "/v1/chat/completions".to_string()),
                (Family::Azure, _) => (
                    Dialect::Azure,
                    "/openai/deployments/vision-deployment/chat/completions?api-version=2024-10-21".to_string(),
                ),
                (Family::AzureV1, _) => (Dialect::Azure, "/openai/v1/chat/completions".to_string()),
                (Family::Anthropic, _) => (Dialect::Anthropic, "/v1/messages".to_string()),
                (Family::Gemini, true) => {
                    (Dialect::Gemini, "/v1beta/models/gemini-stub-flash:streamGenerateContent?alt=sse".to_string())
                }
                (Family::Gemini, false) => (Dialect::Gemini, "/v1beta/models/gemini-stub-flash:generateContent".into()),
            };
            assert_eq!((seen.dialect, seen.path.as_str()), (dialect, path.as_str()), "{case}");
            if matches!(family, Family::OpenAi | Family::Azure | Family::AzureV1) {
                assert_eq!((seen.detail.as_str(), seen.include_usage), ("auto", stream), "{case}");
            }
        }
    }
}

#[tokio::test]
async fn refusals_are_flagged_not_saved() {
    for family in Family::ALL {
        for stream in [true, false] {
            let case = format!("{family:?} stream={stream}");
            let (reply, _) = describe(family, stream, vec![Fault::Refuse]).await;
            let want = match family {
                Family::OpenAi | Family::Azure | Family::AzureV1 => "The model declined to describe this image: “I can't help with that request.” Nothing was saved; try another prompt or model.",
                Family::Anthropic => "The provider's safety filter stopped this description. Nothing was saved; try another prompt or model.",
                Family::Gemini => "The provider's safety filter stopped this description (safety). Nothing was saved; try another prompt or model.",
            };
            assert_eq!(reply.last(), StreamEvent::Refused { message: want.into() }, "{case}");
            assert!(!reply.events().contains(&StreamEvent::Done), "{case}");

            let (reply, sent) = describe(family, stream, vec![Fault::Apology]).await;
            assert_eq!(sent.len(), 1, "{case}: a refusal is not retried");
            assert_eq!(
                reply.last(),
                StreamEvent::Refused {
                    message: "The model declined to describe this image: “I'm sorry, but I can't help with identifying people in images.” Nothing was saved; try another prompt or model.".into()
                },
                "{case}"
            );
        }
    }
}

#[tokio::test]
async fn a_stream_without_usage_still_finishes() {
    for family in [Family::OpenAi, Family::AzureV1] {
        let (reply, sent) = describe(family, true, vec![Fault::NoUsage]).await;
        assert_eq!(sent.len(), 1, "{family:?}");
        assert_eq!((reply.last(), reply.tokens()), (StreamEvent::Done, None), "{family:?}");
        assert_eq!(reply.text(), stub_text("Describe"), "{family:?}");
    }
}

/// What a fault case should end with, in the family's words.
enum Ends {
    Done,
    Error { message: fn(&str) -> String, stop_batch: bool },
}

struct Case {
    name: &'static str,
    faults: Vec<Fault>,
    attempts: usize,
    ends: Ends,
}

fn rate_limited(after: Option<&str>) -> Fault {
    Fault::RateLimited { retry_after: after.map(String::from) }
}

fn fault_cases() -> Vec<Case> {
    let status = |status| Fault::Status { status };
    vec![
        Case {
            name: "429 with Retry-After, then fine",
            faults: vec![rate_limited(Some("0"))],
            attempts: 2,
            ends: Ends::Done,
        },
        Case {
            name: "429 without Retry-After twice, then fine",
            faults: vec![rate_limited(None), rate_limited(None)],
            attempts: 3,
            ends: Ends::Done,
        },
        Case {
            name: "429 four times",
            faults: vec![rate_limited(Some("0")); 4],
            attempts: 4,
            ends: Ends::Error {
                message: |label| {
                    format!("Rate limited — try again in a minute. {label} kept refusing after 4 attempts.")
                },
                stop_batch: false,
            },
        },
        Case { name: "500, then fine", faults: vec![status(500)], attempts: 2, ends: Ends::Done },
        Case { name: "502 and 503, then fine", faults: vec![status(502), status(503)], attempts: 3, ends: Ends::Done },
        Case {
            name: "502, 503, 500, 500",
            faults: vec![status(502), status(503), status(500), status(500)],
            attempts: 4,
            ends: Ends::Error {
                message: |label| format!("{label} is having trouble (HTTP 500) after 4 attempts — try again later."),
                stop_batch: false,
            },
        },
        Case {
            name: "out of quota",
            faults: vec![Fault::InsufficientQuota],
            attempts: 1,
            ends: Ends::Error {
                message: |label| {
                    format!("The {label} account is out of credit or quota. Add credit, wait for the quota to reset or use another key, then retry.")
                },
                stop_batch: true,
            },
        },
        Case {
            name: "400",
            faults: vec![status(400)],
            attempts: 1,
            ends: Ends::Error {
                message: |label| {
                    format!("{label} rejected the request (HTTP 400). The model may not accept images, or this image.")
                },
                stop_batch: false,
            },
        },
        Case {
            name: "stall mid-stream",
            faults: vec![Fault::Stall],
            attempts: 1,
            ends: Ends::Error {
                message: |label| {
                    format!("{label} stopped sending partway through; nothing was saved. Retry this image.")
                },
                stop_batch: false,
            },
        },
        Case {
            name: "stream cut mid-way",
            faults: vec![Fault::Cut],
            attempts: 1,
            ends: Ends::Error {
                message: |label| format!("{label}'s reply was cut off; nothing was saved. Retry this image."),
                stop_batch: false,
            },
        },
        Case {
            name: "no headers in time, then fine",
            faults: vec![Fault::StallBeforeHeaders],
            attempts: 2,
            ends: Ends::Done,
        },
    ]
}

/// The fault matrix, per provider family, streamed. Printed as a table with `--nocapture`.
#[tokio::test]
async fn fault_matrix() {
    println!("{:<12} {:<42} {:>8}  ends with", "family", "fault", "attempts");
    for family in Family::ALL {
        for case in fault_cases() {
            let (reply, sent) = describe(family, true, case.faults.clone()).await;
            let name = format!("{family:?}: {}", case.name);
            assert_eq!(sent.len(), case.attempts, "{name}: attempts");
            assert_eq!(reply.retries(), case.attempts - 1, "{name}: a retry note per retry");
            let events = reply.events();
            let finished = events.iter().filter(|e| matches!(e, StreamEvent::Done)).count();
            match &case.ends {
                Ends::Done => {
                    assert_eq!(reply.last(), StreamEvent::Done, "{name}: {events:?}");
                    // Retries happen before any text: the description arrives exactly once.
                    assert_eq!(reply.text(), stub_text("Describe"), "{name}");
                }
                Ends::Error { message, stop_batch } => {
                    let want = StreamEvent::Error { message: message(&family.label()), stop_batch: *stop_batch };
                    assert_eq!(reply.last(), want, "{name}");
                    assert_eq!(finished, 0, "{name}: a failure never ends as a description");
                }
            }
            let ends = match reply.last() {
                StreamEvent::Done => "done".to_string(),
                StreamEvent::Error { message, stop_batch } => {
                    format!("{message}{}", if stop_batch { " [stops the batch]" } else { "" })
                }
                other => format!("{other:?}"),
            };
            println!("{:<12} {:<42} {:>8}  {ends}", format!("{family:?}"), case.name, sent.len());
        }
    }
}

/// Without streaming a reply is one piece: a cut body is final, a stalled one is a
/// timeout before any text and is retried.
#[tokio::test]
async fn whole_replies_fail_cleanly_too() {
    for family in Family::ALL {
        let (reply, sent) = describe(family, false, vec![Fault::Cut]).await;
        assert_eq!(sent.len(), 1, "{family:?}");
        assert_eq!(
            reply.last(),
            StreamEvent::Error {
                message: format!("{}'s reply was cut off; nothing was saved. Retry this image.", family.label()),
                stop_batch: false
            },
            "{family:?}"
        );
        let (reply, sent) = describe(family, false, vec![Fault::Stall]).await;
        assert_eq!((sent.len(), reply.last()), (2, StreamEvent::Done), "{family:?}");
        assert_eq!(reply.text(), stub_text("Describe"), "{family:?}");
    }
}

#[tokio::test]
async fn a_refused_key_stops_the_batch_and_is_never_echoed() {
    let wrong = "sk-wrong-key-that-must-not-leak-9999";
    for family in Family::ALL {
        let (stub, url) = stub().await;
        let app = router(describer(vec![family.entry(&url, wrong, true)]));
        let reply = describe_with(app, family.id(), family.model(), "Describe").await;
        assert_eq!(stub.requests().len(), 0, "{family:?}: the stub refuses before recording");
        let naming = family.naming();
        let want = format!(
            "{} rejected the server's API key. Ask whoever runs picscribe to check {}.",
            naming.label, naming.key_setting
        );
        assert_eq!(reply.last(), StreamEvent::Error { message: want, stop_batch: true }, "{family:?}");
        assert_eq!(reply.retries(), 0, "{family:?}");
        assert!(!reply.body.contains(wrong), "{family:?}: {}", reply.body);
        assert!(!reply.body.contains("Incorrect API key"), "{family:?}: the raw error stays on the server");
    }
}

#[tokio::test]
async fn an_unreachable_provider_is_retried_then_explained() {
    for family in Family::ALL {
        // Nothing listens on port 9 of loopback.
        let app = router(describer(vec![family.entry("http://127.0.0.1:9", KEY, true)]));
        let reply = describe_with(app, family.id(), family.model(), "Describe").await;
        assert_eq!(reply.retries(), 3, "{family:?}");
        let naming = family.naming();
        let want = format!(
            "Could not reach {} after 4 attempts. Check that it is running and that {} is right.",
            naming.label, naming.url_setting
        );
        assert_eq!(reply.last(), StreamEvent::Error { message: want, stop_batch: false }, "{family:?}");
    }
}

#[tokio::test]
async fn the_page_learns_every_provider_its_models_and_resize_rule() {
    let (_stub, url) = stub().await;
    let app = router(describer(Family::ALL.iter().map(|f| f.entry(&url, KEY, true)).collect()));
    let reply = call(app.clone(), "POST", "/api/provider_status", Some(serde_json::json!({}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let info: ProviderInfo = serde_json::from_str(&reply.body).unwrap();
    let got: Vec<(&str, Vec<&str>, ResizeRule)> = info
        .providers
        .iter()
        .map(|p| (p.id.as_str(), p.models.iter().map(String::as_str).collect(), p.resize))
        .collect();
    let openai = ResizeRule::OpenAiTiles;
    let anthropic = ResizeRule::LongEdge { max_edge: 1568, max_pixels: 1_150_000 };
    let gemini = ResizeRule::Tiles { tile: 768, auto_tiles: 2, high_tiles: 4 };
    assert_eq!(
        got,
        vec![
            // The default model first, then the provider's own list, without embeddings.
            ("openai", vec!["stub-vision", "stub-vision-large", "o4-mini"], openai),
            ("azure", vec!["vision-deployment"], openai),
            ("azure-v1", vec!["vision-deployment", "stub-vision", "stub-vision-large", "o4-mini"], openai),
            ("anthropic", vec!["claude-stub-4", "claude-stub-4-haiku"], anthropic),
            ("gemini", vec!["gemini-stub-flash"], gemini),
        ]
    );
    assert!(!reply.body.contains(KEY) && !reply.body.contains(&url), "no key or address: {}", reply.body);
    // And the prices the estimate before a run uses, with when they were checked.
    let mini = app::describe::cost::price_for(&info.prices, "gpt-4o-mini").expect("a price");
    assert_eq!((mini.input, mini.output), (0.15, 0.60));
    assert_eq!(info.prices_checked, app::describe::cost::PRICES_CHECKED);

    // Each provider is reachable by its id; an unknown one is a sentence, not a call.
    let reply = describe_with(app.clone(), "anthropic", "claude-stub-4", "Describe").await;
    assert_eq!(reply.last(), StreamEvent::Done);
    let reply = describe_with(app, "bard", "m", "Describe").await;
    assert!(!reply.status.is_success());
    assert!(reply.body.contains("This server has no provider called “bard”"), "{}", reply.body);
}
