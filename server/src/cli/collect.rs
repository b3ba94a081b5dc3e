//! What the command makes of each image's outcome, in the order the inputs came: the tally
//! and the progress, the `.txt` and metadata copies, the rows of `--out`, the list of what
//! was not described; and at the end, the file, the summary and the exit status.

use std::process::ExitCode;

use engine::describe::cost::{dollars, estimate_sentence, price_for, Estimate, Price};
use engine::export::ExportRow;

use super::inputs::{Input, Source};
use super::outputs::{per_image, write_out};
use super::progress::{Progress, Tally};
use super::run::{Done, Outcome, Run, SOME_FAILED, STOPPED};

pub struct Collector {
    pub progress: Progress,
    pub tally: Tally,
    estimate: Estimate,
    /// Images from URLs counted as 12 MP photos by `--estimate`.
    assumed: u64,
    pub failures: Vec<(String, String)>,
    keep_rows: bool,
    /// A feed row's cells and its description, in the inputs' order.
    pub rows: Vec<(Option<Vec<String>>, Option<ExportRow>)>,
    price: Option<Price>,
}

pub fn display_name(input: &Input) -> String {
    match &input.source {
        Source::Url(url) => url.clone(),
        _ => input.name.clone(),
    }
}

impl Collector {
    pub fn new(run: &Run, price: Option<Price>) -> Collector {
        Collector {
            progress: Progress::new(price.clone()),
            tally: Tally::default(),
            estimate: Estimate::default(),
            assumed: 0,
            failures: Vec::new(),
            keep_rows: run.args.out.is_some() || run.sink.is_some(),
            rows: Vec::new(),
            price,
        }
    }

    /// Takes in one image's outcome; the row it makes goes to the end of `--out`'s rows.
    /// An item's other feed rows follow it, with no description of their own (Shopify
    /// keeps a product's text on its first row).
    pub fn take(&mut self, run: &Run, done: Done) {
        let cells = done.input.cells.clone();
        let others: Vec<Option<Vec<String>>> = done.input.more.iter().map(|m| m.cells.clone()).collect();
        let row = self.settle(run, done);
        if self.keep_rows {
            self.rows.push((cells, row));
            self.rows.extend(others.into_iter().filter(Option::is_some).map(|cells| (cells, None)));
        }
    }

    /// Takes in an outcome whose place in `--out` was kept when its input came.
    pub fn take_at(&mut self, run: &Run, index: usize, done: Done) {
        let row = self.settle(run, done);
        if let Some(slot) = self.rows.get_mut(index) {
            slot.1 = row;
        }
    }

    /// Keeps a place in `--out` for an input whose outcome comes later (from a batch).
    pub fn hold_place(&mut self, input: &Input) -> usize {
        let at = self.rows.len();
        if self.keep_rows {
            self.rows.push((input.cells.clone(), None));
            self.rows.extend(input.more.iter().filter_map(|m| m.cells.clone()).map(|cells| (Some(cells), None)));
        }
        at
    }

    fn settle(&mut self, run: &Run, done: Done) -> Option<ExportRow> {
        let Done { input, outcome, originals } = done;
        let row = match outcome {
            Outcome::Described { stored, cached, first } => {
                if cached {
                    self.tally.cached += 1;
                } else {
                    self.tally.described += 1;
                    if let Some((i, o)) = stored.usage {
                        self.tally.input_tokens += u64::from(i);
                        self.tally.output_tokens += u64::from(o);
                    }
                }
                if let Some((model, i, o)) = first {
                    let price = price_for(&run.describer.prices, &model);
                    self.tally.first += u64::from(i + o);
                    self.tally.first_dollars += price.map_or(0.0, |p| dollars(u64::from(i), u64::from(o), p));
                }
                // With values the writers export those, never the answer's JSON text.
                let names = engine::items::item_names(input.photos().map(|p| p.name.as_str()));
                let mut row = ExportRow::new(&names, stored.text, stored.values, Some(&stored.described))
                    .kept_at(run.args.min_confidence);
                let urls: Vec<&str> = input
                    .photos()
                    .filter_map(|p| match &p.source {
                        Source::Url(url) => Some(url.as_str()),
                        _ => None,
                    })
                    .collect();
                row.url = urls.join("; ");
                if let Err(problem) = per_image(&run.args, &input, &row, &originals) {
                    self.progress.say(&format!("{}: {problem}", input.name));
                    self.failures.push((input.name.clone(), problem));
                }
                Some(row)
            }
            Outcome::Estimated { input: tokens_in, output, first } => {
                self.estimate.add(tokens_in, output);
                if let Some((model, calls)) = first {
                    self.estimate.add_first(calls, price_for(&run.describer.prices, model));
                }
                if matches!(input.source, Source::Url(_)) {
                    self.assumed += 1;
                }
                None
            }
            Outcome::Failed(sentence) => self.fail(&input, sentence),
            Outcome::NoImage => {
                self.tally.without_image += 1;
                None
            }
            // Counted when their batch brings them back.
            Outcome::Queued { .. } | Outcome::Pending { .. } => None,
        };
        self.progress.update(&self.tally);
        row
    }

    fn fail(&mut self, input: &Input, sentence: String) -> Option<ExportRow> {
        self.tally.failed += 1;
        self.progress.say(&format!("{}: {sentence}", display_name(input)));
        self.failures.push((display_name(input), sentence));
        None
    }

    /// The last words: the estimate or the `--out` file, the summary, what was not
    /// described, and the exit status.
    pub fn finish(self, run: &Run, feed_headers: Option<&[String]>, stopped: bool) -> ExitCode {
        let summary = self.progress.finish(&self.tally);
        if run.args.estimate {
            let model = &run.settings.model;
            println!("{}", estimate_sentence(&self.estimate, self.price.as_ref(), model));
            if run.args.batch {
                println!("Priced at the batch rate (half the list price, unless the price table names its own).");
            }
            if self.tally.cached > 0 {
                println!("{} already described are not counted.", self.tally.cached);
            }
            if self.assumed > 0 {
                println!("{} images from URLs are counted as 12 MP photos (nothing was fetched).", self.assumed);
            }
        } else if let Some(sink) = &run.sink {
            if let Ok(mut rows) = sink.lock() {
                *rows = self.rows;
            }
        } else if let (Some(out), false) = (&run.args.out, stopped && self.rows.is_empty()) {
            if let Err(problem) = write_out(out, feed_headers, &self.rows) {
                eprintln!("picscribe describe: {problem}");
                return ExitCode::from(SOME_FAILED);
            }
        }
        eprintln!("{summary}");
        if !self.failures.is_empty() {
            eprintln!("Not described:");
            for (name, why) in &self.failures {
                eprintln!("  {name}: {why}");
            }
        }
        if stopped {
            eprintln!("Stopped. What was described is kept; run the same command again to go on.");
            return ExitCode::from(STOPPED);
        }
        if self.failures.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(SOME_FAILED)
        }
    }
}
