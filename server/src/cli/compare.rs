//! `--compare openai:gpt-4o-mini,anthropic:claude-haiku-4-5`: the same inputs described by
//! each model in turn (each answer cached on its own, so a rerun or another pair pays only
//! for what is new), then written side by side — one column per model in CSV, every
//! answer in JSON and JSONL.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use engine::describe::server::config::ConfigFile;
use engine::export::compare::{self, Compared};

use super::outputs::{out_format, OutFormat};
use super::run::{describe_into, usage, Rows, SOME_FAILED};
use super::DescribeArgs;

/// `provider:model`; the model may hold colons of its own (`ollama:llava:13b`).
fn pair(spec: &str) -> Result<(String, String), String> {
    match spec.trim().split_once(':') {
        Some((provider, model)) if !provider.is_empty() && !model.trim().is_empty() => {
            Ok((provider.to_string(), model.trim().to_string()))
        }
        _ => Err(format!("--compare {spec}: write each as provider:model, e.g. openai:gpt-4o-mini")),
    }
}

pub async fn compare(args: DescribeArgs, file: Option<ConfigFile>) -> ExitCode {
    let pairs = match args.compare.iter().map(|s| pair(s)).collect::<Result<Vec<_>, _>>() {
        Ok(pairs) if pairs.len() >= 2 => pairs,
        Ok(_) => return usage("--compare needs two models or more"),
        Err(problem) => return usage(&problem),
    };
    let Some(out) = args.out.clone() else { return usage("--compare needs --out") };
    let format = match out_format(&out) {
        Ok(format) => format,
        Err(problem) => return usage(&problem),
    };
    let mut worst = ExitCode::SUCCESS;
    let mut sides: Vec<Rows> = Vec::new();
    for (provider, model) in &pairs {
        eprintln!("With {provider}:{model}:");
        let mut one = args.clone();
        one.compare = Vec::new();
        one.provider = Some(provider.clone());
        one.model = Some(model.clone());
        let sink: Arc<Mutex<Rows>> = Arc::default();
        let code = Box::pin(describe_into(one, file.clone(), super::batch::Resend::Failed, Some(sink.clone()))).await;
        if code != ExitCode::SUCCESS {
            // A usage error or a stop ends it; images that failed leave their cells empty.
            if code == ExitCode::from(super::run::USAGE) || code == ExitCode::from(super::run::STOPPED) {
                return code;
            }
            worst = code;
        }
        sides.push(sink.lock().map(|rows| rows.clone()).unwrap_or_default());
    }
    if args.estimate {
        return worst;
    }
    let labels: Vec<String> = pairs.iter().map(|(p, m)| format!("{p}:{m}")).collect();
    let longest = sides.iter().map(Vec::len).max().unwrap_or(0);
    let rows: Vec<Compared> =
        (0..longest).map(|i| sides.iter().map(|side| side.get(i).and_then(|(_, row)| row.clone())).collect()).collect();
    let text = match format {
        OutFormat::Csv => compare::to_csv(&labels, &rows).map_err(|e| e.to_string()),
        OutFormat::Json => compare::to_json(&labels, &rows).map_err(|e| e.to_string()),
        OutFormat::Jsonl => compare::to_jsonl(&labels, &rows).map_err(|e| e.to_string()),
    };
    match text.and_then(|text| std::fs::write(&out, text).map_err(|e| e.to_string())) {
        Ok(()) => worst,
        Err(problem) => {
            eprintln!("picscribe describe: could not write {}: {problem}", out.display());
            ExitCode::from(SOME_FAILED)
        }
    }
}
