//! Boxes on the page: the smallest rotated rectangle around a set of points (what the
//! detector's regions become), and the rectangle grown by DB's unclip distance.

/// A point in pixels, `x` to the right and `y` down.
pub type Point = (f32, f32);

/// A rotated rectangle: its corners clockwise from the top left (on the screen), as
/// PaddleOCR orders them, so the crop reads left to right.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// The lengths of its top and left sides.
    pub fn size(&self) -> (f32, f32) {
        let [tl, tr, _, bl] = self.0;
        (distance(tl, tr), distance(tl, bl))
    }

    /// Its axis-aligned bounds: left, top, right, bottom.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let xs = self.0.map(|p| p.0);
        let ys = self.0.map(|p| p.1);
        let min = |v: [f32; 4]| v.into_iter().fold(f32::INFINITY, f32::min);
        let max = |v: [f32; 4]| v.into_iter().fold(f32::NEG_INFINITY, f32::max);
        (min(xs), min(ys), max(xs), max(ys))
    }

    /// Each corner scaled, from the detector's input back to the image.
    pub fn scaled(&self, sx: f32, sy: f32) -> Quad {
        Quad(self.0.map(|(x, y)| (x * sx, y * sy)))
    }

    /// Whether `p` lies inside (or on) it.
    pub fn contains(&self, p: Point) -> bool {
        let corners = self.0;
        let mut sign = 0.0f32;
        for i in 0..4 {
            let (a, b) = (corners[i], corners[(i + 1) % 4]);
            let cross = (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0);
            if cross.abs() < 1e-6 {
                continue;
            }
            if sign == 0.0 {
                sign = cross.signum();
            } else if cross.signum() != sign {
                return false;
            }
        }
        true
    }
}

pub fn distance(a: Point, b: Point) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// The convex hull, counter-clockwise in maths' sense (Andrew's monotone chain).
fn hull(points: &[Point]) -> Vec<Point> {
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    sorted.dedup();
    if sorted.len() < 3 {
        return sorted;
    }
    let cross = |o: Point, a: Point, b: Point| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut lower: Vec<Point> = Vec::new();
    for &p in &sorted {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<Point> = Vec::new();
    for &p in sorted.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The smallest rotated rectangle holding every point (rotating calipers: one side lies
/// on a hull edge), its corners ordered as [`Quad`]; none for fewer than three distinct
/// points in a line or less.
pub fn min_area_rect(points: &[Point]) -> Option<Quad> {
    let hull = hull(points);
    if hull.len() < 2 {
        return None;
    }
    let mut best: Option<(f32, [Point; 4])> = None;
    for i in 0..hull.len() {
        let (a, b) = (hull[i], hull[(i + 1) % hull.len()]);
        let length = distance(a, b);
        if length < 1e-6 {
            continue;
        }
        let u = ((b.0 - a.0) / length, (b.1 - a.1) / length);
        let v = (-u.1, u.0);
        let (mut lo_u, mut hi_u, mut lo_v, mut hi_v) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for p in &hull {
            let d = (p.0 - a.0, p.1 - a.1);
            let (pu, pv) = (d.0 * u.0 + d.1 * u.1, d.0 * v.0 + d.1 * v.1);
            lo_u = lo_u.min(pu);
            hi_u = hi_u.max(pu);
            lo_v = lo_v.min(pv);
            hi_v = hi_v.max(pv);
        }
        let area = (hi_u - lo_u) * (hi_v - lo_v);
        if best.is_none_or(|(smallest, _)| area < smallest - 1e-3) {
            let at = |su: f32, sv: f32| (a.0 + u.0 * su + v.0 * sv, a.1 + u.1 * su + v.1 * sv);
            best = Some((area, [at(lo_u, lo_v), at(hi_u, lo_v), at(hi_u, hi_v), at(lo_u, hi_v)]));
        }
    }
    best.map(|(_, corners)| order(corners))
}

/// Corners as PaddleOCR orders a box: the two leftmost make the left side (the upper of
/// them first), the other two the right; then top left, top right, bottom right, bottom left.
pub fn order(mut corners: [Point; 4]) -> Quad {
    corners.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (left, right) = corners.split_at(2);
    let (tl, bl) = if left[0].1 <= left[1].1 { (left[0], left[1]) } else { (left[1], left[0]) };
    let (tr, br) = if right[0].1 <= right[1].1 { (right[0], right[1]) } else { (right[1], right[0]) };
    Quad([tl, tr, br, bl])
}

/// DB's unclip: the detector's regions are shrunk text, grown back by
/// `area × ratio / perimeter` on every side. For a rectangle, offsetting its outline by
/// that distance and taking the smallest rectangle around the result is the rectangle
/// grown by it on each side.
pub fn unclip(quad: &Quad, ratio: f32) -> Quad {
    let (w, h) = quad.size();
    let perimeter = 2.0 * (w + h);
    if perimeter <= 0.0 {
        return *quad;
    }
    let d = w * h * ratio / perimeter;
    let [tl, tr, br, bl] = quad.0;
    let unit = |a: Point, b: Point| {
        let l = distance(a, b).max(1e-6);
        ((b.0 - a.0) / l, (b.1 - a.1) / l)
    };
    let along = unit(tl, tr);
    let down = unit(tl, bl);
    let shift = |p: Point, su: f32, sv: f32| (p.0 + along.0 * su + down.0 * sv, p.1 + along.1 * su + down.1 * sv);
    Quad([shift(tl, -d, -d), shift(tr, d, -d), shift(br, d, d), shift(bl, -d, d)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: Point, b: Point) -> bool {
        distance(a, b) < 0.05
    }

    #[test]
    fn the_smallest_rectangle_around_points() {
        // An upright block of pixels, a lone pixel inside, a tilted bar.
        let upright: Vec<Point> = (0..10).flat_map(|x| (0..4).map(move |y| (x as f32, y as f32))).collect();
        let quad = min_area_rect(&upright).map(|q| q.0);
        assert_eq!(quad, Some([(0.0, 0.0), (9.0, 0.0), (9.0, 3.0), (0.0, 3.0)]));

        let tilted = [(0.0, 0.0), (8.0, 6.0), (5.0, 10.0), (-3.0, 4.0), (2.0, 3.0)];
        let Some(Quad([tl, tr, br, bl])) = min_area_rect(&tilted) else { panic!("a rectangle") };
        // The two leftmost corners are the left side: PaddleOCR's order.
        for (got, want) in [(tl, (0.0, 0.0)), (tr, (8.0, 6.0)), (br, (5.0, 10.0)), (bl, (-3.0, 4.0))] {
            assert!(near(got, want), "{got:?} ≠ {want:?}");
        }
        assert_eq!(min_area_rect(&[(1.0, 1.0)]), None);
    }

    #[test]
    fn unclip_grows_a_box_by_area_times_ratio_over_perimeter() {
        // 20 × 5: area 100, perimeter 50, ratio 1.5 → 3 px on every side.
        let quad = Quad([(10.0, 10.0), (30.0, 10.0), (30.0, 15.0), (10.0, 15.0)]);
        let grown = unclip(&quad, 1.5);
        assert_eq!(grown.0, [(7.0, 7.0), (33.0, 7.0), (33.0, 18.0), (7.0, 18.0)]);
        assert!(grown.contains((8.0, 17.0)) && !grown.contains((6.0, 17.0)));
        assert_eq!(grown.bounds(), (7.0, 7.0, 33.0, 18.0));
    }
}
