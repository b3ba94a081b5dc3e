//! Rules about image files that need no browser: what a file is (by its bytes, not its
//! name), whether it is whole, and how many pixels the provider keeps.

use crate::sizing::{Detail, ResizeRule};

/// Image formats the browser decodes and vision providers accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Bmp,
    Avif,
}

impl ImageKind {
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
            ImageKind::Bmp => "image/bmp",
            ImageKind::Avif => "image/avif",
        }
    }

    /// Formats that can carry transparency; only these are checked for it before sending.
    pub fn may_have_alpha(self) -> bool {
        matches!(self, ImageKind::Png | ImageKind::Gif | ImageKind::Webp | ImageKind::Avif)
    }
}

/// Recognises an image by its first bytes. File names and browser-reported types lie.
pub fn sniff(head: &[u8]) -> Option<ImageKind> {
    match head {
        [0xFF, 0xD8, 0xFF, ..] => Some(ImageKind::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(ImageKind::Png),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(ImageKind::Gif),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(ImageKind::Webp),
        [b'B', b'M', ..] => Some(ImageKind::Bmp),
        [_, _, _, _, b'f', b't', b'y', b'p', b'a', b'v', b'i', b'f' | b's', ..] => Some(ImageKind::Avif),
        _ => None,
    }
}

/// Whether a file of this kind ends the way a complete file must. Browsers render a
/// truncated JPEG as a half-grey picture without complaint, so the check is ours.
pub fn looks_complete(kind: ImageKind, tail: &[u8]) -> bool {
    let trimmed = trim_trailing_zeros(tail);
    match kind {
        ImageKind::Jpeg => trimmed.ends_with(&[0xFF, 0xD9]),
        ImageKind::Png => trimmed.ends_with(&[0xAE, 0x42, 0x60, 0x82]),
        ImageKind::Gif => trimmed.ends_with(b";"),
        // RIFF, BMP and ISO-BMFF carry their length up front; the browser's decoder judges them.
        ImageKind::Webp | ImageKind::Bmp | ImageKind::Avif => true,
    }
}

fn trim_trailing_zeros(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Why a chosen file cannot be described, in words for the row.
pub fn problem_with(name: &str, head: &[u8], tail: &[u8]) -> Option<String> {
    match sniff(head) {
        None => Some(format!("{name} is not an image picscribe can read (JPEG, PNG, GIF, WebP, BMP or AVIF).")),
        Some(kind) if !looks_complete(kind, tail) => {
            Some(format!("{name} is cut short: the file ends before the image does. Export it again and re-add it."))
        }
        Some(_) => None,
    }
}

/// The size an image is cut to before it leaves the browser: no more pixels than the
/// provider keeps, and never enlarged. `low` fits a 512 px box (Gemini: one 768 px tile).
/// - OpenAI: `high`/`auto` fit 2048×2048, then the shortest side is at most 768.
/// - Anthropic: the long edge at most 1568 px and about 1.15 megapixels.
/// - Gemini: `auto` fits 2×2 tiles of 768 px, `high` 4×4 (its 3072 px limit).
pub fn upload_size(width: u32, height: u32, rule: ResizeRule, detail: Detail) -> (u32, u32) {
    if width == 0 || height == 0 {
        return (width, height);
    }
    let (w, h) = (f64::from(width), f64::from(height));
    let fit = |side: f64| (side / w).min(side / h);
    let scale = match (rule, detail) {
        (ResizeRule::Tiles { tile, .. }, Detail::Low) => fit(f64::from(tile)),
        (_, Detail::Low) => fit(512.0),
        (ResizeRule::OpenAiTiles, Detail::High | Detail::Auto) => {
            let boxed = fit(2048.0).min(1.0);
            boxed * (768.0 / (w.min(h) * boxed)).min(1.0)
        }
        (ResizeRule::LongEdge { max_edge, max_pixels }, Detail::High | Detail::Auto) => {
            fit(f64::from(max_edge)).min((f64::from(max_pixels) / (w * h)).sqrt())
        }
        (ResizeRule::Tiles { tile, auto_tiles, high_tiles }, detail) => {
            let tiles = if detail == Detail::High { high_tiles } else { auto_tiles };
            fit(f64::from(tile * tiles))
        }
    }
    .min(1.0);
    // Rounding down keeps a pixel budget a budget.
    let side = |v: f64| ((v * scale + 1e-6).floor() as u32).max(1);
    (side(w), side(h))
}

/// The shorter side of a table preview, in pixels: twice the table's 96 CSS px, so it is
/// sharp on high-density screens.
pub const PREVIEW_EDGE: u32 = 192;

/// The size of an image's table preview: the shorter side [`PREVIEW_EDGE`] (the preview
/// is cropped to a square), never enlarged.
pub fn preview_size(width: u32, height: u32) -> (u32, u32) {
    let short = width.min(height);
    if short <= PREVIEW_EDGE {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(PREVIEW_EDGE)).div_ceil(u64::from(short)) as u32).max(1);
    (scale(width), scale(height))
}

/// One way to encode an upload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Encoding {
    pub mime: &'static str,
    pub quality: f64,
}

const OPAQUE: [Encoding; 4] = [
    Encoding { mime: "image/jpeg", quality: 0.85 },
    Encoding { mime: "image/jpeg", quality: 0.7 },
    Encoding { mime: "image/jpeg", quality: 0.5 },
    Encoding { mime: "image/jpeg", quality: 0.3 },
];

const TRANSPARENT: [Encoding; 5] = [
    Encoding { mime: "image/png", quality: 1.0 },
    Encoding { mime: "image/webp", quality: 0.9 },
    Encoding { mime: "image/webp", quality: 0.7 },
    Encoding { mime: "image/jpeg", quality: 0.7 },
    Encoding { mime: "image/jpeg", quality: 0.5 },
];

/// The encodings to try in turn until an upload fits the server's limit, the usual one
/// first and each next one smaller. Transparency is kept as long as it can be — PNG, then
/// WebP, which carries it at a fraction of PNG's size — and only then given up for JPEG.
pub fn encodings(uses_alpha: bool) -> &'static [Encoding] {
    if uses_alpha {
        &TRANSPARENT
    } else {
        &OPAQUE
    }
}

/// "2.4 MB", "310 KB", "12 B": sizes as people read them (decimal units, like file managers).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fallback_encoding_is_smaller_and_transparency_goes_last() {
        for uses_alpha in [false, true] {
            let steps = encodings(uses_alpha);
            assert_eq!(steps[0].mime, if uses_alpha { "image/png" } else { "image/jpeg" }, "the usual first");
            let rank = |e: &Encoding| match e.mime {
                "image/png" => 0,
                "image/webp" => 1,
                _ => 2,
            };
            for pair in steps.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                assert!(rank(b) > rank(a) || (rank(b) == rank(a) && b.quality < a.quality), "{a:?} then {b:?}");
            }
            let alpha_until = steps.iter().position(|e| e.mime == "image/jpeg").unwrap_or(steps.len());
            assert!(steps[alpha_until..].iter().all(|e| e.mime == "image/jpeg"), "nothing after JPEG keeps alpha");
        }
    }

    #[test]
    fn previews_keep_the_shorter_side_at_192_and_never_grow() {
        for (size, preview) in [
            ((1600, 1200), (256, 192)),
            ((1200, 1600), (192, 256)),
            ((4000, 3000), (256, 192)),
            ((1000, 333), (577, 192)),
            ((192, 192), (192, 192)),
            ((100, 40), (100, 40)),
            ((0, 0), (1, 1)),
        ] {
            assert_eq!(preview_size(size.0, size.1), preview, "{size:?}");
        }
    }

    #[test]
    fn sniffs_by_content() {
        let cases: &[(&[u8], Option<ImageKind>)] = &[
            (&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], Some(ImageKind::Jpeg)),
            (b"\x89PNG\r\n\x1a\n\0\0", Some(ImageKind::Png)),
            (b"GIF89a\x01\x00", Some(ImageKind::Gif)),
            (b"GIF87a\x01\x00", Some(ImageKind::Gif)),
            (b"RIFF\x10\0\0\0WEBPVP8 ", Some(ImageKind::Webp)),
            (b"BM\x36\0", Some(ImageKind::Bmp)),
            (b"\0\0\0\x1cftypavif\0", Some(ImageKind::Avif)),
            (b"RIFF\x10\0\0\0WAVEfmt ", None),
            (b"hello, this is text", None),
            (b"%PDF-1.7", None),
            (b"", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(sniff(bytes), *want, "{bytes:?}");
        }
    }

    #[test]
    fn truncation_is_caught() {
        let cases: &[(ImageKind, &[u8], bool)] = &[
            (ImageKind::Jpeg, &[0x12, 0xFF, 0xD9], true),
            (ImageKind::Jpeg, &[0xFF, 0xD9, 0, 0], true),
            (ImageKind::Jpeg, &[0x12, 0x34, 0x56], false),
            (ImageKind::Png, b"IEND\xaeB`\x82", true),
            (ImageKind::Png, b"IDAT\x00\x01", false),
            (ImageKind::Gif, b"\x00;", true),
            (ImageKind::Gif, b"\x00\x01", false),
            (ImageKind::Webp, b"anything", true),
        ];
        for (kind, tail, want) in cases {
            assert_eq!(looks_complete(*kind, tail), *want, "{kind:?} {tail:?}");
        }
    }

    #[test]
    fn problems_are_sentences_naming_the_file() {
        let text = problem_with("notes.txt", b"plain text", b"end");
        assert_eq!(
            text.as_deref(),
            Some("notes.txt is not an image picscribe can read (JPEG, PNG, GIF, WebP, BMP or AVIF).")
        );
        let cut = problem_with("half.jpg", &[0xFF, 0xD8, 0xFF, 0xE0], &[1, 2, 3]);
        assert!(cut.is_some_and(|t| t.starts_with("half.jpg is cut short")));
        assert_eq!(problem_with("ok.jpg", &[0xFF, 0xD8, 0xFF, 0xE0], &[0xFF, 0xD9]), None);
    }

    #[test]
    fn upload_sizes_follow_each_providers_rule() {
        let openai = ResizeRule::OpenAiTiles;
        let anthropic = ResizeRule::LongEdge { max_edge: 1568, max_pixels: 1_150_000 };
        let gemini = ResizeRule::Tiles { tile: 768, auto_tiles: 2, high_tiles: 4 };
        let cases = [
            // 12 MP landscape photo: fit 2048, then shortest side 768.
            ((4000, 3000, openai, Detail::High), (1024, 768)),
            ((4000, 3000, openai, Detail::Auto), (1024, 768)),
            ((3000, 4000, openai, Detail::Auto), (768, 1024)),
            ((4000, 3000, openai, Detail::Low), (512, 384)),
            // Very wide panorama: the 2048 box binds before the 768 rule.
            ((8000, 1000, openai, Detail::High), (2048, 256)),
            // Small images are never enlarged.
            ((640, 480, openai, Detail::High), (640, 480)),
            ((300, 200, openai, Detail::Low), (300, 200)),
            ((1000, 1000, openai, Detail::Auto), (768, 768)),
            ((1, 1, openai, Detail::High), (1, 1)),
            ((0, 0, openai, Detail::High), (0, 0)),
            // Anthropic: 1.15 MP binds for 4:3 (1238×928 = 1,148,864 px) ...
            ((4000, 3000, anthropic, Detail::Auto), (1238, 928)),
            ((4000, 3000, anthropic, Detail::High), (1238, 928)),
            // ... the 1568 px long edge for a panorama ...
            ((8000, 1000, anthropic, Detail::Auto), (1568, 196)),
            // ... and a square at the pixel budget.
            ((3000, 3000, anthropic, Detail::Auto), (1072, 1072)),
            ((1000, 800, anthropic, Detail::Auto), (1000, 800)),
            ((4000, 3000, anthropic, Detail::Low), (512, 384)),
            // Gemini: auto fits 2×2 tiles of 768, high 4×4, low one tile.
            ((4000, 3000, gemini, Detail::Auto), (1536, 1152)),
            ((4000, 3000, gemini, Detail::High), (3072, 2304)),
            ((4000, 3000, gemini, Detail::Low), (768, 576)),
            ((700, 500, gemini, Detail::Low), (700, 500)),
        ];
        for ((w, h, rule, detail), want) in cases {
            assert_eq!(upload_size(w, h, rule, detail), want, "{w}x{h} {rule:?} {detail:?}");
        }
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        let cases = [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.0 KB"),
            (310_400, "310 KB"),
            (2_400_000, "2.4 MB"),
            (12_000_000, "12 MB"),
        ];
        for (bytes, want) in cases {
            assert_eq!(human_size(bytes), want);
        }
    }
}
