//! Reading order: the page cut into bands across it where no text crosses, each band into
//! columns where a wide gutter runs down it (recursive XY-cut), so two columns are read
//! one after the other, not line by line across both; within a column, boxes that share
//! a line are read left to right, and a wider gap between lines starts a paragraph.

/// A piece of text where it was found: left, top, right, bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub text: String,
    pub bounds: (f32, f32, f32, f32),
}

impl Placed {
    fn height(&self) -> f32 {
        self.bounds.3 - self.bounds.1
    }
}

/// The page's text, one line a line, a blank line between paragraphs and between columns.
pub fn read(pieces: &[Placed]) -> String {
    let usual = median(pieces.iter().map(Placed::height)).unwrap_or(10.0).max(1.0);
    let blocks: Vec<String> = blocks(pieces.to_vec(), usual).into_iter().map(|block| lines(block, usual)).collect();
    blocks.join("\n\n")
}

/// The page cut into bands (no box crosses the gap between two), each band into columns
/// (a gutter wider than [`GUTTER`] line heights). A run of two or more bands with the same
/// columns is read a column at a time, down through all of them; the other bands (one
/// column, or a lone line with wide gaps, as a table's row) read on as one block.
fn blocks(pieces: Vec<Placed>, usual: f32) -> Vec<Vec<Placed>> {
    let bands = split(pieces, |b| (b.1, b.3), 0.0).into_iter().map(|band| split(band, |b| (b.0, b.2), GUTTER * usual));
    // Runs of aligned bands: their columns, and how many bands they hold.
    let mut runs: Vec<(Vec<Vec<Placed>>, usize)> = Vec::new();
    for columns in bands {
        match runs.last_mut() {
            Some((run, count)) if columns.len() > 1 && aligned(run, &columns) => {
                for (column, more) in run.iter_mut().zip(columns) {
                    column.extend(more);
                }
                *count += 1;
            }
            _ => runs.push((columns, 1)),
        }
    }
    let mut blocks: Vec<Vec<Placed>> = Vec::new();
    let mut flowing = false; // whether the last block is one that reads on
    for (columns, count) in runs {
        if columns.len() > 1 && count > 1 {
            blocks.extend(columns);
            flowing = false;
            continue;
        }
        let band = columns.into_iter().flatten();
        match blocks.last_mut() {
            Some(block) if flowing => block.extend(band),
            _ => blocks.push(band.collect()),
        }
        flowing = true;
    }
    blocks
}

/// How wide a gap running down the page, in line heights, parts two columns.
const GUTTER: f32 = 1.5;

/// Whether a band's columns continue those of the run under way: as many, each overlapping
/// its counterpart across the page.
fn aligned(section: &[Vec<Placed>], columns: &[Vec<Placed>]) -> bool {
    let span = |pieces: &[Placed]| {
        pieces.iter().fold((f32::MAX, f32::MIN), |(l, r), p| (l.min(p.bounds.0), r.max(p.bounds.2)))
    };
    section.len() == columns.len()
        && section.iter().zip(columns).all(|(a, b)| {
            let ((l1, r1), (l2, r2)) = (span(a), span(b));
            r1.min(r2) > l1.max(l2)
        })
}

/// Groups pieces along one axis (`span` gives each piece's start and end on it) where a
/// gap wider than `gap` separates them, in order.
fn split(mut pieces: Vec<Placed>, span: impl Fn(&(f32, f32, f32, f32)) -> (f32, f32), gap: f32) -> Vec<Vec<Placed>> {
    pieces.sort_by(|a, b| span(&a.bounds).0.total_cmp(&span(&b.bounds).0));
    let mut groups: Vec<Vec<Placed>> = Vec::new();
    let mut reach = f32::MIN;
    for piece in pieces {
        let (start, end) = span(&piece.bounds);
        match groups.last_mut() {
            Some(group) if start <= reach + gap => group.push(piece),
            _ => groups.push(vec![piece]),
        }
        reach = reach.max(end);
    }
    groups
}

/// A column's pieces as lines: pieces whose middles fall within one another's height
/// share a line (read left to right); a gap between lines of more than the usual line
/// height starts a paragraph.
fn lines(mut pieces: Vec<Placed>, usual: f32) -> String {
    pieces.sort_by(|a, b| a.bounds.1.total_cmp(&b.bounds.1));
    let mut rows: Vec<Vec<Placed>> = Vec::new();
    for piece in pieces {
        let middle = (piece.bounds.1 + piece.bounds.3) / 2.0;
        let fits = rows.last().is_some_and(|row| {
            let (top, bottom) =
                row.iter().fold((f32::MAX, f32::MIN), |(t, b), p| (t.min(p.bounds.1), b.max(p.bounds.3)));
            middle > top && middle < bottom
        });
        match rows.last_mut() {
            Some(row) if fits => row.push(piece),
            _ => rows.push(vec![piece]),
        }
    }
    let mut text = String::new();
    let mut last_bottom: Option<f32> = None;
    for mut row in rows {
        row.sort_by(|a, b| a.bounds.0.total_cmp(&b.bounds.0));
        let top = row.iter().map(|p| p.bounds.1).fold(f32::MAX, f32::min);
        if let Some(bottom) = last_bottom {
            text.push_str(if top - bottom > usual { "\n\n" } else { "\n" });
        }
        let words: Vec<&str> = row.iter().map(|p| p.text.as_str()).collect();
        text.push_str(&words.join(" "));
        last_bottom = Some(row.iter().map(|p| p.bounds.3).fold(f32::MIN, f32::max));
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
        Placed { text: text.into(), bounds: (left, top, right, top + 10.0) }
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
            ("nothing", vec![], ""),
        ];
        for (what, pieces, want) in cases {
            assert_eq!(read(&pieces), want, "{what}");
        }
    }
}
