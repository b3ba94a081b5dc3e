use super::*;

#[test]
fn image_tokens_follow_each_providers_published_examples() {
    let kind = |k, m: &str| image_rule(k, m);
    let gpt4o = kind(ProviderKind::Openai, "gpt-4o-2024-08-06");
    let mini = kind(ProviderKind::Azure, "gpt-4o-mini");
    let nano41 = kind(ProviderKind::Openai, "gpt-4.1-nano");
    let mini41 = kind(ProviderKind::Openai, "gpt-4.1-mini");
    let cases = [
        // OpenAI's vision guide: 1024² at high is 4 tiles, 765 tokens; low is 85.
        (gpt4o, 1024, 1024, Detail::High, 765),
        (gpt4o, 1024, 768, Detail::Auto, 765),
        (gpt4o, 4000, 3000, Detail::Low, 85),
        (gpt4o, 500, 500, Detail::High, 255),
        (gpt4o, 513, 500, Detail::High, 425),
        (mini, 1024, 768, Detail::Auto, 2833 + 4 * 5667),
        (mini, 512, 384, Detail::Low, 2833),
        (kind(ProviderKind::Openai, "o3"), 512, 512, Detail::High, 225),
        (kind(ProviderKind::Openai, "gpt-5"), 512, 512, Detail::High, 210),
        // Patches: 1024² is 1024 patches (× 2.46 for nano); 1800×2400 shrinks to 1452.
        (nano41, 1024, 1024, Detail::Auto, 2519),
        (kind(ProviderKind::Openai, "o4-mini"), 1800, 2400, Detail::High, (1452.0_f64 * 1.72).round() as u32),
        (mini41, 1800, 2400, Detail::High, (1452.0_f64 * 1.62).round() as u32),
        // Anthropic: width × height / 750 (1092² ≈ 1590).
        (kind(ProviderKind::Anthropic, "claude-sonnet-4-5"), 1092, 1092, Detail::Auto, 1590),
        (kind(ProviderKind::Anthropic, "claude-haiku-4-5"), 200, 200, Detail::Auto, 54),
        // Gemini: 258 when both sides ≤ 384, else 258 per 768 px tile.
        (kind(ProviderKind::Gemini, "gemini-2.5-flash"), 384, 384, Detail::Auto, 258),
        (kind(ProviderKind::Gemini, "gemini-2.5-flash"), 1536, 1152, Detail::Auto, 258 * 4),
        (kind(ProviderKind::Gemini, "gemini-2.5-flash"), 768, 576, Detail::Low, 258),
    ];
    for (rule, w, h, detail, want) in cases {
        assert_eq!(image_tokens(rule, w, h, detail), want, "{rule:?} {w}×{h} {detail:?}");
    }
}

#[test]
fn prices_match_the_longest_model_prefix() {
    let prices = default_prices();
    let cases = [
        ("gpt-4o-mini-2024-07-18", Some("gpt-4o-mini")),
        ("gpt-4o", Some("gpt-4o")),
        ("GPT-4.1-mini", Some("gpt-4.1-mini")),
        ("openai/gpt-5-nano", Some("gpt-5-nano")),
        ("claude-sonnet-4-5-20250929", Some("claude-sonnet-4")),
        ("gemini-2.5-flash-lite", Some("gemini-2.5-flash-lite")),
        ("llava:13b", None),
    ];
    for (model, want) in cases {
        assert_eq!(price_for(&prices, model).map(|p| p.model.as_str()), want, "{model}");
    }
}

#[test]
fn the_sentence_before_the_run() {
    let mut estimate = Estimate::default();
    for _ in 0..200 {
        estimate.add(1_000, 60);
    }
    let price = Price::new("gpt-4o-mini", 0.15, 0.60);
    assert_eq!(estimate.tokens(), 212_000);
    assert_eq!(
        estimate_sentence(&estimate, Some(&price), "gpt-4o-mini"),
        "200 images: about 212,000 tokens, about $0.037."
    );
    assert_eq!(
        estimate_sentence(&estimate, None, "llava"),
        "200 images: about 212,000 tokens (no price known for “llava”)."
    );
    assert_eq!(estimate_sentence(&Estimate::default(), None, "m"), "Nothing to describe with these settings.");
    let one = Estimate { images: 1, input: 765, output: 100, ..Estimate::default() };
    assert_eq!(estimate_sentence(&one, Some(&price), "m"), "1 image: about 865 tokens, about $0.00017.");
    // Analysed first by Azure AI Vision: one transaction each at $1.50 per 1,000.
    let mut two = Estimate { images: 2, input: 1530, output: 200, ..Estimate::default() };
    let vision = price_for(&default_prices(), crate::describe::azure_vision::MODEL).cloned();
    two.add_first(1, vision.as_ref());
    two.add_first(1, vision.as_ref());
    assert_eq!(
        estimate_sentence(&two, Some(&price), "m"),
        "2 images: about 1,730 tokens and 2 analyses, about $0.0033."
    );
    // Compared with a second model: its tokens at its own price, each image counted once.
    let mut compared = Estimate::default();
    let other = Price::new("claude-haiku-4-5", 1.00, 5.00);
    compared.add(1_000, 100);
    compared.add_second(1_200, 100, Some(&other), false);
    compared.add_second(1_200, 100, Some(&other), true);
    assert_eq!(
        estimate_sentence(&compared, Some(&price), "gpt-4o-mini"),
        "2 images: about 3,700 tokens, about $0.0036."
    );
    assert_eq!(
        estimate_sentence(&compared, None, "llava"),
        "2 images: about 3,700 tokens, about $0.0034 besides “llava”, which has no price known.",
        "the compared model's price is said when the chosen one has none"
    );
    for (n, said) in [(0, "0"), (999, "999"), (1000, "1,000"), (1_234_567, "1,234,567")] {
        assert_eq!(thousands(n), said);
    }
    for (d, said) in [(12.5, "$12.50"), (0.07, "$0.07"), (0.0, "$0.00"), (0.0012, "$0.0012"), (0.1, "$0.10")] {
        assert_eq!(money(d), said);
    }
    assert_eq!(answer_tokens(0, 1024), 100);
    assert_eq!(answer_tokens(4, 1024), 280);
    assert_eq!(answer_tokens(4, 200), 200, "never more than the cap");
    assert_eq!(text_tokens("abcd efgh"), 3);
}

#[test]
fn batches_cost_half_unless_the_table_says_otherwise() {
    let mut estimate = Estimate::default();
    for _ in 0..200 {
        estimate.add(1_000, 60);
    }
    let list = Price::new("gpt-4o-mini", 0.15, 0.60);
    assert_eq!(
        estimate_sentence(&estimate, Some(&list.at_batch_rate()), "gpt-4o-mini"),
        "200 images: about 212,000 tokens, about $0.019."
    );
    let own = Price { batch_input: Some(0.10), batch_output: Some(0.60), ..list.clone() };
    let rate = own.at_batch_rate();
    assert_eq!((rate.input, rate.output), (0.10, 0.60), "a price entry may name its own batch rate");
    let parsed: Price =
        serde_json::from_str(r#"{"model": "m", "input": 1.0, "output": 2.0, "batch_input": 0.4}"#).unwrap_or(list);
    assert_eq!((parsed.at_batch_rate().input, parsed.at_batch_rate().output), (0.4, 1.0));
}
