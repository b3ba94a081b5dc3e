//! One pace per provider for the whole server: calls from several pages at once start no
//! closer than the configured `rpm` allows, and a 429's wait holds every caller, so the
//! limit is found once instead of by each call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::describe::events::StreamEvent;
use app::describe::server::pace::Pace;
use common::{describe_with, describer, router, stub, Family, KEY};
use server::stub::Fault;

#[tokio::test]
async fn calls_from_several_pages_share_the_providers_pace() {
    let (stub, url) = stub().await;
    let mut entry = Family::OpenAi.entry(&url, KEY, true);
    entry.pace = Arc::new(Pace::new(Some(240))); // one every 250 ms
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
