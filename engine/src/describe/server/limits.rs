//! What the pace needs to know of a request and a provider: the tokens a request will
//! count against the provider's per-minute token limit, estimated by the model's
//! published image rule before it is sent, and the limits the provider announces in each
//! reply's headers — OpenAI's and Azure's `x-ratelimit-*`, Anthropic's
//! `anthropic-ratelimit-*`.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use reqwest::header::HeaderMap;

use super::provider::VisionRequest;
use super::retry::parse_go_duration;
use crate::describe::cost::{answer_tokens, image_rule, image_tokens, text_tokens, ImageRule};
use crate::describe::ProviderKind;

/// One limit as announced: its size, what is left of it, and when it is whole again.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset: Option<Duration>,
}

/// The provider's requests and tokens limits, as far as a reply's headers said.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Announced {
    pub requests: Option<Window>,
    pub tokens: Option<Window>,
}

/// Reads the rate-limit headers of OpenAI (also Azure and most compatible servers) and of
/// Anthropic. Both announce per-minute limits. Anthropic's token limit is read from
/// `tokens`, or from `input-tokens` where it splits input and output.
pub fn announced(headers: &HeaderMap, now: SystemTime) -> Announced {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let number = |name: &str| text(name).and_then(|v| v.parse::<f64>().ok()).map(|v| v.max(0.0) as u64);
    let window = |limit, remaining, reset| {
        let window = Window { limit, remaining, reset };
        (limit.is_some() || remaining.is_some()).then_some(window)
    };
    let openai = |kind: &str| {
        window(
            number(&format!("x-ratelimit-limit-{kind}")),
            number(&format!("x-ratelimit-remaining-{kind}")),
            text(&format!("x-ratelimit-reset-{kind}")).and_then(parse_go_duration),
        )
    };
    let anthropic = |kind: &str| {
        let reset = text(&format!("anthropic-ratelimit-{kind}-reset"))
            .and_then(|at| humantime::parse_rfc3339_weak(at).ok())
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO));
        window(
            number(&format!("anthropic-ratelimit-{kind}-limit")),
            number(&format!("anthropic-ratelimit-{kind}-remaining")),
            reset,
        )
    };
    Announced {
        requests: openai("requests").or_else(|| anthropic("requests")),
        tokens: openai("tokens").or_else(|| anthropic("tokens")).or_else(|| anthropic("input-tokens")),
    }
}

/// The tokens a request is expected to use: the image by the model's rule at the size it
/// was sent, the prompt (with the fields' instructions), and a typical answer.
pub fn request_tokens(kind: ProviderKind, request: &VisionRequest) -> u32 {
    if let Some(calls) = kind.transactions(&request.prompt, &request.fields) {
        return calls;
    }
    let rule = image_rule(kind, &request.model);
    if rule == ImageRule::Free {
        // Read on this server: nothing is paid for, so nothing counts against a pace or a budget.
        return 0;
    }
    let image: u32 = request
        .images()
        .map(|url| {
            let (width, height) = sent_size(url).unwrap_or((1024, 1024));
            image_tokens(rule, width, height, request.detail)
        })
        .sum();
    image + text_tokens(&request.text()) + answer_tokens(request.fields.len(), request.max_tokens)
}

/// Enough of an image's start to find its size: the browser re-encodes every upload, so
/// the header comes first, with no camera metadata before it.
const HEAD_CHARS: usize = 64 * 1024;

/// The pixel size of the image in the request, read from its header alone: on every
/// request's path, so the whole image is never decoded for it.
fn sent_size(url: &str) -> Option<(u32, u32)> {
    let (_, data) = super::provider::parts(url);
    // Whole base64 groups of four characters, so the prefix decodes on its own.
    let head = data.get(..data.len().min(HEAD_CHARS) / 4 * 4)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(head).ok()?;
    let size = imagesize::blob_size(&bytes).ok()?;
    Some((u32::try_from(size.width).ok()?, u32::try_from(size.height).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Detail;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.insert(*name, value);
            }
        }
        map
    }

    #[test]
    fn reads_openai_and_anthropic_limits() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_812_800); // 2025-11-22T12:00:00Z
        let openai = headers(&[
            ("x-ratelimit-limit-requests", "500"),
            ("x-ratelimit-remaining-requests", "499"),
            ("x-ratelimit-reset-requests", "120ms"),
            ("x-ratelimit-limit-tokens", "30000"),
            ("x-ratelimit-remaining-tokens", "28500"),
            ("x-ratelimit-reset-tokens", "3s"),
        ]);
        let anthropic = headers(&[
            ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", "2025-11-22T12:00:30Z"),
            ("anthropic-ratelimit-input-tokens-limit", "40000"),
            ("anthropic-ratelimit-input-tokens-remaining", "39000"),
            ("anthropic-ratelimit-input-tokens-reset", "2025-11-22T11:59:00Z"),
        ]);
        let azure = headers(&[("x-ratelimit-remaining-requests", "12"), ("x-ratelimit-remaining-tokens", "nope")]);
        let table = [
            (
                openai,
                Announced {
                    requests: Some(Window {
                        limit: Some(500),
                        remaining: Some(499),
                        reset: Some(Duration::from_millis(120)),
                    }),
                    tokens: Some(Window {
                        limit: Some(30_000),
                        remaining: Some(28_500),
                        reset: Some(Duration::from_secs(3)),
                    }),
                },
            ),
            (
                anthropic,
                Announced {
                    requests: Some(Window {
                        limit: Some(50),
                        remaining: Some(0),
                        reset: Some(Duration::from_secs(30)),
                    }),
                    // A reset already past is no wait.
                    tokens: Some(Window { limit: Some(40_000), remaining: Some(39_000), reset: Some(Duration::ZERO) }),
                },
            ),
            (
                azure,
                Announced { requests: Some(Window { limit: None, remaining: Some(12), reset: None }), tokens: None },
            ),
            (HeaderMap::new(), Announced::default()),
        ];
        for (headers, expected) in table {
            assert_eq!(announced(&headers, now), expected, "{headers:?}");
        }
    }

    #[test]
    fn a_request_counts_its_image_by_the_models_rule() {
        // A 1024×768 PNG header: OpenAI tiles 2 × 2 = 85 + 4 × 170.
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
        png.extend(1024u32.to_be_bytes());
        png.extend(768u32.to_be_bytes());
        png.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        let request = VisionRequest {
            model: "gpt-4o".into(),
            prompt: "Describe this image.".into(),
            image_url: format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&png)),
            more_images: Vec::new(),
            detail: Detail::High,
            max_tokens: 300,
            fields: Vec::new(),
            native_schema: true,
            temperature: None,
        };
        assert_eq!(request_tokens(ProviderKind::Openai, &request), 765 + 5 + 100);
        assert_eq!(
            request_tokens(
                ProviderKind::Anthropic,
                &VisionRequest { model: "claude-sonnet-4-5".into(), ..request.clone() }
            ),
            1024 * 768 / 750 + 1 + 5 + 100
        );
        // Far past the prefix read, the size still comes from the header.
        png.extend(std::iter::repeat_n(0u8, 200_000));
        let big = VisionRequest {
            image_url: format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&png)),
            more_images: Vec::new(),
            ..request.clone()
        };
        assert_eq!(request_tokens(ProviderKind::Openai, &big), 765 + 5 + 100);
        let low = VisionRequest { detail: Detail::Low, ..request.clone() };
        assert_eq!(request_tokens(ProviderKind::Openai, &low), 85 + 5 + 100);
    }
}
