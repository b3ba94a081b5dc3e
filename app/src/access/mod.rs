//! Who may use this server: the sign-in the page shows when the server asks for one, what
//! the signed-in person may still spend, and (server-only) the settings, sessions, limits
//! and the guard in front of the server functions.

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

/// What the page may know about whoever is looking at it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// The server wants people to sign in.
    pub sign_in_required: bool,
    /// Someone can sign in here with a token; when only a proxy signs people in, the page
    /// says to come through it instead of offering a form nobody can use.
    #[serde(default)]
    pub token_sign_in: bool,
    /// Who is signed in; `None` until someone is (or when nobody needs to).
    pub name: Option<String>,
    /// Signed in with this page's form (a proxy's sign-in cannot be ended here).
    pub can_sign_out: bool,
    /// "188,000 of 200,000 tokens left today", when a budget applies.
    pub budget_left: Option<String>,
    /// How many descriptions this person may have under way at once.
    pub max_parallel: u32,
    /// The longest description the server allows, in output tokens.
    pub max_output_tokens: u32,
}

impl Viewer {
    /// Whether describing can work: signed in, or nobody needs to be.
    pub fn may_describe(&self) -> bool {
        !self.sign_in_required || self.name.is_some()
    }
}
