//! Lists and feeds: a text file of paths or URLs one a line, or a shop's CSV or JSONL
//! export with a column of image URLs or paths. The columns are found by their names
//! (Shopify's `Image Src`, WooCommerce's `Images`, a plain `url` or `path`) unless named.

/// Where a feed row's image is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Image {
    Url(String),
    Path(String),
    /// The row has none (a Shopify variant row): it comes back as it was, undescribed.
    Nothing,
}

/// Headers that hold an image's URL, and ones that hold a path, compared without case,
/// spaces, `-` or `_`; the first found wins.
const URL_NAMES: [&str; 6] = ["url", "imageurl", "imagesrc", "image", "images", "src"];
const PATH_NAMES: [&str; 5] = ["path", "file", "filename", "filepath", "image_path"];

fn squashed(header: &str) -> String {
    header.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// The columns of a feed's image: `(url, path)`, each a column index. A column named by the
/// user must exist; otherwise the known names are looked for.
pub fn image_columns(
    headers: &[String],
    url_column: Option<&str>,
    path_column: Option<&str>,
) -> Result<(Option<usize>, Option<usize>), String> {
    let named = |name: &str, flag: &str| {
        headers.iter().position(|h| h.trim() == name.trim() || squashed(h) == squashed(name)).map(Some).ok_or_else(
            || format!("{flag} names “{name}”, which is not one of the feed's columns: {}", headers.join(", ")),
        )
    };
    let found =
        |names: &[&str]| names.iter().find_map(|name| headers.iter().position(|h| squashed(h) == squashed(name)));
    let url = match url_column {
        Some(name) => named(name, "--url-column")?,
        None if path_column.is_some() => None,
        None => found(&URL_NAMES),
    };
    let path = match path_column {
        Some(name) => named(name, "--path-column")?,
        None if url_column.is_some() => None,
        None => found(&PATH_NAMES).filter(|p| Some(*p) != url),
    };
    if url.is_none() && path.is_none() {
        return Err(format!(
            "no column of the feed says where its images are (looked for url, image, image_src, Image Src, file, \
             path); name one with --url-column or --path-column. Its columns: {}",
            headers.join(", ")
        ));
    }
    Ok((url, path))
}

/// A cell or a list line as an image: a URL when it starts like one, else a path. A cell
/// holding several (WooCommerce's `Images` is comma-separated) gives its first.
pub fn image_in(cell: &str) -> Image {
    let first = cell.split(',').next().unwrap_or_default().trim();
    if first.is_empty() {
        Image::Nothing
    } else if first.contains("://") {
        Image::Url(first.to_string())
    } else {
        Image::Path(first.to_string())
    }
}

/// The image of one feed row: a URL in its URL column, else its path column's.
pub fn row_image(cells: &[String], url: Option<usize>, path: Option<usize>) -> Image {
    let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or(Image::Nothing, |c| image_in(c));
    match (cell(url), cell(path)) {
        (Image::Url(u), _) => Image::Url(u),
        (other, Image::Nothing) => other,
        (_, from_path) => from_path,
    }
}

/// The name an image from a URL goes by: the last segment of its path, decoded
/// (`…/files/mug%201.jpg?v=3` → `mug 1.jpg`), or the host when the path has none. Plain
/// string work, so the page can name a row before the server has fetched it.
pub fn name_from_url(url: &str) -> String {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    match path.rsplit('/').find(|s| !s.is_empty()) {
        Some(segment) => percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned(),
        None if host.is_empty() => "image".into(),
        None => host.rsplit('@').next().unwrap_or(host).to_string(),
    }
}

/// A list line: blank lines and `#` comments are skipped.
pub fn list_line(line: &str) -> Option<Image> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    if line.contains("://") {
        Some(Image::Url(line.to_string()))
    } else {
        Some(Image::Path(line.to_string()))
    }
}

/// A CSV feed's images by URL, for the page's "Add from a CSV feed": each URL with the
/// key of the item it belongs to (its cell in the grouping column; empty: alone).
#[derive(Debug, Default, PartialEq)]
pub struct FeedUrls {
    pub urls: Vec<(String, String)>,
    /// Rows with no image, or a path the server cannot fetch.
    pub skipped: usize,
}

/// Reads a CSV feed's image URLs and, when `group_column` names one of its columns
/// (Shopify's `Handle`), which rows are one product. `name` is the file's, for sentences.
pub fn feed_urls(name: &str, text: &str, group_column: &str) -> Result<FeedUrls, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let unreadable = |err: csv::Error| format!("{name} could not be read as CSV ({err}), so nothing was added.");
    let headers: Vec<String> = reader.headers().map_err(unreadable)?.iter().map(str::to_string).collect();
    let listed = headers.join(", ");
    let (url, path) = image_columns(&headers, None, None).map_err(|_| {
        format!("No column of {name} holds image URLs (url, image, image_src, Image Src); its columns: {listed}.")
    })?;
    let group = match group_column.trim() {
        "" => None,
        column => Some(
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(column) || squashed(h) == squashed(column))
                .ok_or_else(|| format!("“{column}” is not one of the columns of {name}: {listed}."))?,
        ),
    };
    let mut feed = FeedUrls::default();
    for record in reader.records() {
        let cells: Vec<String> = record.map_err(unreadable)?.iter().map(str::to_string).collect();
        match row_image(&cells, url, path) {
            Image::Url(url) => {
                let key = group.and_then(|at| cells.get(at)).map(|k| k.trim().to_string()).unwrap_or_default();
                feed.urls.push((url, key));
            }
            Image::Path(_) | Image::Nothing => feed.skipped += 1,
        }
    }
    Ok(feed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shops_feed_gives_its_image_urls_with_each_products_handle() {
        let shopify = "Handle,Title,Image Src,Image Position\n\
                       mug,Blue mug,https://cdn.example/mug-1.jpg,1\n\
                       mug,,https://cdn.example/mug-2.jpg,2\n\
                       lamp,Lamp,https://cdn.example/lamp.jpg,1\n\
                       vase,Vase,,\n";
        let url = |u: &str, k: &str| (format!("https://cdn.example/{u}"), k.to_string());
        let grouped = feed_urls("shop.csv", shopify, "handle");
        assert_eq!(
            grouped,
            Ok(FeedUrls {
                urls: vec![url("mug-1.jpg", "mug"), url("mug-2.jpg", "mug"), url("lamp.jpg", "lamp")],
                skipped: 1
            })
        );
        let alone = feed_urls("shop.csv", shopify, " ").map(|f| f.urls.into_iter().map(|(_, k)| k).collect::<Vec<_>>());
        assert_eq!(alone, Ok(vec![String::new(); 3]), "no column: every row alone");
        assert_eq!(
            feed_urls("shop.csv", shopify, "SKU"),
            Err("“SKU” is not one of the columns of shop.csv: Handle, Title, Image Src, Image Position.".into())
        );
        assert_eq!(
            feed_urls("notes.csv", "sku,title\na,b\n", ""),
            Err("No column of notes.csv holds image URLs (url, image, image_src, Image Src); its columns: sku, title."
                .into())
        );
    }

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn image_columns_are_found_by_their_names() {
        let shopify = headers(&["Handle", "Title", "Body (HTML)", "Image Src", "Image Position", "Image Alt Text"]);
        let woo = headers(&["ID", "Type", "SKU", "Name", "Images"]);
        let plain = headers(&["sku", "url"]);
        let files = headers(&["file", "notes"]);
        let both = headers(&["image_url", "path"]);
        let none = headers(&["sku", "title"]);
        let cases = [
            (&shopify, None, None, Ok((Some(3), None))),
            (&woo, None, None, Ok((Some(4), None))),
            (&plain, None, None, Ok((Some(1), None))),
            (&files, None, None, Ok((None, Some(0)))),
            (&both, None, None, Ok((Some(0), Some(1)))),
            (&both, None, Some("path"), Ok((None, Some(1)))),
            (&shopify, Some("image src"), None, Ok((Some(3), None))),
        ];
        for (headers, url, path, want) in cases {
            assert_eq!(image_columns(headers, url, path), want, "{headers:?}");
        }
        assert!(image_columns(&none, None, None).is_err_and(|e| e.contains("--url-column")));
        assert!(image_columns(&plain, Some("photo"), None).is_err_and(|e| e.contains("“photo”")));
    }

    #[test]
    fn cells_and_lines_name_urls_or_paths() {
        let url = |u: &str| Image::Url(u.to_string());
        let path = |p: &str| Image::Path(p.to_string());
        assert_eq!(image_in("https://x.example/a.jpg, https://x.example/b.jpg"), url("https://x.example/a.jpg"));
        assert_eq!(image_in(" 2024/a.jpg "), path("2024/a.jpg"));
        assert_eq!(image_in(""), Image::Nothing);
        let cells = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
        assert_eq!(row_image(&cells("", "a.jpg"), Some(0), Some(1)), path("a.jpg"));
        assert_eq!(row_image(&cells("http://x/a.jpg", "a.jpg"), Some(0), Some(1)), url("http://x/a.jpg"));
        assert_eq!(row_image(&cells("", ""), Some(0), Some(1)), Image::Nothing);
        assert_eq!(list_line("# a comment"), None);
        assert_eq!(list_line("  "), None);
        assert_eq!(list_line("https://x/a.jpg"), Some(url("https://x/a.jpg")));
        assert_eq!(list_line("photos/a.jpg"), Some(path("photos/a.jpg")));
    }

    #[test]
    fn a_url_is_named_by_its_last_segment() {
        let cases = [
            ("https://cdn.shop.example/files/mug%201.jpg?v=3", "mug 1.jpg"),
            ("https://cdn.shop.example/a/b/c.png#top", "c.png"),
            ("https://cdn.shop.example/a/b/", "b"),
            ("https://cdn.shop.example/", "cdn.shop.example"),
            ("https://cdn.shop.example", "cdn.shop.example"),
        ];
        for (url, want) in cases {
            assert_eq!(name_from_url(url), want, "{url}");
        }
    }
}
