//! The stub's rate limits, like a provider's: requests and tokens per window, a 429 with
//! the wait when over, and OpenAI's `x-ratelimit-*` headers on every answer.

use std::time::Duration;

use axum::http::header;
use axum::response::Response;

use super::Stub;

/// The limits after letting a request in, or the wait before one would be: what the
/// `x-ratelimit-*` headers say.
pub(super) struct Admission {
    pub admitted: bool,
    pub wait: Duration,
    pub headers: Vec<(&'static str, String)>,
}

pub(super) fn with_headers(mut response: Response, headers: &[(&'static str, String)]) -> Response {
    for (name, value) in headers {
        if let Ok(value) = header::HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
    response
}

impl Stub {
    /// Whether the rate limits let a request of `tokens` in now (if not, how long until
    /// they would), and the `x-ratelimit-*` headers OpenAI sends with either answer: the
    /// limits per minute, what remains, and when the oldest use leaves the window.
    pub(super) fn admit(&self, tokens: u64) -> Admission {
        let Some((limit, window)) = self.rate_limit else {
            return Admission { admitted: true, wait: Duration::ZERO, headers: Vec::new() };
        };
        let now = std::time::Instant::now();
        let mut inner = self.lock();
        while inner.admitted.front().is_some_and(|(at, _)| now.duration_since(*at) >= window) {
            inner.admitted.pop_front();
        }
        let used: u64 = inner.admitted.iter().map(|(_, t)| t).sum();
        let tokens_fit = self.token_limit.is_none_or(|max| used + tokens <= max);
        let admitted = inner.admitted.len() < limit && tokens_fit;
        // Until enough of the oldest uses leave the window.
        let wait = if admitted {
            Duration::ZERO
        } else {
            let mut freed = (inner.admitted.len() + 1).saturating_sub(limit);
            if let Some(max) = self.token_limit {
                let mut over = (used + tokens).saturating_sub(max);
                let mut count = 0;
                for (_, t) in &inner.admitted {
                    if over == 0 {
                        break;
                    }
                    over = over.saturating_sub(*t);
                    count += 1;
                }
                freed = freed.max(count);
            }
            let until = inner.admitted.get(freed.saturating_sub(1)).map_or(now, |(at, _)| *at);
            window.saturating_sub(now.duration_since(until))
        };
        if admitted {
            inner.admitted.push_back((now, tokens));
            inner.tokens += tokens;
        } else {
            inner.limited += 1;
        }
        let per_minute = |n: u64| (n as f64 * 60.0 / window.as_secs_f64()).round() as u64;
        let reset =
            inner.admitted.front().map_or(Duration::ZERO, |(at, _)| window.saturating_sub(now.duration_since(*at)));
        let reset = format!("{}ms", reset.as_millis().max(1));
        let count = inner.admitted.len();
        let used: u64 = inner.admitted.iter().map(|(_, t)| t).sum();
        let mut headers = vec![
            ("x-ratelimit-limit-requests", per_minute(limit as u64).to_string()),
            ("x-ratelimit-remaining-requests", limit.saturating_sub(count).to_string()),
            ("x-ratelimit-reset-requests", reset.clone()),
        ];
        if let Some(max) = self.token_limit {
            headers.push(("x-ratelimit-limit-tokens", per_minute(max).to_string()));
            headers.push(("x-ratelimit-remaining-tokens", max.saturating_sub(used).to_string()));
            headers.push(("x-ratelimit-reset-tokens", reset));
        }
        Admission { admitted, wait, headers }
    }
}
