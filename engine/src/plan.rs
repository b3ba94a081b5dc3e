//! Which images a run sends, and what it leaves alone: the decision that keeps a paid call
//! from being made twice, the same for the page's "Describe all" and the command.

use serde::{Deserialize, Serialize};

/// What a finished description was made with, so it is never paid for twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Described {
    pub key: String,
    pub prompt: String,
    /// The provider id; empty in descriptions saved before there was a choice.
    #[serde(default)]
    pub provider: String,
    pub model: String,
    pub tokens: Option<u32>,
}

/// What the plan needs to know of one image.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Candidate<'a> {
    /// The key of the call that would be made now; none while the image is not read.
    pub key: Option<&'a str>,
    /// Whether it can be sent now: read, usable, not already under way.
    pub ready: bool,
    /// Why it can never be sent (not an image, cut short, undecodable).
    pub broken: Option<&'a str>,
    /// A person wrote (or imported) its text.
    pub edited: bool,
    /// The key its current description was made with.
    pub described: Option<&'a str>,
    /// The key of a call the model declined.
    pub declined: Option<&'a str>,
}

/// Why a run leaves an image alone, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not read yet, or already under way.
    NotReady,
    /// It can never be described; its sentence says why.
    Broken,
    /// Its description is current, or the model declined this exact call (a retry can).
    Current,
    /// A person wrote its text and edited rows are not included.
    Edited,
}

/// Whether a run sends `image`: `None` sends it. A description made with other settings
/// (stale) is sent again; a person's text is replaced only when edited rows are included,
/// even when its key is current: the key names what the model wrote, not what is there now.
pub fn skip(image: &Candidate<'_>, include_edited: bool) -> Option<Skip> {
    if image.broken.is_some() {
        return Some(Skip::Broken);
    }
    let Some(key) = image.key.filter(|_| image.ready) else { return Some(Skip::NotReady) };
    if image.edited {
        return (!include_edited).then_some(Skip::Edited);
    }
    (image.described == Some(key) || image.declined == Some(key)).then_some(Skip::Current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_needs_a_call_is_sent() {
        let ready = Candidate { key: Some("k"), ready: true, ..Candidate::default() };
        let cases = [
            ("new", ready, false, None),
            ("not read", Candidate { key: None, ..ready }, false, Some(Skip::NotReady)),
            ("under way", Candidate { ready: false, ..ready }, false, Some(Skip::NotReady)),
            ("broken", Candidate { broken: Some("cut short"), ..ready }, true, Some(Skip::Broken)),
            ("cached", Candidate { described: Some("k"), ..ready }, false, Some(Skip::Current)),
            ("stale", Candidate { described: Some("old"), ..ready }, false, None),
            ("declined", Candidate { declined: Some("k"), ..ready }, false, Some(Skip::Current)),
            ("declined before", Candidate { declined: Some("old"), ..ready }, false, None),
            ("edited", Candidate { edited: true, ..ready }, false, Some(Skip::Edited)),
            ("edited, included", Candidate { edited: true, described: Some("k"), ..ready }, true, None),
        ];
        for (what, image, include_edited, want) in cases {
            assert_eq!(skip(&image, include_edited), want, "{what}");
        }
    }
}
