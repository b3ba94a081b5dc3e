//! Not a test: the proxy benchmark `scripts/bench.sh` runs. What picscribe adds to a
//! description's time at 64 in flight — its router, guard, pace and relay, over real
//! TCP — against calling the same stub directly in the same run; and the memory 32
//! descriptions in flight take.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use app::describe::server::Timeouts;
use common::{access, describe_input, describer, jpeg_data_url, router_with, Family, KEY};
use server::stub::Stub;

async fn stub_with(think: Duration) -> String {
    let mut stub = Stub::new(Some(KEY.to_string()));
    stub.piece_delay = Duration::from_millis(10);
    stub.think = think;
    stub.spawn().await.unwrap()
}

/// The one person the benchmark calls as, allowed 64 descriptions at once.
const TOKEN: &str = "bench-token-0123456789abcdef";

/// Serves picscribe, pointed at `stub`, on a loopback port; returns its root URL.
async fn picscribe(stub: &str) -> String {
    let mut describer = describer(vec![Family::OpenAi.entry(stub, KEY, true)]);
    describer.timeouts = Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(30),
        idle: Duration::from_secs(30),
        total: Duration::from_secs(120),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let people = "[[user]]\nname = \"bench\"\ntoken_env = \"BENCH_TOKEN\"\nmax_parallel = 64\n";
    let access = access(&[("BENCH_TOKEN", TOKEN)], Some(people), None);
    tokio::spawn(server::serve(
        listener,
        router_with(describer, access),
        Duration::from_secs(30),
        std::future::pending(),
    ));
    format!("http://{addr}")
}

/// `n` requests at once, each read to its end; their times.
async fn at_once(n: usize, send: impl Fn() -> reqwest::RequestBuilder) -> Vec<Duration> {
    let calls = (0..n).map(|_| {
        let request = send();
        async move {
            let started = Instant::now();
            let body = request.send().await.unwrap().text().await.unwrap();
            assert!(body.contains("Stub description"), "{body}");
            started.elapsed()
        }
    });
    futures::future::join_all(calls).await
}

fn percentile(times: &mut [Duration], p: f64) -> Duration {
    times.sort_unstable();
    times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1]
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo test -p server --features stub --release --test proxy -- --ignored --nocapture"]
async fn proxy_benchmark() {
    let stub = stub_with(Duration::from_millis(200)).await;
    let app = picscribe(&stub).await;
    let client = reqwest::Client::new();
    let direct_body = serde_json::json!({
        "model": Family::OpenAi.model(),
        "stream": true,
        "stream_options": {"include_usage": true},
        "max_completion_tokens": 300,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe"},
            {"type": "image_url", "image_url": {"url": jpeg_data_url(), "detail": "auto"}}
        ]}]
    });
    let proxied_body = describe_input("openai", Family::OpenAi.model(), "Describe");
    let direct = || client.post(format!("{stub}/v1/chat/completions")).bearer_auth(KEY).json(&direct_body);
    let proxied = || client.post(format!("{app}/api/describe")).bearer_auth(TOKEN).json(&proxied_body);
    // Warm both paths (connections, the model list), then alternate rounds of 64.
    at_once(8, direct).await;
    at_once(8, proxied).await;
    let (mut straight, mut through) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        straight.extend(at_once(64, direct).await);
        through.extend(at_once(64, proxied).await);
    }
    let (d50, d99) = (percentile(&mut straight, 0.5), percentile(&mut straight, 0.99));
    let (p50, p99) = (percentile(&mut through, 0.5), percentile(&mut through, 0.99));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "proxy at 64 in flight ({} descriptions each way): direct p50 {:.1} ms, p99 {:.1} ms; through picscribe \
         p50 {:.1} ms, p99 {:.1} ms — added p50 {:.1} ms, p99 {:.1} ms",
        straight.len(),
        ms(d50),
        ms(d99),
        ms(p50),
        ms(p99),
        ms(p50) - ms(d50),
        ms(p99) - ms(d99)
    );

    // Memory: 32 descriptions held open by a stub that takes 3 s to answer.
    let slow = stub_with(Duration::from_secs(3)).await;
    let slow_app = picscribe(&slow).await;
    let slow_call = || client.post(format!("{slow_app}/api/describe")).bearer_auth(TOKEN).json(&proxied_body);
    at_once(2, slow_call).await;
    let before = rss_kib();
    let sampler = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        rss_kib()
    });
    at_once(32, slow_call).await;
    let during = sampler.await.unwrap();
    println!(
        "memory at 32 in flight: {:.1} MiB resident (server, stub and client in one process), {:.1} MiB more than idle",
        during as f64 / 1024.0,
        during.saturating_sub(before) as f64 / 1024.0
    );
}
