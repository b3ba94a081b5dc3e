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
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResizeRule {
    /// OpenAI: fit 2048×2048, then the short side at most 768 (its 512 px tiles).
    OpenAiTiles,
    /// Anthropic: the long edge at most `max_edge` and at most `max_pixels` in all.
    LongEdge { max_edge: u32, max_pixels: u32 },
    /// Gemini: 768 px tiles; `auto` fits `auto_tiles` tiles a side, `high` fits `high_tiles`.
    Tiles { tile: u32, auto_tiles: u32, high_tiles: u32 },
}
