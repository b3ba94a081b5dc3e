//! The real models (fetched by `scripts/setup.sh`, which the test command runs) on text
//! rendered here with Debian's DejaVu fonts: what a screenshot says is read back exactly,
//! and a photo with no text gives none.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

fn models() -> PathBuf {
    let data = std::env::var("PICSCRIBE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data"));
    data.join("models/ppocr-v4")
}

fn font() -> FontVec {
    let bytes = std::fs::read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").expect("fonts-dejavu-core");
    FontVec::try_from_vec(bytes).unwrap()
}

/// Draws `lines` (each at its place and pixel size) in black on white.
fn render(width: u32, height: u32, lines: &[(&str, f32, f32, f32)]) -> RgbImage {
    let font = font();
    let mut image = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    for &(text, x, y, size) in lines {
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = x;
        for c in text.chars() {
            let mut glyph = scaled.scaled_glyph(c);
            let advance = scaled.h_advance(glyph.id);
            glyph.position = ab_glyph::point(caret, y + scaled.ascent());
            if let Some(outlined) = font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, coverage| {
                    let (px, py) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
                    if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                        let value = (255.0 * (1.0 - coverage)).round() as u8;
                        let pixel = image.get_pixel_mut(px as u32, py as u32);
                        pixel.0 = pixel.0.map(|old| old.min(value));
                    }
                });
            }
            caret += advance;
        }
    }
    image
}

#[test]
fn a_screenshot_is_read_back_exactly_and_a_blank_photo_says_nothing() {
    let ocr = ocr::Ocr::load(&models()).expect("the models: run ./scripts/setup.sh");
    // Lines 1.25 apart read as lines; a wider gap starts a paragraph.
    let lines = [
        ("Hello OCR World 2024", 30.0, 20.0, 48.0),
        ("Invoice total: $42.50", 30.0, 80.0, 48.0),
        ("Thank you", 30.0, 180.0, 48.0),
    ];
    let page = ocr.read(&render(900, 260, &lines)).unwrap();
    assert_eq!(page.text, "Hello OCR World 2024\nInvoice total: $42.50\n\nThank you", "{:?}", page.lines);

    // A smooth gradient with noise: nothing is text.
    let mut seed = 7u32;
    let photo = RgbImage::from_fn(640, 480, |x, y| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let noise = (seed >> 24) as u8 / 8;
        Rgb([((x / 3) as u8).saturating_add(noise), ((y / 2) as u8).saturating_add(noise), 120 + noise])
    });
    let page = ocr.read(&photo).unwrap();
    assert_eq!(page.text, "", "{:?}", page.lines);
}

#[test]
fn no_models_is_a_sentence_naming_the_file() {
    let missing = std::env::temp_dir().join("picscribe-no-models");
    let Err(said) = ocr::Ocr::load(&missing) else { panic!("loaded nothing") };
    assert!(said.contains("ppocr_keys_v1.txt") && said.contains("is missing"), "{said}");
}
