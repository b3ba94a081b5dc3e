//! What the fields work reads from outside: a model's answer checked against fields, a
//! file brought in with "Import descriptions", and an image file getting alt text written
//! in. None may panic; an image written into stays the same kind of image.
#![no_main]

use app::export::metadata::embed;
use app::fields::{parse_answer, preset_fields};
use app::images::sniff;
use app::import::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match choice % 4 {
        0 => {
            for preset in ["Alt text", "Product description", "Tags"] {
                let fields = preset_fields(preset);
                if let Ok(values) = parse_answer(&fields, &text) {
                    assert_eq!(values.len(), fields.len(), "a fitting answer fills every field");
                }
            }
        }
        1 => {
            let fields = preset_fields("Product description");
            for name in ["in.csv", "in.jsonl", "in.json"] {
                let _ = parse(name, &text, &fields);
            }
        }
        _ => {
            if let Ok(written) = embed(rest, "A fuzzed alt text & <more>", Some("Long")) {
                assert_eq!(sniff(&written), sniff(rest), "still the same kind of image");
            }
        }
    }
});
