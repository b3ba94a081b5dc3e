//! The image as each network takes it: the whole page for the detector (resized, BGR,
//! scaled to −1…1), each text box cut out upright for the classifier and
//! the recogniser (48 px high, BGR, scaled to −1…1, padded to the batch's width).

use image::{Rgb, RgbImage};

use crate::geometry::{distance, Quad};

/// The detector's input, `3 × h × w` in BGR order, scaled to −1…1 (RapidOCR's mean and
/// deviation of 0.5).
pub fn for_detector(image: &RgbImage, (w, h): (u32, u32)) -> Vec<f32> {
    let resized = image::imageops::resize(image, w, h, image::imageops::FilterType::Triangle);
    planes(&resized, w as usize, |_, value| value / 127.5 - 1.0)
}

/// Channels as planes, blue first (the networks were trained on OpenCV's BGR images).
fn planes(image: &RgbImage, width: usize, normal: impl Fn(usize, f32) -> f32) -> Vec<f32> {
    let height = image.height() as usize;
    let mut out = vec![0.0f32; 3 * width * height];
    for (x, y, Rgb([r, g, b])) in image.enumerate_pixels() {
        let at = y as usize * width + x as usize;
        for (channel, value) in [*b, *g, *r].into_iter().enumerate() {
            out[channel * width * height + at] = normal(channel, f32::from(value));
        }
    }
    out
}

/// The box cut out of the image and turned upright: its top side becomes the crop's top
/// (sampled with bilinear interpolation); a box much taller than wide is text running
/// down the page, turned to read across.
pub fn cut_out(image: &RgbImage, quad: &Quad) -> RgbImage {
    let [tl, tr, br, bl] = quad.0;
    let width = distance(tl, tr).max(distance(bl, br)).round().max(1.0) as u32;
    let height = distance(tl, bl).max(distance(tr, br)).round().max(1.0) as u32;
    let mut out = RgbImage::new(width, height);
    for v in 0..height {
        for u in 0..width {
            let (fu, fv) = ((u as f32 + 0.5) / width as f32, (v as f32 + 0.5) / height as f32);
            let top = (tl.0 + (tr.0 - tl.0) * fu, tl.1 + (tr.1 - tl.1) * fu);
            let bottom = (bl.0 + (br.0 - bl.0) * fu, bl.1 + (br.1 - bl.1) * fu);
            let p = (top.0 + (bottom.0 - top.0) * fv, top.1 + (bottom.1 - top.1) * fv);
            out.put_pixel(u, v, sample(image, p.0 - 0.5, p.1 - 0.5));
        }
    }
    if height as f32 >= 1.5 * width as f32 {
        image::imageops::rotate270(&out)
    } else {
        out
    }
}

fn sample(image: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let pixel = |x: i64, y: i64| image.get_pixel(x.clamp(0, w - 1) as u32, y.clamp(0, h - 1) as u32).0;
    let (x0, y0) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (pixel(x0, y0), pixel(x0 + 1, y0), pixel(x0, y0 + 1), pixel(x0 + 1, y0 + 1));
    let mut out = [0u8; 3];
    for i in 0..3 {
        let top = f32::from(a[i]) * (1.0 - fx) + f32::from(b[i]) * fx;
        let bottom = f32::from(c[i]) * (1.0 - fx) + f32::from(d[i]) * fx;
        out[i] = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
    }
    Rgb(out)
}

/// Pieces of a line as the angle classifier should see them: the classifier takes 4 : 1
/// (48 × 192), and a long line squeezed into that is a smear it often calls upside down.
/// A line up to half as long again is one piece; a longer one three of 4 : 1, from its
/// start, middle and end, whose votes are added.
pub fn for_classifier(crop: &RgbImage) -> Vec<RgbImage> {
    let (width, height) = crop.dimensions();
    let piece = 4 * height.max(1);
    if width * 2 <= piece * 3 {
        return vec![crop.clone()];
    }
    [0, (width - piece) / 2, width - piece]
        .into_iter()
        .map(|x| image::imageops::crop_imm(crop, x, 0, piece, height).to_image())
        .collect()
}

/// A crop as the classifier or the recogniser takes it: 48 px high, keeping its shape,
/// no wider than `width`.
pub fn to_line_height(crop: &RgbImage, width: u32) -> RgbImage {
    let ratio = crop.width() as f32 / crop.height().max(1) as f32;
    let w = ((LINE_HEIGHT as f32 * ratio).ceil() as u32).clamp(1, width);
    image::imageops::resize(crop, w, LINE_HEIGHT, image::imageops::FilterType::Triangle)
}

const LINE_HEIGHT: u32 = 48;

/// Crops as one batch for the classifier or the recogniser, `n × 3 × 48 × width`: each
/// resized to 48 px high keeping its shape (no wider than `width`), scaled to −1…1, the
/// rest of its width zero.
pub fn line_batch(crops: &[&RgbImage], width: u32) -> Vec<f32> {
    let resized: Vec<RgbImage> = crops.iter().map(|crop| to_line_height(crop, width)).collect();
    batch(&resized, width)
}

/// Lines already 48 px high as one batch `n × 3 × 48 × width`, scaled to −1…1, the rest
/// of each one's width zero.
pub fn batch(lines: &[RgbImage], width: u32) -> Vec<f32> {
    let plane = (LINE_HEIGHT * width) as usize;
    let mut out = vec![0.0f32; lines.len() * 3 * plane];
    for (n, line) in lines.iter().enumerate() {
        let w = line.width().min(width) as usize;
        let values = planes(line, line.width() as usize, |_, value| value / 127.5 - 1.0);
        let base = n * 3 * plane;
        for channel in 0..3 {
            for y in 0..LINE_HEIGHT as usize {
                let from = channel * line.width() as usize * LINE_HEIGHT as usize + y * line.width() as usize;
                let to = base + channel * plane + y * width as usize;
                out[to..to + w].copy_from_slice(&values[from..from + w]);
            }
        }
    }
    out
}

/// The columns of a line's image with no ink: every pixel close to the line's background
/// (its median grey), where ink is what differs from it by over a third of the most any
/// pixel does.
pub fn blank_columns(line: &RgbImage) -> Vec<bool> {
    let grey = |p: &Rgb<u8>| (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000;
    let mut greys: Vec<u32> = line.pixels().map(grey).collect();
    greys.sort_unstable();
    let Some(&background) = greys.get(greys.len() / 2) else { return Vec::new() };
    let far = |p: &Rgb<u8>| grey(p).abs_diff(background);
    let most = line.pixels().map(far).max().unwrap_or(0);
    let ink = (most / 3).max(24);
    (0..line.width()).map(|x| (0..line.height()).all(|y| far(line.get_pixel(x, y)) < ink)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_is_cut_out_upright_and_a_tall_one_turned() {
        // Red left half, blue right half.
        let image = RgbImage::from_fn(40, 20, |x, _| if x < 20 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
        let wide = Quad([(10.0, 5.0), (30.0, 5.0), (30.0, 15.0), (10.0, 15.0)]);
        let crop = cut_out(&image, &wide);
        assert_eq!(crop.dimensions(), (20, 10));
        assert_eq!((crop.get_pixel(2, 5).0, crop.get_pixel(17, 5).0), ([255, 0, 0], [0, 0, 255]));
        let tall = Quad([(15.0, 0.0), (25.0, 0.0), (25.0, 20.0), (15.0, 20.0)]);
        assert_eq!(cut_out(&image, &tall).dimensions(), (20, 10), "turned to read across");
    }

    #[test]
    fn a_long_line_is_classified_by_its_start_middle_and_end() {
        let short = RgbImage::new(120, 20);
        assert_eq!(for_classifier(&short).len(), 1);
        let long = RgbImage::from_fn(400, 20, |x, _| Rgb([(x / 2) as u8, 0, 0]));
        let pieces = for_classifier(&long);
        let firsts: Vec<(u32, u32, u8)> =
            pieces.iter().map(|p| (p.width(), p.height(), p.get_pixel(0, 0).0[0])).collect();
        assert_eq!(firsts, [(80, 20, 0), (80, 20, 80), (80, 20, 160)]);
    }

    #[test]
    fn blank_columns_are_those_without_ink() {
        let line = RgbImage::from_fn(10, 4, |x, y| {
            if (x == 2 || x == 6) && y == 1 {
                Rgb([20, 20, 20])
            } else {
                Rgb([200, 190, 180])
            }
        });
        let blank: Vec<u32> =
            blank_columns(&line).iter().enumerate().filter(|(_, b)| !**b).map(|(x, _)| x as u32).collect();
        assert_eq!(blank, [2, 6]);
    }

    #[test]
    fn lines_are_batched_at_48_px_scaled_and_padded() {
        let white = RgbImage::from_pixel(96, 24, Rgb([255, 255, 255]));
        let batch = line_batch(&[&white], 320);
        assert_eq!(batch.len(), 3 * 48 * 320);
        // 96 × 24 becomes 192 × 48: white (1.0) up to 192, padding (0.0) after.
        assert_eq!((batch[0], batch[191], batch[192], batch[319]), (1.0, 1.0, 0.0, 0.0));
        let input = for_detector(&white, (32, 32));
        assert_eq!(input.len(), 3 * 32 * 32);
        assert_eq!(input[0], 1.0);
        let blue = RgbImage::from_pixel(32, 32, Rgb([0, 0, 255]));
        assert_eq!(
            (for_detector(&blue, (32, 32))[0], for_detector(&blue, (32, 32))[2 * 32 * 32]),
            (1.0, -1.0),
            "blue plane first"
        );
    }
}
