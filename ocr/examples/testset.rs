//! Writes the rendered test set (`ocr::testset`) to a directory, for the benchmark
//! (`scripts/bench-ocr.sh`) and for looking at: `cargo run --release -p ocr --example
//! testset -- DIR` makes `DIR/KIND-N.png` and beside each `DIR/KIND-N.txt`, its text in
//! reading order.

use std::path::PathBuf;

fn main() -> Result<(), String> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: testset DIR")?);
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    for sample in ocr::testset::samples()? {
        let image = dir.join(format!("{}.png", sample.name));
        sample.image.save(&image).map_err(|err| format!("{}: {err}", image.display()))?;
        let truth = dir.join(format!("{}.txt", sample.name));
        std::fs::write(&truth, format!("{}\n", sample.truth)).map_err(|err| format!("{}: {err}", truth.display()))?;
    }
    eprintln!("test set written to {}", dir.display());
    Ok(())
}
