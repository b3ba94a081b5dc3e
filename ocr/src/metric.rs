//! How far a reading is from the truth: character and word error rates, the measures the
//! accuracy test asserts and the benchmark prints for every engine.
//!
//! Both compare texts with their whitespace normalised: every run of spaces, line breaks
//! and blank lines counts as one space, and leading or trailing whitespace not at all. So
//! the order of the lines matters (two columns read across both are wrong), but how an
//! engine marks a line or a paragraph does not. Words are what whitespace separates, so a
//! space left out between two words is a word error (two words lost, one invented).

/// Errors against a reference: edits needed, and how long the reference is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Insertions, deletions and substitutions that turn the reading into the truth.
    pub errors: usize,
    /// Characters or words in the truth.
    pub length: usize,
}

impl Tally {
    /// Errors per unit of reference; a reading of nothing where the truth is nothing is
    /// 0, anything read where there is nothing counts each unit invented as one whole.
    pub fn rate(self) -> f64 {
        self.errors as f64 / self.length.max(1) as f64
    }
}

/// Two tallies as one, as over all the images of a kind.
impl std::ops::Add for Tally {
    type Output = Tally;

    fn add(self, other: Tally) -> Tally {
        Tally { errors: self.errors + other.errors, length: self.length + other.length }
    }
}

/// The text as compared: whitespace runs as one space, trimmed.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Character errors of `read` against `truth` (both normalised first).
pub fn characters(read: &str, truth: &str) -> Tally {
    let (read, truth): (Vec<char>, Vec<char>) = (normalise(read).chars().collect(), normalise(truth).chars().collect());
    Tally { errors: edit_distance(&read, &truth), length: truth.len() }
}

/// Word errors of `read` against `truth`, words split on whitespace.
pub fn words(read: &str, truth: &str) -> Tally {
    let (read, truth): (Vec<&str>, Vec<&str>) = (read.split_whitespace().collect(), truth.split_whitespace().collect());
    Tally { errors: edit_distance(&read, &truth), length: truth.len() }
}

/// Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`.
pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(x != y);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        let cases = [
            ("", "", 0),
            ("abc", "", 3),
            ("", "abc", 3),
            ("kitten", "sitting", 3),
            ("flaw", "lawn", 2),
            ("same", "same", 0),
            ("ab", "ba", 2),
        ];
        for (a, b, want) in cases {
            assert_eq!(edit_distance(&chars(a), &chars(b)), want, "{a:?} → {b:?}");
        }
    }

    #[test]
    fn character_and_word_rates_with_whitespace_normalised() {
        // (read, truth, character errors, characters, word errors, words)
        let cases = [
            ("Hello world", "Hello world", 0, 11, 0, 2),
            ("Hello\n\nworld ", " Hello world", 0, 11, 0, 2),
            ("Helloworld", "Hello world", 1, 11, 2, 2),
            ("Hel1o world", "Hello world", 1, 11, 1, 2),
            ("right\nleft", "left\nright", 8, 10, 2, 2),
            ("", "two words", 9, 9, 2, 2),
            ("", "", 0, 0, 0, 0),
            ("ghost", "", 5, 0, 1, 0),
        ];
        for (read, truth, ce, cl, we, wl) in cases {
            assert_eq!(characters(read, truth), Tally { errors: ce, length: cl }, "{read:?} chars");
            assert_eq!(words(read, truth), Tally { errors: we, length: wl }, "{read:?} words");
        }
    }

    #[test]
    fn rates_and_sums() {
        let a = Tally { errors: 1, length: 50 };
        let b = Tally { errors: 3, length: 150 };
        assert_eq!(a + b, Tally { errors: 4, length: 200 });
        assert!(((a + b).rate() - 0.02).abs() < 1e-12);
        assert_eq!(Tally::default().rate(), 0.0);
        assert_eq!(Tally { errors: 5, length: 0 }.rate(), 5.0);
    }
}
