//! The OCR benchmark's two halves (`scripts/bench-ocr.sh` runs them):
//!
//! - `bench read MODELS_DIR SET_DIR OUT_DIR`: reads every `SET_DIR/*.png` with the
//!   built-in models, loaded once, and writes `OUT_DIR/NAME.txt` and `OUT_DIR/times.tsv`
//!   (`NAME<TAB>milliseconds`, the time of `Ocr::read` alone, after one warm-up read).
//! - `bench score SET_DIR RESULTS_DIR ENGINE…`: scores each engine's
//!   `RESULTS_DIR/ENGINE/NAME.txt` against `SET_DIR/NAME.txt` with `ocr::metric` and
//!   prints, per kind, the character and word error rates and the mean time per image.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ocr::metric::{characters, words, Tally};
use ocr::testset::Kind;

const USAGE: &str = "usage: bench read MODELS_DIR SET_DIR OUT_DIR | bench score SET_DIR RESULTS_DIR ENGINE…";

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["read", models, set, out] => read(Path::new(models), Path::new(set), Path::new(out)),
        ["score", set, results, engines @ ..] if !engines.is_empty() => {
            score(Path::new(set), Path::new(results), engines)
        }
        _ => Err(USAGE.into()),
    }
}

/// The images of the set, by name, in name order.
fn images(set: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(set).map_err(|err| format!("{}: {err}", set.display()))?;
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "png"))
        .filter_map(|path| Some((path.file_stem()?.to_str()?.to_string(), path)))
        .collect();
    found.sort();
    Ok(found)
}

fn read(models: &Path, set: &Path, out: &Path) -> Result<(), String> {
    let ocr = ocr::Ocr::load(models)?;
    std::fs::create_dir_all(out).map_err(|err| format!("{}: {err}", out.display()))?;
    let mut times = String::new();
    for (n, (name, path)) in images(set)?.into_iter().enumerate() {
        let image = image::open(&path).map_err(|err| format!("{}: {err}", path.display()))?.to_rgb8();
        if n == 0 {
            ocr.read(&image)?;
        }
        let started = Instant::now();
        let page = ocr.read(&image)?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        eprintln!("{name}: {} lines in {ms:.0} ms", page.lines.len());
        write(&out.join(format!("{name}.txt")), &page.text)?;
        times.push_str(&format!("{name}\t{ms:.1}\n"));
    }
    write(&out.join("times.tsv"), &times)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|err| format!("{}: {err}", path.display()))
}

/// One engine's results on one kind: errors, and milliseconds per image.
#[derive(Default)]
struct Row {
    chars: Tally,
    words: Tally,
    ms: Vec<f64>,
}

fn score(set: &Path, results: &Path, engines: &[&str]) -> Result<(), String> {
    let images = images(set)?;
    println!("{:<11} {:<10} {:>7} {:>7} {:>9}", "kind", "engine", "CER", "WER", "ms/image");
    let mut rows: BTreeMap<(Kind, usize), Row> = BTreeMap::new();
    for (e, engine) in engines.iter().enumerate() {
        let dir = results.join(engine);
        let times = times(&dir.join("times.tsv"))?;
        for (name, _) in &images {
            let kind = kind_of(name).ok_or_else(|| format!("{name}: not a kind of the test set"))?;
            let truth = text(&set.join(format!("{name}.txt")))?;
            let read = text(&dir.join(format!("{name}.txt"))).unwrap_or_default();
            let row = rows.entry((kind, e)).or_default();
            row.chars = row.chars + characters(&read, &truth);
            row.words = row.words + words(&read, &truth);
            row.ms.extend(times.get(name.as_str()));
        }
    }
    for ((kind, e), row) in &rows {
        let ms = row.ms.iter().sum::<f64>() / row.ms.len().max(1) as f64;
        let (cer, wer) = if *kind == Kind::NoText {
            (format!("{} ch", row.chars.errors), format!("{} w", row.words.errors))
        } else {
            (percent(row.chars), percent(row.words))
        };
        println!("{:<11} {:<10} {cer:>7} {wer:>7} {ms:>9.0}", kind.name(), engines[*e]);
    }
    println!("(CER/WER: edit distance over the truth's characters/words, whitespace runs as one space;");
    println!(" no-text: characters and words invented; goals: clean CER <= 2 %, WER <= 5 %, sign CER <= 8 %)");
    Ok(())
}

fn percent(tally: Tally) -> String {
    format!("{:.1} %", 100.0 * tally.rate())
}

/// The kind an image's name (`KIND-N`) says.
fn kind_of(name: &str) -> Option<Kind> {
    Kind::from_name(name.rsplit_once('-')?.0)
}

fn text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))
}

/// An engine's `times.tsv`: milliseconds by image name.
fn times(path: &Path) -> Result<BTreeMap<String, f64>, String> {
    let text = text(path)?;
    Ok(text
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter_map(|(name, ms)| Some((name.to_string(), ms.trim().parse().ok()?)))
        .collect())
}
