//! Any text as `picscribe.toml`: both loaders accept it or refuse it with a reason,
//! never a panic.
#![no_main]

use app::access::server::config as access;
use app::describe::server::config as providers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let var = |name: &str| (name == "FUZZ_TOKEN").then(|| "fuzz-token-0123456789".to_string());
    let _ = providers::load(&var, Some(("picscribe.toml", text)));
    if let Ok(settings) = access::load(&var, Some(("picscribe.toml", text))) {
        let _ = settings.host_allowed(text);
    }
});
