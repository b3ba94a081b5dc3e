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
