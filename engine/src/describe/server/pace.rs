//! One pace per provider, shared by every call on the server: requests start no closer
//! together than the provider's requests-per-minute and tokens-per-minute limits allow —
//! set in `picscribe.toml` (`rpm`, `tpm`) or learned from the limits the provider announces
//! in its replies' headers — and when the provider says its window is used up (a 429 with
//! a wait, or no requests or tokens remaining), every caller waits it out instead of each
//! finding the limit by hitting it. Several tabs and several people all go through the
//! same gate.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::limits::Announced;

/// The share of the limits the gate keeps to. Measured with the pace benchmark (10
/// requests a second, 200 images from two pages): at 100 % 8 % of requests were answered
/// 429; at 97.5 % none were, at 98 % of the limit's pace.
pub const MARGIN: f64 = 0.975;

/// How much a new reply's reported use moves the estimate's correction.
const LEARN: f64 = 0.3;

/// Limits per minute.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limits {
    pub rpm: Option<u32>,
    pub tpm: Option<u32>,
}

pub struct Pace {
    /// From `picscribe.toml`; they win over what the provider announces.
    configured: Limits,
    /// Whether to learn from the provider's headers (off only to measure without).
    learn: bool,
    gate: Mutex<Gate>,
}

#[derive(Debug)]
struct Gate {
    /// The earliest the next request may start, by the requests limit…
    next: Instant,
    /// …and by the tokens limit.
    next_tokens: Instant,
    /// The provider asked everyone to wait until then.
    paused_until: Option<Instant>,
    /// The limits the provider last announced.
    announced: Limits,
    /// Reported tokens over estimated tokens, learned from replies.
    correction: f64,
}

/// A request's place in the pace: how long it waited and the tokens it was counted as.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Turn {
    pub waited: Duration,
    pub estimate: u32,
}

fn every(per_minute: u32) -> Duration {
    Duration::from_secs(60).div_f64(f64::from(per_minute) * MARGIN)
}

impl Pace {
    /// A gate for the configured limits; none (or 0) leaves that limit to what the provider
    /// announces, and with nothing announced either, calls go as fast as callers come.
    pub fn new(configured: Limits) -> Pace {
        let configured = Limits { rpm: configured.rpm.filter(|n| *n > 0), tpm: configured.tpm.filter(|n| *n > 0) };
        let now = Instant::now();
        let gate =
            Gate { next: now, next_tokens: now, paused_until: None, announced: Limits::default(), correction: 1.0 };
        Pace { configured, learn: true, gate: Mutex::new(gate) }
    }

    /// Paced by 429s alone, as before the provider's headers were read: the benchmark's
    /// baseline.
    pub fn ignoring_headers() -> Pace {
        Pace { learn: false, ..Pace::open() }
    }

    /// Unpaced until the provider announces limits.
    pub fn open() -> Pace {
        Pace::new(Limits::default())
    }

    fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The limits in force: configured, else announced.
    pub fn limits(&self) -> Limits {
        let announced = self.gate().announced;
        Limits { rpm: self.configured.rpm.or(announced.rpm), tpm: self.configured.tpm.or(announced.tpm) }
    }

    /// Waits for a request of about `tokens` (before correction) to take its turn. A caller
    /// that goes away while waiting gives up its place only in time: the slot it reserved
    /// passes unused, which keeps the pace at or under the limits.
    pub async fn turn(&self, tokens: u32) -> Turn {
        let limits = self.limits();
        let now = Instant::now();
        let (slot, estimate) = {
            let mut gate = self.gate();
            let estimate = (f64::from(tokens) * gate.correction).round().max(1.0) as u32;
            let mut slot = now.max(gate.next).max(gate.next_tokens);
            if let Some(paused) = gate.paused_until {
                slot = slot.max(paused);
            }
            if let Some(rpm) = limits.rpm {
                gate.next = slot + every(rpm);
            }
            if let Some(tpm) = limits.tpm {
                gate.next_tokens =
                    slot + Duration::from_secs(60).mul_f64(f64::from(estimate) / (f64::from(tpm) * MARGIN));
            }
            (slot, estimate)
        };
        tokio::time::sleep_until(slot).await;
        Turn { waited: slot - now, estimate }
    }

    /// The provider said to wait (a 429 with `Retry-After`, or its reset time): nobody
    /// starts before then.
    pub fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut gate = self.gate();
        gate.paused_until = Some(gate.paused_until.map_or(until, |p| p.max(until)));
    }

    /// Learns from a reply's headers: the limits per minute, and a pause until the window
    /// resets when nothing of it remains.
    pub fn announced(&self, announced: &Announced) {
        if !self.learn {
            return;
        }
        let per_minute = |limit: Option<u64>| limit.and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0);
        let spent = [announced.requests, announced.tokens]
            .into_iter()
            .flatten()
            .filter(|w| w.remaining == Some(0))
            .filter_map(|w| w.reset)
            .max();
        {
            let mut gate = self.gate();
            if let Some(rpm) = per_minute(announced.requests.and_then(|w| w.limit)) {
                gate.announced.rpm = Some(rpm);
            }
            if let Some(tpm) = per_minute(announced.tokens.and_then(|w| w.limit)) {
                gate.announced.tpm = Some(tpm);
            }
        }
        if let Some(wait) = spent {
            self.pause(wait);
        }
    }

    /// Corrects later estimates by what a reply reported using, against what it was
    /// estimated at before correction.
    pub fn reported(&self, estimated: u32, used: u32) {
        if estimated == 0 || used == 0 {
            return;
        }
        let mut gate = self.gate();
        let ratio = (f64::from(used) / f64::from(estimated)).clamp(0.1, 10.0);
        gate.correction = gate.correction * (1.0 - LEARN) + ratio * LEARN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::server::limits::Window;

    fn rpm(n: u32) -> Limits {
        Limits { rpm: Some(n), tpm: None }
    }

    async fn waits(pace: &std::sync::Arc<Pace>, tokens: u32, n: usize) -> Vec<Duration> {
        let mut waits: Vec<Duration> = futures::future::join_all((0..n).map(|_| {
            let pace = pace.clone();
            async move { pace.turn(tokens).await.waited }
        }))
        .await;
        waits.sort_unstable();
        waits
    }

    #[tokio::test(start_paused = true)]
    async fn callers_share_one_pace() {
        let pace = std::sync::Arc::new(Pace::new(rpm(120)));
        let start = Instant::now();
        // 120 a minute kept to 97.5 %: one every 513 ms.
        let every = Duration::from_secs(60).div_f64(120.0 * MARGIN);
        assert_eq!(waits(&pace, 100, 4).await, [Duration::ZERO, every, every * 2, every * 3]);
        // The timer wakes on whole milliseconds.
        assert!(start.elapsed().abs_diff(every * 3) <= Duration::from_millis(1), "{:?}", start.elapsed());
        // After a quiet spell the next one goes at once.
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(pace.turn(100).await.waited, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_everyone_and_unpaced_goes_at_once() {
        let open = Pace::open();
        assert_eq!((open.turn(1).await.waited, open.turn(1).await.waited), (Duration::ZERO, Duration::ZERO));
        open.pause(Duration::from_secs(2));
        open.pause(Duration::from_secs(1));
        assert_eq!(open.turn(1).await.waited, Duration::from_secs(2), "the longer pause holds");
        assert_eq!(open.turn(1).await.waited, Duration::ZERO);
        assert_eq!(Pace::new(rpm(0)).turn(1).await.waited, Duration::ZERO, "0 means unpaced");
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_per_minute_space_requests_by_their_size() {
        // 60,000 tokens a minute: a 1,000-token request takes a second of it (at 97.5 %).
        let pace = std::sync::Arc::new(Pace::new(Limits { rpm: Some(10_000), tpm: Some(60_000) }));
        let second = Duration::from_secs(1).div_f64(MARGIN);
        let got = waits(&pace, 1_000, 3).await;
        for (got, want) in got.iter().zip([Duration::ZERO, second, second * 2]) {
            assert!(got.abs_diff(want) < Duration::from_micros(1), "{got:?} vs {want:?}");
        }
        // Replies reported half the estimate: later requests count as about half.
        for _ in 0..20 {
            pace.reported(1_000, 500);
        }
        let turn = pace.turn(1_000).await;
        assert!((495..=510).contains(&turn.estimate), "{turn:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn announced_limits_pace_until_configured_ones_win() {
        let pace = Pace::open();
        let announced = Announced {
            requests: Some(Window { limit: Some(600), remaining: Some(599), reset: Some(Duration::from_millis(100)) }),
            tokens: Some(Window { limit: Some(150_000), remaining: Some(149_000), reset: None }),
        };
        pace.announced(&announced);
        assert_eq!(pace.limits(), Limits { rpm: Some(600), tpm: Some(150_000) });
        let configured = Pace::new(rpm(100));
        configured.announced(&announced);
        assert_eq!(configured.limits(), Limits { rpm: Some(100), tpm: Some(150_000) });

        // Nothing remains of the requests window: everyone waits for its reset.
        let spent = Announced {
            requests: Some(Window { limit: Some(600), remaining: Some(0), reset: Some(Duration::from_secs(3)) }),
            tokens: None,
        };
        let pace = Pace::open();
        pace.announced(&spent);
        assert_eq!(pace.turn(1).await.waited, Duration::from_secs(3));
    }
}
