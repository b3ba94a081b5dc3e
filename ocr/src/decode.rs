//! Reading the recogniser's output: greedy CTC decoding against the key list, keeping
//! where each character sits, and the spaces between words put back from those places.

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

/// How far apart (in the output's steps) two characters of one word may sit compared
/// with the line's usual distance before a space is put between them.
const WORD_GAP: f32 = 1.75;
/// A space the model saw but ranked below a blank still counts above this probability.
const FAINT_SPACE: f32 = 0.05;

/// Greedy CTC over `steps × classes` probabilities: the best class each step, repeats
/// and blanks dropped. PP-OCRv4 often leaves out the space between Latin words; one is
/// put back where the model gave a space some probability, or where two letters or digits
/// sit much further apart than the line's characters usually do.
pub fn ctc(probs: &[f32], steps: usize, classes: usize, keys: &Keys) -> Decoded {
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
    let text_steps: Vec<usize> = chars.iter().filter(|c| c.0 != space).map(|c| c.1).collect();
    let usual = usual_gap(&text_steps);
    let mut text = String::new();
    for (i, &(class, step, _)) in chars.iter().enumerate() {
        if class == space {
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
            continue;
        }
        let Some(key) = keys.get(class) else { continue };
        if let Some(&(before, before_step, _)) = i.checked_sub(1).map(|j| &chars[j]) {
            let latin = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric());
            let joined = before != space && keys.get(before).is_some_and(latin) && latin(key);
            let faint = (before_step + 1..step).any(|s| probs[s * classes + space.min(classes - 1)] > FAINT_SPACE);
            let far = usual.is_some_and(|usual| (step - before_step) as f32 > WORD_GAP * usual);
            if joined && (faint || far) {
                text.push(' ');
            }
        }
        text.push_str(key);
    }
    let score = if chars.is_empty() { 0.0 } else { chars.iter().map(|c| c.2).sum::<f32>() / chars.len() as f32 };
    Decoded { text: text.trim().to_string(), score }
}

/// The median distance between neighbouring characters, when there are enough to say.
fn usual_gap(steps: &[usize]) -> Option<f32> {
    let mut gaps: Vec<usize> = steps.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.len() < 3 {
        return None;
    }
    gaps.sort_unstable();
    Some(gaps[gaps.len() / 2] as f32)
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
        // Classes: 0 blank, a b c d o g t (1..=7), 8 space.
        let keys = Keys::parse("a\nb\nc\nd\no\ng\nt");
        let classes = keys.len();
        assert_eq!(classes, 9);
        let (a, b, c, d, o, g, t, space) = (1, 2, 3, 4, 5, 6, 7, 8);
        let cases: Vec<(&str, Vec<usize>, Vec<usize>, &str)> = vec![
            ("repeats and blanks", vec![c, c, 0, a, a, 0, t, 0], vec![], "cat"),
            ("a repeat across a blank is two letters", vec![o, 0, o, 0, d, 0], vec![], "ood"),
            ("the space it saw", vec![a, 0, space, 0, b, 0], vec![], "a b"),
            ("a space ranked below a blank", vec![c, 0, a, 0, t, 0, 0, d, 0, o, 0, g], vec![6], "cat dog"),
            ("words far apart", vec![c, 0, a, 0, t, 0, 0, 0, 0, 0, d, 0, o, 0, g, 0], vec![], "cat dog"),
            ("letters evenly spaced stay one word", vec![d, 0, o, 0, g, 0, c, 0, a, 0, t], vec![], "dogcat"),
            ("nothing", vec![0, 0, 0], vec![], ""),
        ];
        for (what, steps, faint, want) in cases {
            let probs = output(&steps, classes, &faint);
            assert_eq!(ctc(&probs, steps.len(), classes, &keys).text, want, "{what}");
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
