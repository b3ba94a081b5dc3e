//! Which rows are on or near the screen, from one `IntersectionObserver` for the page:
//! a table of thousands builds the controls of the few dozen rows someone can reach.

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// How far beyond the screen a row counts as near: a couple of screens, so rows are built
/// before they are scrolled or tabbed to.
const MARGIN: &str = "1500px 0px";

thread_local! {
    static OBSERVER: RefCell<Option<web_sys::IntersectionObserver>> = const { RefCell::new(None) };
    static WATCHED: RefCell<HashMap<u64, (web_sys::Element, RwSignal<bool>)>> = RefCell::new(HashMap::new());
}

/// Sets `near` whenever the element (carrying `data-row="id"`) comes near the screen or
/// leaves it. Without the browser API every row counts as near.
pub fn watch(id: u64, element: web_sys::Element, near: RwSignal<bool>) {
    let Some(observer) = observer() else {
        near.set(true);
        return;
    };
    observer.observe(&element);
    WATCHED.with(|w| w.borrow_mut().insert(id, (element, near)));
}

/// Asks again whether the row is near, e.g. once the focus that kept it built has left.
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
    let Some(id) = target.get_attribute("data-row").and_then(|v| v.parse::<u64>().ok()) else { return };
    let near = entry.is_intersecting();
    // A row holding the focus stays built, or the focus would be lost with its controls.
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .is_some_and(|active| target.contains(Some(&active)));
    if !near && focused {
        return;
    }
    if let Some(signal) = WATCHED.with(|w| w.borrow().get(&id).map(|(_, signal)| *signal)) {
        if signal.get_untracked() != near {
            signal.set(near);
        }
    }
}
