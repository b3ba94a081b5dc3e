//! Getting the table out: the engine's writers (`engine::export`), fed the page's rows.

pub use engine::export::*;

use leptos::prelude::*;

use crate::batch::Batch;

/// The table as exported: every row whose file was read, in table order, edits included.
pub fn rows(batch: Batch) -> Vec<ExportRow> {
    let min = batch.min_confidence.get_untracked() as f32 / 100.0;
    let (settings, second) = (batch.settings(), batch.compared_settings(false));
    let compared = second.as_ref().map(|second| [&settings, second]);
    batch.rows.with_untracked(|rows| {
        rows.iter().filter_map(|row| row.export_row(compared)).map(|row| row.kept_at(min)).collect()
    })
}
