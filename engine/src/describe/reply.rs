//! A provider's reply reduced to what picscribe needs, whatever wire format it came in:
//! text, token counts, the end, or a refusal. Plain data and rules, no I/O.

use serde::{Deserialize, Serialize};

/// What one call cost, in the provider's own tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: u32,
    #[serde(default)]
    pub completion_tokens: u32,
}

/// One thing a reply said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkEvent {
    Delta(String),
    /// The running total so far; a later one replaces an earlier one.
    Usage(Usage),
    /// The reply ended normally.
    Finished,
    /// The model declined, in its own words (a piece of them, when streamed).
    Refusal(String),
    /// The provider's safety filter stopped the reply; why, in a few words, when it says.
    Filtered(String),
}

/// Whether a finished reply is only an apology ("I'm sorry, but I can't help with that.")
/// rather than a description. Short replies only: a long answer that opens politely and
/// then describes the image is a description.
pub fn looks_like_refusal(text: &str) -> bool {
    const OPENERS: [&str; 12] = [
        "i'm sorry",
        "i am sorry",
        "sorry",
        "i apologize",
        "i apologise",
        "i cannot",
        "i can't",
        "i can not",
        "i'm unable",
        "i am unable",
        "i'm not able",
        "unfortunately",
    ];
    const DECLINES: [&str; 9] =
        ["can't", "cannot", "can not", "unable", "not able", "won't", "will not", "not comfortable", "not possible"];
    let text = text.trim().to_ascii_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    text.chars().count() <= 300
        && OPENERS.iter().any(|opener| text.starts_with(opener))
        && DECLINES.iter().any(|word| text.contains(word))
}

/// The sentence a row shows when the model declined.
pub fn refusal_message(said: &str) -> String {
    format!(
        "The model declined to describe this image: “{}” Nothing was saved; try another prompt or model.",
        said.trim()
    )
}

/// The sentence a row shows when the provider's filter stopped the reply.
pub fn filtered_message(reason: &str) -> String {
    let reason = reason.trim();
    let why = if reason.is_empty() { String::new() } else { format!(" ({reason})") };
    format!(
        "The provider's safety filter stopped this description{why}. Nothing was saved; try another prompt or model."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apologies_are_told_apart_from_descriptions() {
        let cases = [
            ("I'm sorry, but I can't help with identifying people in images.", true),
            ("I’m sorry, I can’t assist with that.", true),
            ("Sorry, I cannot describe this image.", true),
            ("I cannot provide a description of this image.", true),
            ("Unfortunately, I'm unable to process this image.", true),
            ("A red bicycle leaning on a brick wall.", false),
            // A sign that says sorry, transcribed.
            ("SORRY WE'RE CLOSED", false),
            ("Sorry!", false),
            // Opens with an apology, then does the job.
            (
                "I'm sorry I can't be certain of the brand, but this is a brown leather satchel with brass buckles, \
                 a long adjustable strap, two front pockets and visible stitching along every edge; the leather has \
                 a worn patina at the corners, the lining is green canvas, and a small embossed logo sits beneath \
                 the flap, next to a key clip and a card slot.",
                false,
            ),
            ("", false),
        ];
        for (text, want) in cases {
            assert_eq!(looks_like_refusal(text), want, "{text}");
        }
    }

    #[test]
    fn refusal_sentences_quote_the_model_or_say_why() {
        assert_eq!(
            refusal_message("I can't help with that."),
            "The model declined to describe this image: “I can't help with that.” Nothing was saved; try another prompt or model."
        );
        assert_eq!(
            filtered_message("image safety"),
            "The provider's safety filter stopped this description (image safety). Nothing was saved; try another prompt or model."
        );
        assert!(filtered_message("").contains("description. Nothing"));
    }
}
