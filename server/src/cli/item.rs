//! One item — a file, a URL, or a product's several photos — read, keyed, and described
//! unless its key is done already (or, in a batch, made into its batch line).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use engine::describe::batch::custom_id;
use engine::describe::events::Reply;
use engine::describe::prompt::Facts;
use engine::describe::server::batch::queue::service;
use engine::describe::server::VisionRequest;
use engine::fetch::fetch;
use engine::fields::parse_answer;
use engine::items::item_hash;
use engine::plan::{self, Candidate, Described};
use engine::prepare::{inspect, prepare};
use engine::settings::Settings;
use engine::store::{ItemState, NewItem, Stored};
use futures::StreamExt;

use super::inputs::{Input, Source};
use super::run::{base_name, sha256_hex, Done, Outcome, Run, Send, UNKNOWN_SIZE};

/// Reads, keys and (unless it is already described) describes one input — an item of
/// several photos is one call — or makes its batch line.
pub async fn one(run: Arc<Run>, input: Input, send: Send) -> Done {
    let keep = run.args.write_metadata.is_some();
    let photos: Vec<&Input> = input.photos().collect();
    if photos.is_empty() {
        return Done { input, outcome: Outcome::NoImage, originals: Vec::new() };
    }
    if run.args.estimate && photos.iter().any(|p| matches!(p.source, Source::Url(_))) {
        let outcome = estimate_only(&run, &photos[0].name, &vec![None; photos.len()]);
        return Done { input, outcome, originals: Vec::new() };
    }
    let mut read_in = Vec::new();
    for photo in &photos {
        let bytes = match &photo.source {
            Source::Problem(why) => Err(why.clone()),
            Source::File(path) => read(path, &photo.name).await,
            Source::Url(url) => fetch(url, &run.fetch).await.map(|f| f.bytes).map_err(|err| err.sentence(url)),
            Source::Nothing => continue,
        };
        match bytes {
            Ok(bytes) => read_in.push((photo.name.clone(), bytes)),
            Err(why) => return Done { input, outcome: Outcome::Failed(why), originals: Vec::new() },
        }
    }
    let outcome = image(&run, &read_in, send).await;
    let originals = if keep { read_in.into_iter().map(|(_, bytes)| bytes).collect() } else { Vec::new() };
    Done { input, outcome, originals }
}

async fn read(path: &PathBuf, name: &str) -> Result<Vec<u8>, String> {
    tokio::fs::read(path).await.map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => format!("{name} does not exist."),
        _ => format!("{name} could not be read: {err}."),
    })
}

/// What `--estimate` counts for one item, by each photo's size; one of unknown size (from
/// a URL, not fetched) as a 12 MP photo.
fn estimate_only(run: &Run, name: &str, sizes: &[Option<(u32, u32)>]) -> Outcome {
    let size = |i: usize| sizes.get(i).copied().flatten().unwrap_or(UNKNOWN_SIZE);
    let facts = Facts { filename: base_name(name), size: Some(size(0)), existing: Some("") };
    let prompt = run.settings.prompt_for("", &facts);
    let (mut input, output) = run.settings.expected_tokens(run.entry.kind, size(0), &prompt, run.ceiling);
    for i in 1..sizes.len() {
        input += run.settings.image_tokens(run.entry.kind, size(i));
    }
    Outcome::Estimated { input, output, first: run.settings.first_stage_use(&prompt) }
}

/// The key of an item's call: what the page computes for the same files chosen in the
/// browser — the SHA-256 of each one's bytes in lowercase hex (as `crypto.subtle` gives
/// it), in order; the first one's base name for `{filename}` and its size as seen (after
/// EXIF orientation); no own prompt.
fn file_key(settings: &Settings, name: &str, photos: &[(String, Vec<u8>)], size: (u32, u32)) -> String {
    let facts = Facts { filename: base_name(name), size: Some(size), existing: None };
    let hashes: Vec<String> = photos.iter().map(|(_, bytes)| sha256_hex(bytes)).collect();
    settings.key_for(&item_hash(hashes.iter().map(String::as_str)), "", &facts)
}

/// An item's photos (one or several): checked, keyed, and described together unless the
/// key is already done (or, in a batch, already waiting in one).
async fn image(run: &Run, photos: &[(String, Vec<u8>)], send: Send) -> Outcome {
    let Some((name, _)) = photos.first() else { return Outcome::NoImage };
    let name = name.as_str();
    let sizes = match sizes(run, photos) {
        Ok(sizes) => sizes,
        Err(why) => return Outcome::Failed(why),
    };
    let facts = Facts { filename: base_name(name), size: Some(sizes[0]), existing: None };
    let key = file_key(&run.settings, name, photos, sizes[0]);
    let Some(_turn) = run.same.turn(&key).await else {
        return Outcome::Failed("The run's bookkeeping broke; run the same command again.".into());
    };
    let stored = match run.store.get(&key) {
        Ok(stored) => stored,
        Err(problem) => return Outcome::Failed(format!("the results database could not be read: {problem}")),
    };
    let candidate = Candidate {
        key: Some(&key),
        ready: true,
        described: stored.as_ref().map(|s| s.described.key.as_str()),
        ..Candidate::default()
    };
    if plan::skip(&candidate, false).is_some() {
        if let Some(stored) = stored {
            return Outcome::Described { stored, cached: true, first: None };
        }
    }
    if run.args.estimate {
        return estimate_only(run, name, &sizes.iter().copied().map(Some).collect::<Vec<_>>());
    }
    if send == Send::Batch {
        if let Some(outcome) = in_a_batch(run, &key) {
            return outcome;
        }
    }
    if run.stop.load(Ordering::Relaxed) {
        return Outcome::Failed(
            "Not sent: the provider refused an earlier image in a way no other can succeed.".into(),
        );
    }
    let mut prepared = match prepared(run, photos).await {
        Ok(prepared) => prepared.into_iter(),
        Err(why) => return Outcome::Failed(why),
    };
    let first = prepared.next().unwrap_or_default();
    let prompt = run.settings.prompt_for("", &Facts { existing: Some(""), ..facts });
    let request = VisionRequest {
        model: run.settings.model.trim().to_string(),
        prompt: prompt.trim().to_string(),
        image_url: first,
        more_images: prepared.collect(),
        detail: run.settings.detail,
        max_tokens: run.settings.max_tokens.unwrap_or(run.ceiling),
        fields: run.settings.fields.clone(),
        native_schema: true,
        temperature: run.settings.temperature,
    };
    if send == Send::Batch {
        return batch_line(run, name, key, request);
    }
    call(run, key, request).await
}

/// Each photo's size as seen, checked against what one request may carry.
fn sizes(run: &Run, photos: &[(String, Vec<u8>)]) -> Result<Vec<(u32, u32)>, String> {
    let max = (run.entry.kind.descriptor().max_images as usize).min(engine::describe::MAX_ITEM_IMAGES);
    if photos.len() > max {
        return Err(format!(
            "{} takes at most {} in one request, and this item has {} photos.",
            run.entry.naming.label,
            engine::text::count(max as u64, "image", "images"),
            photos.len()
        ));
    }
    photos.iter().map(|(photo, bytes)| inspect(photo, bytes).map(|inspected| inspected.size)).collect()
}

/// `--batch`: what is waiting in a batch already, or what one gave up on, is not sent.
fn in_a_batch(run: &Run, key: &str) -> Option<Outcome> {
    match run.store.is_pending(key) {
        Ok(true) => return Some(Outcome::Pending { key: key.to_string() }),
        Ok(false) => {}
        Err(problem) => return Some(Outcome::Failed(format!("the results database could not be read: {problem}"))),
    }
    if run.resend == super::batch::Resend::Not {
        match run.store.last_failure(key) {
            Ok(Some((ItemState::Cancelled, _, _))) => return Some(Outcome::Failed("Its batch was cancelled.".into())),
            Ok(Some((ItemState::GivenUp, _, why))) => return Some(Outcome::Failed(why)),
            _ => {}
        }
    }
    None
}

/// The photos as the page would send them, a core each at a time.
async fn prepared(run: &Run, photos: &[(String, Vec<u8>)]) -> Result<Vec<String>, String> {
    let mut prepared = Vec::new();
    for (photo, bytes) in photos {
        let Ok(_core) = run.cpu.acquire().await else { return Err("The run was stopped.".into()) };
        let (owned, bytes) = (photo.clone(), bytes.clone());
        let (rule, detail) = (run.settings.resize, run.settings.detail);
        match tokio::task::spawn_blocking(move || prepare(&owned, &bytes, rule, detail)).await {
            Ok(Ok(done)) => prepared.push(done.data_url),
            Ok(Err(why)) => return Err(why),
            Err(_) => return Err(format!("{photo} could not be prepared: the decoder crashed.")),
        }
    }
    Ok(prepared)
}

/// The call (after its first stage, if any), its answer checked and kept the moment it
/// arrives.
async fn call(run: &Run, key: String, request: VisionRequest) -> Outcome {
    let prompt = request.prompt.clone();
    let mut events = match &run.settings.analyse {
        Some(first) => run.describer.describe_after(first.clone(), run.entry.clone(), request).boxed(),
        None => run.describer.describe(&run.entry, request).boxed(),
    };
    let mut reply = Reply::default();
    while let Some(event) = events.next().await {
        if reply.see(event) {
            break;
        }
    }
    if let Some(engine::describe::events::End::Failed { stop_batch: true, .. }) = &reply.end {
        run.stop.store(true, Ordering::Relaxed);
    }
    if let Some(why) = reply.failure() {
        return Outcome::Failed(why);
    }
    let values = if run.settings.fields.is_empty() {
        None
    } else {
        match parse_answer(&run.settings.fields, &reply.text) {
            Ok(values) => Some(values),
            Err(misfit) => return Outcome::Failed(format!("The answer did not fit the fields: {misfit}.")),
        }
    };
    let stored = Stored {
        text: reply.text.trim().to_string(),
        values,
        described: Described {
            key,
            prompt: prompt.trim().to_string(),
            provider: run.settings.provider.clone(),
            model: run.settings.model.trim().to_string(),
            tokens: reply.usage.map(|(i, o)| i + o),
        },
        usage: reply.usage,
    };
    if let Err(problem) = run.store.put(&stored) {
        return Outcome::Failed(format!("described, but the result could not be kept: {problem}"));
    }
    Outcome::Described { stored, cached: false, first: reply.first }
}

/// The request as a line of the provider's batch, under the id its key gives.
fn batch_line(run: &Run, name: &str, key: String, request: VisionRequest) -> Outcome {
    let service = match service(&run.entry) {
        Ok(service) => service,
        Err(problem) => return Outcome::Failed(problem),
    };
    let id = custom_id(&key);
    match service.line(&id, &request) {
        Ok(line) => Outcome::Queued {
            item: NewItem {
                custom_id: id,
                key,
                name: name.to_string(),
                prompt: request.prompt,
                attempt: 1,
                expected: 0,
            },
            line,
        },
        Err(err) => Outcome::Failed(format!("{name} could not be written as a batch request: {err}.")),
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
