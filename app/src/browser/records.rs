//! What IndexedDB holds, in the store's own versioned types: a change to the page's rows
//! never silently changes what is on disk, and records written by older versions of the
//! page are brought up to date by [`migrate`] when they are read.

use serde::{Deserialize, Serialize};

use crate::batch::{Answer, Described, Hand};
use crate::describe::{upgrade_key, FIRST_PROVIDER};
use crate::fields::{Field, Values};

/// The version [`TextRecord`]s are written with.
///
/// - 0: no `version`; keys without the provider (before there was a choice) or with it.
/// - 2: `version`; the provider always set; fields, values, who wrote it, the row's prompt.
pub const TEXT_VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    pub hash: String,
    pub name: String,
    pub size: f64,
    pub added: f64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Where an image added by URL came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The hashes of the other photos it is described with, in order, when it is an item
    /// of several ("Describe together", "Group by name").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
}

/// A row's text, keyed by the image's hash.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TextRecord {
    #[serde(default)]
    pub version: u32,
    pub hash: String,
    pub description: String,
    pub described: Option<MadeWith>,
    /// The answer in fields as JSON text (IndexedDB keeps it exactly, key order included).
    #[serde(default)]
    pub values: Option<String>,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub hand: Option<Hand>,
    #[serde(default)]
    pub prompt: String,
    /// The models' answers the row keeps by key ([`crate::batch::Row::answers`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<AnswerRecord>,
}

/// One model's answer, kept by its key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub text: String,
    /// As [`TextRecord::values`]: JSON text.
    pub values: Option<String>,
    pub fields: Vec<Field>,
    pub described: MadeWith,
    pub usage: Option<(u32, u32)>,
}

impl From<&Answer> for AnswerRecord {
    fn from(a: &Answer) -> AnswerRecord {
        AnswerRecord {
            text: a.text.clone(),
            values: a.values.as_ref().and_then(|v| serde_json::to_string(v).ok()),
            fields: a.fields.clone(),
            described: (&a.described).into(),
            usage: a.usage,
        }
    }
}

impl From<AnswerRecord> for Answer {
    fn from(r: AnswerRecord) -> Answer {
        Answer {
            values: r.values.as_deref().and_then(|text| serde_json::from_slice(text.as_bytes()).ok()),
            text: r.text,
            fields: r.fields,
            described: r.described.into(),
            usage: r.usage,
        }
    }
}

/// A row's answers as kept, and back.
pub fn answer_records(answers: &[Answer]) -> Vec<AnswerRecord> {
    answers.iter().map(AnswerRecord::from).collect()
}

pub fn answers_of(records: Vec<AnswerRecord>) -> Vec<Answer> {
    records.into_iter().map(Answer::from).collect()
}

/// What a saved description was made with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MadeWith {
    pub key: String,
    pub prompt: String,
    /// Empty in records from before there was a choice of provider.
    #[serde(default)]
    pub provider: String,
    pub model: String,
    pub tokens: Option<u32>,
}

impl From<&Described> for MadeWith {
    fn from(d: &Described) -> MadeWith {
        MadeWith {
            key: d.key.clone(),
            prompt: d.prompt.clone(),
            provider: d.provider.clone(),
            model: d.model.clone(),
            tokens: d.tokens,
        }
    }
}

impl From<MadeWith> for Described {
    fn from(m: MadeWith) -> Described {
        Described { key: m.key, prompt: m.prompt, provider: m.provider, model: m.model, tokens: m.tokens }
    }
}

impl TextRecord {
    pub fn values(&self) -> Option<Values> {
        // `from_slice`, as everywhere in the page: see `components::resource_codec`.
        self.values.as_deref().and_then(|text| serde_json::from_slice(text.as_bytes()).ok())
    }
}

/// Brings a record written by any earlier version up to [`TEXT_VERSION`], so what was
/// described then still counts as current and is not paid for again.
pub fn migrate(mut record: TextRecord) -> TextRecord {
    if record.version < TEXT_VERSION {
        if let Some(made) = record.described.as_mut() {
            made.key = upgrade_key(&made.key, !made.provider.is_empty());
            if made.provider.is_empty() {
                made.provider = FIRST_PROVIDER.to_string();
            }
        }
        record.version = TEXT_VERSION;
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::{cache_key, Detail};

    #[test]
    fn records_from_every_earlier_version_read_and_stay_current() -> Result<(), serde_json::Error> {
        let current = cache_key("h1", "Alt", FIRST_PROVIDER, "gpt-4o-mini", Detail::Auto);
        let cases = [
            // The first page: no provider anywhere.
            (
                r#"{"hash":"h1","description":"A mug.","described":{"key":"h1|auto|11:gpt-4o-mini|3:Alt","prompt":"Alt","model":"gpt-4o-mini","tokens":90}}"#,
                current.clone(),
            ),
            // Keys naming the provider, before records had a version.
            (
                &*format!(
                    r#"{{"hash":"h1","description":"A mug.","described":{{"key":"{current}","prompt":"Alt","provider":"openai","model":"gpt-4o-mini","tokens":90}}}}"#
                ),
                current.clone(),
            ),
        ];
        for (stored, key) in cases {
            let record = migrate(serde_json::from_str(stored)?);
            assert_eq!(record.version, TEXT_VERSION);
            let Some(made) = record.described.clone() else { panic!("the description was dropped") };
            assert_eq!((made.key.as_str(), made.provider.as_str(), made.tokens), (key.as_str(), "openai", Some(90)));
            assert_eq!((record.description.as_str(), record.values(), record.hand), ("A mug.", None, None));
            assert_eq!(migrate(record.clone()), record, "migrating twice changes nothing");
        }
        let never = migrate(serde_json::from_str(r#"{"hash":"h2","description":"typed","described":null}"#)?);
        assert_eq!((never.described, never.version), (None, TEXT_VERSION));
        Ok(())
    }

    #[test]
    fn compared_answers_and_an_items_photos_are_kept() -> Result<(), serde_json::Error> {
        let made = |model: &str| Described {
            key: format!("h1|{model}"),
            prompt: "Alt".into(),
            provider: "p".into(),
            model: model.into(),
            tokens: Some(90),
        };
        let fields: Values = serde_json::from_str(r#"{"title":"Mug","alt":"A mug."}"#)?;
        let answers = vec![
            Answer {
                text: "A mug.".into(),
                values: None,
                fields: Vec::new(),
                described: made("a"),
                usage: Some((80, 10)),
            },
            Answer { text: String::new(), values: Some(fields), fields: Vec::new(), described: made("b"), usage: None },
        ];
        let record = TextRecord { answers: answer_records(&answers), ..TextRecord::default() };
        let back: TextRecord = serde_json::from_str(&serde_json::to_string(&record)?)?;
        assert_eq!(answers_of(back.answers), answers);
        let keys: Vec<String> = answers_of(record.answers)
            .into_iter()
            .filter_map(|a| a.values)
            .flat_map(|v| v.keys().cloned().collect::<Vec<_>>())
            .collect();
        assert_eq!(keys, ["title", "alt"], "fields keep their order");
        // Nothing compared: nothing extra is written.
        let plain = serde_json::to_string(&TextRecord { answers: answer_records(&[]), ..TextRecord::default() })?;
        assert!(!plain.contains("answers"), "{plain}");
        let item: ImageRecord = serde_json::from_str(
            r#"{"hash":"h1","name":"mug-1.jpg","size":1,"added":2,"width":null,"height":null,"photos":["h3","h2"]}"#,
        )?;
        assert_eq!(item.photos, ["h3", "h2"], "in the item's order");
        let alone: ImageRecord =
            serde_json::from_str(r#"{"hash":"h3","name":"a.jpg","size":1,"added":2,"width":null,"height":null}"#)?;
        assert!(alone.photos.is_empty(), "records from before items read as photos on their own");
        assert!(!serde_json::to_string(&alone)?.contains("photos"));
        Ok(())
    }

    #[test]
    fn values_keep_their_order() {
        let record = TextRecord {
            values: Some(r#"{"title":"T","bullet_points":["a"],"alt":"x"}"#.into()),
            ..TextRecord::default()
        };
        let keys: Vec<String> = record.values().map(|v| v.keys().cloned().collect()).unwrap_or_default();
        assert_eq!(keys, ["title", "bullet_points", "alt"]);
    }
}
