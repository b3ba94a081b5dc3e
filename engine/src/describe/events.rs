//! What the describe stream carries from server to page: one JSON object a line.
//! Network chunks do not respect lines, so the page reassembles them with [`LineSplitter`].

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// The provider refused for now; the server waits and tries again.
    Retrying { attempt: u32, wait_ms: u64, reason: String },
    /// More of the description.
    Delta { text: String },
    /// What the call cost, when the provider says.
    Usage { prompt_tokens: u32, completion_tokens: u32 },
    /// What a first stage (an analysis) used, priced by its own model.
    Stage { model: String, prompt_tokens: u32, completion_tokens: u32 },
    /// The description is complete.
    Done,
    /// The model or its filter declined; a sentence for the user. Nothing is saved.
    Refused { message: String },
    /// The description failed; a sentence for the user. Nothing streamed before it is kept.
    /// `stop_batch` says no other image can succeed either (the key or the account).
    Error {
        message: String,
        #[serde(default)]
        stop_batch: bool,
    },
}

impl StreamEvent {
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","message":"The server could not encode its reply.","stop_batch":false}"#.to_string()
        });
        line.push('\n');
        line
    }
}

/// How one description ended, folded from its events: the page's rows and the command's
/// files both read a call through this.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    pub text: String,
    /// Input and output tokens, when the provider said.
    pub usage: Option<(u32, u32)>,
    /// A first stage's model and use, input and output.
    pub first: Option<(String, u32, u32)>,
    pub end: Option<End>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum End {
    Finished,
    Failed { message: String, stop_batch: bool },
    Refused(String),
}

impl Reply {
    /// Takes in one event; true once the reply has ended (later events are ignored).
    pub fn see(&mut self, event: StreamEvent) -> bool {
        if self.end.is_some() {
            return true;
        }
        self.end = match event {
            StreamEvent::Retrying { .. } => None,
            StreamEvent::Delta { text } => {
                self.text.push_str(&text);
                None
            }
            StreamEvent::Usage { prompt_tokens, completion_tokens } => {
                self.usage = Some((prompt_tokens, completion_tokens));
                None
            }
            StreamEvent::Stage { model, prompt_tokens, completion_tokens } => {
                self.first = Some((model, prompt_tokens, completion_tokens));
                None
            }
            StreamEvent::Done => Some(End::Finished),
            StreamEvent::Refused { message } => Some(End::Refused(message)),
            StreamEvent::Error { message, stop_batch } => Some(End::Failed { message, stop_batch }),
        };
        self.end.is_some()
    }

    /// The sentence for a reply that did not finish; a stream that stopped without saying
    /// how ended too, and nothing it streamed is kept.
    pub fn failure(&self) -> Option<String> {
        match &self.end {
            Some(End::Finished) => None,
            Some(End::Failed { message, .. } | End::Refused(message)) => Some(message.clone()),
            None => Some("The connection to the provider ended before the description was finished.".into()),
        }
    }
}

/// Reassembles newline-delimited events from arbitrarily split text chunks.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: String,
}

impl LineSplitter {
    /// Feeds one chunk; returns every event completed by it. A line that is not an event
    /// becomes an error event rather than vanishing.
    pub fn push(&mut self, chunk: &str) -> Vec<StreamEvent> {
        self.pending.push_str(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            let line = line.trim();
            if !line.is_empty() {
                events.push(parse_line(line));
            }
        }
        events
    }

    /// Whatever is left when the stream ends: a complete final line without its newline.
    pub fn finish(self) -> Option<StreamEvent> {
        let line = self.pending.trim();
        (!line.is_empty()).then(|| parse_line(line))
    }
}

fn parse_line(line: &str) -> StreamEvent {
    serde_json::from_str(line).unwrap_or_else(|_| StreamEvent::Error {
        message: "The server's reply was garbled; nothing was saved. Try again.".into(),
        stop_batch: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_survive_any_split() {
        let events = vec![
            StreamEvent::Retrying { attempt: 1, wait_ms: 500, reason: "rate limited".into() },
            StreamEvent::Delta { text: "A red \"bike\"\nleaning".into() },
            StreamEvent::Delta { text: " on a wall — ünïcode".into() },
            StreamEvent::Usage { prompt_tokens: 120, completion_tokens: 9 },
            StreamEvent::Refused { message: "The model declined.".into() },
            StreamEvent::Done,
        ];
        let wire: String = events.iter().map(StreamEvent::to_line).collect();
        for size in [1, 2, 3, 7, 64, wire.len()] {
            let mut splitter = LineSplitter::default();
            let mut got = Vec::new();
            let chars: Vec<char> = wire.chars().collect();
            for chunk in chars.chunks(size) {
                got.extend(splitter.push(&chunk.iter().collect::<String>()));
            }
            assert_eq!(splitter.finish(), None);
            assert_eq!(got, events, "chunk size {size}");
        }
    }

    #[test]
    fn a_reply_is_what_came_before_its_end() {
        let delta = |t: &str| StreamEvent::Delta { text: t.into() };
        let error = StreamEvent::Error { message: "Rate limited.".into(), stop_batch: false };
        let usage = StreamEvent::Usage { prompt_tokens: 100, completion_tokens: 9 };
        let cases: [(Vec<StreamEvent>, &str, Option<&str>); 4] = [
            (
                vec![delta("A red "), delta("bike."), usage.clone(), StreamEvent::Done, delta("late")],
                "A red bike.",
                None,
            ),
            (vec![delta("A"), error], "A", Some("Rate limited.")),
            (vec![StreamEvent::Refused { message: "Declined.".into() }], "", Some("Declined.")),
            (
                vec![delta("A half")],
                "A half",
                Some("The connection to the provider ended before the description was finished."),
            ),
        ];
        for (events, text, failure) in cases {
            let mut reply = Reply::default();
            for event in events {
                reply.see(event);
            }
            assert_eq!(reply.text, text);
            assert_eq!(reply.failure().as_deref(), failure, "{text}");
        }
    }

    #[test]
    fn a_last_line_without_newline_is_kept() {
        let mut splitter = LineSplitter::default();
        assert!(splitter.push(r#"{"type":"done"}"#).is_empty());
        assert_eq!(splitter.finish(), Some(StreamEvent::Done));
    }

    #[test]
    fn garbage_becomes_an_error_not_silence() {
        let mut splitter = LineSplitter::default();
        let got = splitter.push("<html>502 Bad Gateway</html>\n");
        assert!(matches!(got.as_slice(), [StreamEvent::Error { .. }]));
    }
}
