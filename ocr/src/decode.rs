//! Reading the recogniser's output: greedy CTC decoding against the key list, keeping
//! where each character sits, and the spaces between words put back from those places
//! and the blank stretches of the line's image between them.

/// One line of recognised text.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub text: String,
    /// The mean probability of its characters.
    pub score: f32,
}

/// The recogniser's classes: 0 is CTC's blank, then the key list, then a space.
pub struct Keys {
    keys: Vec<String>,
}

impl Keys {
    /// From the key list's text, one key a line.
    pub fn parse(text: &str) -> Keys {
        let mut keys = vec![String::new()];
        keys.extend(text.lines().map(|line| line.trim_end_matches('\r').to_string()));
        keys.push(" ".into());
        Keys { keys }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.len() <= 2
    }

    fn get(&self, class: usize) -> Option<&str> {
        self.keys.get(class).map(String::as_str)
    }

    fn space(&self) -> usize {
        self.keys.len() - 1
    }
}

/// A space the model saw but ranked below a blank still counts above this probability.
const FAINT_SPACE: f32 = 0.05;

/// Where the line's image (as the recogniser took it, 48 px high) shows no ink, column by
/// column, how many input columns each output step covers, and how wide a blank stretch
/// is a word space on this line.
#[derive(Clone, Debug, Default)]
pub struct Gaps {
    blank: Vec<bool>,
    columns_per_step: f32,
    word_space: usize,
}

/// A blank stretch this many times the line's usual one (between letters) is a word
/// space, as long as it is also as wide as [`MIN_SPACE`] of the line's height.
const SPACE_OVER_USUAL: f32 = 2.5;
const MIN_SPACE: f32 = 0.1;

impl Gaps {
    pub fn new(blank: Vec<bool>, columns_per_step: f32) -> Gaps {
        let mut runs: Vec<usize> = Vec::new();
        let mut run = 0;
        for &is_blank in blank.iter().skip_while(|b| **b) {
            if is_blank {
                run += 1;
            } else if run > 0 {
                runs.push(std::mem::take(&mut run));
            }
        }
        runs.sort_unstable();
        let usual = runs.get(runs.len() / 2).copied().unwrap_or(0) as f32;
        let word_space = (SPACE_OVER_USUAL * usual).max(MIN_SPACE * 48.0).ceil() as usize;
        Gaps { blank, columns_per_step, word_space }
    }

    /// Whether a blank stretch as wide as a word space lies between the middles of two
    /// output steps.
    fn between(&self, from: usize, to: usize) -> bool {
        let column = |step: usize| ((step as f32 + 0.5) * self.columns_per_step) as usize;
        let (start, end) = (column(from).min(self.blank.len()), column(to).min(self.blank.len()));
        let mut run = 0;
        for &blank in &self.blank[start..end] {
            run = if blank { run + 1 } else { 0 };
            if run >= self.word_space && self.word_space > 0 {
                return true;
            }
        }
        false
    }
}

/// Greedy CTC over `steps × classes` probabilities: the best class each step, repeats
/// and blanks dropped. PP-OCRv4 often leaves out the space between Latin words; one is
/// put back where the model gave a space some probability, or where the line's image is
/// blank for a word space between two characters ([`Gaps`]).
pub fn ctc(probs: &[f32], steps: usize, classes: usize, keys: &Keys, gaps: &Gaps) -> Decoded {
    let mut chars: Vec<(usize, usize, f32)> = Vec::new(); // (class, step, probability)
    let mut previous = 0;
    for step in 0..steps {
        let row = &probs[step * classes..(step + 1) * classes];
        let (best, p) = row.iter().enumerate().fold((0, f32::MIN), |a, (i, &p)| if p > a.1 { (i, p) } else { a });
        if best != 0 && best != previous {
            chars.push((best, step, p));
        }
        previous = best;
    }
    let space = keys.space();
    let mut text = String::new();
    for (i, &(class, step, _)) in chars.iter().enumerate() {
        if class == space {
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
            continue;
        }
        let Some(mut key) = keys.get(class) else { continue };
        if let Some(&(before, before_step, _)) = i.checked_sub(1).map(|j| &chars[j]) {
            let latin = |s: &str| s.chars().all(|c| c.is_ascii_graphic());
            let after_latin = before != space && keys.get(before).is_some_and(latin);
            if after_latin {
                key = ascii_form(key);
            }
            let faint = (before_step + 1..step).any(|s| probs[s * classes + space.min(classes - 1)] > FAINT_SPACE);
            // Digits' own side bearings (a serif 1's), and the points and colons inside
            // numbers (12.50, 6:15), leave blanks as wide as spaces.
            let in_number =
                keys.get(before).is_some_and(|k| k.chars().all(|c| c.is_ascii_digit() || ".,:".contains(c)))
                    && key.chars().all(|c| c.is_ascii_digit());
            let blank = !in_number && gaps.between(before_step, step);
            if after_latin && latin(key) && !closes(key) && (faint || blank) {
                text.push(' ');
            }
        }
        text.push_str(key);
    }
    let score = if chars.is_empty() { 0.0 } else { chars.iter().map(|c| c.2).sum::<f32>() / chars.len() as f32 };
    Decoded { text: text.trim().to_string(), score }
}

/// Punctuation that follows a word without a space.
fn closes(key: &str) -> bool {
    matches!(key, "." | "," | ";" | ":" | "!" | "?" | ")" | "]" | "}" | "%")
}

/// A full-width form (as the model writes `，` after a Latin word) as its ASCII character.
fn ascii_form(key: &str) -> &str {
    const FORMS: &str = "！＂＃＄％＆＇（）＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～";
    const ASCII: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    match FORMS.chars().position(|c| key.chars().eq([c])) {
        Some(at) => &ASCII[at..at + 1],
        None => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made output: at each step the class given, the rest a little.
    fn output(steps: &[usize], classes: usize, faint_space: &[usize]) -> Vec<f32> {
        let mut probs = vec![0.001f32; steps.len() * classes];
        for (step, &class) in steps.iter().enumerate() {
            probs[step * classes + class] = 0.9;
            if faint_space.contains(&step) {
                probs[step * classes + classes - 1] = 0.2;
            }
        }
        probs
    }

    #[test]
    fn ctc_drops_blanks_and_repeats_and_puts_back_the_spaces_it_lost() {
        // Classes: 0 blank, a b c d o g t . ， (1..=9), 10 space.
        let keys = Keys::parse("a\nb\nc\nd\no\ng\nt\n.\n，");
        let classes = keys.len();
        assert_eq!(classes, 11);
        let (a, b, c, d, o, g, t, dot, wide_comma, space) = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        // Blank image columns (8 a step) over steps 5 to 9 of "words far apart".
        let far = Gaps::new((0..128).map(|x| (44..76).contains(&x) || x % 16 == 0).collect(), 8.0);
        let cases: Vec<(&str, Vec<usize>, Vec<usize>, &str)> = vec![
            ("repeats and blanks", vec![c, c, 0, a, a, 0, t, 0], vec![], "cat"),
            ("a repeat across a blank is two letters", vec![o, 0, o, 0, d, 0], vec![], "ood"),
            ("the space it saw", vec![a, 0, space, 0, b, 0], vec![], "a b"),
            ("a space ranked below a blank", vec![c, 0, a, 0, t, 0, 0, d, 0, o, 0, g], vec![6], "cat dog"),
            ("words far apart", vec![c, 0, a, 0, t, 0, 0, 0, 0, 0, d, 0, o, 0, g, 0], vec![], "cat dog"),
            ("letters evenly spaced stay one word", vec![d, 0, o, 0, g, 0, c, 0, a, 0, t], vec![], "dogcat"),
            (
                "far apart in steps but not in ink",
                vec![c, 0, a, 0, t, 0, 0, 0, 0, 0, d, 0, o, 0, g, 0],
                vec![],
                "catdog",
            ),
            ("nothing", vec![0, 0, 0], vec![], ""),
            ("no space before a full stop", vec![c, 0, a, 0, t, 0, dot], vec![5], "cat."),
            ("a full-width comma after a Latin word", vec![c, 0, a, 0, t, wide_comma, 0, d], vec![], "cat,d"),
        ];
        for (what, steps, faint, want) in cases {
            let probs = output(&steps, classes, &faint);
            let gaps = if what == "words far apart" { far.clone() } else { Gaps::default() };
            assert_eq!(ctc(&probs, steps.len(), classes, &keys, &gaps).text, want, "{what}");
        }
    }

    #[test]
    fn the_key_list_is_blank_keys_space() {
        let keys = Keys::parse("あ\r\n1\n$");
        assert_eq!(
            (keys.get(0), keys.get(1), keys.get(2), keys.get(3), keys.get(4)),
            (Some(""), Some("あ"), Some("1"), Some("$"), Some(" "))
        );
    }
}
