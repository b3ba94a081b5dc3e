//! One pace per provider for the whole server: calls from several pages at once start no
//! closer than the configured `rpm` allows, or the limits the provider announces in its
//! headers, and a 429's wait holds every caller, so the limit is found once instead of by
//! each call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::describe::events::StreamEvent;
use app::describe::server::pace::{Limits, Pace};
use app::describe::server::Timeouts;
use common::{describe_with, describer, router, stub, Family, KEY};
use server::stub::Fault;

#[tokio::test]
async fn calls_from_several_pages_share_the_providers_pace() {
    let (stub, url) = stub().await;
    let mut entry = Family::OpenAi.entry(&url, KEY, true);
    entry.pace = Arc::new(Pace::new(Limits { rpm: Some(240), tpm: None })); // one every 256 ms (97.5 % of 240)
    let app = router(describer(vec![entry]));
    let started = Instant::now();
    let replies = futures::future::join_all(
        (0..5).map(|_| describe_with(app.clone(), "openai", Family::OpenAi.model(), "Describe")),
    )
    .await;
    let elapsed = started.elapsed();
    assert!(replies.iter().all(|r| r.last() == StreamEvent::Done));
    assert_eq!(stub.requests().len(), 5);
    // Five starts at 250 ms spacing take at least a second; unpaced they take ~0.1 s.
    assert!(elapsed >= Duration::from_millis(1000), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[tokio::test]
async fn a_429_holds_every_caller_until_its_wait_is_over() {
    let (stub, url) = stub().await;
    stub.push_faults([Fault::RateLimited { retry_after: Some("1".into()) }]);
    let app = router(describer(vec![Family::OpenAi.entry(&url, KEY, true)]));
    let first = tokio::spawn(describe_with(app.clone(), "openai", Family::OpenAi.model(), "Describe"));
    // Let the first call meet the 429 before the second page asks.
    let mut waited = Duration::ZERO;
    while stub.requests().is_empty() && waited < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += Duration::from_millis(10);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = tokio::spawn(describe_with(app.clone(), "openai", Family::OpenAi.model(), "Describe"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(stub.requests().len(), 1, "the second page waits out the first one's 429");
    let (first, second) = (first.await.unwrap(), second.await.unwrap());
    assert_eq!((first.last(), second.last()), (StreamEvent::Done, StreamEvent::Done));
    assert_eq!(stub.requests().len(), 3, "one 429, then one call each: no second 429");
}

#[tokio::test]
async fn the_limits_a_provider_announces_pace_every_page() {
    // 5 requests and 100,000 tokens a second (300 and 6,000,000 a minute, as the headers
    // say); nothing in picscribe.toml.
    let mut stub = server::stub::Stub::new(Some(KEY.to_string()));
    stub.rate_limit = Some((5, Duration::from_secs(1)));
    stub.token_limit = Some(100_000);
    let url = stub.clone().spawn().await.unwrap();
    let entry = Family::OpenAi.entry(&url, KEY, true);
    let pace = Arc::clone(&entry.pace);
    let app = router(describer(vec![entry]));
    assert_eq!(
        describe_with(app.clone(), "openai", Family::OpenAi.model(), "Describe").await.last(),
        StreamEvent::Done
    );
    assert_eq!(pace.limits(), Limits { rpm: Some(300), tpm: Some(6_000_000) }, "learned from x-ratelimit-limit-*");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let replies = futures::future::join_all(
        (0..8).map(|_| describe_with(app.clone(), "openai", Family::OpenAi.model(), "Describe")),
    )
    .await;
    assert!(replies.iter().all(|r| r.last() == StreamEvent::Done));
    assert_eq!(stub.rate_limited(), 0, "no request met the limit");
    // Eight starts at 205 ms spacing take at least 1.4 s; unpaced, five would have met a 429.
    assert!(started.elapsed() >= Duration::from_millis(1400), "{:?}", started.elapsed());
}

#[tokio::test]
async fn waiting_for_a_turn_does_not_count_toward_the_request_timeout() {
    let (stub, url) = stub().await;
    let mut entry = Family::OpenAi.entry(&url, KEY, true);
    entry.pace = Arc::new(Pace::new(Limits { rpm: Some(60), tpm: None })); // one every ~1 s
    let mut describer = describer(vec![entry]);
    // Each reply takes milliseconds; the third call waits about 2 s for its turn.
    describer.timeouts.total = Duration::from_millis(1500);
    let app = router(describer);
    let replies = futures::future::join_all(
        (0..3).map(|_| describe_with(app.clone(), "openai", Family::OpenAi.model(), "Describe")),
    )
    .await;
    let ends: Vec<_> = replies.iter().map(|r| r.last()).collect();
    assert_eq!(ends, vec![StreamEvent::Done; 3], "a call queued behind the pace is not timed out");
    assert_eq!(stub.requests().len(), 3);
}

/// Not a test: the pace benchmark `scripts/bench.sh` runs. A stub limited like OpenAI —
/// 120 requests and 11,000 tokens a minute, 429 with `Retry-After` and `x-ratelimit-*`
/// headers on every reply, 1.5 s to answer — and 200 images from two pages at once, 4
/// calls each: images per minute as a share of the ceiling, and the share of requests
/// answered 429, with the server's pace off (`Pace::new` of nothing, the headers ignored)
/// and learned from the headers alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo test -p server --features stub --release --test pace -- --ignored --nocapture"]
async fn pace_benchmark() {
    const RPM: usize = 120;
    const TPM: u64 = 11_000;
    for learn in [false, true] {
        let mut stub = server::stub::Stub::new(Some(KEY.to_string()));
        stub.piece_delay = Duration::from_millis(5);
        stub.think = Duration::from_millis(1500);
        stub.rate_limit = Some((RPM, Duration::from_secs(60)));
        stub.token_limit = Some(TPM);
        let url = stub.clone().spawn().await.unwrap();
        let mut entry = Family::OpenAi.entry(&url, KEY, true);
        if !learn {
            entry.pace = Arc::new(Pace::ignoring_headers());
        }
        let mut describer = describer(vec![entry]);
        describer.timeouts = Timeouts {
            connect: Duration::from_secs(2),
            first_byte: Duration::from_secs(10),
            idle: Duration::from_secs(10),
            total: Duration::from_secs(600),
        };
        describer.retry.max_retries = 8;
        describer.retry.max_retry_after = Duration::from_secs(60);
        let app = router(describer);
        let started = Instant::now();
        let page = |app: axum::Router| async move {
            let semaphore = Arc::new(tokio::sync::Semaphore::new(4));
            let calls = (0..100).map(|_| {
                let (app, semaphore) = (app.clone(), semaphore.clone());
                async move {
                    let _slot = semaphore.acquire().await.unwrap();
                    describe_with(app, "openai", Family::OpenAi.model(), "Describe").await.last()
                }
            });
            futures::future::join_all(calls).await
        };
        let (a, b) = tokio::join!(page(app.clone()), page(app));
        let elapsed = started.elapsed().as_secs_f64();
        let done = a.iter().chain(&b).filter(|e| **e == StreamEvent::Done).count();
        let limited = stub.rate_limited();
        let sent = stub.requests().len() + limited;
        // The ceiling: the requests limit, or as many requests as the tokens limit holds.
        let per_request = stub.tokens_counted() as f64 / stub.requests().len().max(1) as f64;
        let ceiling = (RPM as f64).min(TPM as f64 / per_request);
        let per_minute = done as f64 / elapsed * 60.0;
        println!(
            "pace {}: {done} of 200 described in {elapsed:.1} s — {per_minute:.1} images/min, {:.0} % of the \
             {ceiling:.1}/min ceiling ({RPM} requests, {TPM} tokens at {per_request:.0} a request; goal ≥ 95 %); \
             {limited} of {sent} requests answered 429 ({:.1} %, goal ≤ 2 %)",
            if learn { "learned from the headers" } else { "off" },
            per_minute / ceiling * 100.0,
            limited as f64 / sent as f64 * 100.0
        );
    }
}
