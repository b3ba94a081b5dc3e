use serde_json::json;

use super::*;
use crate::describe::PRESETS;
use crate::fields::{parse_answer, preset_fields};

/// Image Analysis 4.0's documented result for a photo with text, trimmed to what is read.
const RESULT: &str = r#"{
  "modelVersion": "2023-10-01",
  "captionResult": {"text": "a white mug on a wooden table", "confidence": 0.8129},
  "denseCaptionsResult": {"values": [
    {"text": "a white mug on a wooden table", "confidence": 0.81, "boundingBox": {"x": 0, "y": 0, "w": 1024, "h": 768}},
    {"text": "a handle of a mug", "confidence": 0.74, "boundingBox": {"x": 600, "y": 200, "w": 180, "h": 260}}
  ]},
  "metadata": {"width": 1024, "height": 768},
  "tagsResult": {"values": [
    {"name": "tableware", "confidence": 0.93},
    {"name": "mug", "confidence": 0.991},
    {"name": "indoor", "confidence": 0.42}
  ]},
  "objectsResult": {"values": [
    {"boundingBox": {"x": 300, "y": 150, "w": 420, "h": 500}, "tags": [{"name": "cup", "confidence": 0.812}]},
    {"boundingBox": {"x": 0, "y": 600, "w": 1024, "h": 168}, "tags": [{"name": "table", "confidence": 0.55}]}
  ]},
  "readResult": {"blocks": [{"lines": [
    {"text": "BEST DAD", "boundingPolygon": [{"x": 1, "y": 1}], "words": [{"text": "BEST", "confidence": 0.99}]},
    {"text": "since 2019", "boundingPolygon": [{"x": 1, "y": 2}], "words": []}
  ]}]}
}"#;

#[test]
fn presets_map_to_features() {
    let preset = |label: &str| PRESETS.iter().find(|(l, _)| *l == label).map(|(_, p)| *p).unwrap_or_default();
    let cases = [
        (preset("Alt text"), vec![Feature::Caption]),
        (preset("Social caption"), vec![Feature::Caption, Feature::Tags]),
        (preset("Product description"), vec![Feature::Caption, Feature::DenseCaptions]),
        (preset("Tags"), vec![Feature::Tags]),
        (preset("Extract text"), vec![Feature::Read]),
        ("What objects are in it?", vec![Feature::Objects]),
        ("Anything", vec![Feature::Caption]),
    ];
    for (prompt, want) in cases {
        assert_eq!(features_for(prompt), want, "{prompt}");
    }
}

#[test]
fn the_address_names_the_features_and_asks_for_neutral_captions() {
    assert_eq!(
        analyze_url("https://res.cognitiveservices.azure.com/", &[Feature::Caption, Feature::Tags]),
        "https://res.cognitiveservices.azure.com/computervision/imageanalysis:analyze?api-version=2024-02-01\
         &features=caption,tags&gender-neutral-caption=true"
    );
    assert_eq!(
        analyze_url("https://res.cognitiveservices.azure.com", &[Feature::Read]),
        "https://res.cognitiveservices.azure.com/computervision/imageanalysis:analyze?api-version=2024-02-01&features=read"
    );
}

#[test]
fn a_result_becomes_the_rows_text() -> Result<(), serde_json::Error> {
    let analysis = parse_analysis(RESULT)?;
    assert_eq!(
        analysis.text(),
        "A white mug on a wooden table.\n\nA handle of a mug.\n\nmug (0.99), tableware (0.93), indoor (0.42)\n\n\
         cup (0.81), table (0.55)\n\nBEST DAD\nsince 2019"
    );
    let only_tags = parse_analysis(r#"{"tagsResult": {"values": [{"name": "cat", "confidence": 0.9}]}}"#)?;
    assert_eq!(only_tags.text(), "cat (0.90)");
    assert_eq!(parse_analysis(r#"{"readResult": {"blocks": []}}"#)?.text(), "", "no text is nothing, not a guess");
    Ok(())
}

#[test]
fn minimum_confidence_filters_lists_only() {
    let text = "A mug.\n\nmug (0.99), tableware (0.93), indoor (0.42)\n\nBEST DAD";
    let cases = [
        (0.6, "A mug.\n\nmug (0.99), tableware (0.93)\n\nBEST DAD"),
        (0.95, "A mug.\n\nmug (0.99)\n\nBEST DAD"),
        (0.0, text),
        (1.0, "A mug.\n\n\n\nBEST DAD"),
    ];
    for (min, want) in cases {
        assert_eq!(at_least(text, min), want, "{min}");
    }
    assert_eq!(at_least("mug (0.99), handmade, cup (0.2)", 0.6), "mug (0.99), handmade, cup (0.2)", "typed by hand");
}

#[test]
fn region_errors_are_told_apart() {
    let region = r#"{"error": {"code": "InvalidRequest", "message": "The feature 'Caption' is not supported in this region.",
        "innererror": {"code": "NotSupportedFeature", "message": "Feature Caption is not supported in this region."}}}"#;
    let format = r#"{"error": {"code": "InvalidRequest", "message": "Image format is not valid.",
        "innererror": {"code": "InvalidImageFormat", "message": "Input data is not a valid image."}}}"#;
    assert!(is_not_in_region(region));
    assert!(!is_not_in_region(format));
    assert!(!is_not_in_region("not json"));
}

#[test]
fn presets_in_fields_are_filled_from_their_features() -> Result<(), Box<dyn std::error::Error>> {
    let analysis = parse_analysis(RESULT)?;
    let cases = [
        ("Tags", vec![Feature::Tags], json!({"tags": ["mug (0.99)", "tableware (0.93)", "indoor (0.42)"]})),
        ("Extract text", vec![Feature::Read], json!({"text": "BEST DAD\nsince 2019"})),
        (
            "Alt text",
            vec![Feature::Caption, Feature::DenseCaptions],
            json!({"alt_text": "A white mug on a wooden table.", "long_description": "A handle of a mug."}),
        ),
        (
            "Social caption",
            vec![Feature::Caption, Feature::Tags],
            json!({"caption": "A white mug on a wooden table.", "hashtags": ["#tableware (0.93)", "#mug (0.99)", "#indoor (0.42)"]}),
        ),
    ];
    for (preset, features, want) in cases {
        let fields = preset_fields(preset);
        assert_eq!(features_for_fields(&fields), features, "{preset}");
        let answer = analysis.answer(&fields);
        assert_eq!(answer, want, "{preset}");
        parse_answer(&fields, &answer.to_string())?;
    }
    let tags = vec!["mug (0.99)".to_string(), "indoor (0.42)".into(), "handmade".into()];
    assert_eq!(items_at_least(&tags, 0.6), ["mug (0.99)", "handmade"]);
    Ok(())
}
