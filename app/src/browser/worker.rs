//! The image worker (`public/imaging-worker.js`): decoding, resizing and encoding run
//! there, off the page's main thread — Chromium resizes an `ImageBitmap` on the thread
//! that asks, which made tasks of 50–85 ms while describing 500 photos. Started on first
//! use; each request carries an id and its answer the same. The sizes and formats are
//! decided in `imaging`; the worker only calls the browser.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Said when the worker's script cannot be fetched or started.
pub const UNAVAILABLE: &str =
    "The page's image worker could not be started, so the image was not read; check the connection and reload the page.";

/// Why the worker did not do what was asked.
pub enum WorkerError {
    /// Its script could not be fetched, or it stopped: said with [`UNAVAILABLE`].
    Unavailable,
    /// The browser refused the step: an image it cannot decode, say.
    Refused,
}

type Replies = Rc<RefCell<HashMap<u32, oneshot::Sender<Result<JsValue, WorkerError>>>>>;

struct Imaging {
    worker: web_sys::Worker,
    replies: Replies,
    /// Set when the worker failed as a whole; the next request starts a new one.
    failed: Rc<Cell<bool>>,
    next: u32,
    _answer: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _failure: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static IMAGING: RefCell<Option<Imaging>> = const { RefCell::new(None) };
    static HANDLES: Cell<u32> = const { Cell::new(0) };
}

fn field(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn start() -> Result<Imaging, JsValue> {
    let worker = web_sys::Worker::new("/imaging-worker.js")?;
    let replies: Replies = Rc::default();
    let failed = Rc::new(Cell::new(false));
    let answer = {
        let replies = replies.clone();
        Closure::<dyn FnMut(_)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let Some(id) = field(&data, "id").as_f64() else { return };
            let Some(reply) = replies.borrow_mut().remove(&(id as u32)) else { return };
            let refused = !field(&data, "error").is_undefined();
            let _ = reply.send(if refused { Err(WorkerError::Refused) } else { Ok(field(&data, "ok")) });
        })
    };
    let failure = {
        let (replies, failed) = (replies.clone(), failed.clone());
        Closure::<dyn FnMut(_)>::new(move |_: web_sys::Event| {
            failed.set(true);
            for (_, reply) in replies.borrow_mut().drain() {
                let _ = reply.send(Err(WorkerError::Unavailable));
            }
        })
    };
    worker.set_onmessage(Some(answer.as_ref().unchecked_ref()));
    worker.set_onerror(Some(failure.as_ref().unchecked_ref()));
    Ok(Imaging { worker, replies, failed, next: 0, _answer: answer, _failure: failure })
}

/// A request: what to do, to which image, with what.
fn message(op: &str, handle: u32, fields: &[(&str, JsValue)]) -> Object {
    let message = Object::new();
    for (key, value) in [("op", JsValue::from_str(op)), ("handle", handle.into())].iter().chain(fields) {
        let _ = Reflect::set(&message, &JsValue::from_str(key), value);
    }
    message
}

/// Asks the worker to run `op` with these fields and waits for its answer.
async fn call(op: &str, handle: u32, fields: &[(&str, JsValue)]) -> Result<JsValue, WorkerError> {
    let message = message(op, handle, fields);
    let reply = IMAGING.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.as_ref().is_none_or(|imaging| imaging.failed.get()) {
            if let Some(old) = slot.take() {
                old.worker.terminate();
            }
            *slot = Some(start().map_err(|_| WorkerError::Unavailable)?);
        }
        let imaging = slot.as_mut().ok_or(WorkerError::Unavailable)?;
        imaging.next = imaging.next.wrapping_add(1);
        let id = imaging.next;
        let _ = Reflect::set(&message, &JsValue::from_str("id"), &id.into());
        let (sender, receiver) = oneshot::channel();
        imaging.replies.borrow_mut().insert(id, sender);
        imaging.worker.post_message(&message).map_err(|_| WorkerError::Unavailable)?;
        Ok(receiver)
    })?;
    // A worker replaced meanwhile drops its waiting replies: that is unavailable too.
    reply.await.unwrap_or(Err(WorkerError::Unavailable))
}

/// One image held by the worker: decoded, then resized; released when dropped, so a
/// row removed mid-way leaves nothing behind.
pub struct Image {
    handle: u32,
    pub width: u32,
    pub height: u32,
}

impl Image {
    /// Decodes with the EXIF orientation applied.
    pub async fn decode(blob: &web_sys::Blob) -> Result<Image, WorkerError> {
        let handle = HANDLES.with(|h| {
            h.set(h.get().wrapping_add(1));
            h.get()
        });
        let size = call("decode", handle, &[("blob", blob.into())]).await?;
        let side = |key| field(&size, key).as_f64().unwrap_or(0.0) as u32;
        Ok(Image { handle, width: side("width"), height: side("height") })
    }

    /// Resizes with the browser's high-quality resampler.
    pub async fn resize(&self, (width, height): (u32, u32)) -> Result<(), WorkerError> {
        call("resize", self.handle, &[("width", width.into()), ("height", height.into())]).await.map(drop)
    }

    /// Whether any pixel of the resized image is see-through.
    pub async fn uses_alpha(&self) -> Result<bool, WorkerError> {
        Ok(call("usesAlpha", self.handle, &[]).await?.is_truthy())
    }

    /// Paints white under what is see-through.
    pub async fn flatten(&self) -> Result<(), WorkerError> {
        call("flatten", self.handle, &[]).await.map(drop)
    }

    /// Encodes the resized image; the `Blob`'s type says what the browser could write.
    pub async fn encode(&self, mime: &str, quality: f64) -> Result<web_sys::Blob, WorkerError> {
        let blob = call("encode", self.handle, &[("type", mime.into()), ("quality", quality.into())]).await?;
        blob.dyn_into().map_err(|_| WorkerError::Refused)
    }
}

impl Drop for Image {
    /// Tells the worker to let go of the image; no answer is awaited, and a worker that
    /// failed has nothing to let go of.
    fn drop(&mut self) {
        IMAGING.with(|slot| {
            if let Some(imaging) = slot.borrow().as_ref().filter(|imaging| !imaging.failed.get()) {
                let _ = imaging.worker.post_message(&message("release", self.handle, &[]));
            }
        });
    }
}
