//! The built-in text extraction as a provider: each image read by PP-OCRv4 ([`ocr`]) in
//! this process, off the async threads and at most `PICSCRIBE_LOCAL_PARALLEL` images at
//! once; the models loaded on first use and shared by every request; no key, no address,
//! no cost. It reads the text whatever the prompt asks: its answer is the text in reading
//! order, or, asked for fields, the field called `text`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use futures::future::BoxFuture;
use futures::{stream, StreamExt};
use tokio::sync::{OnceCell, Semaphore};

use super::config::says_no;
use super::provider::{parts, Naming, ProviderError, Reply, VisionProvider, VisionRequest};
use super::{BuildError, ClientSettings, Describer, ProviderEntry};
use crate::describe::cost::Price;
use crate::describe::reply::{ChunkEvent, Usage};
use crate::describe::ProviderKind;
use crate::fields::FieldKind;

pub use crate::describe::analysis::TEXT_MODEL as MODEL;

/// Where the models are: `PICSCRIBE_OCR_MODELS`, else `models/ppocr-v4` in the data
/// directory (`PICSCRIBE_DATA_DIR`, else `data`), where `scripts/setup.sh` puts them.
pub fn models_dir(var: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match var("PICSCRIBE_OCR_MODELS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(var("PICSCRIBE_DATA_DIR").unwrap_or_else(|| "data".into())).join("models/ppocr-v4"),
    }
}

/// How many images are read at once: `PICSCRIBE_LOCAL_PARALLEL`, else the cores.
pub fn parallel(var: &dyn Fn(&str) -> Option<String>) -> usize {
    var("PICSCRIBE_LOCAL_PARALLEL")
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The sentence for a server whose models are not (all) there, naming the setup command.
pub fn missing_models(dir: &Path) -> Option<String> {
    let files = [ocr::DETECTOR, ocr::CLASSIFIER, ocr::RECOGNISER, ocr::KEYS];
    let missing = files.iter().find(|name| !dir.join(name).is_file())?;
    Some(format!(
        "The built-in text extraction's model {missing} is not in {}: run ./scripts/setup.sh on the server to fetch it.",
        dir.display()
    ))
}

impl Describer {
    /// Offers the built-in text extraction, after every other provider, when its models
    /// are there and `PICSCRIBE_BUILTIN` does not say no; the log says which.
    pub fn add_builtin(&mut self, var: &dyn Fn(&str) -> Option<String>) {
        let kind = ProviderKind::Builtin.descriptor();
        if var("PICSCRIBE_BUILTIN").is_some_and(|v| says_no(&v)) || self.providers.iter().any(|p| p.id == kind.id) {
            return;
        }
        let dir = models_dir(var);
        if let Some(said) = missing_models(&dir) {
            tracing::info!("no built-in text extraction: {said}");
            return;
        }
        let parallel = parallel(var);
        tracing::info!(models = %dir.display(), parallel, "built-in text extraction offered");
        let naming =
            Naming { label: kind.label.into(), key_setting: String::new(), url_setting: "PICSCRIBE_OCR_MODELS".into() };
        let client = Arc::new(TextExtraction::new(dir, parallel));
        let mut entry = ProviderEntry::new(kind.id, kind.kind, naming, MODEL, client);
        entry.list_models = false;
        // Its answer comes when the image is read, after any queue for a turn: only the
        // whole request's limit applies.
        let total = self.timeouts.total;
        entry.timeouts = Some(super::Timeouts { first_byte: total, idle: total, ..self.timeouts });
        self.prices.push(Price::new(MODEL, 0.0, 0.0));
        self.providers.push(entry);
    }
}

pub struct TextExtraction {
    dir: PathBuf,
    ocr: OnceCell<Arc<ocr::Ocr>>,
    permits: Arc<Semaphore>,
}

impl fmt::Debug for TextExtraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextExtraction").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// The built-in kind's client, for its [`Descriptor`](crate::describe::kinds::Descriptor):
/// the configured address is the models' directory.
pub fn client(settings: &ClientSettings<'_>) -> Result<Arc<dyn VisionProvider>, BuildError> {
    let var = |name: &str| std::env::var(name).ok();
    let dir = settings.base_url.map_or_else(|| models_dir(&var), PathBuf::from);
    Ok(Arc::new(TextExtraction::new(dir, parallel(&var))))
}

impl TextExtraction {
    pub fn new(dir: PathBuf, parallel: usize) -> TextExtraction {
        TextExtraction { dir, ocr: OnceCell::new(), permits: Arc::new(Semaphore::new(parallel.max(1))) }
    }

    /// The models, loaded by the first request (a failure is said, and tried again by the next).
    async fn models(&self) -> Result<Arc<ocr::Ocr>, ProviderError> {
        let load = || async {
            if let Some(said) = missing_models(&self.dir) {
                return Err(ProviderError::Local(said));
            }
            let dir = self.dir.clone();
            let loaded = tokio::task::spawn_blocking(move || ocr::Ocr::load(&dir)).await;
            match loaded {
                Ok(Ok(ocr)) => Ok(Arc::new(ocr)),
                Ok(Err(why)) => {
                    Err(ProviderError::Local(format!("The built-in text extraction could not start: {why}.")))
                }
                Err(_) => Err(ProviderError::Local("The built-in text extraction could not start.".into())),
            }
        };
        self.ocr.get_or_try_init(load).await.cloned()
    }

    async fn extract(&self, request: &VisionRequest) -> Result<Reply, ProviderError> {
        let field = answer_field(request)?;
        let images = request.images().map(decode).collect::<Result<Vec<_>, _>>()?;
        let ocr = self.models().await?;
        let permit = Arc::clone(&self.permits).acquire_owned().await.map_err(|_| ProviderError::Connect)?;
        let read = tokio::task::spawn_blocking(move || {
            let _turn = permit;
            images.iter().map(|image| ocr.read(image).map(|page| page.text)).collect::<Result<Vec<_>, _>>()
        })
        .await;
        let pages = match read {
            Ok(Ok(pages)) => pages,
            Ok(Err(why)) => return Err(ProviderError::Local(format!("The built-in text extraction failed: {why}."))),
            Err(_) => return Err(ProviderError::Local("The built-in text extraction failed on this image.".into())),
        };
        let text = pages.into_iter().filter(|page| !page.is_empty()).collect::<Vec<_>>().join("\n\n");
        let answer = match field {
            None => text,
            Some(name) => serde_json::json!({ name: text }).to_string(),
        };
        let events = [
            ChunkEvent::Delta(answer),
            ChunkEvent::Usage(Usage { prompt_tokens: 0, completion_tokens: 0 }),
            ChunkEvent::Finished,
        ];
        Ok(Reply::from(stream::iter(events.map(Ok)).boxed()))
    }
}

/// The field the text goes in when fields are asked: the one text field called `text`
/// ("Extract text" in fields), or nothing else, which it cannot fill.
fn answer_field(request: &VisionRequest) -> Result<Option<String>, ProviderError> {
    match request.fields.as_slice() {
        [] => Ok(None),
        [only] if only.name == "text" && only.kind == FieldKind::Text => Ok(Some(only.name.clone())),
        _ => Err(ProviderError::Local(
            "The built-in text extraction reads the text in an image; it fills only a field called “text”. Choose the Extract text preset, or another provider for these fields.".into(),
        )),
    }
}

/// An image sent as a `data:` URL, decoded; one that is not an image is said.
fn decode(url: &str) -> Result<image::RgbImage, ProviderError> {
    let unreadable = || ProviderError::Local("The built-in text extraction could not read this image.".into());
    let bytes = base64::engine::general_purpose::STANDARD.decode(parts(url).1).map_err(|_| unreadable())?;
    Ok(image::load_from_memory(&bytes).map_err(|_| unreadable())?.to_rgb8())
}

impl VisionProvider for TextExtraction {
    fn start<'a>(&'a self, request: &'a VisionRequest) -> BoxFuture<'a, Result<Reply, ProviderError>> {
        Box::pin(self.extract(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_are_found_where_setup_puts_them_unless_told() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
        };
        let cases: [(&[(&str, &str)], &str); 3] = [
            (&[], "data/models/ppocr-v4"),
            (&[("PICSCRIBE_DATA_DIR", "/srv/picscribe")], "/srv/picscribe/models/ppocr-v4"),
            (&[("PICSCRIBE_DATA_DIR", "/srv/picscribe"), ("PICSCRIBE_OCR_MODELS", "/opt/ocr")], "/opt/ocr"),
        ];
        for (pairs, want) in cases {
            assert_eq!(models_dir(&env(pairs)), PathBuf::from(want), "{pairs:?}");
        }
        assert_eq!(parallel(&env(&[("PICSCRIBE_LOCAL_PARALLEL", "3")])), 3);
        assert!(parallel(&env(&[("PICSCRIBE_LOCAL_PARALLEL", "0")])) >= 1, "0 is the cores");
    }

    #[test]
    fn missing_models_name_the_setup_command() {
        let said = missing_models(Path::new("/nonexistent/models")).unwrap_or_default();
        assert!(said.contains("ch_PP-OCRv4_det_infer.onnx") && said.contains("./scripts/setup.sh"), "{said}");
    }
}
