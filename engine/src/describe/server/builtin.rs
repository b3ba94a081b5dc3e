//! The built-in image facts, a first stage that needs no provider and costs nothing: the
//! image's shape and its main colours, found in the image itself. (Text in the image comes
//! with the built-in text extraction.)

use base64::Engine as _;

use crate::describe::analysis::Found;

/// Colour names and a typical value of each, as people name what they see.
const COLOURS: [(&str, [u8; 3]); 13] = [
    ("black", [20, 20, 20]),
    ("grey", [128, 128, 128]),
    ("white", [240, 240, 240]),
    ("red", [200, 30, 30]),
    ("orange", [240, 140, 30]),
    ("yellow", [240, 220, 40]),
    ("green", [50, 160, 60]),
    ("teal", [30, 150, 150]),
    ("blue", [40, 80, 200]),
    ("purple", [130, 50, 170]),
    ("pink", [240, 150, 190]),
    ("brown", [130, 80, 40]),
    ("beige", [215, 195, 160]),
];

/// A colour's share of the image at which it is named.
const NAMED_SHARE: f64 = 0.15;

fn nearest(pixel: [u8; 3]) -> usize {
    let distance = |c: [u8; 3]| -> i32 { (0..3).map(|i| (i32::from(pixel[i]) - i32::from(c[i])).pow(2)).sum() };
    COLOURS.iter().enumerate().min_by_key(|(_, (_, c))| distance(*c)).map_or(0, |(i, _)| i)
}

/// The facts of an image sent as a `data:` URL: `{tags}` holds its shape (landscape,
/// portrait, square) and the colours covering at least 15 % of it, most first.
pub fn facts(data_url: &str) -> Result<Found, String> {
    let unreadable = || "The built-in image facts could not be read from this image.".to_string();
    let data = data_url.split_once(";base64,").map(|(_, data)| data).ok_or_else(unreadable)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| unreadable())?;
    let image = image::load_from_memory(&bytes).map_err(|_| unreadable())?;
    let (width, height) = (image.width(), image.height());
    let shape = match (width, height) {
        (w, h) if w * 10 > h * 11 => "landscape",
        (w, h) if h * 10 > w * 11 => "portrait",
        _ => "square",
    };
    let small = image.thumbnail(64, 64).to_rgb8();
    let mut counts = [0u32; COLOURS.len()];
    for pixel in small.pixels() {
        counts[nearest(pixel.0)] += 1;
    }
    let total = f64::from(small.width() * small.height()).max(1.0);
    let mut named: Vec<(usize, u32)> =
        counts.iter().copied().enumerate().filter(|(_, n)| f64::from(*n) / total >= NAMED_SHARE).collect();
    named.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let mut tags = vec![shape];
    tags.extend(named.iter().map(|(i, _)| COLOURS[*i].0));
    Ok(Found { tags: tags.join(", "), ..Found::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_url(image: image::RgbImage) -> String {
        let mut png = std::io::Cursor::new(Vec::new());
        image.write_to(&mut png, image::ImageFormat::Png).map(|_| ()).unwrap_or_default();
        format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png.into_inner()))
    }

    #[test]
    fn shape_and_main_colours() {
        // A white mug on a brown table: the top two thirds white, the rest brown.
        let mug = image::RgbImage::from_fn(300, 200, |_, y| {
            image::Rgb(if y < 130 { [245, 245, 245] } else { [125, 78, 42] })
        });
        assert_eq!(facts(&data_url(mug)).map(|f| f.tags), Ok("landscape, white, brown".to_string()));
        let sky = image::RgbImage::from_fn(100, 300, |_, _| image::Rgb([45, 85, 205]));
        assert_eq!(facts(&data_url(sky)).map(|f| f.tags), Ok("portrait, blue".to_string()));
        assert!(facts("data:image/png;base64,AAAA").is_err());
    }
}
