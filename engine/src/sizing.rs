//! How much of an image a provider keeps: the `detail` asked for and each provider's resize
//! rule. A leaf: the image maths in `images` and the providers in `describe` both build
//! on it, and it imports neither.

use serde::{Deserialize, Serialize};

/// OpenAI's `detail` for an image part; it also decides how far the page shrinks the image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Detail {
    #[default]
    Auto,
    High,
    Low,
}

impl Detail {
    pub const ALL: [Detail; 3] = [Detail::Auto, Detail::High, Detail::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Detail::Auto => "auto",
            Detail::High => "high",
            Detail::Low => "low",
        }
    }

    pub fn parse(value: &str) -> Option<Detail> {
        Detail::ALL.into_iter().find(|d| d.as_str() == value)
    }
}

/// How the page shrinks an image for one provider. `detail: low` always means "cheap":
/// a 512 px box (Gemini: one 768 px tile, which costs the same as anything smaller).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "ResizeRuleWire")]
pub enum ResizeRule {
    /// OpenAI: fit 2048×2048, then the short side at most 768 (its 512 px tiles).
    OpenAiTiles,
    /// Anthropic: the long edge at most `max_edge` and at most `max_pixels` in all.
    LongEdge { max_edge: u32, max_pixels: u32 },
    /// Gemini: 768 px tiles; `auto` fits `auto_tiles` tiles a side, `high` fits `high_tiles`.
    Tiles { tile: u32, auto_tiles: u32, high_tiles: u32 },
}

/// [`ResizeRule`] as it crosses the wire, `{"kind": "tiles", "tile": 768, …}`, read as a
/// plain struct: serde reads an internally tagged enum by buffering the whole object first
/// (its `Content` type), code the page would otherwise carry only for this.
#[derive(Deserialize)]
struct ResizeRuleWire {
    kind: ResizeKind,
    max_edge: Option<u32>,
    max_pixels: Option<u32>,
    tile: Option<u32>,
    auto_tiles: Option<u32>,
    high_tiles: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ResizeKind {
    OpenAiTiles,
    LongEdge,
    Tiles,
}

impl TryFrom<ResizeRuleWire> for ResizeRule {
    type Error = &'static str;

    fn try_from(wire: ResizeRuleWire) -> Result<ResizeRule, Self::Error> {
        let missing = "a resize rule is missing one of its sizes";
        Ok(match wire.kind {
            ResizeKind::OpenAiTiles => ResizeRule::OpenAiTiles,
            ResizeKind::LongEdge => ResizeRule::LongEdge {
                max_edge: wire.max_edge.ok_or(missing)?,
                max_pixels: wire.max_pixels.ok_or(missing)?,
            },
            ResizeKind::Tiles => ResizeRule::Tiles {
                tile: wire.tile.ok_or(missing)?,
                auto_tiles: wire.auto_tiles.ok_or(missing)?,
                high_tiles: wire.high_tiles.ok_or(missing)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_keeps_its_json_both_ways() -> Result<(), serde_json::Error> {
        let cases = [
            (ResizeRule::OpenAiTiles, r#"{"kind":"open_ai_tiles"}"#),
            (
                ResizeRule::LongEdge { max_edge: 1568, max_pixels: 1_150_000 },
                r#"{"kind":"long_edge","max_edge":1568,"max_pixels":1150000}"#,
            ),
            (
                ResizeRule::Tiles { tile: 768, auto_tiles: 2, high_tiles: 4 },
                r#"{"kind":"tiles","tile":768,"auto_tiles":2,"high_tiles":4}"#,
            ),
        ];
        for (rule, json) in cases {
            assert_eq!(serde_json::to_string(&rule)?, json);
            assert_eq!(serde_json::from_str::<ResizeRule>(json)?, rule);
        }
        Ok(())
    }

    #[test]
    fn a_rule_without_its_sizes_or_of_an_unknown_kind_is_refused() {
        for json in [r#"{"kind":"tiles","tile":768}"#, r#"{"kind":"long_edge"}"#, r#"{"kind":"squares"}"#, "{}"] {
            assert!(serde_json::from_str::<ResizeRule>(json).is_err(), "{json}");
        }
    }
}
