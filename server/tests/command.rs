//! `picscribe describe` as a user runs it: the real binary, temporary folders of real
//! images, the stub provider on loopback, and an image server for URLs.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use axum::response::IntoResponse;
use axum::routing::get;
use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use server::stub::Stub;

const KEY: &str = "sk-test-0123456789abcdefghijklmnop";

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn photo(width: u32, height: u32, seed: u8) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x / 7) as u8 ^ seed, (y / 5) as u8, seed.wrapping_mul(31)])
    }))
}

fn save(path: &Path, image: &DynamicImage, format: ImageFormat) -> Result {
    std::fs::create_dir_all(path.parent().ok_or("no parent")?)?;
    image.save_with_format(path, format)?;
    Ok(())
}

/// A folder as a curator has it: nested JPEG, PNG, WebP and GIF, two broken images and a
/// text file.
fn folder(root: &Path) -> Result {
    save(&root.join("a.jpg"), &photo(1600, 1200, 1), ImageFormat::Jpeg)?;
    save(&root.join("2024/trip/b.png"), &photo(800, 600, 2), ImageFormat::Png)?;
    let see_through = DynamicImage::ImageRgba8(RgbaImage::from_fn(300, 200, |x, _| image::Rgba([9, 9, 9, x as u8])));
    save(&root.join("2024/c.webp"), &see_through, ImageFormat::WebP)?;
    save(&root.join("2024/trip/d.gif"), &photo(120, 90, 4), ImageFormat::Gif)?;
    let whole = std::fs::read(root.join("a.jpg"))?;
    std::fs::write(root.join("broken-cut.jpg"), &whole[..whole.len() / 3])?;
    std::fs::write(root.join("2024/broken.png"), b"\x89PNG\r\n\x1a\nthis is not a png at all")?;
    std::fs::write(root.join("notes.txt"), "not an image")?;
    Ok(())
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    stub: Stub,
    url: String,
}

impl Setup {
    async fn new(stub: Stub) -> Result<Setup> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().to_path_buf();
        let url = stub.clone().spawn().await?;
        Ok(Setup { _dir: dir, root, stub, url })
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_picscribe"));
        command
            .arg("describe")
            .args(args)
            .current_dir(&self.root)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OPENAI_API_KEY", KEY)
            .env("OPENAI_BASE_URL", format!("{}/v1", self.url))
            .env("PICSCRIBE_DATA_DIR", self.root.join("data"))
            .env("PICSCRIBE_FETCH_ALLOW", "127.0.0.1")
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> Result<Output> {
        Ok(self.command(args).output().await?)
    }

    fn calls(&self) -> usize {
        self.stub.requests().len()
    }
}

fn said(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_is_described_once_with_a_caption_beside_each_image() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    let photos = setup.root.join("photos");
    folder(&photos)?;

    let first = setup.run(&["photos", "--sidecars", "--out", "results.csv"]).await?;
    let stderr = said(&first);
    assert_eq!(first.status.code(), Some(1), "two broken images: {stderr}");
    assert_eq!(setup.calls(), 4, "every good image once: {stderr}");
    assert!(stderr.contains("broken-cut.jpg: broken-cut.jpg is cut short"), "{stderr}");
    assert!(stderr.contains("2024/broken.png: 2024/broken.png is cut short"), "{stderr}");
    assert!(!stderr.contains("notes.txt"), "a text file is not an image to describe: {stderr}");

    let caption = std::fs::read_to_string(photos.join("a.txt"))?;
    assert!(caption.starts_with("Stub description of a 1024×768 JPEG image"), "the page's size: {caption}");
    let gif = std::fs::read_to_string(photos.join("2024/trip/d.txt"))?;
    assert!(gif.starts_with("Stub description of a 120×90 JPEG image"), "{gif}");
    let webp = std::fs::read_to_string(photos.join("2024/c.txt"))?;
    assert!(webp.contains("PNG image"), "transparency is kept as PNG: {webp}");
    assert!(!photos.join("broken-cut.txt").exists());

    let mut reader = csv::Reader::from_path(setup.root.join("results.csv"))?;
    let names: Vec<String> =
        reader.records().map(|r| r.map(|r| r[0].to_string())).collect::<std::result::Result<_, _>>()?;
    assert_eq!(names, ["2024/c.webp", "2024/trip/b.png", "2024/trip/d.gif", "a.jpg"], "named inside the folder");

    let again =
        setup.run(&["photos", "--glob", "*.jpg", "--glob", "*.png", "--glob", "*.webp", "--glob", "*.gif"]).await?;
    assert_eq!(again.status.code(), Some(1), "the broken ones still have no description");
    assert_eq!(setup.calls(), 4, "nothing is sent twice: {}", said(&again));
    assert!(said(&again).contains("Described 4 images (4 already described), 2 failed"), "{}", said(&again));

    let other_prompt = setup.run(&["photos/a.jpg", "--prompt", "Tags for {filename}"]).await?;
    assert_eq!(other_prompt.status.code(), Some(0), "{}", said(&other_prompt));
    assert_eq!(setup.calls(), 5, "another prompt is another call");
    let recorded = setup.stub.requests().pop().ok_or("no request")?;
    assert_eq!(recorded.prompt, "Tags for a.jpg");

    let warm = setup.run(&["photos/a.jpg", "--temperature", "0.7"]).await?;
    assert_eq!(warm.status.code(), Some(0), "{}", said(&warm));
    assert_eq!(setup.calls(), 6, "a temperature is another call");
    let recorded = setup.stub.requests().pop().ok_or("no request")?;
    assert!(recorded.temperature.is_some_and(|t| (t - 0.7).abs() < 1e-6), "{:?}", recorded.temperature);
    let again = setup.run(&["photos/a.jpg", "--temperature", "0.70"]).await?;
    assert_eq!((again.status.code(), setup.calls()), (Some(0), 6), "the same temperature is the same call");
    let hot = setup.run(&["photos/a.jpg", "--temperature", "2.5"]).await?;
    assert_eq!(hot.status.code(), Some(2), "{}", said(&hot));
    assert!(said(&hot).contains("a number from 0 to 2"), "{}", said(&hot));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_run_is_taken_up_where_it_stopped() -> Result {
    let mut stub = Stub::new(Some(KEY.into()));
    stub.think = Duration::from_millis(400);
    let setup = Setup::new(stub).await?;
    let photos = setup.root.join("photos");
    for n in 0..12u8 {
        save(&photos.join(format!("p{n:02}.jpg")), &photo(640, 480, n), ImageFormat::Jpeg)?;
    }
    let mut child = setup.command(&["photos", "--parallel", "2"]).stderr(std::process::Stdio::null()).spawn()?;
    let waiting = tokio::time::Instant::now();
    while setup.calls() < 5 {
        assert!(waiting.elapsed() < Duration::from_secs(60), "the run never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await?; // SIGKILL: nothing gets to tidy up
    let at_kill = setup.calls();

    let rerun = setup.run(&["photos", "--parallel", "2", "--sidecars"]).await?;
    assert_eq!(rerun.status.code(), Some(0), "{}", said(&rerun));
    let total = setup.calls();
    assert!(
        total <= 12 + 2,
        "each image sent once, plus at most the two in flight at the kill: {total} (killed at {at_kill})"
    );
    let mut sent: Vec<usize> = setup.stub.requests().iter().map(|r| r.image_bytes).collect();
    sent.sort_unstable();
    sent.dedup();
    assert_eq!(sent.len(), 12, "every image was sent");
    for n in 0..12 {
        assert!(photos.join(format!("p{n:02}.txt")).exists(), "p{n:02} has its caption");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_image_in_two_folders_is_sent_once() -> Result {
    let mut stub = Stub::new(Some(KEY.into()));
    stub.think = Duration::from_millis(200);
    let setup = Setup::new(stub).await?;
    save(&setup.root.join("photos/a.jpg"), &photo(640, 480, 1), ImageFormat::Jpeg)?;
    std::fs::create_dir_all(setup.root.join("photos/copies"))?;
    std::fs::copy(setup.root.join("photos/a.jpg"), setup.root.join("photos/copies/a.jpg"))?;
    let output = setup.run(&["photos", "--parallel", "4", "--sidecars"]).await?;
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    assert_eq!(setup.calls(), 1, "one paid call for the two copies");
    let first = std::fs::read_to_string(setup.root.join("photos/a.txt"))?;
    assert_eq!(std::fs::read_to_string(setup.root.join("photos/copies/a.txt"))?, first);
    assert!(said(&output).contains("Described 2 images (1 already described)"), "{}", said(&output));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn fields_come_back_as_fields() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    save(&setup.root.join("photos/mug.jpg"), &photo(800, 600, 3), ImageFormat::Jpeg)?;
    std::fs::write(
        setup.root.join("fields.toml"),
        "[[field]]\nname = \"alt_text\"\ninstruction = \"One sentence.\"\n\n[[field]]\nname = \"tags\"\ntype = \"list\"\n",
    )?;
    let output = setup.run(&["photos", "--fields", "fields.toml", "--out", "results.json", "--sidecars"]).await?;
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    assert!(setup.stub.requests()[0].schema.is_some(), "sent as structured output");
    let rows: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(setup.root.join("results.json"))?)?;
    let row = &rows[0];
    assert!(row.get("description").is_none(), "the answer's JSON is not a description: {row}");
    assert_eq!(row["fields"]["tags"], serde_json::json!(["tags one", "tags two"]));
    let alt = row["fields"]["alt_text"].as_str().ok_or("no alt_text")?;
    assert!(alt.starts_with("Stub alt_text of a 800×600 image"), "{alt}");
    assert_eq!(std::fs::read_to_string(setup.root.join("photos/mug.txt"))?, alt, "the caption is the first field");

    std::fs::write(setup.root.join("bad.toml"), "[[field]]\nname = \"x\"\ntype = \"colour\"\n")?;
    let bad = setup.run(&["photos", "--fields", "bad.toml"]).await?;
    assert_eq!(bad.status.code(), Some(2));
    assert!(said(&bad).contains("has type “colour”"), "{}", said(&bad));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_estimate_calls_nothing() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    save(&setup.root.join("photos/a.jpg"), &photo(1600, 1200, 1), ImageFormat::Jpeg)?;
    save(&setup.root.join("photos/b.jpg"), &photo(400, 300, 2), ImageFormat::Jpeg)?;
    let estimate = setup.run(&["photos", "--estimate"]).await?;
    assert_eq!(estimate.status.code(), Some(0), "{}", said(&estimate));
    let stdout = String::from_utf8_lossy(&estimate.stdout);
    assert!(stdout.starts_with("2 images: about "), "{stdout}");
    assert!(stdout.contains(" tokens, about $"), "gpt-4o-mini has a price: {stdout}");
    assert_eq!(setup.calls(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_and_configuration_errors_exit_2() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    let cases: [&[&str]; 4] =
        [&[], &["no-such-folder"], &[".", "--out", "results.xlsx"], &[".", "--provider", "nobody"]];
    for args in cases {
        let output = setup.run(args).await?;
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", said(&output));
        assert!(said(&output).starts_with("picscribe describe: "), "a sentence: {}", said(&output));
    }
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_picscribe")).args(["describe", "--help"]).output()?;
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in ["--glob", "--from", "--preset", "--sidecars-dir", "--write-metadata", "--estimate", "Exit status"] {
        assert!(help.contains(flag), "--help lists {flag}");
    }
    assert_eq!(setup.calls(), 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn copies_carry_the_alt_text_a_real_parser_reads() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    save(&setup.root.join("photos/2024/a.jpg"), &photo(800, 600, 1), ImageFormat::Jpeg)?;
    let output = setup.run(&["photos", "--write-metadata", "with-alt", "--sidecars-dir", "captions"]).await?;
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    let caption = std::fs::read_to_string(setup.root.join("captions/2024/a.txt"))?;
    let copy = std::fs::read(setup.root.join("with-alt/2024/a.jpg"))?;
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&copy))?;
    let field = exif.get_field(exif::Tag::ImageDescription, exif::In::PRIMARY).ok_or("no ImageDescription")?;
    let exif::Value::Ascii(parts) = &field.value else { return Err("ImageDescription is not text".into()) };
    assert_eq!(String::from_utf8_lossy(&parts[0]), caption);
    assert!(!setup.root.join("photos/2024/a.txt").exists(), "the sidecars went to their own folder");
    Ok(())
}

/// A shop's image server on loopback.
async fn image_server() -> Result<String> {
    let mut jpeg = Vec::new();
    photo(1200, 900, 7).write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg)?;
    let app = axum::Router::new()
        .route("/files/mug.jpg", get(move || async move { ([("content-type", "text/plain")], jpeg).into_response() }))
        .route("/page.html", get(|| async { ([("content-type", "image/jpeg")], "<html>not an image</html>") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shop_feed_comes_back_with_its_columns_and_descriptions() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    let images = image_server().await?;
    let feed = format!(
        "Handle,Title,Image Src,Variant SKU\r\n\
         mug,Blue mug,{images}/files/mug.jpg,M-1\r\n\
         mug,,,M-2\r\n\
         inside,Router,http://10.0.0.1/admin.jpg,R-1\r\n\
         page,Page,{images}/page.html,P-1\r\n"
    );
    std::fs::write(setup.root.join("products.csv"), feed)?;
    let output = setup.run(&["--from", "products.csv", "--out", "described.csv"]).await?;
    let stderr = said(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("http://10.0.0.1/admin.jpg was not fetched: it points at an address inside this network."),
        "{stderr}"
    );
    assert!(stderr.contains("page.html was not fetched: it is not a JPEG, PNG, GIF or WebP image."), "{stderr}");
    assert_eq!(setup.calls(), 1);

    let mut reader = csv::Reader::from_path(setup.root.join("described.csv"))?;
    assert_eq!(
        reader.headers()?.iter().collect::<Vec<_>>(),
        ["Handle", "Title", "Image Src", "Variant SKU", "description"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(String::from).collect()))
        .collect::<std::result::Result<_, _>>()?;
    assert_eq!(rows.len(), 4, "every row comes back");
    assert_eq!(rows[0][..4], ["mug", "Blue mug", &format!("{images}/files/mug.jpg"), "M-1"]);
    assert!(rows[0][4].starts_with("Stub description of a 1024×768 JPEG image"), "{:?}", rows[0]);
    assert_eq!(rows[1], ["mug", "", "", "M-2", ""], "a variant row without an image, unchanged");
    assert_eq!(rows[2][4], "", "a refused URL has no description");

    let json = setup.run(&["--from", "products.csv", "--out", "described.jsonl"]).await?;
    assert_eq!(setup.calls(), 1, "described already: {}", said(&json));
    let line = std::fs::read_to_string(setup.root.join("described.jsonl"))?;
    let line: serde_json::Value = serde_json::from_str(line.lines().next().ok_or("no line")?)?;
    assert_eq!(line["file_name"], "mug.jpg", "named by the URL's last segment");
    assert_eq!(line["url"], format!("{images}/files/mug.jpg"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_products_photos_are_described_together() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    let shop = setup.root.join("shop");
    save(&shop.join("mug-1.jpg"), &photo(640, 480, 1), ImageFormat::Jpeg)?;
    save(&shop.join("mug_2.jpg"), &photo(480, 640, 2), ImageFormat::Jpeg)?;
    save(&shop.join("mug (3).jpg"), &photo(500, 500, 3), ImageFormat::Jpeg)?;
    save(&shop.join("lamp.jpg"), &photo(300, 200, 4), ImageFormat::Jpeg)?;
    save(&shop.join("IMG_1234.jpg"), &photo(200, 150, 5), ImageFormat::Jpeg)?;
    save(&shop.join("IMG_1235.jpg"), &photo(200, 150, 6), ImageFormat::Jpeg)?;

    let out = setup.run(&["shop", "--group-by-name", "--sidecars", "--out", "items.csv"]).await?;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let sent = setup.stub.requests();
    assert_eq!(sent.len(), 4, "the mug once, the lamp, two camera photos apart");
    let mug = sent.iter().find(|r| r.images.len() == 3).ok_or("no request with the three mug photos")?;
    assert_eq!(mug.images, [(500, 500), (640, 480), (480, 640)], "in name order: mug (3), mug-1, mug_2");
    let mut reader = csv::Reader::from_path(setup.root.join("items.csv"))?;
    let names: Vec<String> =
        reader.records().map(|r| r.map(|r| r[0].to_string())).collect::<std::result::Result<_, _>>()?;
    assert_eq!(names, ["IMG_1234.jpg", "IMG_1235.jpg", "lamp.jpg", "mug (3).jpg; mug-1.jpg; mug_2.jpg"]);
    for photo in ["mug-1.txt", "mug_2.txt", "mug (3).txt"] {
        let caption = std::fs::read_to_string(shop.join(photo))?;
        assert!(caption.starts_with("Stub description of 3 images (500×500, 640×480, 480×640)"), "{photo}: {caption}");
    }

    let again = setup.run(&["shop", "--group-by-name"]).await?;
    assert_eq!((again.status.code(), setup.calls()), (Some(0), 4), "an item is cached as one call");
    let apart = setup.run(&["shop/mug-1.jpg"]).await?;
    assert_eq!((apart.status.code(), setup.calls()), (Some(0), 5), "one photo alone is another call");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feeds_rows_of_one_product_are_one_item() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    let shop = setup.root.join("feed");
    save(&shop.join("mug-front.jpg"), &photo(640, 480, 1), ImageFormat::Jpeg)?;
    save(&shop.join("mug-back.jpg"), &photo(480, 640, 2), ImageFormat::Jpeg)?;
    save(&shop.join("lamp.jpg"), &photo(300, 200, 3), ImageFormat::Jpeg)?;
    let feed =
        "Handle,Title,Image Src\r\nmug,Blue mug,mug-front.jpg\r\nmug,,mug-back.jpg\r\nmug,,\r\nlamp,Lamp,lamp.jpg\r\n";
    std::fs::write(shop.join("products.csv"), feed)?;
    let out = setup.run(&["--from", "feed/products.csv", "--group-column", "Handle", "--out", "out.csv"]).await?;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let sent = setup.stub.requests();
    let mut counts: Vec<usize> = sent.iter().map(|r| r.images.len()).collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2], "{}", said(&out));
    let mut reader = csv::Reader::from_path(setup.root.join("out.csv"))?;
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(String::from).collect()))
        .collect::<std::result::Result<_, _>>()?;
    assert_eq!(rows.len(), 4, "every row comes back, in its place");
    assert!(rows[0][3].starts_with("Stub description of 2 images (640×480, 480×640)"), "{:?}", rows[0]);
    assert_eq!(rows[1][..], ["mug", "", "mug-back.jpg", ""], "the product's text is on its first row");
    assert_eq!(rows[2][..], ["mug", "", "", ""]);
    assert!(rows[3][3].starts_with("Stub description of a 300×200"), "{:?}", rows[3]);

    let wrong = setup.run(&["--from", "feed/products.csv", "--group-column", "Handel"]).await?;
    assert_eq!(wrong.status.code(), Some(2));
    assert!(said(&wrong).contains("--group-column Handel: the feed has no such column"), "{}", said(&wrong));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_models_side_by_side() -> Result {
    let setup = Setup::new(Stub::new(Some(KEY.into()))).await?;
    let photos = setup.root.join("photos");
    save(&photos.join("a.jpg"), &photo(640, 480, 1), ImageFormat::Jpeg)?;
    save(&photos.join("b.jpg"), &photo(300, 200, 2), ImageFormat::Jpeg)?;
    let compare = |out: &str| {
        let mut command =
            setup.command(&["photos", "--compare", "openai:stub-vision,anthropic:claude-stub-4", "--out", out]);
        command.env("ANTHROPIC_API_KEY", KEY).env("ANTHROPIC_BASE_URL", &setup.url);
        command
    };
    let out = compare("side.csv").output().await?;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let dialects: Vec<String> = setup.stub.requests().iter().map(|r| format!("{:?}", r.dialect)).collect();
    assert_eq!(dialects.iter().filter(|d| d.as_str() == "Openai").count(), 2, "{dialects:?}");
    assert_eq!(dialects.iter().filter(|d| d.as_str() == "Anthropic").count(), 2, "{dialects:?}");
    let mut reader = csv::Reader::from_path(setup.root.join("side.csv"))?;
    assert_eq!(
        reader.headers()?.iter().collect::<Vec<_>>(),
        ["filename", "openai:stub-vision", "anthropic:claude-stub-4"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(String::from).collect()))
        .collect::<std::result::Result<_, _>>()?;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "a.jpg");
    assert!(
        rows[0][1].starts_with("Stub description of a 640×480")
            && rows[0][2].starts_with("Stub description of a 640×480")
    );

    let json = compare("side.json").output().await?;
    assert_eq!((json.status.code(), setup.calls()), (Some(0), 4), "both answers are cached: {}", said(&json));
    let side: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(setup.root.join("side.json"))?)?;
    assert_eq!(side[1]["filename"], "b.jpg");
    assert_eq!(side[1]["answers"]["anthropic:claude-stub-4"]["model"], "claude-stub-4");
    assert_eq!(side[1]["answers"]["openai:stub-vision"]["provider"], "openai");

    let one = setup.run(&["photos", "--compare", "openai:stub-vision", "--out", "x.csv"]).await?;
    assert_eq!(one.status.code(), Some(2));
    assert!(said(&one).contains("--compare needs two models or more"), "{}", said(&one));
    Ok(())
}
