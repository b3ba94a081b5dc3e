//! What the command describes, as a stream: folders walked as they are read (a million
//! files are never held), lists and feeds read a line or a record at a time. Each input
//! carries the name it has in every output: a file's path inside the folder it was found
//! in, a given path as given, a URL's last segment.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use engine::feed::{self, Image};
use engine::fetch::name_from_url;
use globset::{Glob, GlobSet, GlobSetBuilder};
use tokio::sync::mpsc;

use super::DescribeArgs;

/// Extensions a folder is walked for when no `--glob` is given.
const IMAGE_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "png", "gif", "webp", "bmp", "avif"];

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    File(PathBuf),
    Url(String),
    /// A feed row with no image: it comes back as it was.
    Nothing,
    /// Found, but not usable (a folder that could not be read, a missing column).
    Problem(String),
}

#[derive(Clone, Debug)]
pub struct Input {
    pub name: String,
    pub source: Source,
    /// A CSV feed row's own cells, written back unchanged.
    pub cells: Option<Vec<String>>,
    /// The item's other photos (and a feed's other rows of it), in order: one
    /// description from all of them (`--group-by-name`, `--group-column`).
    pub more: Vec<Input>,
}

/// Where the inputs come from, checked before anything runs.
pub enum Inputs {
    Paths { paths: Vec<PathBuf>, globs: Option<GlobSet> },
    List(PathBuf),
    Csv { path: PathBuf, headers: Vec<String>, url: Option<usize>, file: Option<usize> },
    Jsonl { path: PathBuf, url: Option<String>, file: Option<String> },
}

impl Inputs {
    /// Reads what the flags name; a usage error is a sentence.
    pub fn from_args(args: &DescribeArgs) -> Result<Inputs, String> {
        match &args.from {
            Some(_) if !args.paths.is_empty() => Err("give either paths or --from, not both".into()),
            Some(from) => Inputs::from_file(from, args),
            None if args.paths.is_empty() => {
                Err("name the images to describe: files or folders, or --from a list or feed".into())
            }
            None => {
                if let Some(missing) = args.paths.iter().find(|p| !p.exists()) {
                    return Err(format!("{} does not exist", missing.display()));
                }
                Ok(Inputs::Paths { paths: args.paths.clone(), globs: globs(&args.glob)? })
            }
        }
    }

    fn from_file(from: &Path, args: &DescribeArgs) -> Result<Inputs, String> {
        let shown = from.display();
        let extension = from.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let file = File::open(from).map_err(|err| format!("could not read {shown}: {err}"))?;
        let (url_column, path_column) = (args.url_column.as_deref(), args.path_column.as_deref());
        match extension.as_deref() {
            Some("csv") => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
                let headers: Vec<String> = reader
                    .headers()
                    .map_err(|err| format!("{shown} is not a CSV file: {err}"))?
                    .iter()
                    .map(|h| h.trim_start_matches('\u{feff}').to_string())
                    .collect();
                let (url, file) =
                    feed::image_columns(&headers, url_column, path_column).map_err(|err| format!("{shown}: {err}"))?;
                Ok(Inputs::Csv { path: from.to_path_buf(), headers, url, file })
            }
            Some("jsonl" | "ndjson") => Ok(Inputs::Jsonl {
                path: from.to_path_buf(),
                url: url_column.map(String::from),
                file: path_column.map(String::from),
            }),
            _ => Ok(Inputs::List(from.to_path_buf())),
        }
    }

    /// A CSV feed's header, for writing it back.
    pub fn feed_headers(&self) -> Option<&[String]> {
        match self {
            Inputs::Csv { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// Sends every input, in order, until done or until nobody listens; grouped into items
    /// first, when asked, which needs them all. Blocking: run it on its own thread.
    pub fn send_all(self, grouping: Grouping, tx: &mpsc::Sender<Input>, found: &AtomicU64) {
        let send = |input: Input| {
            found.fetch_add(1, Ordering::Relaxed);
            tx.blocking_send(input).is_ok()
        };
        if grouping == Grouping::None {
            return self.each(&send);
        }
        let all = std::cell::RefCell::new(Vec::new());
        self.each(&|input| {
            all.borrow_mut().push(input);
            true
        });
        for item in grouping.items(all.into_inner()) {
            if !send(item) {
                return;
            }
        }
    }

    fn each(self, send: &dyn Fn(Input) -> bool) {
        match self {
            Inputs::Paths { paths, globs } => {
                for path in paths {
                    if !walk(&path, globs.as_ref(), &send) {
                        return;
                    }
                }
            }
            Inputs::List(path) => {
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let Ok(file) = File::open(&path) else { return };
                for line in BufReader::new(file).lines() {
                    let Ok(line) = line else { return };
                    if let Some(image) = feed::list_line(&line) {
                        if !send(from_image(image, &base, None)) {
                            return;
                        }
                    }
                }
            }
            Inputs::Csv { path, url, file, .. } => {
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let Ok(mut reader) = csv::ReaderBuilder::new().flexible(true).from_path(&path) else { return };
                for (n, record) in reader.records().enumerate() {
                    let input = match record {
                        Ok(record) => {
                            let cells: Vec<String> = record.iter().map(String::from).collect();
                            from_image(feed::row_image(&cells, url, file), &base, Some(cells))
                        }
                        Err(err) => Input {
                            name: format!("row {}", n + 2),
                            source: Source::Problem(format!("row {} of the feed could not be read: {err}", n + 2)),
                            cells: None,
                            more: Vec::new(),
                        },
                    };
                    if !send(input) {
                        return;
                    }
                }
            }
            Inputs::Jsonl { path, url, file } => {
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let Ok(handle) = File::open(&path) else { return };
                for (n, line) in BufReader::new(handle).lines().enumerate() {
                    let Ok(line) = line else { return };
                    if line.trim().is_empty() {
                        continue;
                    }
                    if !send(jsonl_input(&line, n + 1, url.as_deref(), file.as_deref(), &base)) {
                        return;
                    }
                }
            }
        }
    }
}

/// How inputs become items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// Each image is its own item.
    None,
    /// `mug-1.jpg`, `mug_2.jpg`, `mug (3).jpg` are one item ([`engine::items::group_name`]).
    ByName,
    /// A CSV feed's rows with the same value in this column are one item.
    ByColumn(usize),
}

impl Grouping {
    pub fn from_args(args: &DescribeArgs, inputs: &Inputs) -> Result<Grouping, String> {
        match (&args.group_column, inputs.feed_headers()) {
            (Some(column), Some(headers)) => headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(column.trim()))
                .map(Grouping::ByColumn)
                .ok_or_else(|| format!("--group-column {column}: the feed has no such column")),
            (Some(_), None) => Err("--group-column needs a CSV feed (--from FILE.csv)".into()),
            (None, _) if args.group_by_name => Ok(Grouping::ByName),
            (None, _) => Ok(Grouping::None),
        }
    }

    fn key(self, input: &Input) -> String {
        match self {
            Grouping::None => String::new(),
            Grouping::ByName => match input.source {
                Source::File(_) | Source::Url(_) => engine::items::group_name(&input.name),
                Source::Nothing | Source::Problem(_) => String::new(),
            },
            Grouping::ByColumn(i) => {
                input.cells.as_ref().and_then(|cells| cells.get(i)).map(|c| c.trim().to_string()).unwrap_or_default()
            }
        }
    }

    /// The inputs as items: each group's first input with the others in `more`.
    fn items(self, inputs: Vec<Input>) -> Vec<Input> {
        let keys: Vec<String> = inputs.iter().map(|input| self.key(input)).collect();
        let mut slots: Vec<Option<Input>> = inputs.into_iter().map(Some).collect();
        engine::items::group_by(&keys)
            .into_iter()
            .filter_map(|members| {
                let mut members = members.into_iter().filter_map(|i| slots[i].take());
                let mut first = members.next()?;
                first.more = members.collect();
                Some(first)
            })
            .collect()
    }
}

impl Input {
    /// The item's photos with an image, in order: the first input's (if it has one) and
    /// its others'.
    pub fn photos(&self) -> impl Iterator<Item = &Input> {
        std::iter::once(self).chain(self.more.iter()).filter(|i| !matches!(i.source, Source::Nothing))
    }
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        set.add(Glob::new(pattern).map_err(|err| format!("--glob {pattern}: {err}"))?);
    }
    set.build().map(Some).map_err(|err| err.to_string())
}

fn wanted(relative: &Path, globs: Option<&GlobSet>) -> bool {
    match globs {
        Some(set) => set.is_match(relative) || relative.file_name().is_some_and(|name| set.is_match(name)),
        None => relative
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())),
    }
}

/// Walks one path: a file is itself, named as given; a folder gives its images in name
/// order, named by their path inside it. Hidden files and folders are left out.
fn walk(root: &Path, globs: Option<&GlobSet>, send: &dyn Fn(Input) -> bool) -> bool {
    if root.is_file() {
        let name = root.to_string_lossy().into_owned();
        return send(Input { name, source: Source::File(root.to_path_buf()), cells: None, more: Vec::new() });
    }
    let entries = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.'));
    for entry in entries {
        let input = match entry {
            Ok(entry) if !entry.file_type().is_file() => continue,
            Ok(entry) => {
                let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
                if !wanted(relative, globs) {
                    continue;
                }
                let name = relative.to_string_lossy().replace('\\', "/");
                Input { name, source: Source::File(entry.into_path()), cells: None, more: Vec::new() }
            }
            Err(err) => {
                let name = err.path().unwrap_or(root).to_string_lossy().into_owned();
                Input {
                    name: name.clone(),
                    source: Source::Problem(format!("{name} could not be read: {err}")),
                    cells: None,
                    more: Vec::new(),
                }
            }
        };
        if !send(input) {
            return false;
        }
    }
    true
}

/// A list line's or a feed cell's image; a relative path is relative to the list's folder.
fn from_image(image: Image, base: &Path, cells: Option<Vec<String>>) -> Input {
    match image {
        Image::Url(url) => Input { name: name_from_url(&url), source: Source::Url(url), cells, more: Vec::new() },
        Image::Path(path) => {
            let full = if Path::new(&path).is_absolute() { PathBuf::from(&path) } else { base.join(&path) };
            Input { name: path, source: Source::File(full), cells, more: Vec::new() }
        }
        Image::Nothing => Input { name: String::new(), source: Source::Nothing, cells, more: Vec::new() },
    }
}

fn jsonl_input(line: &str, n: usize, url: Option<&str>, file: Option<&str>, base: &Path) -> Input {
    let problem =
        |why: String| Input { name: format!("line {n}"), source: Source::Problem(why), cells: None, more: Vec::new() };
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(line) else {
        return problem(format!("line {n} of the feed is not a JSON object"));
    };
    let keys: Vec<String> = object.keys().cloned().collect();
    let cells: Vec<String> = object.values().map(|v| v.as_str().map(String::from).unwrap_or_default()).collect();
    match feed::image_columns(&keys, url, file) {
        Ok((url, file)) => from_image(feed::row_image(&cells, url, file), base, None),
        Err(err) => problem(format!("line {n}: {err}")),
    }
}
