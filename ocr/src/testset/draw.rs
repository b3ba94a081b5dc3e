//! The drawing the test set needs and nothing more: a seeded random source, text in a
//! font at a pixel size and colour, filled boxes, noise, and one image laid onto another
//! through a perspective (which also turns a scanned page a little).

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

/// A small seeded generator (SplitMix64): the same seed draws the same set everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let unit = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * unit
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Roughly normal with mean 0 and deviation 1 (a sum of uniforms).
    pub fn gauss(&mut self) -> f32 {
        (0..4).map(|_| self.range(-1.0, 1.0)).sum::<f32>() * 0.866
    }
}

/// A font, measured and drawn at any pixel size.
pub struct Face {
    font: FontVec,
}

impl Face {
    /// The font file at `path`; a missing one names the Debian package.
    pub fn load(path: &str) -> Result<Face, String> {
        let bytes = std::fs::read(path).map_err(|err| format!("{path} (fonts-dejavu-core): {err}"))?;
        let font = FontVec::try_from_vec(bytes).map_err(|err| format!("{path}: {err}"))?;
        Ok(Face { font })
    }

    /// How wide `text` is at `size` px, kerning included.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(size));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(before) = previous {
                width += scaled.kern(before, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// Draws `text` with its top (the font's ascent) at `y`, starting at `x`, blending
    /// `colour` over what is there by the glyphs' coverage.
    pub fn draw(&self, image: &mut RgbImage, text: &str, (x, y): (f32, f32), size: f32, colour: Rgb<u8>) {
        let scaled = self.font.as_scaled(PxScale::from(size));
        let (width, height) = image.dimensions();
        let mut caret = x;
        let mut previous = None;
        for c in text.chars() {
            let mut glyph = scaled.scaled_glyph(c);
            if let Some(before) = previous {
                caret += scaled.kern(before, glyph.id);
            }
            previous = Some(glyph.id);
            let advance = scaled.h_advance(glyph.id);
            glyph.position = ab_glyph::point(caret, y + scaled.ascent());
            caret += advance;
            let Some(outlined) = self.font.outline_glyph(glyph) else { continue };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let (px, py) = (bounds.min.x as i64 + i64::from(gx), bounds.min.y as i64 + i64::from(gy));
                if px >= 0 && py >= 0 && px < i64::from(width) && py < i64::from(height) {
                    let pixel = image.get_pixel_mut(px as u32, py as u32);
                    *pixel = blend(*pixel, colour, coverage.min(1.0));
                }
            });
        }
    }

    /// `text` cut into lines no wider than `width` at `size`, at spaces.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let longer = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if !line.is_empty() && self.width(&longer, size) > width {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = longer;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// `over` on `under` by `alpha` (0 keeps `under`).
pub fn blend(under: Rgb<u8>, over: Rgb<u8>, alpha: f32) -> Rgb<u8> {
    let mix = |a: u8, b: u8| (f32::from(a) * (1.0 - alpha) + f32::from(b) * alpha).round() as u8;
    Rgb([mix(under[0], over[0]), mix(under[1], over[1]), mix(under[2], over[2])])
}

/// Fills the box from `(x0, y0)` to `(x1, y1)`, clipped to the image.
pub fn fill(image: &mut RgbImage, (x0, y0): (u32, u32), (x1, y1): (u32, u32), colour: Rgb<u8>) {
    for y in y0..y1.min(image.height()) {
        for x in x0..x1.min(image.width()) {
            image.put_pixel(x, y, colour);
        }
    }
}

/// Adds grain: each channel of each pixel moved by a normal amount of deviation `sigma`.
pub fn noise(image: &mut RgbImage, rng: &mut Rng, sigma: f32) {
    for pixel in image.pixels_mut() {
        let grain = rng.gauss() * sigma;
        pixel.0 = pixel.0.map(|v| (f32::from(v) + grain + rng.gauss() * sigma * 0.3).round().clamp(0.0, 255.0) as u8);
    }
}

/// A perspective mapping of the unit square onto a quadrilateral (Heckbert's closed
/// form), as the 3 × 3 matrix taking `(u, v, 1)` to homogeneous image coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Homography([[f32; 3]; 3]);

impl Homography {
    /// The square's corners (0,0), (1,0), (1,1), (0,1) onto `quad`'s, in that order.
    pub fn from_unit_square(quad: [(f32, f32); 4]) -> Homography {
        let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = quad;
        let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
        let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
        let det = dx1 * dy2 - dx2 * dy1;
        let (g, h) =
            if det.abs() < 1e-9 { (0.0, 0.0) } else { ((dx3 * dy2 - dx2 * dy3) / det, (dx1 * dy3 - dx3 * dy1) / det) };
        Homography([[x1 - x0 + g * x1, x3 - x0 + h * x3, x0], [y1 - y0 + g * y1, y3 - y0 + h * y3, y0], [g, h, 1.0]])
    }

    /// The mapping back (the adjugate, which is the inverse up to scale).
    pub fn inverse(&self) -> Homography {
        let m = &self.0;
        let cofactor = |r1: usize, r2: usize, c1: usize, c2: usize| m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
        Homography([
            [cofactor(1, 2, 1, 2), -cofactor(0, 2, 1, 2), cofactor(0, 1, 1, 2)],
            [-cofactor(1, 2, 0, 2), cofactor(0, 2, 0, 2), -cofactor(0, 1, 0, 2)],
            [cofactor(1, 2, 0, 1), -cofactor(0, 2, 0, 1), cofactor(0, 1, 0, 1)],
        ])
    }

    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let m = &self.0;
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        ((m[0][0] * x + m[0][1] * y + m[0][2]) / w, (m[1][0] * x + m[1][1] * y + m[1][2]) / w)
    }
}

/// Lays `source` onto `target` so that its corners land on `quad`'s (top left first,
/// clockwise), sampled bilinearly; the target shows where the source does not reach.
pub fn lay_onto(target: &mut RgbImage, source: &RgbImage, quad: [(f32, f32); 4]) {
    let back = Homography::from_unit_square(quad).inverse();
    let (sw, sh) = (source.width() as f32, source.height() as f32);
    let left = quad.iter().map(|p| p.0).fold(f32::MAX, f32::min).floor().max(0.0) as u32;
    let top = quad.iter().map(|p| p.1).fold(f32::MAX, f32::min).floor().max(0.0) as u32;
    let right = (quad.iter().map(|p| p.0).fold(f32::MIN, f32::max).ceil().max(0.0) as u32).min(target.width());
    let bottom = (quad.iter().map(|p| p.1).fold(f32::MIN, f32::max).ceil().max(0.0) as u32).min(target.height());
    for y in top..bottom {
        for x in left..right {
            let (u, v) = back.apply((x as f32 + 0.5, y as f32 + 0.5));
            if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
                target.put_pixel(x, y, sample(source, u * sw - 0.5, v * sh - 0.5));
            }
        }
    }
}

fn sample(image: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let pixel = |x: i64, y: i64| *image.get_pixel(x.clamp(0, w - 1) as u32, y.clamp(0, h - 1) as u32);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let top = blend(pixel(x0, y0), pixel(x0 + 1, y0), fx);
    let bottom = blend(pixel(x0, y0 + 1), pixel(x0 + 1, y0 + 1), fx);
    blend(top, bottom, fy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_homography_maps_the_square_onto_its_quad_and_back() {
        let quad = [(10.0, 20.0), (110.0, 30.0), (100.0, 90.0), (15.0, 70.0)];
        let forward = Homography::from_unit_square(quad);
        let back = forward.inverse();
        for (corner, want) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)].into_iter().zip(quad) {
            let (x, y) = forward.apply(corner);
            assert!((x - want.0).abs() < 1e-3 && (y - want.1).abs() < 1e-3, "{corner:?} → {x},{y}");
            let (u, v) = back.apply(want);
            assert!((u - corner.0).abs() < 1e-4 && (v - corner.1).abs() < 1e-4, "{want:?} → {u},{v}");
        }
    }

    #[test]
    fn the_same_seed_draws_the_same() {
        let (mut a, mut b) = (Rng::new(3), Rng::new(3));
        let draws: Vec<usize> = (0..5).map(|_| a.below(100)).collect();
        assert_eq!(draws, (0..5).map(|_| b.below(100)).collect::<Vec<_>>());
        assert!((0..100).map(|_| a.range(2.0, 3.0)).all(|v| (2.0..3.0).contains(&v)));
    }
}
