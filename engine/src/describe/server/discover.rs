//! Local models found by themselves: with no provider configured, an Ollama at
//! `127.0.0.1:11434` and an LM Studio at `127.0.0.1:1234` are asked once, at start, which
//! of their models take images, and each that has some becomes a provider (its
//! OpenAI-compatible API, no key). `PICSCRIBE_DISCOVER=false` turns it off; no other
//! address is ever probed, and nothing is when a provider is configured.

use std::time::Duration;

use serde::Deserialize;

use super::config::ProviderSettings;
use crate::describe::ProviderKind;

/// Where each local server listens by default: the only addresses ever probed.
pub const OLLAMA: &str = "http://127.0.0.1:11434";
pub const LM_STUDIO: &str = "http://127.0.0.1:1234";

/// How long a probe may take: a server that is not there refuses at once, and start-up
/// must not wait on one that hangs.
const PROBE: Duration = Duration::from_secs(2);

/// Whether to look: only when nothing is configured, and not when
/// `PICSCRIBE_DISCOVER` says no.
pub fn wanted(var: &dyn Fn(&str) -> Option<String>, configured: usize) -> bool {
    configured == 0 && !var("PICSCRIBE_DISCOVER").is_some_and(|v| super::config::says_no(&v))
}

/// The roots asked: [`OLLAMA`] and [`LM_STUDIO`] when serving; a stub's in tests.
#[derive(Clone, Debug)]
pub struct Local {
    pub ollama: String,
    pub lm_studio: String,
}

impl Default for Local {
    fn default() -> Local {
        Local { ollama: OLLAMA.into(), lm_studio: LM_STUDIO.into() }
    }
}

/// What was found: a provider for each local server with models that take images, and a
/// line for the log about each server.
pub struct Found {
    pub providers: Vec<ProviderSettings>,
    pub said: Vec<String>,
}

/// Asks both local servers at once.
pub async fn discover(local: &Local) -> Found {
    let client = match reqwest::Client::builder().timeout(PROBE).connect_timeout(PROBE).build() {
        Ok(client) => client,
        Err(err) => {
            return Found { providers: Vec::new(), said: vec![format!("could not look for local models: {err}")] }
        }
    };
    let (ollama, lm_studio) =
        futures::join!(ollama_models(&client, &local.ollama), lm_studio_models(&client, &local.lm_studio));
    let mut found = Found { providers: Vec::new(), said: Vec::new() };
    for (server, id, root, models) in
        [("Ollama", "ollama", &local.ollama, ollama), ("LM Studio", "lmstudio", &local.lm_studio, lm_studio)]
    {
        match models {
            Err(_) => found.said.push(format!("no {server} at {root}")),
            Ok(models) if models.is_empty() => {
                found.said.push(format!(
                    "{server} at {root} has no model that takes images; pull one (llava, gemma3, qwen2.5vl)"
                ));
            }
            Ok(models) => {
                found.said.push(format!("{server} at {root} offers {}", models.join(", ")));
                found.providers.push(local_provider(id, server, root, models));
            }
        }
    }
    found
}

/// A local server as a provider: OpenAI's API at `/v1`, no key, its models as found.
fn local_provider(id: &str, server: &str, root: &str, models: Vec<String>) -> ProviderSettings {
    let mut provider = ProviderSettings::new(id, ProviderKind::Openai);
    provider.label = Some(format!("{server} (on this server)"));
    provider.base_url = Some(format!("{root}/v1"));
    provider.models = models;
    provider.list_models = false;
    provider.batch = Some(false);
    provider.key_setting = "PICSCRIBE_DISCOVER".into();
    provider.url_setting = format!("{server} at {root}");
    provider
}

#[derive(Deserialize)]
struct OllamaTags {
    #[serde(default)]
    models: Vec<OllamaModel>,
}

#[derive(Deserialize)]
struct OllamaModel {
    name: String,
}

#[derive(Deserialize)]
struct OllamaShow {
    #[serde(default)]
    capabilities: Vec<String>,
}

/// Ollama's models whose `/api/show` lists the `vision` capability, in its order.
async fn ollama_models(client: &reqwest::Client, root: &str) -> Result<Vec<String>, reqwest::Error> {
    let tags: OllamaTags = client.get(format!("{root}/api/tags")).send().await?.error_for_status()?.json().await?;
    let mut vision = Vec::new();
    for model in tags.models {
        let shown = client.post(format!("{root}/api/show")).json(&serde_json::json!({ "model": model.name })).send();
        let Ok(shown) = shown.await.and_then(reqwest::Response::error_for_status) else { continue };
        let Ok(show) = shown.json::<OllamaShow>().await else { continue };
        if show.capabilities.iter().any(|c| c == "vision") {
            vision.push(model.name);
        }
    }
    Ok(vision)
}

/// LM Studio 0.4's list (`/api/v1/models`: `capabilities.vision`) or, from an older one,
/// 0.3's (`/api/v0/models`: `type` `vlm`).
#[derive(Deserialize)]
struct LmStudioList {
    #[serde(default)]
    models: Vec<LmStudioModel>,
    #[serde(default)]
    data: Vec<LmStudioModel>,
}

#[derive(Deserialize)]
struct LmStudioModel {
    #[serde(alias = "id")]
    key: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    capabilities: Option<LmStudioCapabilities>,
}

#[derive(Deserialize)]
struct LmStudioCapabilities {
    #[serde(default)]
    vision: bool,
}

async fn lm_studio_models(client: &reqwest::Client, root: &str) -> Result<Vec<String>, reqwest::Error> {
    let v1 = client.get(format!("{root}/api/v1/models")).send().await?;
    let list = if v1.status() == reqwest::StatusCode::NOT_FOUND {
        client.get(format!("{root}/api/v0/models")).send().await?.error_for_status()?
    } else {
        v1.error_for_status()?
    };
    Ok(seeing(list.json().await?))
}

/// The models of an LM Studio list that take images, in its order.
fn seeing(list: LmStudioList) -> Vec<String> {
    list.models
        .into_iter()
        .chain(list.data)
        .filter(|m| m.kind == "vlm" || m.capabilities.as_ref().is_some_and(|c| c.vision))
        .map(|m| m.key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_with_nothing_configured_and_not_turned_off() {
        let env = |value: Option<&'static str>| {
            move |name: &str| (name == "PICSCRIBE_DISCOVER").then_some(value).flatten().map(String::from)
        };
        let cases = [
            (None, 0, true),
            (None, 1, false),
            (Some("false"), 0, false),
            (Some("OFF"), 0, false),
            (Some("0"), 0, false),
            (Some("true"), 0, true),
            (Some("true"), 2, false),
        ];
        for (value, configured, want) in cases {
            assert_eq!(wanted(&env(value), configured), want, "{value:?} with {configured} configured");
        }
    }

    #[test]
    fn lm_studio_lists_of_both_versions_name_the_models_that_see() -> Result<(), serde_json::Error> {
        let v1: LmStudioList = serde_json::from_str(
            r#"{"models":[{"type":"llm","key":"google/gemma-3-4b","capabilities":{"vision":true,"trained_for_tool_use":false}},
                {"type":"llm","key":"qwen/qwen3-8b","capabilities":{"vision":false}},
                {"type":"embedding","key":"nomic-embed"}]}"#,
        )?;
        let v0: LmStudioList = serde_json::from_str(
            r#"{"object":"list","data":[{"id":"qwen2-vl-7b-instruct","object":"model","type":"vlm"},
                {"id":"meta-llama-3.1-8b-instruct","object":"model","type":"llm"}]}"#,
        )?;
        assert_eq!(seeing(v1), ["google/gemma-3-4b"]);
        assert_eq!(seeing(v0), ["qwen2-vl-7b-instruct"]);
        Ok(())
    }
}
