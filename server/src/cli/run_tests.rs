use engine::describe::{Detail, ResizeRule};
use engine::fields::{Field, FieldKind};

use super::*;

fn settings(prompt: &str) -> Settings {
    Settings {
        prompt: prompt.into(),
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        detail: Detail::Auto,
        resize: ResizeRule::OpenAiTiles,
        max_tokens: None,
        fields: Vec::new(),
        language: String::new(),
        temperature: None,
        analyse: None,
    }
}

#[test]
fn a_file_has_the_key_the_page_gives_it() {
    // SHA-256 of "abc", as the browser's crypto.subtle digest is written by the page.
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(sha256_hex(b"abc"), ABC);
    let alt = settings("Alt text for {filename}, {width}×{height}");
    let fielded = Settings {
        fields: vec![Field::new("alt_text", FieldKind::Text, "One sentence.")],
        max_tokens: Some(300),
        language: "German".into(),
        ..settings("Alt text")
    };
    // What the page's `Row::key` computes for a row named `a.jpg` of that size.
    let page = |settings: &Settings, size| {
        settings.key_for(ABC, "", &Facts { filename: "a.jpg", size: Some(size), existing: None })
    };
    let cases = [
        (&alt, "a.jpg", (1600, 1200)),
        (&alt, "2024/trip/a.jpg", (1600, 1200)),
        (&alt, "2024\\trip\\a.jpg", (1200, 1600)),
        (&fielded, "photos/a.jpg", (640, 480)),
    ];
    for (settings, name, size) in cases {
        let one = [(name.to_string(), b"abc".to_vec())];
        assert_eq!(file_key(settings, name, &one, size), page(settings, size), "{name}");
    }
    // An item: every photo's hash in order, as the page joins them.
    let two = [("a.jpg".to_string(), b"abc".to_vec()), ("b.jpg".to_string(), b"abc".to_vec())];
    let item =
        alt.key_for(&format!("{ABC}+{ABC}"), "", &Facts { filename: "a.jpg", size: Some((8, 6)), existing: None });
    assert_eq!(file_key(&alt, "a.jpg", &two, (8, 6)), item);
    assert!(page(&alt, (1600, 1200)).contains("Alt text for a.jpg, 1600×1200"), "the variables are in the key");
    assert_ne!(page(&alt, (1600, 1200)), page(&settings("Alt text"), (1600, 1200)));
}
