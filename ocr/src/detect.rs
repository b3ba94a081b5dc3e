//! Finding text: the image as the DB detector takes it, and its probability map turned
//! into boxes (DB's post-processing: threshold, dilation, regions, their smallest rotated
//! rectangles, the mean probability inside each, and unclip).

use crate::geometry::{min_area_rect, unclip, Quad};

/// DB's settings, as PaddleOCR and RapidOCR ship them.
#[derive(Clone, Copy, Debug)]
pub struct Db {
    /// A pixel is text above this probability.
    pub thresh: f32,
    /// A region is kept when its mean probability is above this.
    pub box_thresh: f32,
    pub unclip_ratio: f32,
    /// At most this many regions, largest first.
    pub max_candidates: usize,
}

impl Default for Db {
    fn default() -> Db {
        Db { thresh: 0.3, box_thresh: 0.5, unclip_ratio: 1.6, max_candidates: 1000 }
    }
}

/// The detector's input size for an image, as RapidOCR makes it: a large image first
/// brought down to 2000 on its long side, then one whose short side is under 736 enlarged
/// to 736 (small text would vanish otherwise), and each side rounded to a multiple of 32
/// (halves to even, as Python rounds), as the network needs.
pub fn input_size(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let reduced = (2000.0 / w.max(h)).min(1.0);
    let (w, h) = ((w * reduced).trunc(), (h * reduced).trunc());
    let ratio = if w.min(h) < 736.0 { 736.0 / w.min(h) } else { 1.0 };
    let round = |side: f32| (((side * ratio).trunc() / 32.0).round_ties_even() as u32).max(1) * 32;
    (round(w), round(h))
}

/// The text boxes in a probability map of `width × height`, with the mean probability in
/// each, in the map's pixels.
pub fn boxes(map: &[f32], width: usize, height: usize, db: &Db) -> Vec<(Quad, f32)> {
    if map.len() != width * height || width == 0 {
        return Vec::new();
    }
    let bitmap = dilate(&map.iter().map(|p| *p > db.thresh).collect::<Vec<_>>(), width, height);
    let mut regions = regions(&bitmap, width, height);
    regions.sort_by_key(|points| std::cmp::Reverse(points.len()));
    regions.truncate(db.max_candidates);
    let mut found = Vec::new();
    for pixels in regions {
        let points: Vec<(f32, f32)> = pixels.iter().map(|&(x, y)| (x as f32, y as f32)).collect();
        let Some(quad) = min_area_rect(&points) else { continue };
        let (w, h) = quad.size();
        if w.min(h) < 3.0 {
            continue;
        }
        let score = mean_inside(map, width, height, &quad);
        if score < db.box_thresh {
            continue;
        }
        let grown = unclip(&quad, db.unclip_ratio);
        let (w, h) = grown.size();
        if w.min(h) < 5.0 {
            continue;
        }
        found.push((grown, score));
    }
    found
}

/// A 2 × 2 dilation (each set pixel also sets its right, lower and lower-right
/// neighbours), which joins the strokes of a word that the threshold left apart.
fn dilate(bits: &[bool], width: usize, height: usize) -> Vec<bool> {
    let mut out = bits.to_vec();
    for y in 0..height {
        for x in 0..width {
            if bits[y * width + x] {
                for (dx, dy) in [(1, 0), (0, 1), (1, 1)] {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < width && ny < height {
                        out[ny * width + nx] = true;
                    }
                }
            }
        }
    }
    out
}

/// The 8-connected regions of set pixels, each as its pixels.
fn regions(bits: &[bool], width: usize, height: usize) -> Vec<Vec<(usize, usize)>> {
    let mut seen = vec![false; bits.len()];
    let mut found = Vec::new();
    for start in 0..bits.len() {
        if !bits[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut pixels = Vec::new();
        while let Some(at) = stack.pop() {
            let (x, y) = (at % width, at / width);
            pixels.push((x, y));
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= width as i64 || ny >= height as i64 {
                        continue;
                    }
                    let next = ny as usize * width + nx as usize;
                    if bits[next] && !seen[next] {
                        seen[next] = true;
                        stack.push(next);
                    }
                }
            }
        }
        found.push(pixels);
    }
    found
}

/// The mean probability over the map's pixels inside `quad` (DB's "fast" box score).
fn mean_inside(map: &[f32], width: usize, height: usize, quad: &Quad) -> f32 {
    let (left, top, right, bottom) = quad.bounds();
    let clamp = |v: f32, hi: usize| (v.max(0.0) as usize).min(hi.saturating_sub(1));
    let (x0, x1) = (clamp(left.floor(), width), clamp(right.ceil(), width));
    let (y0, y1) = (clamp(top.floor(), height), clamp(bottom.ceil(), height));
    let (mut sum, mut count) = (0.0f32, 0u32);
    for y in y0..=y1 {
        for x in x0..=x1 {
            if quad.contains((x as f32, y as f32)) {
                sum += map[y * width + x];
                count += 1;
            }
        }
    }
    if count == 0 {
        0.0
    } else {
        sum / count as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_sizes_are_multiples_of_32_small_images_enlarged_large_ones_capped() {
        let cases = [
            ((1920, 1080), (1920, 1088)),
            ((400, 300), (992, 736)),
            ((3000, 4000), (1504, 1984)),
            ((900, 200), (3328, 736)),
        ];
        for ((w, h), want) in cases {
            assert_eq!(input_size(w, h), want, "{w}×{h}");
        }
    }

    /// Two words on a 40 × 20 map: each becomes one box, grown back by unclip; a speck
    /// and a faint patch are not text.
    #[test]
    fn a_probability_map_becomes_one_box_a_word() {
        let (width, height) = (40, 20);
        let mut map = vec![0.0f32; width * height];
        let mut fill = |x0: usize, x1: usize, y0: usize, y1: usize, p: f32| {
            for y in y0..y1 {
                for x in x0..x1 {
                    map[y * width + x] = p;
                }
            }
        };
        fill(2, 14, 3, 8, 0.9);
        fill(20, 36, 3, 8, 0.8);
        fill(38, 39, 0, 1, 0.9);
        fill(2, 12, 12, 18, 0.35);
        let found = boxes(&map, width, height, &Db::default());
        assert_eq!(found.len(), 2, "{found:?}");
        let mut lefts: Vec<(f32, f32)> = found.iter().map(|(q, s)| (q.bounds().0, *s)).collect();
        lefts.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The first word spans x 2..13 after dilation x 2..14: grown left by unclip.
        assert!(lefts[0].0 < 2.0 && lefts[1].0 < 20.0 && lefts[1].0 > 14.0, "{lefts:?}");
        assert!(lefts.iter().all(|(_, score)| *score > 0.5));
    }
}
