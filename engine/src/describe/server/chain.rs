//! Analyse first, then describe: the first stage (Azure AI Vision or the built-in text
//! extraction, through the same call path as any description, or the built-in image
//! facts) fills the describing prompt's variables; a first stage that fails is the row's
//! sentence and the second is never sent.

use futures::{Stream, StreamExt};

use super::provider::VisionRequest;
use super::{builtin, Describer, ProviderEntry};
use crate::describe::analysis::{fields_for, with_text, FirstStage, Found, BUILTIN, BUILTIN_TEXT};
use crate::describe::events::{End, Reply, StreamEvent};
use crate::describe::ProviderKind;
use crate::fields::parse_answer;

/// Where first stages' answers are kept, so an image analysed the same way is paid for
/// once whatever the describing prompt or the minimum confidence: the command's results
/// database, or the server's memory ([`Remembered`]).
pub trait Remember: Send + Sync {
    fn recall(&self, key: &str) -> Option<String>;
    fn keep(&self, key: &str, answer: &str);
}

/// Answers kept in this process, the most recent few thousand.
#[derive(Default)]
pub struct Remembered(std::sync::Mutex<std::collections::HashMap<String, String>>);

/// About 4,000 analyses of a few hundred bytes each.
const REMEMBERED: usize = 4_096;

impl Remember for Remembered {
    fn recall(&self, key: &str) -> Option<String> {
        self.0.lock().ok()?.get(key).cloned()
    }

    fn keep(&self, key: &str, answer: &str) {
        if let Ok(mut kept) = self.0.lock() {
            if kept.len() >= REMEMBERED {
                kept.clear();
            }
            kept.insert(key.to_string(), answer.to_string());
        }
    }
}

/// The identity of one analysis: the analyser, the image, what it is asked for.
fn analysis_key(vision: &ProviderEntry, image_url: &str, fields: &[crate::fields::Field]) -> String {
    use sha2::Digest;
    let image: String = sha2::Sha256::digest(image_url.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    format!("analysis|{}:{}|{}|{image}|{}", vision.id.len(), vision.id, vision.default_model, names.join(","))
}

/// What does a first stage: a provider that analyses (Azure AI Vision, or the built-in
/// text extraction), or the built-in image facts.
pub enum Analyser<'a> {
    Vision(&'a ProviderEntry),
    Builtin,
}

impl Describer {
    /// The analyser named by "First analyse with": [`BUILTIN`], [`BUILTIN_TEXT`], a
    /// provider's id, or the kind's id (`azure-vision`) for the first provider of that
    /// kind. Only Azure AI Vision and the text extraction analyse; a describing provider
    /// named here is refused.
    pub fn analyser(&self, with: &str) -> Result<Analyser<'_>, String> {
        if with == BUILTIN {
            return Ok(Analyser::Builtin);
        }
        if with == BUILTIN_TEXT {
            return match self.providers.iter().find(|p| p.kind == ProviderKind::Builtin) {
                Some(entry) => Ok(Analyser::Vision(entry)),
                None => Err("This server has no built-in text extraction: its models are fetched by ./scripts/setup.sh on the server.".into()),
            };
        }
        let vision = |p: &&ProviderEntry| p.kind == ProviderKind::AzureVision;
        let by_id = self.providers.iter().find(|p| p.id == with);
        let by_kind =
            (with == ProviderKind::AzureVision.descriptor().id).then(|| self.providers.iter().find(vision)).flatten();
        match by_id.or(by_kind) {
            Some(entry) if vision(&entry) => Ok(Analyser::Vision(entry)),
            Some(entry) => Err(format!("{} describes images; it cannot be the first stage. Choose Azure AI Vision or a built-in one.", entry.naming.label)),
            None => Err(format!("This server has no analyser called “{with}”: configure Azure AI Vision (AZURE_VISION_ENDPOINT) or choose the built-in image facts.")),
        }
    }

    /// The first stage, then the description with what it found in its prompt: the
    /// events of both, the first stage's use as a [`StreamEvent::Stage`].
    /// Ends when the page goes away, as [`Describer::describe`] does.
    pub fn describe_after(
        &self,
        first: FirstStage,
        entry: ProviderEntry,
        request: VisionRequest,
    ) -> impl Stream<Item = StreamEvent> + Send + 'static {
        let describer = self.clone();
        futures::stream::once(async move {
            let (found, events) = match describer.analyse(&first, &request).await {
                Ok(done) => done,
                Err(failed) => return futures::stream::iter(failed).boxed(),
            };
            let template = if first.with == BUILTIN_TEXT { with_text(&request.prompt) } else { request.prompt.clone() };
            let request = VisionRequest { prompt: found.fill(&template), ..request };
            futures::stream::iter(events).chain(describer.describe(&entry, request)).boxed()
        })
        .flatten()
    }

    /// What the first stage found, and the events to pass on (retries, its use); or the
    /// events that end the row.
    async fn analyse(
        &self,
        first: &FirstStage,
        request: &VisionRequest,
    ) -> Result<(Found, Vec<StreamEvent>), Vec<StreamEvent>> {
        let fail = |message: String| vec![StreamEvent::Error { message, stop_batch: false }];
        let vision = match self.analyser(&first.with).map_err(fail)? {
            Analyser::Builtin => {
                let image = request.image_url.clone();
                let found = tokio::task::spawn_blocking(move || builtin::facts(&image))
                    .await
                    .map_err(|_| fail("The built-in image facts could not be read from this image.".into()))?;
                let used = StreamEvent::Stage { model: BUILTIN.into(), prompt_tokens: 0, completion_tokens: 0 };
                return Ok((found.map_err(fail)?, vec![used]));
            }
            Analyser::Vision(vision) => vision,
        };
        let fields = if vision.kind == ProviderKind::Builtin {
            vec![crate::fields::Field::new("text", crate::fields::FieldKind::Text, "")]
        } else {
            fields_for(&request.prompt)
        };
        let key = analysis_key(vision, &request.image_url, &fields);
        if let Some(answer) = self.analyses.recall(&key) {
            if let Ok(values) = parse_answer(&fields, &answer) {
                tracing::debug!(provider = %vision.id, "this image was analysed so before; not sent again");
                let used =
                    StreamEvent::Stage { model: vision.default_model.clone(), prompt_tokens: 0, completion_tokens: 0 };
                return Ok((Found::from_answer(&values, first.min_confidence), vec![used]));
            }
        }
        let asked = VisionRequest {
            model: vision.default_model.clone(),
            prompt: "Analyse the image.".into(),
            fields: fields.clone(),
            temperature: None,
            // Azure AI Vision analyses one image: an item's first photo (and the text
            // extraction reads the same one).
            more_images: Vec::new(),
            ..request.clone()
        };
        let mut passed = Vec::new();
        let mut reply = Reply::default();
        let mut events = Box::pin(self.describe(vision, asked));
        while let Some(event) = events.next().await {
            if let StreamEvent::Retrying { .. } = &event {
                passed.push(event.clone());
            }
            if reply.see(event) {
                break;
            }
        }
        let (prompt_tokens, completion_tokens) = reply.usage.unwrap_or_default();
        let used = StreamEvent::Stage { model: vision.default_model.clone(), prompt_tokens, completion_tokens };
        match &reply.end {
            Some(End::Finished) => {}
            Some(End::Failed { message, stop_batch }) => {
                return Err(vec![used, StreamEvent::Error { message: message.clone(), stop_batch: *stop_batch }]);
            }
            _ => return Err([vec![used], fail(reply.failure().unwrap_or_default())].concat()),
        }
        let values = parse_answer(&fields, &reply.text)
            .map_err(|misfit| fail(format!("{} answered, but {misfit}.", vision.naming.label)))?;
        self.analyses.keep(&key, &reply.text);
        passed.push(used);
        Ok((Found::from_answer(&values, first.min_confidence), passed))
    }
}
