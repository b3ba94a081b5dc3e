//! Answers in fields through the router, for every provider family against the stub: the
//! schema goes out as each provider's own structured output, the streamed answer comes back
//! and is checked, a server that refuses the schema is asked again with the prompt alone,
//! and an answer that does not fit ends in an error, never a half-filled row.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::describe::events::StreamEvent;
use app::fields::{parse_answer, preset_fields, schema, Field};
use axum::http::StatusCode;
use common::{call, describe_input, describer, router, stub, Family, KEY};
use server::stub::{Fault, Recorded};

async fn describe_fields(
    family: Family,
    stream: bool,
    fields: &[Field],
    faults: Vec<Fault>,
) -> (common::Reply, Vec<Recorded>) {
    let (stub, url) = stub().await;
    stub.push_faults(faults);
    let app = router(describer(vec![family.entry(&url, KEY, stream)]));
    let mut input = describe_input(family.id(), family.model(), "Describe this product for {filename}");
    input["input"]["fields"] = serde_json::to_value(fields).unwrap();
    let reply = call(app, "POST", "/api/describe", Some(input)).await;
    assert_eq!(reply.status, StatusCode::OK, "{family:?}: {}", reply.body);
    (reply, stub.requests())
}

#[tokio::test]
async fn each_family_sends_its_own_structured_output_and_gets_fields_back() {
    let fields = preset_fields("Product description");
    for family in Family::ALL {
        for stream in [true, false] {
            let case = format!("{family:?} stream={stream}");
            let (reply, sent) = describe_fields(family, stream, &fields, vec![]).await;
            assert_eq!(reply.last(), StreamEvent::Done, "{case}: {}", reply.body);
            let values = parse_answer(&fields, &reply.text()).expect("the answer fits");
            assert_eq!(values["title"], "Stub title of a 8×6 image", "{case}");
            assert_eq!(
                values["bullet_points"],
                serde_json::json!(["bullet_points one", "bullet_points two"]),
                "{case}"
            );
            let deltas = reply.events().iter().filter(|e| matches!(e, StreamEvent::Delta { .. })).count();
            assert_eq!(deltas > 1, stream, "{case}: a structured answer still streams ({deltas} pieces)");
            assert_eq!(sent.len(), 1, "{case}");
            // The stub only records a schema sent in the dialect's own place and shape.
            assert_eq!(sent[0].schema.as_ref(), Some(&schema(&fields)), "{case}");
            assert!(sent[0].prompt.contains("\"bullet_points\" (a list of texts)"), "{case}: the prompt says it too");
        }
    }
}

#[tokio::test]
async fn free_text_sends_no_schema() {
    for family in Family::ALL {
        let (reply, sent) = describe_fields(family, true, &[], vec![]).await;
        assert_eq!(reply.last(), StreamEvent::Done, "{family:?}");
        assert_eq!(sent[0].schema, None, "{family:?}");
        assert!(!sent[0].prompt.contains("JSON"), "{family:?}");
    }
}

#[tokio::test]
async fn a_server_that_refuses_the_schema_is_asked_with_the_prompt_alone() {
    let fields = preset_fields("Tags");
    for family in Family::ALL {
        let (reply, sent) = describe_fields(family, true, &fields, vec![Fault::RejectSchema]).await;
        assert_eq!(reply.last(), StreamEvent::Done, "{family:?}: {}", reply.body);
        assert!(parse_answer(&fields, &reply.text()).is_ok(), "{family:?}");
        assert_eq!(sent.len(), 2, "{family:?}: refused, then asked without the schema");
        assert!(sent[0].schema.is_some() && sent[1].schema.is_none(), "{family:?}");
        assert!(sent[1].prompt.contains("JSON Schema: {"), "{family:?}");
        assert_eq!(reply.retries(), 0, "{family:?}: not a retry the row has to wait for");
    }
}

#[tokio::test]
async fn an_answer_that_does_not_fit_is_an_error_with_nothing_filled() {
    let fields = preset_fields("Alt text");
    for family in Family::ALL {
        let (reply, sent) = describe_fields(family, true, &fields, vec![Fault::Misfit]).await;
        let StreamEvent::Error { message, stop_batch } = reply.last() else {
            panic!("{family:?}: expected an error, got {:?}", reply.last())
        };
        assert_eq!(
            message,
            format!(
                "{} answered, but the answer has no “alt_text”, so nothing was filled in. Retry to ask again.",
                family.label()
            ),
        );
        assert!(!stop_batch, "{family:?}: the next image may fit");
        assert_eq!(sent.len(), 1, "{family:?}: not retried on its own");
    }
}

#[tokio::test]
async fn fields_the_page_should_never_send_cost_no_call() {
    let (stub, url) = stub().await;
    let app = router(describer(vec![Family::OpenAi.entry(&url, KEY, true)]));
    let mut input = describe_input("openai", Family::OpenAi.model(), "Describe");
    input["input"]["fields"] = serde_json::json!([{"name": "Bad Name", "kind": {"type": "text"}}]);
    let reply = call(app, "POST", "/api/describe", Some(input)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("is not a usable field name"), "{}", reply.body);
    assert!(stub.requests().is_empty());
}

#[test]
fn structured_requests_validate_against_openais_schema() {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/create-chat-completion-request.schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&spec).unwrap();
    let image = common::jpeg_data_url();
    for preset in ["Alt text", "Product description", "Social caption", "Extract text", "Tags"] {
        let mut request = app::describe::openai::chat_request(
            "gpt-4o-mini",
            "Alt text",
            &image,
            app::describe::Detail::Auto,
            true,
            app::describe::openai::OutputCap::Completion(1024),
        );
        request.response_format = Some(app::describe::openai::json_schema_format(&schema(&preset_fields(preset))));
        let json = serde_json::to_value(&request).unwrap();
        let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{preset}: {errors:?}");
    }
    // The schema has teeth: a json_schema format without its name is refused.
    let bad = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
        "response_format": {"type": "json_schema", "json_schema": {"schema": {}}}});
    assert!(!validator.is_valid(&bad));
}
