//! The providers' batch services as the stub speaks them: OpenAI's and Azure's files and
//! batches, Anthropic's message batches, Gemini's `batchGenerateContent` operations. A
//! batch moves one step each time it is looked at (`validating → in_progress → finalizing
//! → completed`), unless a test holds it; each line is answered as the describe endpoint
//! would answer it (and recorded as a request), and the results come back in the reverse
//! of the input's order. Tests queue per-line faults and how the next batch ends.

mod routes;
mod shapes;

use std::collections::HashMap;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use self::routes::routes;
use self::shapes::{line, Outcome};
use super::{reply_text, wire, Dialect, Stub};

/// What one line of the next batch to end meets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LineFault {
    Fine,
    /// An error answer for this line: a 4xx or 5xx inside `response.status_code` (OpenAI,
    /// Azure), an `errored` result (Anthropic), an error status (Gemini).
    Error {
        status: u16,
    },
    /// The line ran out of time: OpenAI's `batch_expired`, Anthropic's `expired`.
    Expired,
    /// The line is left out of the results altogether.
    Missing,
    /// A JSON answer without the fields asked for.
    Misfit,
}

/// How the next batch to end ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchEnd {
    Completed,
    /// The window passed: nothing answered.
    Expired,
    /// Refused as a whole (OpenAI's validation failure, Gemini's `BATCH_STATE_FAILED`).
    Failed,
}

/// A batch the stub holds.
#[derive(Clone, Debug, Serialize)]
pub struct StubBatch {
    pub id: String,
    pub dialect: Dialect,
    pub custom_ids: Vec<String>,
    /// What was uploaded for it.
    pub bytes: usize,
    /// 0 validating, 1 in progress, 2 finalizing, 3 over.
    pub step: u8,
    pub cancelled: bool,
    pub end: Option<BatchEnd>,
    #[serde(skip)]
    requests: Vec<Value>,
    #[serde(skip)]
    model: String,
    #[serde(skip)]
    headers: HeaderMap,
    /// Result lines (OpenAI's output file, Anthropic's results, Gemini's responses) and
    /// OpenAI's error file, once over.
    #[serde(skip)]
    results: Vec<Value>,
    #[serde(skip)]
    errors: Vec<Value>,
}

#[derive(Default)]
pub struct Batches {
    pub list: Vec<StubBatch>,
    files: HashMap<String, Vec<u8>>,
    pub faults: std::collections::VecDeque<LineFault>,
    pub ends: std::collections::VecDeque<BatchEnd>,
    pub hold: bool,
}

impl Stub {
    /// A new id: never one given before by this stub, not even across a reset (a
    /// provider never gives an id twice).
    fn new_id(&self, prefix: &str) -> String {
        let n = self.serial.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        format!("{prefix}{n:04}")
    }
}

impl Stub {
    pub fn batches(&self) -> Vec<StubBatch> {
        self.lock().batches.list.clone()
    }

    /// The result lines of every batch that is over, as the provider sends them (OpenAI's
    /// output and error files, Anthropic's results, Gemini's inline responses).
    pub fn batch_results(&self) -> Vec<Value> {
        self.lock().batches.list.iter().flat_map(|b| b.results.iter().chain(&b.errors).cloned()).collect()
    }

    /// The request bodies of every batch, as uploaded (a test validates them).
    pub fn batch_bodies(&self) -> Vec<Value> {
        self.lock().batches.list.iter().flat_map(|b| b.requests.clone()).collect()
    }

    /// Keeps batches where they are (or lets them move again) until [`Stub::finish_batches`].
    pub fn hold_batches(&self, hold: bool) {
        self.lock().batches.hold = hold;
    }

    pub fn push_line_faults(&self, faults: impl IntoIterator<Item = LineFault>) {
        self.lock().batches.faults.extend(faults);
    }

    pub fn push_batch_ends(&self, ends: impl IntoIterator<Item = BatchEnd>) {
        self.lock().batches.ends.extend(ends);
    }

    /// Ends every batch still under way, now.
    pub fn finish_batches(&self) {
        let ids: Vec<String> = self.lock().batches.list.iter().filter(|b| b.step < 3).map(|b| b.id.clone()).collect();
        for id in ids {
            self.advance(&id, true);
        }
    }

    /// Moves a batch one step (or to its end), answering its lines when it gets there.
    fn advance(&self, id: &str, to_end: bool) -> Option<StubBatch> {
        let mut inner = self.lock();
        let hold = inner.batches.hold;
        let index = inner.batches.list.iter().position(|b| b.id == id)?;
        let batch = &mut inner.batches.list[index];
        if batch.step < 3 && (to_end || batch.cancelled || !hold) {
            batch.step = if to_end || batch.cancelled { 3 } else { batch.step + 1 };
            if batch.step == 3 {
                let mut batch = batch.clone();
                let end = if batch.cancelled {
                    None
                } else {
                    Some(inner.batches.ends.pop_front().unwrap_or(BatchEnd::Completed))
                };
                let faults: Vec<LineFault> = batch
                    .custom_ids
                    .iter()
                    .map(|_| inner.batches.faults.pop_front().unwrap_or(LineFault::Fine))
                    .collect();
                drop(inner);
                batch.end = end;
                self.answer(&mut batch, &faults);
                let mut inner = self.lock();
                inner.batches.list[index] = batch.clone();
                return Some(batch);
            }
        }
        Some(batch.clone())
    }

    /// Answers each line as the describe endpoint would, in the dialect's result shape.
    fn answer(&self, batch: &mut StubBatch, faults: &[LineFault]) {
        let dialect = batch.dialect;
        let mut results = Vec::new();
        let mut errors = Vec::new();
        for (i, (request, fault)) in batch.requests.iter().zip(faults).enumerate() {
            let custom_id = batch.custom_ids[i].clone();
            let outcome = match (batch.end, batch.cancelled, fault) {
                (_, true, _) => Outcome::Cancelled,
                (Some(BatchEnd::Expired), _, _) | (_, _, LineFault::Expired) => Outcome::Expired,
                (Some(BatchEnd::Failed), _, _) | (_, _, LineFault::Missing) => continue,
                (_, _, LineFault::Error { status }) => Outcome::Error(*status),
                (_, _, fault) => match self.answer_line(dialect, request, &batch.model, &batch.headers, fault) {
                    Some(reply) => Outcome::Answered(reply),
                    None => Outcome::Error(400),
                },
            };
            match line(dialect, &custom_id, outcome) {
                (Some(result), _) => results.push(result),
                (None, Some(error)) => errors.push(error),
                (None, None) => {}
            }
        }
        // Results come in any order: the reverse of the input's shows it.
        results.reverse();
        errors.reverse();
        if dialect == Dialect::Gemini {
            // Gemini keeps the requests' order and may leave the metadata out.
            results.reverse();
        }
        batch.results = results;
        batch.errors = errors;
    }

    /// One line read and answered as a describe request: recorded, so tests see it.
    fn answer_line(
        &self,
        dialect: Dialect,
        request: &Value,
        model: &str,
        headers: &HeaderMap,
        fault: &LineFault,
    ) -> Option<Value> {
        let from_path = (dialect == Dialect::Gemini).then(|| format!("{model}:generateContent"));
        let body = request.to_string();
        let seen = dialect.read(request, headers, &HashMap::new(), from_path.as_deref())?;
        let mut recorded = seen.into_recorded(dialect, "batch", &HashMap::new(), body.len())?;
        if recorded.stream {
            return None;
        }
        let misfit = (fault == &LineFault::Misfit).then_some(super::Fault::Misfit);
        let (text, usage) = reply_text(misfit.as_ref(), &recorded);
        recorded.fault = misfit;
        self.lock().requests.push(recorded.clone());
        let reply = wire::Reply { text: &text, usage, refuse: false, no_usage: false, recorded: &recorded };
        Some(dialect.whole(&reply))
    }
}
