//! Reading order: the page cut into bands across it where no text crosses; a run of bands
//! with a gutter running down all of them (wider than [`GUTTER`] line heights) is a set of
//! columns, read one after the other, not line by line across both; other bands read on.
//! Within a column, boxes on one line (along their slant, for a turned page or a sign) are
//! read left to right, and a wider gap between lines starts a paragraph.

use crate::geometry::Quad;

/// A piece of text where it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub text: String,
    pub quad: Quad,
}

impl Placed {
    /// Left, top, right, bottom.
    fn bounds(&self) -> (f32, f32, f32, f32) {
        self.quad.bounds()
    }

    /// The height of its text: the box's left side, whatever its slant.
    fn height(&self) -> f32 {
        self.quad.size().1
    }

    fn centre(&self) -> (f32, f32) {
        let [a, b, c, d] = self.quad.0;
        ((a.0 + b.0 + c.0 + d.0) / 4.0, (a.1 + b.1 + c.1 + d.1) / 4.0)
    }

    /// How much its line falls per pixel to the right (its top side's slope).
    fn slope(&self) -> f32 {
        let [tl, tr, _, _] = self.quad.0;
        if (tr.0 - tl.0).abs() < 1.0 {
            0.0
        } else {
            (tr.1 - tl.1) / (tr.0 - tl.0)
        }
    }

    /// Where the middle of its line is at `x`, the line drawn on past its ends.
    fn line_at(&self, x: f32) -> f32 {
        let (cx, cy) = self.centre();
        cy + self.slope() * (x - cx)
    }
}

/// The page's text, one line a line, a blank line between paragraphs and between columns.
pub fn read(pieces: &[Placed]) -> String {
    let usual = median(pieces.iter().map(Placed::height)).unwrap_or(10.0).max(1.0);
    let blocks: Vec<String> = blocks(pieces.to_vec(), usual).into_iter().map(|block| lines(block, usual)).collect();
    blocks.join("\n\n")
}

/// The page cut into bands (no box crosses the gap between two); bands gathered into runs
/// while a gutter runs down all of the run. A run whose every column has text in two bands
/// or more is read a column at a time; any other (one column, or a lone row with wide
/// gaps, as a table's or a toolbar's) reads on as one block with the bands around it.
fn blocks(pieces: Vec<Placed>, usual: f32) -> Vec<Vec<Placed>> {
    let gutter = GUTTER * usual;
    let mut blocks: Vec<Vec<Placed>> = Vec::new();
    let mut flowing = false; // whether the last block is one that reads on
    let mut run: Vec<Vec<Placed>> = Vec::new();
    for band in split(pieces, |p| (p.bounds().1, p.bounds().3), 0.0) {
        run.push(band);
        if run.len() == 1 || columns(&run, gutter).len() > 1 {
            continue;
        }
        let band = run.pop().unwrap_or_default();
        place(std::mem::replace(&mut run, vec![band]), gutter, &mut blocks, &mut flowing);
    }
    place(run, gutter, &mut blocks, &mut flowing);
    blocks
}

/// Adds a run of bands to the blocks: as its columns, or reading on from the last block.
fn place(run: Vec<Vec<Placed>>, gutter: f32, blocks: &mut Vec<Vec<Placed>>, flowing: &mut bool) {
    if run.is_empty() {
        return;
    }
    let columns = columns(&run, gutter);
    let tall = |column: &Vec<(usize, Placed)>| column.iter().any(|(band, _)| *band != column[0].0);
    if columns.len() > 1 && columns.iter().all(tall) {
        blocks.extend(columns.into_iter().map(|column| column.into_iter().map(|(_, p)| p).collect()));
        *flowing = false;
        return;
    }
    let run = run.into_iter().flatten();
    match blocks.last_mut() {
        Some(block) if *flowing => block.extend(run),
        _ => blocks.push(run.collect()),
    }
    *flowing = true;
}

/// A run's pieces split where a gap wider than `gutter` runs down all its bands, left to
/// right, each with the number of its band.
fn columns(bands: &[Vec<Placed>], gutter: f32) -> Vec<Vec<(usize, Placed)>> {
    let numbered = bands.iter().enumerate().flat_map(|(n, band)| band.iter().map(move |p| (n, p.clone())));
    split(numbered.collect(), |(_, p)| (p.bounds().0, p.bounds().2), gutter)
}

/// How wide a gap running down the page, in line heights, parts two columns.
const GUTTER: f32 = 1.5;

/// Groups pieces along one axis (`span` gives each piece's start and end on it) where a
/// gap wider than `gap` separates them, in order.
fn split<T>(mut pieces: Vec<T>, span: impl Fn(&T) -> (f32, f32), gap: f32) -> Vec<Vec<T>> {
    pieces.sort_by(|a, b| span(a).0.total_cmp(&span(b).0));
    let mut groups: Vec<Vec<T>> = Vec::new();
    let mut reach = f32::MIN;
    for piece in pieces {
        let (start, end) = span(&piece);
        match groups.last_mut() {
            Some(group) if start <= reach + gap => group.push(piece),
            _ => groups.push(vec![piece]),
        }
        reach = reach.max(end);
    }
    groups
}

/// A column's pieces as lines: a piece whose middle lies within half a line height of a
/// line (drawn along that line's slant) is on it, and lines read left to right; a gap
/// between lines of more than the usual line height starts a paragraph.
fn lines(mut pieces: Vec<Placed>, usual: f32) -> String {
    pieces.sort_by(|a, b| a.centre().1.total_cmp(&b.centre().1));
    let mut rows: Vec<Vec<Placed>> = Vec::new();
    for piece in pieces {
        let (x, y) = piece.centre();
        let on = |row: &Vec<Placed>| {
            let first = &row[0];
            (y - first.line_at(x)).abs() < 0.5 * first.height().min(piece.height())
        };
        match rows.iter_mut().rev().find(|row| on(row)) {
            Some(row) => row.push(piece),
            None => rows.push(vec![piece]),
        }
    }
    let left = rows.iter().flatten().map(|p| p.bounds().0).fold(f32::MAX, f32::min);
    rows.sort_by(|a, b| a[0].line_at(left).total_cmp(&b[0].line_at(left)));
    let mut text = String::new();
    let mut last: Option<&Placed> = None;
    for row in &mut rows {
        row.sort_by(|a, b| a.bounds().0.total_cmp(&b.bounds().0));
        if let Some(above) = last {
            let between = row[0].line_at(left) - above.line_at(left) - (row[0].height() + above.height()) / 2.0;
            text.push_str(if between > usual { "\n\n" } else { "\n" });
        }
        let words: Vec<&str> = row.iter().map(|p| p.text.as_str()).collect();
        text.push_str(&words.join(" "));
        last = Some(&row[0]);
    }
    text
}

fn median(values: impl Iterator<Item = f32>) -> Option<f32> {
    let mut all: Vec<f32> = values.collect();
    if all.is_empty() {
        return None;
    }
    all.sort_by(f32::total_cmp);
    Some(all[all.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, left: f32, top: f32, right: f32) -> Placed {
        slanted(text, left, top, right, 0.0)
    }

    /// A line `slant` px lower at its right end than at its left.
    fn slanted(text: &str, left: f32, top: f32, right: f32, slant: f32) -> Placed {
        let bottom = top + 10.0;
        Placed {
            text: text.into(),
            quad: Quad([(left, top), (right, top + slant), (right, bottom + slant), (left, bottom)]),
        }
    }

    #[test]
    fn pages_are_read_as_people_read_them() {
        let cases: Vec<(&str, Vec<Placed>, &str)> = vec![
            ("one line in pieces", vec![at("world", 60.0, 0.0, 100.0), at("Hello", 0.0, 1.0, 50.0)], "Hello world"),
            (
                "lines, then a paragraph after a wider gap",
                vec![at("one", 0.0, 0.0, 30.0), at("two", 0.0, 14.0, 30.0), at("three", 0.0, 40.0, 50.0)],
                "one\ntwo\n\nthree",
            ),
            (
                "two columns, each read to its end",
                vec![
                    at("left one", 0.0, 0.0, 80.0),
                    at("right one", 140.0, 0.0, 220.0),
                    at("left two", 0.0, 14.0, 80.0),
                    at("right two", 140.0, 14.0, 220.0),
                ],
                "left one\nleft two\n\nright one\nright two",
            ),
            (
                "a heading across two columns",
                vec![
                    at("Heading over both", 0.0, 0.0, 220.0),
                    at("left one", 0.0, 20.0, 80.0),
                    at("right one", 140.0, 20.0, 220.0),
                    at("left two", 0.0, 34.0, 80.0),
                    at("right two", 140.0, 34.0, 220.0),
                ],
                "Heading over both\n\nleft one\nleft two\n\nright one\nright two",
            ),
            (
                "a table's cells stay on their line",
                vec![at("Total", 0.0, 0.0, 40.0), at("$42.50", 60.0, 0.0, 110.0)],
                "Total $42.50",
            ),
            (
                "a turned page: lines whose boxes overlap are still lines",
                vec![
                    slanted("first line of a turned page", 0.0, 0.0, 400.0, 14.0),
                    slanted("second", 0.0, 14.0, 400.0, 14.0),
                    slanted("short", 0.0, 28.0, 40.0, 1.4),
                ],
                "first line of a turned page\nsecond\nshort",
            ),
            (
                "columns whose paragraphs break at different heights",
                vec![
                    at("left one", 0.0, 0.0, 80.0),
                    at("right one", 140.0, 0.0, 220.0),
                    at("left two", 0.0, 14.0, 80.0),
                    at("left three", 0.0, 40.0, 80.0),
                    at("right two", 140.0, 40.0, 220.0),
                    at("right three", 140.0, 54.0, 220.0),
                ],
                "left one\nleft two\n\nleft three\n\nright one\n\nright two\nright three",
            ),
            ("nothing", vec![], ""),
        ];
        for (what, pieces, want) in cases {
            assert_eq!(read(&pieces), want, "{what}");
        }
    }
}
