//! Any bytes as a dropped file: sniffing, the truncation check and the row's problem
//! sentence never panic, and a sentence is given for anything that is not an image.
#![no_main]

use app::images::{looks_complete, problem_with, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let head = &data[..data.len().min(64)];
    let tail = &data[data.len().saturating_sub(64)..];
    if let Some(kind) = sniff(head) {
        let _ = looks_complete(kind, tail);
    } else {
        assert!(problem_with("fuzz.bin", head, tail).is_some(), "an unknown file gets a sentence");
    }
});
