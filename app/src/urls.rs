//! "Add from URLs": the page names images by URL and the server fetches them — never the
//! browser, which would need the image host to allow it and would leak who is looking —
//! through the engine's fetcher, which is safe to run on a team server.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The longest URL taken; anything longer is not an image address.
pub const MAX_URL_CHARS: usize = 2_048;
/// URLs one "Add images" takes.
pub const MAX_URLS: usize = 500;

/// An image fetched for the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchedImage {
    /// Where it was found, after redirects.
    pub url: String,
    /// The image as a `data:` URL of its own type, exactly the bytes the server got.
    pub data_url: String,
}

/// The URLs in the text area: one a line, blank lines and duplicates left out.
pub fn urls_in(text: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !urls.iter().any(|u| u == line) {
            urls.push(line.to_string());
        }
    }
    urls
}

/// Fetches one image by URL for the signed-in caller.
///
/// Accepts an http or https URL of at most 2,048 characters. The server resolves its host
/// once and refuses loopback, private, link-local, CGNAT, multicast, unspecified and
/// IPv4-mapped addresses unless `PICSCRIBE_FETCH_ALLOW` names them; follows at most five
/// redirects, checking each; sends no cookies or credentials; reads at most
/// `PICSCRIBE_FETCH_MAX_BYTES` (20 MB by default) and refuses what is not a JPEG, PNG, GIF
/// or WebP by its bytes. Holds one of the caller's parallel slots (429 when they are all
/// in use) and one of the server's (503). Costs no paid call. A refused or failed URL is a
/// 400 whose sentence says why ("… was not fetched: it points at an address inside this
/// network.").
#[server(input = Json, endpoint = "fetch_image")]
pub async fn fetch_image(url: String) -> Result<FetchedImage, ApiError> {
    server::fetch_image(url).await.map_err(crate::state::refuse)
}

#[cfg(feature = "ssr")]
mod server {
    use base64::Engine as _;
    use engine::fetch::fetch;

    use super::{FetchedImage, MAX_URL_CHARS};
    use crate::error::ApiError;

    pub async fn fetch_image(url: String) -> Result<FetchedImage, ApiError> {
        let state = crate::state::app_state()?;
        let caller = crate::state::caller()
            .ok_or_else(|| ApiError::SignIn("Sign in to add images: enter your access token above.".into()))?;
        let url = url.trim().to_string();
        if url.is_empty() || url.chars().count() > MAX_URL_CHARS {
            return Err(ApiError::Invalid(format!("An image URL must have 1 to {MAX_URL_CHARS} characters.")));
        }
        let _permits = state.access.admit(&caller)?;
        let shown: String = url.chars().take(200).collect();
        match fetch(&url, &state.access.settings().fetch).await {
            Ok(fetched) => {
                tracing::info!(user = %caller.user.name, bytes = fetched.bytes.len(), "fetched an image by URL");
                let data = base64::engine::general_purpose::STANDARD.encode(&fetched.bytes);
                Ok(FetchedImage { url: fetched.url, data_url: format!("data:{};base64,{data}", fetched.kind.mime()) })
            }
            Err(err) => {
                tracing::info!(user = %caller.user.name, error = %err, "an image URL was not fetched");
                Err(ApiError::Invalid(err.sentence(&shown)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_url_a_line_each_once() {
        let text = " https://a.example/1.jpg \n\nhttps://a.example/2.jpg\nhttps://a.example/1.jpg\n";
        assert_eq!(urls_in(text), ["https://a.example/1.jpg", "https://a.example/2.jpg"]);
        assert!(urls_in("  \n ").is_empty());
    }
}
