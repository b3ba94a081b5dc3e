//! The stub's image host: `/files/NAME` answers a photo made on the spot, as a shop's CDN
//! would, so tests fetch images by URL without reaching any other machine. `*.jpg` is a
//! 1600×1200 JPEG, `*.png` an 800×600 PNG, anything else a web page (sent as if it were
//! an image, to prove the bytes are sniffed).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use image::{DynamicImage, ImageFormat, RgbImage};

fn photo(width: u32, height: u32, seed: u8, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| image::Rgb([(x / 6) as u8 ^ seed, (y / 4) as u8, seed]));
    let mut bytes = Vec::new();
    let _ = DynamicImage::ImageRgb8(image).write_to(&mut std::io::Cursor::new(&mut bytes), format);
    bytes
}

pub fn serve(name: &str) -> Response {
    let seed = name.bytes().fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    if name.ends_with(".jpg") || name.ends_with(".jpeg") {
        ([(header::CONTENT_TYPE, "image/jpeg")], photo(1600, 1200, seed, ImageFormat::Jpeg)).into_response()
    } else if name.ends_with(".png") {
        ([(header::CONTENT_TYPE, "image/png")], photo(800, 600, seed, ImageFormat::Png)).into_response()
    } else {
        ([(header::CONTENT_TYPE, "image/jpeg")], "<!doctype html><title>Not found</title><p>Sorry.").into_response()
    }
}
