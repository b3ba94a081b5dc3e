//! The hard kind and the empty one: a photo-like scene (a sky-to-ground gradient, soft
//! blobs of colour, grain), with a sign (bold text on a coloured plate, turned 8–15° and
//! seen at an angle) or with nothing on it at all.

use image::{Rgb, RgbImage};

use super::draw::{blend, fill, lay_onto, noise, Rng};
use super::words::SIGNS;
use super::Fonts;

/// A plate's colour and its text's.
const PLATES: [(Rgb<u8>, Rgb<u8>); 5] = [
    (Rgb([0, 112, 60]), Rgb([255, 255, 255])),
    (Rgb([20, 60, 150]), Rgb([255, 255, 255])),
    (Rgb([190, 30, 35]), Rgb([255, 255, 255])),
    (Rgb([250, 200, 20]), Rgb([20, 20, 20])),
    (Rgb([240, 240, 236]), Rgb([25, 25, 25])),
];

/// A 1024 × 768 scene: two colours blended from top to bottom, soft blobs, grain.
pub fn scene(rng: &mut Rng) -> RgbImage {
    let (width, height) = (1024u32, 768u32);
    let colour = |rng: &mut Rng| Rgb([0, 1, 2].map(|_| rng.range(40.0, 220.0) as u8));
    let (sky, ground) = (colour(rng), colour(rng));
    let blobs: Vec<(f32, f32, f32, Rgb<u8>)> = (0..7)
        .map(|_| {
            let (x, y) = (rng.range(0.0, width as f32), rng.range(0.0, height as f32));
            (x, y, rng.range(60.0, 260.0), colour(rng))
        })
        .collect();
    let mut image = RgbImage::from_fn(width, height, |_, y| blend(sky, ground, y as f32 / height as f32));
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        for &(bx, by, radius, tint) in &blobs {
            let d2 = ((x as f32 - bx).powi(2) + (y as f32 - by).powi(2)) / (radius * radius);
            if d2 < 9.0 {
                *pixel = blend(*pixel, tint, 0.7 * (-d2).exp());
            }
        }
    }
    noise(&mut image, rng, 10.0);
    image::imageops::blur(&image, 1.0)
}

/// A scene with a sign on it: one or two lines of bold capitals on a plate with a border,
/// turned 8–15° either way and narrowed on one side as if seen from there; grain and a
/// little blur over all, as a phone's photo.
pub fn sign(fonts: &Fonts, rng: &mut Rng) -> (RgbImage, String) {
    let mut image = scene(rng);
    let lines = *rng.pick(SIGNS);
    let (plate_colour, ink) = *rng.pick(&PLATES);
    let size = rng.range(48.0, 72.0).round();
    let face = &fonts.sans_bold;
    let widest = lines.iter().map(|l| face.width(l, size)).fold(0.0, f32::max);
    let (pad, leading) = (size * 0.6, size * 1.3);
    let (pw, ph) = ((widest + 2.0 * pad).ceil() as u32, (lines.len() as f32 * leading + 2.0 * pad).ceil() as u32);
    let mut plate = RgbImage::from_pixel(pw, ph, ink);
    let border = (size / 10.0).ceil() as u32;
    fill(&mut plate, (border, border), (pw - border, ph - border), plate_colour);
    for (i, line) in lines.iter().enumerate() {
        let x = (pw as f32 - face.width(line, size)) / 2.0;
        face.draw(&mut plate, line, (x, pad + i as f32 * leading), size, ink);
    }
    let angle = rng.range(8.0, 15.0).to_radians() * if rng.below(2) == 0 { -1.0 } else { 1.0 };
    let narrow = rng.range(0.8, 0.95);
    let centre = (rng.range(420.0, 604.0), rng.range(300.0, 468.0));
    lay_onto(&mut image, &plate, seen_at_an_angle((pw as f32, ph as f32), centre, angle, narrow));
    noise(&mut image, rng, 8.0);
    (image::imageops::blur(&image, 0.8), lines.join("\n"))
}

/// Where a `w × h` plate's corners land: its right side `narrow` times as tall as its
/// left, turned by `angle` about `centre`.
fn seen_at_an_angle((w, h): (f32, f32), (cx, cy): (f32, f32), angle: f32, narrow: f32) -> [(f32, f32); 4] {
    let (sin, cos) = angle.sin_cos();
    let (hw, hh) = (w / 2.0, h / 2.0);
    [(-hw, -hh), (hw, -hh * narrow), (hw, hh * narrow), (-hw, hh)]
        .map(|(x, y)| (cx + x * cos - y * sin, cy + x * sin + y * cos))
}
