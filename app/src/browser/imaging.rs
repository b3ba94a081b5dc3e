//! Shrinking an image to what the provider keeps, in the browser, before it is sent, in
//! the page's image worker (`worker`): decode with `createImageBitmap` (EXIF orientation
//! applied), resize with the browser's
//! high-quality resampler, encode as JPEG, or PNG when the image really uses transparency,
//! and step down (WebP, then lower JPEG qualities) until it fits the server's limit.

use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;

use super::worker::{Image, WorkerError, UNAVAILABLE};
use crate::describe::{Detail, ResizeRule, MAX_IMAGE_URL_CHARS};
use crate::images::{encodings, human_size, preview_size, sniff, upload_size};

/// What decoding a file for the table found: its size as shown (orientation applied) and
/// a small preview, so thousands of rows never hold thousands of full-size images.
pub struct Preview {
    pub width: u32,
    pub height: u32,
    pub thumb: web_sys::Blob,
}

/// Why a file has no preview.
pub enum NoPreview {
    /// The browser cannot decode it: damaged, or a format it does not read.
    Undecodable,
    /// Something else went wrong, in these words.
    Failed(String),
}

/// Decodes the image once and makes its preview (WebP, which keeps transparency; PNG where
/// the browser cannot write WebP).
pub async fn preview(blob: &web_sys::Blob) -> Result<Preview, NoPreview> {
    let failed = |error| match error {
        WorkerError::Unavailable => NoPreview::Failed(UNAVAILABLE.to_string()),
        WorkerError::Refused => NoPreview::Undecodable,
    };
    let image = Image::decode(blob).await.map_err(failed)?;
    image.resize(preview_size(image.width, image.height)).await.map_err(failed)?;
    let thumb = image.encode("image/webp", 0.8).await.map_err(failed)?;
    Ok(Preview { width: image.width, height: image.height, thumb })
}

pub async fn prepare_upload(blob: &web_sys::Blob, rule: ResizeRule, detail: Detail) -> Result<String, String> {
    let image = Image::decode(blob).await.map_err(|error| match error {
        WorkerError::Unavailable => UNAVAILABLE.to_string(),
        WorkerError::Refused => "The browser cannot decode this image, so it was not sent.".to_string(),
    })?;
    match encode(&image, blob, rule, detail).await {
        Ok(Some(data_url)) => Ok(data_url),
        Ok(None) => Err(format!(
            "This image is still over {} after shrinking and re-encoding, so it was not sent; save a smaller copy and add that.",
            human_size(MAX_IMAGE_URL_CHARS as u64 * 3 / 4)
        )),
        Err(WorkerError::Unavailable) => Err(UNAVAILABLE.to_string()),
        Err(WorkerError::Refused) => Err("The browser could not shrink this image for sending.".to_string()),
    }
}

async fn encode(
    image: &Image,
    original: &web_sys::Blob,
    rule: ResizeRule,
    detail: Detail,
) -> Result<Option<String>, WorkerError> {
    image.resize(upload_size(image.width, image.height, rule, detail)).await?;
    let keeps_alpha = may_have_alpha(original).await && image.uses_alpha().await?;
    let mut flattened = false;
    for step in encodings(keeps_alpha) {
        if keeps_alpha && step.mime == "image/jpeg" && !flattened {
            // JPEG has no transparency: what was see-through goes white, not black.
            image.flatten().await?;
            flattened = true;
        }
        let encoded = image.encode(step.mime, step.quality).await?;
        if encoded.type_() != step.mime {
            // This browser cannot write that format; try the next.
            continue;
        }
        // Base64 grows by a third; skip the copy when it cannot fit.
        if (encoded.size() as usize).div_ceil(3) * 4 + 40 > MAX_IMAGE_URL_CHARS {
            continue;
        }
        // The browser writes the `data:` URL (its own base64, off the main thread).
        let url = gloo_file::futures::read_as_data_url(&gloo_file::Blob::from(encoded))
            .await
            .map_err(|_| WorkerError::Refused)?;
        return Ok(Some(url));
    }
    Ok(None)
}

async fn may_have_alpha(original: &web_sys::Blob) -> bool {
    let Ok(head) = original.slice_with_i32_and_i32(0, 32) else { return false };
    let Ok(buffer) = JsFuture::from(head.array_buffer()).await else { return false };
    sniff(&Uint8Array::new(&buffer).to_vec()).is_some_and(|kind| kind.may_have_alpha())
}
