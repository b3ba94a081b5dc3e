//! The real models (fetched by `scripts/setup.sh`) on the project's own test set
//! (`ocr::testset`): per kind of image, the character and word error rates the issue asks
//! for, the two-column page read column after column, and nothing read where there is no
//! text. `scripts/bench-ocr.sh` prints the same figures beside Tesseract and RapidOCR.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ocr::metric::{characters, normalise, words, Tally};
use ocr::testset::{models, samples, Kind};

/// The most each kind may get wrong: characters, words (`None`: not asserted).
fn limits(kind: Kind) -> (f64, Option<f64>) {
    match kind {
        Kind::Screenshot | Kind::Scan | Kind::Columns => (0.02, Some(0.05)),
        Kind::Sign => (0.08, None),
        Kind::NoText => (0.0, Some(0.0)),
    }
}

/// Whether the truth's lines come in the truth's order: nine in ten of its pairs of
/// lines one after the other are read one after the other (a misread line loses its two
/// pairs; two columns read across lose nearly all).
fn in_order(read: &str, truth: &str) -> bool {
    let read = normalise(read);
    let lines: Vec<&str> = truth.lines().collect();
    let pairs = lines.windows(2).filter(|pair| read.contains(&normalise(&pair.join(" ")))).count();
    pairs > 0 && pairs * 10 >= lines.len().saturating_sub(1) * 9
}

#[test]
fn the_test_set_is_read_as_well_as_the_issue_asks() {
    let ocr = ocr::Ocr::load(&models()).expect("the models: run ./scripts/setup.sh");
    let mut tallies: BTreeMap<Kind, (Tally, Tally)> = BTreeMap::new();
    for sample in samples().expect("fonts-dejavu-core") {
        let page = ocr.read(&sample.image).unwrap();
        if sample.kind == Kind::NoText {
            assert_eq!(page.text, "", "{}: {:?}", sample.name, page.lines);
        }
        if sample.kind == Kind::Columns {
            assert!(in_order(&page.text, &sample.truth), "{} out of order:\n{}", sample.name, page.text);
        }
        let entry = tallies.entry(sample.kind).or_default();
        *entry = (entry.0 + characters(&page.text, &sample.truth), entry.1 + words(&page.text, &sample.truth));
    }
    for (kind, (chars, said)) in tallies {
        let (most_chars, most_words) = limits(kind);
        let (cer, wer) = (chars.rate(), said.rate());
        eprintln!("{:<10} CER {:.2} % WER {:.2} %", kind.name(), 100.0 * cer, 100.0 * wer);
        assert!(cer <= most_chars, "{}: CER {:.2} % over {:.0} %", kind.name(), 100.0 * cer, 100.0 * most_chars);
        if let Some(most) = most_words {
            assert!(wer <= most, "{}: WER {:.2} % over {:.0} %", kind.name(), 100.0 * wer, 100.0 * most);
        }
    }
}

#[test]
fn reading_order_is_checked_line_by_line() {
    let truth = "left one\nleft two\nright one\nright two";
    assert!(in_order("left one left two\n\nright one right two", truth));
    assert!(!in_order("left one right one\nleft two right two", truth));
    assert!(!in_order("", truth));
}
