//! The command's flags as the engine's settings: the prompt from a preset or `--prompt`,
//! the fields from a TOML file, the provider and model from the configuration.

use std::path::Path;

use engine::describe::analysis::FirstStage;
use engine::describe::server::{Describer, ProviderEntry};
use engine::describe::{Detail, PRESETS};
use engine::fields::{self, Field, FieldKind};
use engine::settings::Settings;
use serde::Deserialize;

use super::{DescribeArgs, DetailArg};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldsFile {
    #[serde(rename = "field")]
    fields: Vec<FieldSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldSpec {
    name: String,
    #[serde(rename = "type", default = "text")]
    kind: String,
    #[serde(default)]
    instruction: String,
    #[serde(default)]
    choices: Vec<String>,
}

fn text() -> String {
    "text".into()
}

/// Reads `--fields`: `[[field]]` tables, checked as the page checks its fields.
pub fn read_fields(path: &Path) -> Result<Vec<Field>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|err| format!("could not read {shown}: {err}"))?;
    let file: FieldsFile = toml::from_str(&text).map_err(|err| format!("{shown} is not valid: {}", err.message()))?;
    let mut out = Vec::new();
    for spec in file.fields {
        if !FieldKind::NAMES.iter().any(|(id, _)| *id == spec.kind) {
            let known: Vec<&str> = FieldKind::NAMES.iter().map(|(id, _)| *id).collect();
            return Err(format!(
                "{shown}: the field “{}” has type “{}”; use one of {}",
                spec.name,
                spec.kind,
                known.join(", ")
            ));
        }
        out.push(Field::new(&spec.name, FieldKind::from_id(&spec.kind, spec.choices), &spec.instruction));
    }
    fields::check(&out).map_err(|err| format!("{shown}: {err}"))?;
    Ok(out)
}

/// The settings every image of this run is described with, and the provider to use.
pub fn settings<'a>(args: &DescribeArgs, describer: &'a Describer) -> Result<(Settings, &'a ProviderEntry), String> {
    let entry = match args.provider.as_deref() {
        Some(id) => describer.provider(id).ok_or_else(|| {
            let ids: Vec<&str> = describer.providers.iter().map(|p| p.id.as_str()).collect();
            format!(
                "there is no provider “{id}”; configured: {}",
                if ids.is_empty() { "none".into() } else { ids.join(", ") }
            )
        })?,
        None => describer.provider("").ok_or_else(|| app::error::NO_PROVIDER.to_string())?,
    };
    let prompt = match (&args.prompt, args.preset) {
        (Some(prompt), _) if prompt.trim().is_empty() => return Err("--prompt is empty".into()),
        (Some(prompt), _) => prompt.clone(),
        (None, Some(preset)) => {
            PRESETS.iter().find(|(label, _)| *label == preset.label()).map(|(_, p)| p.to_string()).unwrap_or_default()
        }
        (None, None) => engine::describe::DEFAULT_PROMPT.to_string(),
    };
    let fields = match &args.fields {
        Some(path) => read_fields(path)?,
        None => Vec::new(),
    };
    let detail = match args.detail {
        DetailArg::Auto => Detail::Auto,
        DetailArg::High => Detail::High,
        DetailArg::Low => Detail::Low,
    };
    let settings = Settings {
        prompt,
        provider: entry.id.clone(),
        model: args.model.clone().unwrap_or_else(|| entry.default_model.clone()),
        detail,
        resize: entry.kind.resize_rule(),
        max_tokens: args.max_tokens,
        fields,
        language: args.language.trim().to_string(),
        temperature: args.temperature,
        analyse: match &args.analyse_with {
            Some(with) => {
                describer.analyser(with)?;
                Some(FirstStage { with: with.trim().to_string(), min_confidence: args.min_confidence })
            }
            None => None,
        },
    };
    Ok((settings, entry))
}
