//! Images prepared in Rust the way the page prepares them in its worker: turned upright by
//! their EXIF orientation, shrunk to what the chosen provider keeps ([`upload_size`], the
//! page's own rule table), and encoded down the page's ladder ([`encodings`]) until the
//! `data:` URL fits the server's limit.

use std::io::Cursor;

use base64::Engine as _;
use fast_image_resize::images::Image as Pixels;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use crate::describe::MAX_IMAGE_URL_CHARS;
use crate::images::{encodings, human_size, problem_with, sniff, upload_size, ImageKind};
use crate::sizing::{Detail, ResizeRule};

/// The largest side decoded: past this the file is more likely an attack than a photo.
const MAX_SIDE: u32 = 20_000;

/// An image checked and measured without decoding its pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inspected {
    /// Width and height as seen, after the EXIF orientation (what `{width}` means).
    pub size: (u32, u32),
}

/// An image ready to send.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// `data:image/jpeg;base64,…`
    pub data_url: String,
    pub size: (u32, u32),
}

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|err| err.to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    Ok(reader)
}

/// Checks that `bytes` are a whole image of a kind the providers take and reads its size
/// from the header; `name` is for the sentence.
pub fn inspect(name: &str, bytes: &[u8]) -> Result<Inspected, String> {
    let tail = &bytes[bytes.len().saturating_sub(64)..];
    if let Some(problem) = problem_with(name, bytes, tail) {
        return Err(problem);
    }
    let unreadable =
        |_| format!("{name} could not be read as an image: it is damaged or in a form picscribe cannot decode.");
    let mut decoder = reader(bytes).and_then(|r| r.into_decoder().map_err(|e| e.to_string())).map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    let turned = decoder.orientation().is_ok_and(turns);
    Ok(Inspected { size: if turned { (height, width) } else { (width, height) } })
}

/// Decodes, turns upright, shrinks and encodes one image for a provider with `rule`.
pub fn prepare(name: &str, bytes: &[u8], rule: ResizeRule, detail: Detail) -> Result<Prepared, String> {
    let damaged = |_| format!("{name} could not be decoded: it is damaged or in a form picscribe cannot read.");
    let mut decoder = reader(bytes).and_then(|r| r.into_decoder().map_err(|e| e.to_string())).map_err(damaged)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let stored = decoder.dimensions();
    let turned = turns(orientation);
    let seen = if turned { (stored.1, stored.0) } else { stored };
    let (width, height) = upload_size(seen.0, seen.1, rule, detail);
    // A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that is still at least what
    // is sent: a 12 MP photo for a 1024 px upload never exists at full size.
    let at_least = if turned { (height, width) } else { (width, height) };
    let shrunk_on_load = match sniff(bytes) {
        Some(ImageKind::Jpeg) => decode_jpeg_at_least(bytes, at_least),
        _ => None,
    };
    let mut image = match shrunk_on_load {
        Some(image) => image,
        None => DynamicImage::from_decoder(decoder).map_err(|e| damaged(e.to_string()))?,
    };
    image.apply_orientation(orientation);
    let may_have_alpha = sniff(bytes).is_some_and(|kind| kind.may_have_alpha());
    let keeps_alpha = may_have_alpha && uses_alpha(&image);
    let shrunk = shrink(image, (width, height), keeps_alpha).map_err(|e| damaged(e.to_string()))?;
    for step in encodings(keeps_alpha) {
        let Some(encoded) = encode(&shrunk, step.mime, step.quality) else { continue };
        if encoded.len().div_ceil(3) * 4 + 40 > MAX_IMAGE_URL_CHARS {
            continue;
        }
        let data = base64::engine::general_purpose::STANDARD.encode(&encoded);
        return Ok(Prepared { data_url: format!("data:{};base64,{data}", step.mime), size: (width, height) });
    }
    Err(format!(
        "{name} is still over {} after shrinking and re-encoding, so it was not sent; save a smaller copy.",
        human_size(MAX_IMAGE_URL_CHARS as u64 * 3 / 4)
    ))
}

fn turns(orientation: Orientation) -> bool {
    use Orientation::*;
    matches!(orientation, Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH)
}

/// A JPEG decoded by `jpeg-decoder` with its DCT scaling, at the smallest scale (1, 1/2,
/// 1/4, 1/8) still at least `want`; `None` for what it cannot take (CMYK, 16-bit, a file
/// it refuses), which the `image` crate then decodes at full size.
fn decode_jpeg_at_least(bytes: &[u8], want: (u32, u32)) -> Option<DynamicImage> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    if u32::from(info.width) > MAX_SIDE || u32::from(info.height) > MAX_SIDE {
        return None;
    }
    // "At least in one axis": ask for the long side's share so both axes are covered.
    let (w, h) = (u16::try_from(want.0).ok()?, u16::try_from(want.1).ok()?);
    let (mut out_w, mut out_h) = decoder.scale(w, h).ok()?;
    if u32::from(out_w) < want.0 || u32::from(out_h) < want.1 {
        let (full_w, full_h) = decoder.scale(info.width, info.height).ok()?;
        (out_w, out_h) = (full_w, full_h);
    }
    let pixels = decoder.decode().ok()?;
    let (out_w, out_h) = (u32::from(out_w), u32::from(out_h));
    match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            image::RgbImage::from_raw(out_w, out_h, pixels).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(out_w, out_h, pixels).map(DynamicImage::ImageLuma8),
        _ => None,
    }
}

/// Whether any pixel is see-through: a PNG with an alpha channel it does not use is sent
/// as a JPEG, as the page does.
fn uses_alpha(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

/// The pixels at `size`, RGB or (keeping transparency) RGBA, with a Lanczos filter as a
/// browser's high-quality resize; an image already small enough is only converted.
fn shrink(image: DynamicImage, size: (u32, u32), alpha: bool) -> Result<DynamicImage, Box<dyn std::error::Error>> {
    let (from_w, from_h) = (image.width(), image.height());
    let (buffer, pixel) = if alpha {
        (DynamicImage::ImageRgba8(image.into_rgba8()), PixelType::U8x4)
    } else {
        (DynamicImage::ImageRgb8(image.into_rgb8()), PixelType::U8x3)
    };
    if (from_w, from_h) == size {
        return Ok(buffer);
    }
    let source = Pixels::from_vec_u8(from_w, from_h, buffer.into_bytes(), pixel)?;
    let mut target = Pixels::new(size.0, size.1, pixel);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&source, &mut target, &options)?;
    let bytes = target.into_vec();
    let shrunk = if alpha {
        image::RgbaImage::from_raw(size.0, size.1, bytes).map(DynamicImage::ImageRgba8)
    } else {
        image::RgbImage::from_raw(size.0, size.1, bytes).map(DynamicImage::ImageRgb8)
    };
    shrunk.ok_or_else(|| "the resized pixels do not fit the image".into())
}

/// One step of the ladder; `None` for a format this build cannot write (lossy WebP: the
/// `image` crate writes WebP losslessly only, so those steps are passed over).
fn encode(image: &DynamicImage, mime: &str, quality: f64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match mime {
        "image/jpeg" => {
            // JPEG has no transparency: what was see-through goes white, not black.
            let flat = match image {
                DynamicImage::ImageRgba8(rgba) => DynamicImage::ImageRgb8(flatten(rgba)),
                other => other.clone(),
            };
            let quality = (quality * 100.0).round().clamp(1.0, 100.0) as u8;
            flat.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality)).ok()?;
        }
        "image/png" => image.write_with_encoder(PngEncoder::new(&mut out)).ok()?,
        _ => return None,
    }
    Some(out)
}

fn flatten(rgba: &image::RgbaImage) -> image::RgbImage {
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        let written = DynamicImage::ImageRgb8(image).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90));
        assert!(written.is_ok());
        out
    }

    fn decoded_size(data_url: &str) -> (u32, u32) {
        let data = data_url.split_once(";base64,").map(|(_, d)| d).unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap_or_default();
        image::load_from_memory(&bytes).map(|i| (i.width(), i.height())).unwrap_or_default()
    }

    #[test]
    fn a_photo_leaves_at_the_size_the_page_sends() -> Result<(), String> {
        // 4000×3000 is a 12 MP photo; the page's rule table decides every size.
        let photo = jpeg(4000, 3000);
        let cases = [
            (ResizeRule::OpenAiTiles, Detail::Auto, (1024, 768)),
            (ResizeRule::OpenAiTiles, Detail::Low, (512, 384)),
            (ResizeRule::LongEdge { max_edge: 1568, max_pixels: 1_150_000 }, Detail::Auto, (1238, 928)),
            (ResizeRule::Tiles { tile: 768, auto_tiles: 2, high_tiles: 4 }, Detail::High, (3072, 2304)),
        ];
        for (rule, detail, want) in cases {
            assert_eq!(want, upload_size(4000, 3000, rule, detail), "the page's own rule");
            let prepared = prepare("photo.jpg", &photo, rule, detail)?;
            assert!(prepared.data_url.starts_with("data:image/jpeg;base64,"));
            assert_eq!(prepared.size, want);
            assert_eq!(decoded_size(&prepared.data_url), want, "{rule:?} {detail:?}");
        }
        Ok(())
    }

    /// `jpeg` with an EXIF block saying how the camera was held (6: turn 90° clockwise).
    fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
        let tiff = [
            &b"MM\x00\x2a\x00\x00\x00\x08\x00\x01"[..],
            &[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00],
            &[0, 0, 0, 0],
        ]
        .concat();
        let body = [&b"Exif\x00\x00"[..], &tiff].concat();
        let length = u16::try_from(body.len() + 2).unwrap_or_default().to_be_bytes();
        [&jpeg[..2], &[0xFF, 0xE1], &length, &body, &jpeg[2..]].concat()
    }

    #[test]
    fn a_turned_photo_is_sent_upright_and_shrunk_on_load() -> Result<(), String> {
        let photo = with_orientation(&jpeg(4000, 3000), 6);
        assert_eq!(inspect("turned.jpg", &photo), Ok(Inspected { size: (3000, 4000) }), "{{width}} is as seen");
        let prepared = prepare("turned.jpg", &photo, ResizeRule::OpenAiTiles, Detail::Auto)?;
        assert_eq!(prepared.size, (768, 1024));
        assert_eq!(decoded_size(&prepared.data_url), (768, 1024), "upright");
        // Decoded at half (a quarter, 1000×750, would be under 1024×768), or at an eighth.
        assert_eq!(
            decode_jpeg_at_least(&jpeg(4000, 3000), (1024, 768)).map(|i| (i.width(), i.height())),
            Some((2000, 1500))
        );
        assert_eq!(
            decode_jpeg_at_least(&jpeg(4000, 3000), (480, 360)).map(|i| (i.width(), i.height())),
            Some((500, 375))
        );
        Ok(())
    }

    #[test]
    fn broken_files_are_sentences() {
        let photo = jpeg(64, 48);
        let cut = &photo[..photo.len() / 2];
        let cases: [(&[u8], &str); 3] = [
            (b"hello, I am text", "notes.txt is not an image picscribe can read"),
            (cut, "notes.txt is cut short"),
            (b"\xFF\xD8\xFF\xE0 garbage \xFF\xD9", "notes.txt could not be read as an image"),
        ];
        for (bytes, want) in cases {
            let said = inspect("notes.txt", bytes).err().unwrap_or_default();
            assert!(said.starts_with(want), "{said}");
        }
        assert_eq!(inspect("a.jpg", &photo), Ok(Inspected { size: (64, 48) }));
    }

    #[test]
    fn transparency_is_kept_as_png_and_unused_alpha_is_not() -> Result<(), String> {
        let png = |alpha: u8| {
            let image =
                image::RgbaImage::from_fn(40, 30, |x, _| image::Rgba([200, 10, 10, if x < 20 { alpha } else { 255 }]));
            let mut out = Vec::new();
            let written = DynamicImage::ImageRgba8(image).write_with_encoder(PngEncoder::new(&mut out));
            assert!(written.is_ok());
            out
        };
        let see_through = prepare("a.png", &png(0), ResizeRule::OpenAiTiles, Detail::Auto)?;
        assert!(see_through.data_url.starts_with("data:image/png;base64,"));
        let opaque = prepare("b.png", &png(255), ResizeRule::OpenAiTiles, Detail::Auto)?;
        assert!(opaque.data_url.starts_with("data:image/jpeg;base64,"));
        Ok(())
    }
}
