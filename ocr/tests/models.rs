//! The real models (fetched by `scripts/setup.sh`, which the test command runs) on text
//! rendered here with Debian's DejaVu fonts: what a screenshot says is read back exactly,
//! and a photo with no text gives none.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{Rgb, RgbImage};
use ocr::testset::{models, Fonts};

/// Draws `lines` (each at its place and pixel size) in black on white.
fn render(width: u32, height: u32, lines: &[(&str, f32, f32, f32)]) -> RgbImage {
    let fonts = Fonts::load().expect("fonts-dejavu-core");
    let mut image = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    for &(text, x, y, size) in lines {
        fonts.sans.draw(&mut image, text, (x, y), size, Rgb([0, 0, 0]));
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
