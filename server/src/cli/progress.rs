//! How a long run shows itself: a bar on a terminal (images done, cached, failed, tokens,
//! cost, rate, time left), a plain line every few seconds otherwise, a summary at the end.
//! All on stderr; data goes to stdout or `--out`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use engine::describe::cost::{dollars, money, thousands, Price};
use engine::text::count;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const LINE_EVERY: Duration = Duration::from_secs(5);

/// The run's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub described: u64,
    pub cached: u64,
    pub failed: u64,
    /// Feed rows with no image, carried through.
    pub without_image: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// What first stages used (Azure AI Vision's transactions), and cost at their price.
    pub first: u64,
    pub first_dollars: f64,
}

impl Tally {
    pub fn seen(&self) -> u64 {
        self.described + self.cached + self.failed + self.without_image
    }

    /// "120 described, 30 cached, 2 failed · 14,000 tokens · $0.12"
    pub fn line(&self, price: Option<&Price>) -> String {
        let mut line = format!("{} described, {} cached, {} failed", self.described, self.cached, self.failed);
        let tokens = self.input_tokens + self.output_tokens;
        if tokens > 0 {
            line.push_str(&format!(" · {} tokens", thousands(tokens)));
            if self.first > 0 {
                line.push_str(&format!(" · {}", count(self.first, "analysis", "analyses")));
            }
            if let Some(price) = price {
                line.push_str(&format!(" · {}", money(self.dollars(price))));
            }
        }
        line
    }

    /// Both stages' cost: the tokens at the model's price, the first stages at theirs.
    fn dollars(&self, price: &Price) -> f64 {
        dollars(self.input_tokens, self.output_tokens, price) + self.first_dollars
    }

    /// The last words of a run.
    pub fn summary(&self, price: Option<&Price>, took: Duration) -> String {
        let tokens = self.input_tokens + self.output_tokens;
        let mut used = format!("{} tokens", thousands(tokens));
        if self.first > 0 {
            used = format!("{used} and {}", count(self.first, "analysis", "analyses"));
        }
        let spent = match price {
            _ if tokens == 0 => "no tokens".to_string(),
            Some(price) => format!("{used}, about {}", money(self.dollars(price))),
            None => used,
        };
        format!(
            "Described {} ({} already described), {} failed; {spent}; in {:.1} s.",
            count(self.described + self.cached, "image", "images"),
            self.cached,
            self.failed,
            took.as_secs_f64()
        )
    }
}

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Instant,
    price: Option<Price>,
}

impl Progress {
    pub fn new(price: Option<Price>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} · {per_sec} · {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        let now = Instant::now();
        Progress { bar, started: now, last_line: now, price }
    }

    /// How many inputs are known so far (the walk runs ahead of the work).
    pub fn found(&self, found: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(found);
        }
    }

    pub fn update(&mut self, tally: &Tally) {
        let line = tally.line(self.price.as_ref());
        match &self.bar {
            Some(bar) => {
                bar.set_position(tally.seen());
                bar.set_message(line);
            }
            None if self.last_line.elapsed() >= LINE_EVERY => {
                self.last_line = Instant::now();
                eprintln!("{} done: {line}", tally.seen());
            }
            None => {}
        }
    }

    /// A line shown above the bar as it happens (without a terminal, the summary lists it).
    pub fn say(&self, line: &str) {
        if let Some(bar) = &self.bar {
            bar.println(line);
        }
    }

    /// Takes the bar off the screen, for lines that must stay.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    pub fn finish(&self, tally: &Tally) -> String {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        tally.summary(self.price.as_ref(), self.started.elapsed())
    }
}

/// Waiting for batches: a spinner with the provider's counts on a terminal, a line each
/// look otherwise.
pub struct Waiting {
    bar: Option<ProgressBar>,
}

impl Waiting {
    pub fn new() -> Waiting {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Waiting { bar }
    }

    /// "Waiting for 2 batches (in progress): 4,210 of 10,000 answered; next look in 30 s."
    pub fn show(&mut self, batches: u64, answered: u64, total: u64, states: &str, next: Duration) {
        let line = format!(
            "Waiting for {} ({states}): {} of {} answered; next look in {}.",
            count(batches, "batch", "batches"),
            thousands(answered),
            thousands(total),
            humantime::format_duration(Duration::from_millis(next.as_millis() as u64 / 100 * 100))
        );
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None => eprintln!("{line}"),
        }
    }

    pub fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
