//! What a run asks about each row: which of the two compared models, or nothing and why
//! ([`plan::skip`] over the row as it is), and the answers kept in the browser that make a
//! call needless. Shared by "Describe all", its estimate, Retry and "Send as a batch".

use leptos::prelude::*;

use super::run::keep;
use super::{Batch, Phase, Row, Settings};
use crate::plan::{self, Candidate, Skip};
use crate::text::count;

/// The settings a run describes with, and those of the model compared with them.
pub(super) type Both<'a> = (&'a Settings, Option<&'a Settings>);

/// Why "Describe all" does not ask `settings`' model about a row, if it does not:
/// [`plan::skip`] over the row as it is. An answer made under the key counts, whether it is
/// the row's text or kept beside it ([`Row::answers`]; see [`take_kept`]).
pub(super) fn skip(row: &Row, settings: &Settings, include_edited: bool) -> Option<Skip> {
    let key = row.key(settings);
    let phase = row.phase.get_untracked();
    let described = key.clone().filter(|key| row.answered(key));
    let declined = row.declined();
    let image = Candidate {
        key: key.as_deref(),
        ready: phase.can_describe(),
        broken: phase.sentence().filter(|_| matches!(phase, Phase::Unusable { .. })),
        edited: row.hand.get_untracked().is_some(),
        described: described.as_deref(),
        declined: declined.as_deref(),
    };
    plan::skip(&image, include_edited)
}

/// Which models a call asks about a row: the one chosen above (its answer becomes the
/// row's text) and the one compared with it (kept beside).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Ask {
    pub first: bool,
    pub second: bool,
}

impl Ask {
    /// What "Describe all" asks about `row`, and why it asks nothing when it does not. An
    /// edited row included is the chosen model's to write again; the compared model's
    /// answer does not depend on the edit, so it is asked only if it has none.
    pub(super) fn in_run(row: &Row, (settings, second): Both<'_>, include_edited: bool) -> Result<Ask, Skip> {
        let first = skip(row, settings, include_edited);
        let unanswered = |s: &Settings| row.key(s).is_some_and(|key| !row.answered(&key));
        let other = second.is_some_and(|s| skip(row, s, include_edited).is_none() && unanswered(s));
        match (first, other) {
            (Some(why), false) => Err(why),
            (first, second) => Ok(Ask { first: first.is_none(), second }),
        }
    }

    /// What Retry and Regenerate ask. After a failure or a refusal: the side whose call
    /// missed, and a side with no answer yet that was not declined; the other is paid for.
    /// Otherwise both.
    pub(super) fn again(row: &Row, (settings, second): Both<'_>) -> Ask {
        let Some(second) = second else { return Ask { first: true, second: false } };
        let both = Ask { first: true, second: true };
        if !matches!(row.phase.get_untracked(), Phase::Failed { .. } | Phase::Refused { .. }) {
            return both;
        }
        let missed = row.missed.get_untracked().map(|m| m.key);
        let declined = row.declined();
        let asks = |s: &Settings| {
            row.key(s).is_some_and(|key| {
                missed.as_ref() == Some(&key) || (!row.answered(&key) && declined.as_ref() != Some(&key))
            })
        };
        match (Ask { first: asks(settings), second: asks(second) }) {
            Ask { first: false, second: false } => both,
            ask => ask,
        }
    }
}

/// Rows whose text is not the chosen model's (nor the compared one's) but whose answer
/// under the key is kept take it back, asking no one: switching back costs nothing. Text
/// a person wrote stays, unless edited rows are included: then the kept answer is what a
/// call would bring. Returns how many.
pub(super) fn take_kept(batch: Batch, (settings, second): Both<'_>, include_edited: bool) -> u64 {
    let mut taken = 0;
    for row in batch.rows.get_untracked() {
        let hand = row.hand.with_untracked(Option::is_some);
        if (hand && !include_edited) || !row.phase.with_untracked(Phase::can_describe) {
            continue;
        }
        let Some(key) = row.key(settings) else { continue };
        let text_key = row.described.with_untracked(|d| d.as_ref().map(|d| d.key.clone()));
        let current = |settings: &Settings| row.key(settings).is_some_and(|key| text_key.as_ref() == Some(&key));
        if !hand && (current(settings) || second.is_some_and(current)) {
            continue;
        }
        if let Some(answer) = row.answer(&key) {
            keep(batch, &row, answer);
            taken += 1;
        }
    }
    taken
}

/// What a run says of the answers [`take_kept`] brought back: " 2 descriptions came back
/// from answers kept in this browser.", or nothing.
pub(super) fn kept_sentence(taken: u64) -> String {
    match taken {
        0 => String::new(),
        n => format!(" {} came back from answers kept in this browser.", count(n, "description", "descriptions")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{Answer, Missed};
    use crate::describe::{Detail, ResizeRule};

    fn settings(model: &str) -> Settings {
        Settings {
            prompt: "Alt text.".into(),
            provider: "p".into(),
            model: model.into(),
            detail: Detail::Auto,
            resize: ResizeRule::OpenAiTiles,
            max_tokens: None,
            fields: Vec::new(),
            language: String::new(),
            temperature: None,
            analyse: None,
        }
    }

    fn read_row() -> Row {
        let row = Row::new(1, "mug.jpg", 100, 0.0);
        row.hash.set(Some("h1".into()));
        row.dims.set(Some((800, 600)));
        row.phase.set(Phase::Ready);
        row
    }

    fn answer(row: &Row, settings: &Settings) -> Answer {
        let key = row.key(settings).unwrap_or_default();
        let described = crate::batch::Described {
            key,
            prompt: settings.prompt.clone(),
            provider: settings.provider.clone(),
            model: settings.model.clone(),
            tokens: Some(90),
        };
        Answer { text: format!("By {}.", settings.model), values: None, fields: Vec::new(), described, usage: None }
    }

    /// What "Describe all" asks, and Retry/Regenerate, for rows in each state, with and
    /// without a model compared.
    #[test]
    fn each_model_is_asked_only_what_it_has_not_answered() {
        Owner::new().with(|| {
            let (a, b) = (settings("a"), settings("b"));
            let both = Ask { first: true, second: true };
            let only_b = Ask { first: false, second: true };

            let new = read_row();
            assert_eq!(Ask::in_run(&new, (&a, None), false), Ok(Ask { first: true, second: false }));
            assert_eq!(Ask::in_run(&new, (&a, Some(&b)), false), Ok(both));

            let a_answered = read_row();
            a_answered.remember(answer(&a_answered, &a));
            assert_eq!(Ask::in_run(&a_answered, (&a, None), false), Err(Skip::Current), "kept: no call");
            assert_eq!(Ask::in_run(&a_answered, (&a, Some(&b)), false), Ok(only_b), "compared afterwards: B only");

            let refused = read_row();
            let key = refused.key(&a).unwrap_or_default();
            refused.missed.set(Some(Missed { key, sentence: "Declined.".into(), declined: true }));
            refused.settle();
            assert_eq!(refused.phase.get_untracked().label(false), "refused");
            assert_eq!(Ask::in_run(&refused, (&a, Some(&b)), false), Ok(only_b), "A declined is not asked again");
            // B's call takes the row through its phases; A's refusal outlives them.
            refused.phase.set(Phase::Sending);
            refused.remember(answer(&refused, &b));
            refused.settle();
            assert_eq!(refused.phase.get_untracked().label(false), "refused");
            assert_eq!(Ask::in_run(&refused, (&a, Some(&b)), false), Err(Skip::Current));
            assert_eq!(Ask::again(&refused, (&a, Some(&b))), Ask { first: true, second: false }, "Retry asks A");

            let answered = read_row();
            answered.remember(answer(&answered, &a));
            answered.remember(answer(&answered, &b));
            assert_eq!(Ask::in_run(&answered, (&a, Some(&b)), false), Err(Skip::Current));
            assert_eq!(Ask::in_run(&answered, (&b, Some(&a)), false), Err(Skip::Current), "the sides swapped");

            let edited = read_row();
            edited.hand.set(Some(crate::batch::Hand::Edited));
            assert_eq!(Ask::in_run(&edited, (&a, Some(&b)), false), Err(Skip::Edited));
            assert_eq!(Ask::in_run(&edited, (&a, Some(&b)), true), Ok(both), "edited rows included");
            edited.remember(answer(&edited, &b));
            let only_a = Ask { first: true, second: false };
            assert_eq!(Ask::in_run(&edited, (&a, Some(&b)), true), Ok(only_a), "B's answer is not the edit's");

            // Retry after B failed asks B alone; Regenerate asks both.
            a_answered.phase.set(Phase::Failed { sentence: "Rate limited.".into() });
            assert_eq!(Ask::again(&a_answered, (&a, Some(&b))), only_b);
            answered.phase.set(Phase::Done);
            assert_eq!(Ask::again(&answered, (&a, Some(&b))), both);
            // Regenerate brought A anew and B failed: B's older answer is kept, yet B is
            // what Retry asks.
            let key = answered.key(&b).unwrap_or_default();
            answered.missed.set(Some(Missed { key, sentence: "Rate limited.".into(), declined: false }));
            answered.phase.set(Phase::Failed { sentence: "Rate limited.".into() });
            assert_eq!(Ask::again(&answered, (&a, Some(&b))), only_b);
            assert_eq!(Ask::again(&answered, (&a, None)), Ask { first: true, second: false });
        })
    }

    #[test]
    fn a_row_keeps_one_answer_a_key_and_the_newest_few() {
        Owner::new().with(|| {
            let row = read_row();
            for model in ["a", "b", "c", "d", "e"] {
                row.remember(answer(&row, &settings(model)));
            }
            let mut again = answer(&row, &settings("c"));
            again.text = "Asked again.".into();
            row.remember(again);
            let models: Vec<String> = row.answers.get_untracked().into_iter().map(|a| a.described.model).collect();
            assert_eq!(models, ["b", "d", "e", "c"], "the oldest went; the same key replaced");
            row.described.set(Some(answer(&row, &settings("b")).described));
            row.remember(answer(&row, &settings("f")));
            let models: Vec<String> = row.answers.get_untracked().into_iter().map(|a| a.described.model).collect();
            assert_eq!(models, ["b", "e", "c", "f"], "the row's text stays however old");
            assert!(row.answered(&row.key(&settings("c")).unwrap_or_default()));
            assert!(!row.answered(&row.key(&settings("a")).unwrap_or_default()));
        })
    }

    /// The JSON export keeps both compared answers, A then B, by key: swapping which model
    /// is chosen swaps them.
    #[test]
    fn the_export_names_each_sides_answer_by_its_key() {
        Owner::new().with(|| {
            let (a, b) = (settings("a"), settings("b"));
            let row = read_row();
            row.remember(answer(&row, &b));
            row.remember(answer(&row, &a));
            let texts = |compared| {
                let exported = row.export_row(compared).map(|r| r.answers).unwrap_or_default();
                exported.into_iter().map(|r| r.description).collect::<Vec<_>>()
            };
            assert_eq!(texts(Some([&a, &b])), ["By a.", "By b."]);
            assert_eq!(texts(Some([&b, &a])), ["By b.", "By a."]);
            assert!(texts(None).is_empty(), "nothing compared, nothing extra");
            assert!(texts(Some([&a, &settings("c")])).is_empty(), "C never answered");
        })
    }
}
