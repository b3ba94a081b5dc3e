//! Runs the stub provider on its own, for end-to-end tests and trying picscribe without
//! a real provider: `stub-provider [PORT]`; `STUB_API_KEY` makes it demand that key, `STUB_PIECE_DELAY_MS`
//! sets the pause between streamed pieces (20 ms by default; 0 for benchmarks).

use std::net::SocketAddr;

use server::stub::Stub;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(3999);
    let mut stub = Stub::new(std::env::var("STUB_API_KEY").ok().filter(|k| !k.is_empty()));
    // Benchmarks want a provider that answers at once.
    if let Some(ms) = std::env::var("STUB_PIECE_DELAY_MS").ok().and_then(|ms| ms.parse().ok()) {
        stub.piece_delay = std::time::Duration::from_millis(ms);
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("stub provider listening on http://127.0.0.1:{port} (OpenAI at /v1, Azure at /openai, Anthropic at /v1/messages, Gemini at /v1beta)");
    axum::serve(listener, stub.router()).await
}
