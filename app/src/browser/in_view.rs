//! Which parts of the page are on or near the screen, from one `IntersectionObserver` for
//! the page: a table of thousands keeps in the document only the blocks of rows someone can
//! reach, and a spacer of their height for the rest.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// How far beyond the screen a part counts as near: a couple of screens, so rows are built
/// before they are scrolled or tabbed to.
const MARGIN: &str = "1500px 0px";

/// Told `Near` when the part comes near the screen, `Far(height)` with its height in CSS
/// pixels just before it goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seen {
    Near,
    Far(f64),
}

type Listener = Rc<dyn Fn(Seen)>;

thread_local! {
    static OBSERVER: RefCell<Option<web_sys::IntersectionObserver>> = const { RefCell::new(None) };
    static WATCHED: RefCell<HashMap<u64, (web_sys::Element, Listener)>> = RefCell::new(HashMap::new());
}

/// Tells `listener` whenever the element (carrying `data-part="id"`) comes near the screen
/// or leaves it. Without the browser API everything counts as near.
pub fn watch(id: u64, element: web_sys::Element, listener: impl Fn(Seen) + 'static) {
    let Some(observer) = observer() else {
        listener(Seen::Near);
        return;
    };
    observer.observe(&element);
    WATCHED.with(|w| w.borrow_mut().insert(id, (element, Rc::new(listener))));
}

/// Asks again whether the part is near, e.g. once the focus that kept it built has left.
pub fn recheck(id: u64) {
    let Some(element) = WATCHED.with(|w| w.borrow().get(&id).map(|(element, _)| element.clone())) else { return };
    OBSERVER.with(|o| {
        if let Some(observer) = o.borrow().as_ref() {
            // Observing anew delivers a fresh entry for it.
            observer.unobserve(&element);
            observer.observe(&element);
        }
    });
}

pub fn unwatch(id: u64) {
    if let Some((element, _)) = WATCHED.with(|w| w.borrow_mut().remove(&id)) {
        OBSERVER.with(|o| o.borrow().as_ref().map(|observer| observer.unobserve(&element)));
    }
}

fn observer() -> Option<web_sys::IntersectionObserver> {
    OBSERVER.with(|slot| {
        if slot.borrow().is_none() {
            let callback = Closure::<dyn FnMut(js_sys::Array)>::new(|entries: js_sys::Array| {
                for entry in entries.iter() {
                    seen(&entry.unchecked_into());
                }
            });
            let options = web_sys::IntersectionObserverInit::new();
            options.set_root_margin(MARGIN);
            let observer =
                web_sys::IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options).ok()?;
            // The page's one observer lives as long as the page.
            callback.forget();
            *slot.borrow_mut() = Some(observer);
        }
        slot.borrow().clone()
    })
}

fn seen(entry: &web_sys::IntersectionObserverEntry) {
    let target = entry.target();
    let Some(id) = target.get_attribute("data-part").and_then(|v| v.parse::<u64>().ok()) else { return };
    let near = entry.is_intersecting();
    // A part holding the focus stays built, or the focus would be lost with its controls.
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_some_and(|active| target.contains(Some(&active)));
    if !near && focused {
        return;
    }
    let Some(listener) = WATCHED.with(|w| w.borrow().get(&id).map(|(_, listener)| listener.clone())) else { return };
    listener(if near { Seen::Near } else { Seen::Far(entry.bounding_client_rect().height()) });
}
