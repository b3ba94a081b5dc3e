//! Any text as a provider's reply or the server's event stream: every parser returns a
//! value or an error, never a panic, however the text is cut into pieces.
#![no_main]

use app::describe::{anthropic, events, gemini, openai, DescribeInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = openai::parse_chunk(text);
    let _ = openai::parse_completion(text);
    let _ = openai::parse_model_list(text);
    let _ = openai::is_insufficient_quota(text);
    let _ = anthropic::parse_message(text);
    let _ = anthropic::is_out_of_credit(text);
    let _ = gemini::parse_response(text);
    let _ = gemini::parse_model_list(text);
    let _ = gemini::error_facts(text);

    // The same text in pieces, as a stream arrives.
    let mut reader = anthropic::StreamReader::default();
    let mut splitter = events::LineSplitter::default();
    for piece in text.split_inclusive(['\n', '}']) {
        let _ = reader.push(piece);
        let _ = splitter.push(piece);
    }
    let _ = splitter.finish();

    // And as the page's describe request.
    if let Ok(input) = serde_json::from_str::<DescribeInput>(text) {
        let _ = input.validate();
    }
});
