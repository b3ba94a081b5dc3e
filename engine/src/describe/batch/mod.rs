//! The providers' batch services as plain data: which kinds have one and their limits, the
//! id a request travels under, how requests are framed into one upload, and what a batch
//! and its result lines say, reduced to what picscribe needs. No I/O: the clients are in
//! `describe::server::batch`.

pub mod anthropic;
pub mod gemini;
pub mod openai;

use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::reply::ChunkEvent;

/// Which batch dialect a provider speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    OpenAi,
    Azure,
    Anthropic,
    Gemini,
}

/// How much one batch may hold, in requests and in bytes of what is uploaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub requests: u64,
    pub bytes: u64,
}

/// How the request lines of one batch are put together into what is uploaded: a JSONL
/// file for OpenAI and Azure, one JSON document for Anthropic and Gemini.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    pub open: &'static [u8],
    /// What stands between two lines.
    pub between: u8,
    pub close: &'static [u8],
}

impl Service {
    /// The provider's published limits per batch (bytes counted in decimal megabytes, the
    /// smaller reading of "MB").
    pub fn limits(self) -> Limits {
        match self {
            Service::OpenAi => Limits { requests: 50_000, bytes: 200_000_000 },
            Service::Azure => Limits { requests: 100_000, bytes: 200_000_000 },
            Service::Anthropic => Limits { requests: 100_000, bytes: 256_000_000 },
            // Inline requests; larger batches are split into several.
            Service::Gemini => Limits { requests: 100_000, bytes: 20_000_000 },
        }
    }

    pub fn framing(self) -> Framing {
        match self {
            Service::OpenAi | Service::Azure => Framing { open: b"", between: b'\n', close: b"\n" },
            Service::Anthropic => Framing { open: b"{\"requests\":[", between: b',', close: b"]}" },
            Service::Gemini => Framing {
                open: b"{\"batch\":{\"display_name\":\"picscribe\",\"input_config\":{\"requests\":{\"requests\":[",
                between: b',',
                close: b"]}}}}",
            },
        }
    }

    /// How the data directory names it (`batches.service`).
    pub fn id(self) -> &'static str {
        match self {
            Service::OpenAi => "openai",
            Service::Azure => "azure",
            Service::Anthropic => "anthropic",
            Service::Gemini => "gemini",
        }
    }

    /// How long the provider takes at most, for the user.
    pub fn window(self) -> &'static str {
        match self {
            Service::Gemini => "48 hours",
            _ => "24 hours",
        }
    }
}

impl Limits {
    /// Lower limits from `PICSCRIBE_BATCH_MAX_REQUESTS` / `PICSCRIBE_BATCH_MAX_BYTES`; a
    /// setting can only lower what the provider allows.
    pub fn lowered(self, requests: Option<u64>, bytes: Option<u64>) -> Limits {
        Limits {
            requests: requests.filter(|n| *n > 0).map_or(self.requests, |n| n.min(self.requests)),
            bytes: bytes.filter(|n| *n > 0).map_or(self.bytes, |n| n.min(self.bytes)),
        }
    }
}

/// The `id` in an answer to creating an uploaded file or a batch (OpenAI, Azure, Anthropic).
pub fn parse_id(body: &str) -> Result<String, serde_json::Error> {
    #[derive(Deserialize)]
    struct Created {
        id: String,
    }
    Ok(serde_json::from_str::<Created>(body)?.id)
}

/// The id a request travels under: the SHA-256 of its cache key in hex, 64 characters of
/// `[0-9a-f]`, which every provider's `^[a-zA-Z0-9_-]{1,64}$` allows. The same key always
/// gets the same id, so a result is matched to its image by id alone.
pub fn custom_id(key: &str) -> String {
    sha2::Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// One batch being filled: how many lines and bytes it would upload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fill {
    pub lines: u64,
    /// Lines and what stands between them, without the framing.
    pub bytes: u64,
}

impl Fill {
    /// The bytes uploaded with this many lines, framing included.
    pub fn uploaded(&self, framing: Framing) -> u64 {
        self.bytes + (framing.open.len() + framing.close.len()) as u64
    }

    /// Whether a line of `len` bytes still fits; an empty batch takes any line that fits alone.
    pub fn fits(&self, len: u64, limits: Limits, framing: Framing) -> bool {
        let between = u64::from(self.lines > 0);
        self.lines < limits.requests && self.uploaded(framing) + between + len <= limits.bytes
    }

    pub fn add(&mut self, len: u64) {
        self.bytes += len + u64::from(self.lines > 0);
        self.lines += 1;
    }

    /// Whether a line can go in any batch at all.
    pub fn too_large(len: u64, limits: Limits, framing: Framing) -> bool {
        !Fill::default().fits(len, limits, framing)
    }
}

/// Where a batch stands, in the words every dialect maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Validating,
    InProgress,
    Finalizing,
    Cancelling,
    Completed,
    Expired,
    Cancelled,
    Failed,
}

impl State {
    /// Whether the provider is done with it (its results, if any, can be read).
    pub fn is_over(self) -> bool {
        matches!(self, State::Completed | State::Expired | State::Cancelled | State::Failed)
    }

    pub fn word(self) -> &'static str {
        match self {
            State::Validating => "validating",
            State::InProgress => "in progress",
            State::Finalizing => "finalizing",
            State::Cancelling => "cancelling",
            State::Completed => "completed",
            State::Expired => "expired",
            State::Cancelled => "cancelled",
            State::Failed => "failed",
        }
    }
}

/// What the provider says of one batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub state: State,
    /// Requests in it, answered, and failed, as the provider counts them.
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Where the results are once it is over.
    pub results: Results,
    /// Why a whole batch failed, in the provider's words (validation errors).
    pub problem: Option<String>,
}

/// Where a finished batch's result lines are.
#[derive(Clone, Debug, PartialEq)]
pub enum Results {
    None,
    /// OpenAI and Azure: the output file and the error file.
    Files(Vec<String>),
    /// Anthropic: a JSONL document at this address.
    Url(String),
    /// Gemini: the responses inside the batch itself, in the order of the requests.
    Inline(Vec<serde_json::Value>),
}

/// What became of one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub custom_id: String,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The reply, as the events an interactive reply would have carried.
    Answered(Vec<ChunkEvent>),
    /// The provider did not answer this one; why, in a few words (a status, an error type).
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills batches with lines of these sizes; the sizes each batch got.
    fn chunks(sizes: &[u64], limits: Limits, framing: Framing) -> Vec<Vec<u64>> {
        let mut out: Vec<Vec<u64>> = vec![Vec::new()];
        let mut fill = Fill::default();
        for &len in sizes {
            if !fill.fits(len, limits, framing) {
                out.push(Vec::new());
                fill = Fill::default();
            }
            fill.add(len);
            if let Some(chunk) = out.last_mut() {
                chunk.push(len);
            }
        }
        out
    }

    #[test]
    fn batches_are_cut_by_lines_and_by_bytes_with_their_framing() {
        let jsonl = Service::OpenAi.framing();
        let document = Service::Anthropic.framing();
        let by_lines = Limits { requests: 2, bytes: 1_000 };
        assert_eq!(chunks(&[10, 10, 10, 10, 10], by_lines, jsonl), [vec![10, 10], vec![10, 10], vec![10]]);
        // JSONL: 40 + 1 + 40 + 1 (the last newline) = 82 ≤ 90; a third line would make 123.
        let by_bytes = Limits { requests: 100, bytes: 90 };
        assert_eq!(chunks(&[40, 40, 40], by_bytes, jsonl), [vec![40, 40], vec![40]]);
        // Anthropic's `{"requests":[` and `]}` count too: 13 + 40 + 1 + 40 + 2 = 96 > 90.
        assert_eq!(chunks(&[40, 40, 40], by_bytes, document), [vec![40], vec![40], vec![40]]);
        assert!(Fill::too_large(90, by_bytes, jsonl), "a line that fits no batch is told apart");
        assert!(!Fill::too_large(89, by_bytes, jsonl));
    }

    #[test]
    fn settings_only_lower_the_providers_limits() {
        let openai = Service::OpenAi.limits();
        assert_eq!(openai, Limits { requests: 50_000, bytes: 200_000_000 });
        assert_eq!(openai.lowered(Some(100), Some(1_000_000)), Limits { requests: 100, bytes: 1_000_000 });
        assert_eq!(openai.lowered(Some(90_000), None), openai, "a higher setting is not taken");
        assert_eq!(openai.lowered(Some(0), Some(0)), openai);
        assert_eq!(Service::Gemini.limits().bytes, 20_000_000);
    }

    #[test]
    fn custom_ids_fit_every_provider_and_follow_the_key() {
        let id = custom_id("h|auto|6:openai|11:gpt-4o-mini|3:Alt");
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(id, custom_id("h|auto|6:openai|11:gpt-4o-mini|3:Alt"));
        assert_ne!(id, custom_id("h|auto|6:openai|11:gpt-4o-mini|3:Alt "));
    }
}
