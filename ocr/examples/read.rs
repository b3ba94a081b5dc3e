//! Reads the text of images with the built-in models: `cargo run --release -p ocr
//! --example read -- MODELS_DIR IMAGE…`, the text and the time for each.

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: read MODELS_DIR IMAGE…")?;
    let started = std::time::Instant::now();
    let ocr = ocr::Ocr::load(std::path::Path::new(&dir))?;
    eprintln!("models loaded in {:?}", started.elapsed());
    for path in args {
        let image = image::open(&path).map_err(|err| format!("{path}: {err}"))?.to_rgb8();
        let started = std::time::Instant::now();
        let page = ocr.read(&image)?;
        eprintln!("{path}: {} lines in {:?}", page.lines.len(), started.elapsed());
        for line in &page.lines {
            eprintln!("  {:?} {:.3} {:?}", line.text, line.score, line.quad.bounds());
        }
        println!("{}", page.text);
    }
    Ok(())
}
