//! When to try a provider again and how long to wait first. Pure, so the waits can be
//! table-tested without sleeping.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// How hard the server tries before telling the user.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; doubled each retry.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A provider asking for longer than this is taken at its word only this far.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): the provider's own word when it gave
    /// one, else exponential backoff with full jitter in its upper half.
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.max_retry_after);
        }
        let exp = self.base_delay.saturating_mul(1 << retry.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// Reads how long the provider wants us to wait: `retry-after-ms`, `Retry-After` as
/// seconds or an HTTP date, or OpenAI's `x-ratelimit-reset-requests` (`"1s"`, `"6m0s"`).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(seconds(ms / 1000.0));
    }
    if let Some(value) = header("retry-after") {
        if let Ok(secs) = value.parse::<f64>() {
            return Some(seconds(secs));
        }
        if let Ok(when) = httpdate::parse_http_date(value) {
            return Some(when.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    header("x-ratelimit-reset-requests").or_else(|| header("x-ratelimit-reset-tokens")).and_then(parse_go_duration)
}

/// A wait from a number a provider sent: negative or not a number is no wait, and anything
/// beyond a day (`1e30`, `inf`) is a day; the policy caps it much lower anyway.
fn seconds(value: f64) -> Duration {
    const DAY: f64 = 86_400.0;
    if value.is_nan() || value <= 0.0 {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(value.min(DAY))
}

/// Parses the `1m30s`, `250ms`, `2.5s` durations OpenAI's rate-limit headers use.
pub(super) fn parse_go_duration(value: &str) -> Option<Duration> {
    let mut total = 0.0;
    let mut rest = value;
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, tail) = rest.split_at(split);
        let number: f64 = number.parse().ok()?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit()).unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        total += number
            * match unit {
                "ms" => 0.001,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => return None,
            };
        rest = next;
    }
    Some(seconds(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    /// Response headers, and the wait they ask for.
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<Duration>);

    #[test]
    fn reads_every_way_a_provider_says_wait() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_795_341_600); // Sun, 22 Nov 2026 10:00:00 GMT
        let cases: &[Case] = &[
            (&[("retry-after", "2")], Some(Duration::from_secs(2))),
            (&[("retry-after", "0")], Some(Duration::ZERO)),
            (&[("retry-after", "1.5")], Some(Duration::from_millis(1500))),
            (&[("retry-after", "Sun, 22 Nov 2026 10:00:07 GMT")], Some(Duration::from_secs(7))),
            (&[("retry-after", "Sun, 22 Nov 2026 09:00:00 GMT")], Some(Duration::ZERO)),
            (&[("retry-after-ms", "250"), ("retry-after", "9")], Some(Duration::from_millis(250))),
            (&[("x-ratelimit-reset-requests", "1m30s")], Some(Duration::from_secs(90))),
            (&[("x-ratelimit-reset-tokens", "250ms")], Some(Duration::from_millis(250))),
            (&[("retry-after", "soon")], None),
            // A provider (or whatever answers in its place) cannot make the server panic.
            (&[("retry-after", "1e30")], Some(Duration::from_secs(86_400))),
            (&[("retry-after", "-5")], Some(Duration::ZERO)),
            (&[("retry-after-ms", "inf")], Some(Duration::from_secs(86_400))),
            (&[("retry-after-ms", "NaN")], Some(Duration::ZERO)),
            (&[("x-ratelimit-reset-requests", "99999999999999999999999h")], Some(Duration::from_secs(86_400))),
            (&[], None),
        ];
        for (pairs, want) in cases {
            assert_eq!(retry_after(&headers(pairs), now), *want, "{pairs:?}");
        }
    }

    #[test]
    fn backoff_doubles_caps_and_defers_to_the_provider() {
        let policy = RetryPolicy::default();
        let cases = [
            (1, None, 1.0, Duration::from_millis(500)),
            (2, None, 1.0, Duration::from_secs(1)),
            (3, None, 1.0, Duration::from_secs(2)),
            (3, None, 0.0, Duration::from_secs(1)),
            (9, None, 1.0, Duration::from_secs(8)),
            (1, Some(Duration::from_secs(3)), 0.7, Duration::from_secs(3)),
            (1, Some(Duration::from_secs(600)), 0.7, Duration::from_secs(30)),
        ];
        for (retry, asked, jitter, want) in cases {
            assert_eq!(policy.wait(retry, asked, jitter), want, "retry {retry} asked {asked:?}");
        }
    }
}
