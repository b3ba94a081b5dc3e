//! What the next description is asked with, and the cache key that names one paid call:
//! the same for the page's rows and the command's files, so a description made by one is
//! current for the other.

use crate::describe::analysis::FirstStage;
use crate::describe::cost::{answer_tokens, image_rule, image_tokens, text_tokens};
use crate::describe::prompt::{expand, key_prompt, Facts};
use crate::describe::ProviderKind;
use crate::describe::{cache_key, capped_key, fields_key, temperature_key, Detail, ResizeRule};
use crate::fields::{self, Field};
use crate::images::upload_size;

/// What the next description is asked with.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub prompt: String,
    pub provider: String,
    pub model: String,
    pub detail: Detail,
    /// How the chosen provider wants images cut.
    pub resize: ResizeRule,
    /// The reply's length cap; none is the server's ceiling.
    pub max_tokens: Option<u32>,
    /// The fields the answer must have; none means free text.
    pub fields: Vec<Field>,
    /// The answer's language; empty means whatever the prompt implies.
    pub language: String,
    /// How freely the model words its answer; none is the provider's default.
    pub temperature: Option<f32>,
    /// "First analyse with": its findings fill the prompt's variables.
    pub analyse: Option<FirstStage>,
}

impl Settings {
    /// The prompt a row is asked with: its own, or the batch's.
    fn template<'a>(&'a self, own: &'a str) -> &'a str {
        if own.trim().is_empty() {
            &self.prompt
        } else {
            own
        }
    }

    /// The prompt as sent for one row, its variables filled in.
    pub fn prompt_for(&self, own: &str, facts: &Facts<'_>) -> String {
        expand(self.template(own), facts, &self.language)
    }

    /// The identity of this row's call: without variables, language, fields or a
    /// temperature it is the key descriptions have always had.
    pub fn key_for(&self, hash: &str, own: &str, facts: &Facts<'_>) -> String {
        let prompt = key_prompt(self.template(own), facts, &self.language);
        let key = capped_key(cache_key(hash, &prompt, &self.provider, &self.model, self.detail), self.max_tokens);
        let key = temperature_key(fields_key(key, &self.fields), self.temperature);
        match &self.analyse {
            Some(first) => format!("{key}|{}", first.key_part()),
            None => key,
        }
    }

    /// One image's tokens at the size it leaves at (`size` as seen), by the provider's rule:
    /// what each more photo of an item adds.
    pub fn image_tokens(&self, kind: ProviderKind, size: (u32, u32)) -> u32 {
        if kind.transactions("", &[]).is_some() {
            return 0;
        }
        let (w, h) = upload_size(size.0, size.1, self.resize, self.detail);
        image_tokens(image_rule(kind, &self.model), w, h, self.detail)
    }

    /// What the first stage is expected to use for one row, transactions for Azure AI
    /// Vision (one a field it fills), nothing for the built-in ones; with the model it is
    /// priced by. None without a first stage.
    pub fn first_stage_use(&self, template: &str) -> Option<(&'static str, u32)> {
        let first = self.analyse.as_ref()?;
        let model = match first.with.as_str() {
            crate::describe::analysis::BUILTIN => crate::describe::analysis::BUILTIN,
            crate::describe::analysis::BUILTIN_TEXT => crate::describe::analysis::TEXT_MODEL,
            _ => crate::describe::azure_vision::MODEL,
        };
        Some((model, Settings::first_calls(first, template)))
    }

    /// The transactions a first stage takes for a prompt: one a field Azure AI Vision
    /// fills; none for the built-in facts and text extraction.
    pub fn first_calls(first: &FirstStage, template: &str) -> u32 {
        if [crate::describe::analysis::BUILTIN, crate::describe::analysis::BUILTIN_TEXT].contains(&first.with.as_str())
        {
            return 0;
        }
        let fields = crate::describe::analysis::fields_for(template);
        ProviderKind::AzureVision.transactions("", &fields).unwrap_or(0)
    }
}

impl Settings {
    /// What one call is expected to use, input and output tokens: the image at the size it
    /// leaves at (`size` is the image as seen) counted by the provider's own rule, the
    /// prompt as sent, the fields' shape and a typical answer under the reply's cap
    /// (`ceiling` when none is set). The page's estimate and the command's are this sum.
    pub fn expected_tokens(&self, kind: ProviderKind, size: (u32, u32), prompt: &str, ceiling: u32) -> (u32, u32) {
        if let Some(calls) = kind.transactions(prompt, &self.fields) {
            return (calls, 0);
        }
        let shape = if self.fields.is_empty() { 0 } else { text_tokens(&fields::instructions(&self.fields)) };
        let image = self.image_tokens(kind, size);
        // A few tokens more for the message around the image.
        let input = image + text_tokens(prompt) + shape + 10;
        (input, answer_tokens(self.fields.len(), self.max_tokens.unwrap_or(ceiling)))
    }
}
