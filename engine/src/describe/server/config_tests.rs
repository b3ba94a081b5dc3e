use std::collections::HashMap;

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| map.get(name).cloned()
}

fn summary(providers: &[ProviderSettings]) -> Vec<(String, ProviderKind, String, String)> {
    providers.iter().map(|p| (p.id.clone(), p.kind, p.label(), p.default_model())).collect()
}

#[test]
fn batch_services_are_offered_by_kind_unless_the_environment_says() -> Result<(), crate::describe::server::BuildError> {
    let offered = |pairs: &[(&str, &str)]| -> Result<Vec<(String, bool)>, crate::describe::server::BuildError> {
        let mut out = Vec::new();
        for settings in from_env(&env(pairs)) {
            let entry = crate::describe::server::ProviderEntry::build(&settings, Default::default())?;
            out.push((entry.id.clone(), entry.provider.batches().is_some()));
        }
        Ok(out)
    };
    let compatible = [("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"), ("ANTHROPIC_API_KEY", "k")];
    let s = |id: &str, on| (id.to_string(), on);
    assert_eq!(offered(&compatible)?, [s("openai", false), s("anthropic", true)], "a copy of OpenAI's API has none");
    assert_eq!(offered(&[("OPENAI_API_KEY", "k")])?, [s("openai", true)], "OpenAI itself has one");
    let on = [compatible[0], compatible[1], ("PICSCRIBE_BATCH_SERVICE", "true")];
    assert_eq!(offered(&on)?, [s("openai", true), s("anthropic", true)]);
    let off = [compatible[0], compatible[1], ("PICSCRIBE_BATCH_SERVICE", "off")];
    assert_eq!(offered(&off)?, [s("openai", false), s("anthropic", false)]);
    Ok(())
}

#[test]
fn the_environment_names_each_ecosystem_uses() -> Result<(), ConfigError> {
    let s = |id: &str, kind, label: &str, model: &str| (id.to_string(), kind, label.to_string(), model.to_string());
    let cases = [
        (vec![], vec![]),
        (vec![("OPENAI_API_KEY", "sk-1")], vec![s("openai", ProviderKind::Openai, "OpenAI", "gpt-4o-mini")]),
        (
            vec![("OPENAI_BASE_URL", "http://localhost:11434/v1"), ("PICSCRIBE_MODEL", "llava")],
            vec![s("openai", ProviderKind::Openai, "Ollama", "llava")],
        ),
        (
            vec![("OPENAI_BASE_URL", "http://localhost:1234/v1")],
            vec![s("openai", ProviderKind::Openai, "LM Studio", "gpt-4o-mini")],
        ),
        (
            vec![
                ("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com"),
                ("AZURE_OPENAI_API_KEY", "k"),
                ("AZURE_OPENAI_DEPLOYMENT", "vision-prod, vision-test"),
                ("OPENAI_API_VERSION", "2024-10-21"),
            ],
            vec![s("azure", ProviderKind::Azure, "Azure OpenAI", "vision-prod")],
        ),
        (
            vec![("ANTHROPIC_API_KEY", "sk-ant"), ("GEMINI_API_KEY", "AIza"), ("GEMINI_MODEL", "gemini-2.5-pro")],
            vec![
                s("anthropic", ProviderKind::Anthropic, "Anthropic", "claude-sonnet-4-5"),
                s("gemini", ProviderKind::Gemini, "Gemini", "gemini-2.5-pro"),
            ],
        ),
        (
            vec![("AZURE_VISION_ENDPOINT", "https://r.cognitiveservices.azure.com")],
            vec![s("azure-vision", ProviderKind::AzureVision, "Azure AI Vision", "image-analysis-4.0")],
        ),
        (
            vec![("GEMINI_API_KEY", "AIza"), ("OPENAI_API_KEY", "sk"), ("PICSCRIBE_PROVIDER", "gemini")],
            vec![
                s("gemini", ProviderKind::Gemini, "Gemini", "gemini-2.5-flash"),
                s("openai", ProviderKind::Openai, "OpenAI", "gpt-4o-mini"),
            ],
        ),
    ];
    for (vars, want) in cases {
        assert_eq!(summary(&load(&env(&vars), None)?), want, "{vars:?}");
    }
    let azure = load(&env(&[("AZURE_OPENAI_ENDPOINT", "https://r"), ("AZURE_OPENAI_DEPLOYMENT", "d")]), None)?;
    assert_eq!((azure[0].models.clone(), azure[0].api_version.clone()), (vec!["d".to_string()], None));
    let listed = load(&env(&[("OPENAI_BASE_URL", "http://h/v1"), ("PICSCRIBE_MODELS", "llava, qwen2.5vl ,")]), None)?;
    assert_eq!(listed[0].models, ["llava", "qwen2.5vl"]);
    assert_eq!(listed[0].default_model(), "llava", "the first offered model is the default");
    let whole = load(&env(&[("OPENAI_API_KEY", "sk"), ("PICSCRIBE_STREAM", "false")]), None)?;
    assert!(!whole[0].stream);
    Ok(())
}

#[test]
fn azure_vision_is_a_kind_in_the_file_too() -> Result<(), ConfigError> {
    let text = "[[provider]]\nname = \"vision\"\nkind = \"azure-vision\"\nbase_url = \"https://r.cognitiveservices.azure.com\"\n";
    let providers = load(&env(&[]), Some(("picscribe.toml", text)))?;
    assert_eq!(
        (providers[0].kind, providers[0].default_model()),
        (ProviderKind::AzureVision, "image-analysis-4.0".into())
    );
    let missing = load(&env(&[]), Some(("picscribe.toml", "[[provider]]\nname = \"v\"\nkind = \"azure_vision\"\n")));
    assert!(missing.is_err_and(|e| e.to_string().contains("needs base_url")));
    Ok(())
}

#[test]
fn a_file_names_several_providers() -> Result<(), ConfigError> {
    let text = r#"
        default = "claude"

        [[provider]]
        name = "ollama"
        kind = "openai"
        base_url = "http://gpu-box:11434/v1"
        models = ["llava:13b", "qwen2.5vl"]
        stream = false
        rpm = 40
        tpm = 200000

        [[provider]]
        name = "claude"
        label = "Claude (team key)"
        kind = "anthropic"
        api_key_env = "TEAM_ANTHROPIC_KEY"
    "#;
    let vars = env(&[("TEAM_ANTHROPIC_KEY", "sk-ant-team"), ("OPENAI_API_KEY", "sk")]);
    let providers = load(&vars, Some(("picscribe.toml", text)))?;
    let ids: Vec<&str> = providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["claude", "ollama", "openai"]);
    assert_eq!(providers[0].label(), "Claude (team key)");
    assert_eq!(providers[0].api_key.as_deref(), Some("sk-ant-team"));
    assert_eq!(providers[0].key_setting, "TEAM_ANTHROPIC_KEY");
    assert_eq!((providers[1].default_model(), providers[1].stream), ("llava:13b".to_string(), false));
    assert_eq!((providers[1].rpm, providers[0].rpm), (Some(40), None));
    assert_eq!((providers[1].tpm, providers[0].tpm), (Some(200_000), None));
    assert!(!format!("{providers:?}").contains("sk-ant-team"), "Debug hides keys");
    Ok(())
}

#[test]
fn a_bad_file_is_refused_with_a_reason() {
    let cases = [
        ("[[provider]]\nname = \"x\"\nkind = \"bard\"\n", "unknown variant"),
        ("[[provider]]\nname = \"x\"\nkind = \"openai\"\nbase_ulr = \"http://h\"\n", "unknown field"),
        ("[[provider]]\nname = \"My Server\"\nkind = \"openai\"\n", "lowercase"),
        ("[[provider]]\nname = \"a\"\nkind = \"azure\"\nmodels = [\"d\"]\n", "needs base_url"),
        (
            "[[provider]]\nname = \"a\"\nkind = \"openai\"\n[[provider]]\nname = \"a\"\nkind = \"gemini\"\n",
            "two providers",
        ),
    ];
    for (text, says) in cases {
        match load(&env(&[]), Some(("p.toml", text))) {
            Err(ConfigError::Invalid { reason, .. }) => assert!(reason.contains(says), "{text}: {reason}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn prices_come_built_in_and_the_file_replaces_or_adds() -> Result<(), ConfigError> {
    let built_in = load_prices(None)?;
    assert!(built_in.iter().any(|p| p.model == "gpt-4o-mini"));
    let file = "[[price]]\nmodel = \"gpt-4o-mini\"\ninput = 0.10\noutput = 0.40\n\n\
                [[price]]\nmodel = \"llava\"\ninput = 0\noutput = 0\n";
    let prices = load_prices(Some(("picscribe.toml", file)))?;
    let mini: Vec<_> = prices.iter().filter(|p| p.model == "gpt-4o-mini").collect();
    assert_eq!(mini.len(), 1);
    assert_eq!((mini[0].input, mini[0].output), (0.10, 0.40));
    assert!(prices.iter().any(|p| p.model == "llava" && p.input == 0.0));
    for bad in [
        "[[price]]\nmodel = \"m\"\ninput = -1\noutput = 0\n",
        "[[price]]\nmodel = \"\"\ninput = 1\noutput = 1\n",
        "[[price]]\nmodel = \"m\"\ninput = 1\n",
        "[[price]]\nmodel = \"m\"\ninput = 1\noutput = 1\ncurrency = \"EUR\"\n",
    ] {
        assert!(load_prices(Some(("picscribe.toml", bad))).is_err(), "{bad}");
    }
    Ok(())
}
