//! Filling batches and handing them to the provider: request lines appended to a file in
//! the data directory until the next would pass the provider's limits (in requests or in
//! bytes), then uploaded; the batch is recorded with every key in it the moment it is
//! accepted, and its file kept beside it (renamed to its row) so that a request the
//! provider does not answer can be sent again without reading the image again.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{BatchService, Upload};
use crate::describe::batch::{Fill, Framing, Limits, Service};
use crate::describe::server::{ProviderEntry, ProviderError};
use crate::store::{NewBatch, NewItem, Store};

/// What the batches of one queue share.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub model: String,
    /// The answer's fields as JSON (`[]` for free text).
    pub fields: String,
    pub owner: String,
    pub invocation: Option<String>,
}

/// Requests that did not get into an accepted batch, each with the sentence why.
pub type Refused = Vec<(NewItem, String)>;

/// The folder the batches' request lines are kept in.
pub fn lines_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("batches")
}

/// The file of a recorded batch's request lines.
pub fn lines_file(data_dir: &Path, row: i64) -> PathBuf {
    lines_dir(data_dir).join(format!("{row}.jsonl"))
}

/// The batch being filled.
struct Open {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    fill: Fill,
    items: Vec<NewItem>,
}

pub struct Queue {
    entry: ProviderEntry,
    store: Arc<Store>,
    data_dir: PathBuf,
    limits: Limits,
    framing: Framing,
    meta: Meta,
    open: Option<Open>,
    /// Keys in the batch being filled: the same image twice in one run is sent once.
    keys: HashSet<String>,
    /// The provider's ids of the batches this queue has submitted.
    pub submitted: Vec<String>,
    /// Requests in them.
    pub sent: u64,
}

impl Queue {
    /// A queue for `entry`'s batch service, its limits lowered by `lowered` (requests, bytes).
    pub fn new(
        entry: &ProviderEntry,
        store: Arc<Store>,
        data_dir: &Path,
        meta: Meta,
        lowered: (Option<u64>, Option<u64>),
    ) -> Result<Queue, String> {
        let service = service(entry)?.service();
        std::fs::create_dir_all(lines_dir(data_dir))
            .map_err(|err| format!("could not create {}: {err}", lines_dir(data_dir).display()))?;
        Ok(Queue {
            entry: entry.clone(),
            store,
            data_dir: data_dir.to_path_buf(),
            limits: service.limits().lowered(lowered.0, lowered.1),
            framing: service.framing(),
            meta,
            open: None,
            keys: HashSet::new(),
            submitted: Vec::new(),
            sent: 0,
        })
    }

    /// Adds one request; when it does not fit, the batch filled so far is submitted first.
    /// A key already in this queue's open batch is not added twice.
    pub async fn push(&mut self, item: NewItem, line: &[u8]) -> Result<(), Refused> {
        let len = line.len() as u64;
        if Fill::too_large(len, self.limits, self.framing) {
            let sentence = format!(
                "{} is too large for one batch request ({} bytes; the batch limit is {}).",
                item.name, len, self.limits.bytes
            );
            return Err(vec![(item, sentence)]);
        }
        if self.keys.contains(&item.key) {
            return Ok(());
        }
        let full = self.open.as_ref().is_some_and(|open| !open.fill.fits(len, self.limits, self.framing));
        let mut refused = Vec::new();
        if full {
            if let Err(more) = self.flush().await {
                refused.extend(more);
            }
        }
        if let Err(why) = self.append(&item, line) {
            refused.push((item, why));
        } else {
            self.keys.insert(item.key.clone());
            if let Some(open) = &mut self.open {
                open.items.push(item);
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(refused)
        }
    }

    fn append(&mut self, item: &NewItem, line: &[u8]) -> Result<(), String> {
        let failed = |err: std::io::Error| format!("{} could not be queued: {err}.", item.name);
        if self.open.is_none() {
            let path = lines_dir(&self.data_dir).join(format!(
                "sending-{}-{}.jsonl",
                std::process::id(),
                rand::random::<u64>()
            ));
            let file = std::fs::File::create(&path).map_err(failed)?;
            self.open =
                Some(Open { path, file: std::io::BufWriter::new(file), fill: Fill::default(), items: Vec::new() });
        }
        let Some(open) = &mut self.open else { return Err(format!("{} could not be queued.", item.name)) };
        if open.fill.lines > 0 {
            open.file.write_all(b"\n").map_err(failed)?;
        }
        open.file.write_all(line).map_err(failed)?;
        open.fill.add(line.len() as u64);
        Ok(())
    }

    /// Submits the batch filled so far, if any, and records it.
    pub async fn flush(&mut self) -> Result<(), Refused> {
        let Some(mut open) = self.open.take() else { return Ok(()) };
        self.keys.clear();
        let refuse =
            |items: Vec<NewItem>, why: String| items.into_iter().map(|i| (i, why.clone())).collect::<Refused>();
        if let Err(err) = open.file.flush() {
            let _ = std::fs::remove_file(&open.path);
            return Err(refuse(open.items, format!("the batch could not be written: {err}.")));
        }
        drop(open.file);
        let upload = Upload { path: open.path.clone(), lines: open.fill.lines };
        let submitted = match service(&self.entry) {
            Ok(service) => service.submit(&self.meta.model, &upload).await,
            Err(why) => {
                let _ = std::fs::remove_file(&open.path);
                return Err(refuse(open.items, why));
            }
        };
        let batch_id = match submitted {
            Ok(id) => id,
            Err(error) => {
                let _ = std::fs::remove_file(&open.path);
                tracing::warn!(%error, requests = open.fill.lines, "the provider did not accept a batch");
                return Err(refuse(open.items, refused_sentence(&error, &self.entry)));
            }
        };
        let record = NewBatch {
            provider: &self.entry.id,
            service: self.service().id(),
            batch_id: &batch_id,
            model: &self.meta.model,
            fields: &self.meta.fields,
            owner: &self.meta.owner,
            invocation: self.meta.invocation.as_deref(),
        };
        match self.store.record_batch(&record, &open.items) {
            Ok(row) => {
                let _ = std::fs::rename(&open.path, lines_file(&self.data_dir, row));
                tracing::info!(provider = %self.entry.id, batch = %batch_id, requests = open.fill.lines, "batch accepted");
                self.submitted.push(batch_id);
                self.sent += open.fill.lines;
                Ok(())
            }
            Err(problem) => {
                // The provider has it but picscribe could not write it down: say which.
                tracing::error!(batch = %batch_id, %problem, "an accepted batch could not be recorded");
                Err(refuse(
                    open.items,
                    format!(
                        "{} accepted batch {batch_id}, but it could not be recorded: {problem}",
                        self.entry.naming.label
                    ),
                ))
            }
        }
    }

    pub fn meta(&self) -> Meta {
        self.meta.clone()
    }

    pub fn service(&self) -> Service {
        service(&self.entry).map(|s| s.service()).unwrap_or(Service::OpenAi)
    }
}

/// The provider's batch service, or the sentence saying it has none.
pub fn service(entry: &ProviderEntry) -> Result<&dyn BatchService, String> {
    entry.provider.batches().ok_or_else(|| {
        format!(
            "{} has no batch service here; describe without --batch, or choose another provider.",
            entry.naming.label
        )
    })
}

fn refused_sentence(error: &ProviderError, entry: &ProviderEntry) -> String {
    match error {
        ProviderError::Rejected { status: 404 } => {
            format!("{} has no batch service at this address (HTTP 404); describe without --batch.", entry.naming.label)
        }
        _ => format!("The batch was not accepted: {}", error.user_message(1, &entry.naming)),
    }
}
