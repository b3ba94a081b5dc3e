//! `picscribe describe --batch` as a curator runs it, against the stub's batch service in
//! each dialect: folders sent at half the price, cut into batches by lines and by bytes,
//! results matched whatever their order, unanswered lines sent again, a killed run taken
//! up without a second batch, and `picscribe batches` to list, collect and cancel.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, RgbImage};
use server::stub::batches::{BatchEnd, LineFault};
use server::stub::{Dialect, Stub};

const KEY: &str = "sk-test-0123456789abcdefghijklmnop";

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn photo(width: u32, height: u32, seed: u8) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x / 7) as u8 ^ seed, (y / 5) as u8, seed.wrapping_mul(31)])
    }))
}

/// `n` photos of sizes the answers tell apart: p0 is 400×300, p1 401×300, …
fn photos(dir: &Path, n: u8) -> Result {
    std::fs::create_dir_all(dir)?;
    for i in 0..n {
        photo(400 + u32::from(i), 300, i).save_with_format(dir.join(format!("p{i}.jpg")), ImageFormat::Jpeg)?;
    }
    Ok(())
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    stub: Stub,
    url: String,
    dialect: Dialect,
    env: Vec<(String, String)>,
}

impl Setup {
    async fn new(dialect: Dialect) -> Result<Setup> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().to_path_buf();
        let stub = Stub::new(Some(KEY.into()));
        let url = stub.clone().spawn().await?;
        Ok(Setup { _dir: dir, root, stub, url, dialect, env: Vec::new() })
    }

    fn with(mut self, name: &str, value: &str) -> Setup {
        self.env.push((name.into(), value.into()));
        self
    }

    fn provider_env(&self) -> Vec<(&'static str, String)> {
        let key = KEY.to_string();
        match self.dialect {
            Dialect::Openai => vec![
                ("OPENAI_API_KEY", key),
                ("OPENAI_BASE_URL", format!("{}/v1", self.url)),
                // An OpenAI-compatible address offers no batch service unless told.
                ("PICSCRIBE_BATCH_SERVICE", "true".into()),
            ],
            Dialect::Azure => vec![
                ("AZURE_OPENAI_API_KEY", key),
                ("AZURE_OPENAI_ENDPOINT", self.url.clone()),
                ("AZURE_OPENAI_DEPLOYMENT", "stub-vision-batch".into()),
            ],
            Dialect::Anthropic => vec![("ANTHROPIC_API_KEY", key), ("ANTHROPIC_BASE_URL", self.url.clone())],
            Dialect::Gemini => vec![("GEMINI_API_KEY", key), ("GEMINI_BASE_URL", self.url.clone())],
        }
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_picscribe"));
        command
            .args(args)
            .current_dir(&self.root)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PICSCRIBE_DATA_DIR", self.root.join("data"))
            .env("PICSCRIBE_BATCH_POLL_SECS", "0.05")
            .envs(self.provider_env())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> Result<Output> {
        Ok(self.command(args).output().await?)
    }

    /// Calls that were not batch lines.
    fn interactive_calls(&self) -> usize {
        self.stub.requests().iter().filter(|r| r.path != "batch").count()
    }
}

fn said(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The rows of a `--out` JSON file.
fn rows(path: &Path) -> Result<Vec<serde_json::Value>> {
    let rows: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    Ok(rows.as_array().cloned().unwrap_or_default())
}

/// Each row's file name and the width its description names: the stub writes the size it
/// was sent, so a result matched to the wrong image shows.
fn widths(rows: &[serde_json::Value]) -> Vec<(String, String)> {
    rows.iter()
        .map(|row| {
            let name = row["filename"].as_str().unwrap_or_default().to_string();
            let text = row["description"].as_str().unwrap_or_default();
            let width = text.split("of a ").nth(1).and_then(|rest| rest.split('×').next()).unwrap_or("?").to_string();
            (name, width)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dialect_describes_a_folder_through_its_batch_service() -> Result {
    for dialect in [Dialect::Openai, Dialect::Azure, Dialect::Anthropic, Dialect::Gemini] {
        let setup = Setup::new(dialect).await?;
        photos(&setup.root.join("photos"), 3)?;
        let output = setup.run(&["describe", "photos", "--batch", "--out", "out.json", "--sidecars"]).await?;
        assert_eq!(output.status.code(), Some(0), "{dialect:?}: {}", said(&output));
        let batches = setup.stub.batches();
        assert_eq!(batches.len(), 1, "{dialect:?}: one batch for three images");
        assert_eq!(batches[0].custom_ids.len(), 3);
        assert!(batches[0].custom_ids.iter().all(|id| id.len() == 64), "{dialect:?}: ids from the keys");
        assert_eq!(setup.interactive_calls(), 0, "{dialect:?}: nothing sent one by one");
        let rows = rows(&setup.root.join("out.json"))?;
        // Results came back in the reverse order (Gemini keeps the order): each still
        // lands on its own image.
        let expected: Vec<(String, String)> = (0..3).map(|i| (format!("p{i}.jpg"), (400 + i).to_string())).collect();
        let got = widths(&rows);
        assert_eq!(got.len(), 3, "{dialect:?}: {rows:?}");
        for (name, width) in &expected {
            let (_, seen) = got.iter().find(|(n, _)| n == name).ok_or("a row is missing")?;
            // Small images go as they are; their width is their own.
            assert_eq!(seen, width, "{dialect:?}: {name} got another image's answer");
        }
        assert!(setup.root.join("photos/p2.txt").exists(), "{dialect:?}: the sidecars are written");
        assert!(said(&output).contains("at the batch rate"), "{dialect:?}: {}", said(&output));
        if dialect == Dialect::Anthropic {
            assert!(setup.stub.batch_bodies()[0].get("stream").is_none(), "a batch request names no streaming");
        }
        // One request line and one result line, as they travel (the image cut short).
        let shorten = |value: &serde_json::Value| {
            let text = value.to_string();
            match text.find(";base64,").or(text.find("\"data\":\"")) {
                Some(at) => format!("{}…{}", &text[..at + 12], &text[text.len().saturating_sub(160)..]),
                None => text,
            }
        };
        println!("{dialect:?} request {}: {}", batches[0].custom_ids[0], shorten(&setup.stub.batch_bodies()[0]));
        println!("{dialect:?} result: {}", shorten(&setup.stub.batch_results()[0]));

        let again = setup.run(&["describe", "photos", "--batch"]).await?;
        assert_eq!(again.status.code(), Some(0), "{}", said(&again));
        assert_eq!(setup.stub.batches().len(), 1, "{dialect:?}: nothing described is sent again");
        assert!(said(&again).contains("Described 3 images (3 already described)"), "{}", said(&again));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_are_cut_by_lines_and_by_bytes() -> Result {
    let setup = Setup::new(Dialect::Openai).await?.with("PICSCRIBE_BATCH_MAX_REQUESTS", "2");
    photos(&setup.root.join("photos"), 5)?;
    let output = setup.run(&["describe", "photos", "--batch"]).await?;
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    let batches = setup.stub.batches();
    let sizes: Vec<usize> = batches.iter().map(|b| b.custom_ids.len()).collect();
    assert_eq!(sizes, [2, 2, 1], "at most two requests a batch");

    // Room for two and a half lines of the size these images make: two a batch.
    let line = batches[0].bytes / 2;
    let limit = (line * 5 / 2).to_string();
    let bytes = Setup::new(Dialect::Anthropic).await?.with("PICSCRIBE_BATCH_MAX_BYTES", &limit);
    photos(&bytes.root.join("photos"), 5)?;
    let output = bytes.run(&["describe", "photos", "--batch"]).await?;
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    let batches = bytes.stub.batches();
    assert_eq!(batches.len(), 3, "{} batches of {limit} bytes at most", batches.len());
    for batch in &batches {
        assert!(batch.bytes <= line * 5 / 2, "an upload of {} bytes is over the limit {limit}", batch.bytes);
    }
    assert_eq!(batches.iter().map(|b| b.custom_ids.len()).sum::<usize>(), 5, "every image in one batch");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_not_answered_are_sent_again_and_then_described() -> Result {
    for dialect in [Dialect::Openai, Dialect::Anthropic, Dialect::Gemini] {
        let setup = Setup::new(dialect).await?;
        photos(&setup.root.join("photos"), 4)?;
        let expired = if dialect == Dialect::Gemini { LineFault::Missing } else { LineFault::Expired };
        setup.stub.push_line_faults([LineFault::Error { status: 400 }, LineFault::Fine, expired, LineFault::Missing]);
        let output = setup.run(&["describe", "photos", "--batch", "--out", "out.json"]).await?;
        assert_eq!(output.status.code(), Some(0), "{dialect:?}: {}", said(&output));
        let sizes: Vec<usize> = setup.stub.batches().iter().map(|b| b.custom_ids.len()).collect();
        assert_eq!(sizes, [4, 3], "{dialect:?}: the three not answered go again, once");
        assert_eq!(rows(&setup.root.join("out.json"))?.len(), 4);
        assert_eq!(setup.interactive_calls(), 0);
    }

    // A whole batch that expires is sent again; one that keeps failing is given up with a sentence.
    let setup = Setup::new(Dialect::Openai).await?;
    photos(&setup.root.join("photos"), 2)?;
    setup.stub.push_batch_ends([BatchEnd::Expired, BatchEnd::Expired, BatchEnd::Expired, BatchEnd::Expired]);
    let output = setup.run(&["describe", "photos", "--batch"]).await?;
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    assert_eq!(setup.stub.batches().len(), 4, "sent, then sent again three times");
    assert!(
        said(&output)
            .contains("p0.jpg: OpenAI-compatible server did not answer it in 4 batches (the last: batch expired)."),
        "{}",
        said(&output)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn with_fallback_interactive_what_a_batch_missed_is_described_one_by_one() -> Result {
    let setup = Setup::new(Dialect::Openai).await?;
    photos(&setup.root.join("photos"), 3)?;
    setup.stub.push_line_faults([LineFault::Fine, LineFault::Error { status: 500 }, LineFault::Fine]);
    let output = setup.run(&["describe", "photos", "--batch", "--fallback", "interactive", "--sidecars"]).await?;
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    assert_eq!(setup.stub.batches().len(), 1, "no second batch");
    assert_eq!(setup.interactive_calls(), 1, "the one the batch missed, at the interactive price");
    for i in 0..3 {
        assert!(setup.root.join(format!("photos/p{i}.txt")).exists());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_after_the_batch_was_accepted_collects_it_without_sending_another() -> Result {
    let setup = Setup::new(Dialect::Anthropic).await?;
    photos(&setup.root.join("photos"), 4)?;
    setup.stub.hold_batches(true);
    let mut child =
        setup.command(&["describe", "photos", "--batch", "--sidecars"]).stderr(std::process::Stdio::null()).spawn()?;
    let started = tokio::time::Instant::now();
    // Wait until the batch is recorded in the data directory, as `picscribe batches` shows it.
    loop {
        assert!(started.elapsed() < Duration::from_secs(60), "the batch was never sent");
        let listed = setup.run(&["batches"]).await?;
        if String::from_utf8_lossy(&listed.stdout).contains("msgbatch_") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().await?; // SIGKILL, while it waits
    setup.stub.hold_batches(false);

    let rerun = setup.run(&["describe", "photos", "--batch", "--sidecars"]).await?;
    assert_eq!(rerun.status.code(), Some(0), "{}", said(&rerun));
    assert_eq!(setup.stub.batches().len(), 1, "no second batch for the same images");
    assert!(!said(&rerun).contains("Sent 4"), "nothing was sent again: {}", said(&rerun));
    for i in 0..4 {
        assert!(setup.root.join(format!("photos/p{i}.txt")).exists(), "p{i} has its caption");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn no_wait_returns_the_ids_and_collect_writes_the_outputs_later() -> Result {
    let setup = Setup::new(Dialect::Gemini).await?;
    photos(&setup.root.join("photos"), 2)?;
    setup.stub.hold_batches(true);
    let sent = setup.run(&["describe", "photos", "--batch", "--no-wait", "--out", "later.csv"]).await?;
    assert_eq!(sent.status.code(), Some(0), "{}", said(&sent));
    assert_eq!(String::from_utf8_lossy(&sent.stdout).trim(), "batches/0001", "the id on stdout");
    assert!(!setup.root.join("later.csv").exists(), "nothing to write yet");

    let listed = setup.run(&["batches"]).await?;
    let table = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(table.contains("batches/0001") && table.contains("pending"), "{table}");

    let early = setup.run(&["batches", "collect"]).await?;
    assert_eq!(early.status.code(), Some(0), "{}", said(&early));
    assert!(!setup.root.join("later.csv").exists(), "still running at the provider");

    setup.stub.finish_batches();
    let collected = setup.run(&["batches", "collect"]).await?;
    assert_eq!(collected.status.code(), Some(0), "{}", said(&collected));
    let mut reader = csv::Reader::from_path(setup.root.join("later.csv"))?;
    assert_eq!(reader.records().count(), 2, "the command's --out, written by collect");
    assert_eq!(setup.stub.batches().len(), 1);
    assert!(String::from_utf8_lossy(&setup.run(&["batches"]).await?.stdout).contains("collected"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_batch_keeps_nothing_it_did_not_answer_and_is_not_sent_again() -> Result {
    let setup = Setup::new(Dialect::Openai).await?;
    photos(&setup.root.join("photos"), 2)?;
    setup.stub.hold_batches(true);
    let sent = setup.run(&["describe", "photos", "--batch", "--no-wait"]).await?;
    let id = String::from_utf8_lossy(&sent.stdout).trim().to_string();
    let cancelled = setup.run(&["batches", "cancel", &id]).await?;
    assert_eq!(cancelled.status.code(), Some(0), "{}", said(&cancelled));
    assert!(said(&cancelled).contains(&format!("{id} is cancelled")), "{}", said(&cancelled));
    assert!(setup.stub.batches()[0].cancelled);
    let collect = setup.run(&["batches", "collect"]).await?;
    assert_eq!(collect.status.code(), Some(0), "{}", said(&collect));
    assert_eq!(setup.stub.batches().len(), 1, "a cancelled batch is not sent again by collect");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_does_not_fit_the_fields_is_a_failed_row_not_sent_again() -> Result {
    let setup = Setup::new(Dialect::Openai).await?;
    photos(&setup.root.join("photos"), 2)?;
    std::fs::write(setup.root.join("fields.toml"), "[[field]]\nname = \"alt_text\"\n")?;
    setup.stub.push_line_faults([LineFault::Misfit, LineFault::Fine]);
    let output = setup.run(&["describe", "photos", "--batch", "--fields", "fields.toml", "--out", "out.json"]).await?;
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    assert_eq!(setup.stub.batches().len(), 1);
    assert!(said(&output).contains("p0.jpg: OpenAI-compatible server answered, but"), "{}", said(&output));
    let rows: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(setup.root.join("out.json"))?)?;
    assert!(rows.as_array().is_some_and(|r| r.len() == 1), "{rows}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_lines_are_the_interactive_request_and_valid_against_openais_schema() -> Result {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/create-chat-completion-request.schema.json"))?;
    let validator = jsonschema::draft202012::new(&schema)?;
    let setup = Setup::new(Dialect::Openai).await?;
    photos(&setup.root.join("photos"), 2)?;
    std::fs::write(
        setup.root.join("fields.toml"),
        "[[field]]\nname = \"alt_text\"\n[[field]]\nname = \"tags\"\ntype = \"list\"\n",
    )?;
    let output =
        setup.run(&["describe", "photos", "--batch", "--fields", "fields.toml", "--max-tokens", "300"]).await?;
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    let bodies = setup.stub.batch_bodies();
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(body["stream"], false, "a batch line is not streamed");
        assert_eq!(body["max_tokens"], 300, "the output cap holds");
        assert_eq!(body["response_format"]["type"], "json_schema", "structured output holds");
    }
    let recorded = setup.stub.requests();
    assert!(recorded.iter().all(|r| r.schema.is_some() && (r.width == 400 || r.width == 401)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_estimate_prices_a_batch_at_half() -> Result {
    let setup = Setup::new(Dialect::Openai).await?;
    photos(&setup.root.join("photos"), 4)?;
    let list = setup.run(&["describe", "photos", "--estimate"]).await?;
    let batch = setup.run(&["describe", "photos", "--estimate", "--batch"]).await?;
    let dollars = |output: &Output| -> Option<f64> {
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.split('$')
            .nth(1)?
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .split_whitespace()
            .next()?
            .trim_end_matches('.')
            .parse()
            .ok()
    };
    let (list, half) = (dollars(&list).ok_or("no price")?, dollars(&batch).ok_or("no batch price")?);
    assert!((half * 2.0 - list).abs() < list * 0.02, "{half} is half of {list}");
    assert!(String::from_utf8_lossy(&batch.stdout).contains("batch rate"));
    assert!(setup.stub.batches().is_empty() && setup.stub.requests().is_empty(), "an estimate calls nothing");
    Ok(())
}
