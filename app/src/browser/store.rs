//! The table kept in IndexedDB, so a reload or a closed tab loses nothing. Two stores,
//! both keyed by content hash: `images` (the original file and its facts) and `texts`
//! (the description, edits included), so typing never rewrites an image.

use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

use super::records::{migrate, TEXT_VERSION};
pub use super::records::{ImageRecord, MadeWith, TextRecord};

const DB: &str = "picscribe";
const IMAGES: &str = "images";
const TEXTS: &str = "texts";

type StoreResult<T> = Result<T, String>;

fn failed(err: impl std::fmt::Debug) -> String {
    leptos::logging::warn!("IndexedDB: {err:?}");
    "This browser did not let picscribe save to its storage; export before closing the tab.".to_string()
}

async fn open() -> StoreResult<Rexie> {
    Rexie::builder(DB)
        .version(1)
        .add_object_store(ObjectStore::new(IMAGES).key_path("hash"))
        .add_object_store(ObjectStore::new(TEXTS).key_path("hash"))
        .build()
        .await
        .map_err(failed)
}

async fn put(store: &str, value: &JsValue) -> StoreResult<()> {
    let db = open().await?;
    let tx = db.transaction(&[store], TransactionMode::ReadWrite).map_err(failed)?;
    tx.store(store).map_err(failed)?.put(value, None).await.map_err(failed)?;
    tx.done().await.map_err(failed)?;
    Ok(())
}

pub async fn save_image(record: &ImageRecord, blob: &web_sys::Blob) -> StoreResult<()> {
    let value = serde_wasm_bindgen::to_value(record).map_err(failed)?;
    js_sys::Reflect::set(&value, &JsValue::from_str("blob"), blob).map_err(failed)?;
    put(IMAGES, &value).await
}

pub async fn save_text(record: &TextRecord) -> StoreResult<()> {
    debug_assert_eq!(record.version, TEXT_VERSION);
    let value = serde_wasm_bindgen::to_value(record).map_err(failed)?;
    put(TEXTS, &value).await
}

pub async fn delete(hash: &str) -> StoreResult<()> {
    let db = open().await?;
    let tx = db.transaction(&[IMAGES, TEXTS], TransactionMode::ReadWrite).map_err(failed)?;
    for store in [IMAGES, TEXTS] {
        tx.store(store).map_err(failed)?.delete(JsValue::from_str(hash)).await.map_err(failed)?;
    }
    tx.done().await.map_err(failed)?;
    Ok(())
}

pub async fn clear() -> StoreResult<()> {
    let db = open().await?;
    let tx = db.transaction(&[IMAGES, TEXTS], TransactionMode::ReadWrite).map_err(failed)?;
    for store in [IMAGES, TEXTS] {
        tx.store(store).map_err(failed)?.clear().await.map_err(failed)?;
    }
    tx.done().await.map_err(failed)?;
    Ok(())
}

/// Everything saved, oldest first, each image with its text if it has one.
pub async fn load_all() -> StoreResult<Vec<(ImageRecord, web_sys::Blob, Option<TextRecord>)>> {
    use wasm_bindgen::JsCast;
    let db = open().await?;
    let tx = db.transaction(&[IMAGES, TEXTS], TransactionMode::ReadOnly).map_err(failed)?;
    let images = tx.store(IMAGES).map_err(failed)?.get_all(None, None).await.map_err(failed)?;
    let texts = tx.store(TEXTS).map_err(failed)?.get_all(None, None).await.map_err(failed)?;
    let mut texts: std::collections::HashMap<String, TextRecord> = texts
        .into_iter()
        .filter_map(|v| serde_wasm_bindgen::from_value::<TextRecord>(v).ok())
        .map(migrate)
        .map(|t| (t.hash.clone(), t))
        .collect();
    let mut rows: Vec<_> = images
        .into_iter()
        .filter_map(|value| {
            let blob =
                js_sys::Reflect::get(&value, &JsValue::from_str("blob")).ok()?.dyn_into::<web_sys::Blob>().ok()?;
            let record: ImageRecord = serde_wasm_bindgen::from_value(value).ok()?;
            let text = texts.remove(&record.hash);
            Some((record, blob, text))
        })
        .collect();
    rows.sort_by(|a, b| a.0.added.total_cmp(&b.0.added));
    Ok(rows)
}
