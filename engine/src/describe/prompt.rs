//! Prompts that know the image: `{filename}`, `{width}`, `{height}` and `{existing}` (the
//! row's current text, for "improve this alt text"), and the answer's language.

/// What a prompt may mention about one image.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts<'a> {
    pub filename: &'a str,
    pub size: Option<(u32, u32)>,
    /// The row's current text; `None` leaves `{existing}` as written (see [`key_prompt`]).
    pub existing: Option<&'a str>,
}

/// The variables a prompt can use, for the hint under the prompt.
pub const VARIABLES: [&str; 4] = ["{filename}", "{width}", "{height}", "{existing}"];

/// The prompt with its variables filled in and, when a language is chosen, a line asking
/// for it. Braces that are not a variable are left alone.
pub fn expand(template: &str, facts: &Facts<'_>, language: &str) -> String {
    let (width, height) = match facts.size {
        Some((w, h)) => (w.to_string(), h.to_string()),
        None => ("unknown".to_string(), "unknown".to_string()),
    };
    let mut prompt =
        template.replace("{filename}", facts.filename).replace("{width}", &width).replace("{height}", &height);
    if let Some(existing) = facts.existing {
        let existing = existing.trim();
        prompt = prompt.replace("{existing}", if existing.is_empty() { "(none yet)" } else { existing });
    }
    let language = language.trim();
    if !language.is_empty() {
        prompt = format!("{}\n\nWrite the answer in {language}.", prompt.trim_end());
    }
    prompt
}

/// The prompt as the cache key sees it: everything filled in but `{existing}`. The answer
/// replaces the existing text, so a key holding it would never be current again and every
/// "Describe all" would pay for the row once more.
pub fn key_prompt(template: &str, facts: &Facts<'_>, language: &str) -> String {
    expand(template, &Facts { existing: None, ..facts.clone() }, language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_in() {
        let facts = Facts { filename: "mug.jpg", size: Some((1600, 1200)), existing: Some(" A mug. ") };
        let none = Facts { filename: "x.png", size: None, existing: Some("") };
        let cases = [
            ("Alt text for {filename}", &facts, "", "Alt text for mug.jpg"),
            ("{width}×{height} px", &facts, "", "1600×1200 px"),
            ("Improve: {existing}", &facts, "", "Improve: A mug."),
            ("Improve: {existing}", &none, "", "Improve: (none yet)"),
            ("{width}", &none, "", "unknown"),
            ("Keep {braces} and {{filename}}", &facts, "", "Keep {braces} and {mug.jpg}"),
            ("Alt text\n", &facts, " German ", "Alt text\n\nWrite the answer in German."),
        ];
        for (template, facts, language, want) in cases {
            assert_eq!(expand(template, facts, language), want, "{template}");
        }
    }

    #[test]
    fn the_key_ignores_the_text_it_replaces() {
        let before = Facts { filename: "a.jpg", size: Some((2, 3)), existing: Some("old") };
        let after = Facts { existing: Some("new"), ..before.clone() };
        assert_eq!(
            key_prompt("Improve {existing} of {filename}", &before, ""),
            key_prompt("Improve {existing} of {filename}", &after, "")
        );
        assert_eq!(key_prompt("Improve {existing} of {filename}", &before, ""), "Improve {existing} of a.jpg");
        assert_ne!(key_prompt("Alt", &before, ""), key_prompt("Alt", &before, "French"));
    }
}
