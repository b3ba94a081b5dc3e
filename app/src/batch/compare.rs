//! Two models side by side: "Compare with" names a second provider and model that
//! "Describe all" asks too; each row shows both answers (`A`, the model chosen above, and
//! `B`: the row's answers kept under each one's key, `Row::answers`) with what made them
//! and what they cost, and its text is the one chosen — per row ("Use this one") or for
//! every row. Choosing asks no one: both answers are kept, in this browser too. The views
//! load on demand (`on_demand`); the describing is `run`'s. Runs in the browser only.

use leptos::prelude::*;

use super::context::key_under;
use super::run::keep;
use super::{use_batch, Answer, Batch, Row, Settings};
use crate::describe::cost::{dollars, money, price_for};
use crate::export::caption;
use crate::text::count;

/// What each side is called: the model chosen above, and the one compared with it.
const SIDES: [&str; 2] = ["A", "B"];

/// The settings of each side, `A` then `B`, while two models are compared.
fn sides(batch: Batch, tracked: bool) -> Option<[Settings; 2]> {
    let second = batch.compared_settings(tracked)?;
    Some([if tracked { batch.tracked_settings() } else { batch.settings() }, second])
}

/// Makes the row's text its answer under `key`, as if that model had just written it;
/// whether it did (not while the row is being described).
fn use_answer(batch: Batch, row: &Row, key: &str) -> bool {
    let Some(answer) = row.answer(key) else { return false };
    if row.phase.with_untracked(|p| p.in_flight()) {
        return false;
    }
    keep(batch, row, answer);
    true
}

/// "Use A / B for every row": every row with that answer takes it, except text a person
/// wrote, which is theirs to replace row by row.
fn use_everywhere(batch: Batch, side: usize) {
    let Some(sides) = sides(batch, false) else { return };
    let (mut used, mut kept) = (0u64, 0u64);
    for row in batch.rows.get_untracked() {
        let Some(key) = row.key(&sides[side]).filter(|key| row.answer(key).is_some()) else { continue };
        if row.hand.with_untracked(Option::is_some) {
            kept += 1;
            continue;
        }
        used += u64::from(use_answer(batch, &row, &key));
    }
    let mut said = format!("Using {} for {}.", SIDES[side], count(used, "row", "rows"));
    if kept > 0 {
        said.push_str(&format!(" Kept {} a person wrote; use “Use this one” there.", count(kept, "row", "rows")));
    }
    batch.announce(said);
}

/// What made an answer and what it cost: "B: Anthropic claude-haiku-4-5 · 131 tokens · $0.0002".
fn made_by(batch: Batch, side: usize, answer: &Answer) -> String {
    let made = &answer.described;
    batch.providers.with_untracked(|info| {
        let provider = info.providers.iter().find(|p| p.id == made.provider).map_or(&made.provider, |p| &p.label);
        let mut line = format!("{}: {provider} {}", SIDES[side], made.model);
        if let Some(tokens) = made.tokens {
            line.push_str(&format!(" · {tokens} tokens"));
        }
        if let (Some((input, output)), Some(price)) = (answer.usage, price_for(&info.prices, &made.model)) {
            line.push_str(&format!(" · {}", money(dollars(u64::from(input), u64::from(output), price))));
        }
        line
    })
}

/// Whether both compared models have answered the row under the settings as they are
/// (tracked): then its answers are shown.
pub fn compared(batch: Batch, row: &Row) -> bool {
    let Some(sides) = sides(batch, true) else { return false };
    row.answers.track();
    sides.iter().all(|settings| key_under(row, settings).is_some_and(|key| row.answer(&key).is_some()))
}

/// A row's two answers, each with what made it and "Use this one".
pub fn answers_view(row: Row) -> impl IntoView {
    let batch = use_batch();
    let label = format!("Answers for {}", row.name);
    let each = move || {
        let name = row.name.clone();
        row.answers.track();
        let keys: Vec<String> =
            sides(batch, true).into_iter().flatten().filter_map(|settings| key_under(&row, &settings)).collect();
        keys.into_iter()
            .enumerate()
            .filter_map(|(side, key)| {
                let answer = row.answer(&key)?;
                let made = made_by(batch, side, &answer);
                let chosen = {
                    let (row, key) = (row.clone(), key.clone());
                    move || row.described.with(|d| d.as_ref().is_some_and(|d| d.key == key)).to_string()
                };
                let text = caption(if answer.values.is_some() { "" } else { &answer.text }, answer.values.as_ref());
                let choose = format!("Use this one ({}) for {name}", SIDES[side]);
                let row = row.clone();
                Some(view! {
                    <div class="answer">
                        <p class="answer-made">{made}</p>
                        <p class="answer-text">{text}</p>
                        <button
                            type="button"
                            aria-pressed=chosen
                            aria-label=choose
                            on:click=move |_| {
                                use_answer(batch, &row, &key);
                            }
                        >
                            "Use this one"
                        </button>
                    </div>
                })
            })
            .collect_view()
    };
    view! {
        <div class="answers" role="group" aria-label=label>
            {each}
        </div>
    }
}

/// "Compare with" and, while comparing, "Use B for every row" (and back to A).
pub fn compare_field() -> impl IntoView {
    let batch = use_batch();
    // Every provider's models but the one chosen above, in the server's order.
    let choices = move || {
        let (chosen, model) = (batch.provider.get(), batch.model.get());
        batch.providers.with(|info| {
            info.providers
                .iter()
                .flat_map(|p| p.models.iter().map(move |m| (p.id.clone(), p.label.clone(), m.clone())))
                .filter(|(id, _, m)| !(*id == chosen && *m == model))
                .collect::<Vec<_>>()
        })
    };
    let choose = move |ev| {
        let picked = event_target_value(&ev).parse::<usize>().ok().and_then(|at| untrack(choices).get(at).cloned());
        batch.compare.set(picked.map(|(id, _, model)| (id, model)));
    };
    let options = move || {
        choices()
            .into_iter()
            .enumerate()
            .map(|(at, (id, label, model))| {
                let text = format!("{label}: {model}");
                let pick = Some((id, model));
                view! {
                    <option value=at.to_string() selected=move || *batch.compare.read() == pick>
                        {text}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <div class="field">
            <label for="compare-with">"Compare with"</label>
            <select id="compare-with" aria-describedby="compare-hint" on:change=choose>
                <option value="" selected=move || batch.compare.read().is_none()>
                    "None"
                </option>
                {options}
            </select>
            <span id="compare-hint" class="hint">
                "“Describe all” asks this model too (B); each row shows both answers to choose from."
            </span>
        </div>
        <Show when=move || batch.compare.read().is_some()>
            <button type="button" on:click=move |_| use_everywhere(batch, 1)>
                "Use B for every row"
            </button>
            <button type="button" on:click=move |_| use_everywhere(batch, 0)>
                "Use A for every row"
            </button>
        </Show>
    }
}
