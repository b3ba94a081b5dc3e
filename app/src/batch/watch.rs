//! Sums over every row the page shows — the cost estimate, the tally of rows by status —
//! worked out at most every 200 ms. With thousands of rows, each row that finishes reading
//! would otherwise have every row counted (and listened to) again.

use std::future::{ready, Future};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Batch, Phase};
use crate::browser;
use crate::describe::cost::thousands;
use crate::on_demand;

/// `work`'s answer, worked out at most every 200 ms after anything `track` listens to
/// changes; between two workings-out only `track` listens, and `work` listens to nothing.
pub fn throttled<T, F>(
    initial: T,
    track: impl Fn() + Copy + Send + Sync + 'static,
    work: impl Fn() -> F + Copy + Send + Sync + 'static,
) -> RwSignal<T>
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = T> + 'static,
{
    let answer = RwSignal::new(initial);
    let worked_out = RwSignal::new(0u64);
    let listening = StoredValue::new(false);
    Effect::new(move |_| {
        worked_out.track();
        if listening.get_value() {
            listening.set_value(false);
            track();
            return;
        }
        // Something it reads changed (or this is the first time): work it out soon.
        spawn_local(async move {
            browser::sleep(200).await;
            answer.set(work().await);
            listening.set_value(true);
            worked_out.update(|n| *n += 1);
        });
    });
    answer
}

/// The estimate to show while `shown` holds. Working it out takes the describing code,
/// loaded on demand; until it is there, or if it cannot be loaded, there is no estimate.
pub fn watch_estimate(
    batch: Batch,
    shown: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> RwSignal<Option<String>> {
    throttled(
        None,
        move || {
            track_estimate(batch);
            let _ = shown();
        },
        move || async move {
            match untrack(shown) {
                true => on_demand::estimate(batch).await,
                false => None,
            }
        },
    )
}

/// Subscribes to everything [`super::run::estimate`] reads, without working it out:
/// cheap enough to run on every change to any row.
fn track_estimate(batch: Batch) {
    batch.prompt.track();
    batch.provider.track();
    batch.model.track();
    batch.detail.track();
    batch.max_tokens.track();
    batch.fields.track();
    batch.language.track();
    batch.temperature.track();
    batch.analyse_with.track();
    batch.min_confidence.track();
    batch.compare.track();
    batch.include_edited.track();
    batch.max_output_tokens.track();
    batch.providers.track();
    batch.rows.with(|rows| {
        for row in rows {
            row.phase.track();
            row.described.track();
            row.answers.track();
            row.photos.track();
            row.hand.track();
            row.prompt.track();
            row.dims.track();
        }
    });
}

/// "300 images: 288 ready, 12 reading" — what the whole table holds, for when most of it
/// is off the screen.
pub fn watch_tally(batch: Batch) -> RwSignal<String> {
    throttled(
        String::new(),
        move || batch.rows.with(|rows| rows.iter().for_each(|row| row.phase.track())),
        move || ready(batch.rows.with_untracked(|rows| tally(rows.iter().map(|row| row.phase.get_untracked())))),
    )
}

/// The statuses in the order a row goes through them, as the rows' badges name them.
const ORDER: [&str; 8] = ["reading", "ready", "queued", "sending", "writing", "done", "error", "refused"];

fn tally(phases: impl IntoIterator<Item = Phase>) -> String {
    let mut counts = [0u64; ORDER.len()];
    let mut total = 0;
    for phase in phases {
        total += 1;
        if let Some(at) = ORDER.iter().position(|label| *label == phase.label(false)) {
            counts[at] += 1;
        }
    }
    let images = crate::text::count(total as u64, "image", "images");
    let parts: Vec<String> = ORDER
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| format!("{} {label}", thousands(n)))
        .collect();
    if parts.is_empty() {
        images
    } else {
        format!("{images}: {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_rows_by_status_in_the_order_rows_go_through() {
        let failed = Phase::Failed { sentence: "Rate limited.".into() };
        let unusable = Phase::Unusable { why: "Not an image.".into() };
        let many = std::iter::repeat_n(Phase::Ready, 4_998).chain([Phase::Reading, Phase::Reading]);
        let cases: Vec<(Vec<Phase>, &str)> = vec![
            (vec![], "0 images"),
            (vec![Phase::Reading], "1 image: 1 reading"),
            (vec![Phase::Done, Phase::Ready, Phase::Done], "3 images: 1 ready, 2 done"),
            (vec![failed, unusable, Phase::Writing { draft: "A".into() }], "3 images: 1 writing, 2 error"),
            (many.collect(), "5,000 images: 2 reading, 4,998 ready"),
        ];
        for (phases, want) in cases {
            assert_eq!(tally(phases), want);
        }
    }
}
