//! Shrinking an image to what the provider keeps, in the browser, before it is sent:
//! decode with `createImageBitmap` (EXIF orientation applied), resize with the browser's
//! high-quality resampler, encode as JPEG, or PNG when the image really uses transparency,
//! and step down (WebP, then lower JPEG qualities) until it fits the server's limit.

use base64::Engine as _;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::describe::{Detail, ResizeRule, MAX_IMAGE_URL_CHARS};
use crate::images::{encodings, human_size, preview_size, sniff, upload_size};

/// Decodes an image off the main thread, EXIF orientation applied.
async fn decode(window: &web_sys::Window, blob: &web_sys::Blob) -> Result<web_sys::ImageBitmap, JsValue> {
    let options = web_sys::ImageBitmapOptions::new();
    options.set_image_orientation(web_sys::ImageOrientation::FromImage);
    let bitmap = JsFuture::from(window.create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)?).await?;
    Ok(bitmap.unchecked_into())
}

/// Resizes a decoded image with the browser's resampler, onto a canvas of that size.
async fn resized_canvas(
    window: &web_sys::Window,
    full: &web_sys::ImageBitmap,
    (width, height): (u32, u32),
) -> Result<(web_sys::OffscreenCanvas, web_sys::OffscreenCanvasRenderingContext2d), JsValue> {
    let options = web_sys::ImageBitmapOptions::new();
    options.set_resize_width(width);
    options.set_resize_height(height);
    options.set_resize_quality(web_sys::ResizeQuality::High);
    let resized: web_sys::ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_image_bitmap_and_image_bitmap_options(full, &options)?)
            .await?
            .unchecked_into();
    let canvas = web_sys::OffscreenCanvas::new(width, height)?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or(JsValue::NULL)?.unchecked_into();
    context.draw_image_with_image_bitmap(&resized, 0.0, 0.0)?;
    resized.close();
    Ok((canvas, context))
}

/// What decoding a file for the table found: its size as shown (orientation applied) and
/// a small preview, so thousands of rows never hold thousands of full-size images.
pub struct Preview {
    pub width: u32,
    pub height: u32,
    pub thumb: web_sys::Blob,
}

/// Decodes the image once and makes its preview (WebP, which keeps transparency; PNG where
/// the browser cannot write WebP). An error means the browser cannot decode it.
pub async fn preview(blob: &web_sys::Blob) -> Result<Preview, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let full = decode(&window, blob).await?;
    let (width, height) = (full.width(), full.height());
    let made = resized_canvas(&window, &full, preview_size(width, height)).await;
    full.close();
    let (canvas, _) = made?;
    let options = web_sys::ImageEncodeOptions::new();
    options.set_type("image/webp");
    options.set_quality(0.8);
    let thumb = JsFuture::from(canvas.convert_to_blob_with_options(&options)?).await?.unchecked_into();
    Ok(Preview { width, height, thumb })
}

pub async fn prepare_upload(blob: &web_sys::Blob, rule: ResizeRule, detail: Detail) -> Result<String, String> {
    let undecodable = |_| "The browser cannot decode this image, so it was not sent.".to_string();
    let window = web_sys::window().ok_or("No window.")?;
    let bitmap = decode(&window, blob).await.map_err(undecodable)?;
    let result = encode(&window, &bitmap, blob, rule, detail).await;
    bitmap.close();
    match result {
        Ok(Some(data_url)) => Ok(data_url),
        Ok(None) => Err(format!(
            "This image is still over {} after shrinking and re-encoding, so it was not sent; save a smaller copy and add that.",
            human_size(MAX_IMAGE_URL_CHARS as u64 * 3 / 4)
        )),
        Err(_) => Err("The browser could not shrink this image for sending.".to_string()),
    }
}

async fn encode(
    window: &web_sys::Window,
    full: &web_sys::ImageBitmap,
    original: &web_sys::Blob,
    rule: ResizeRule,
    detail: Detail,
) -> Result<Option<String>, JsValue> {
    let (width, height) = upload_size(full.width(), full.height(), rule, detail);
    let (canvas, context) = resized_canvas(window, full, (width, height)).await?;

    let keeps_alpha = may_have_alpha(original).await && uses_alpha(&context, width, height)?;
    let mut flattened = false;
    for step in encodings(keeps_alpha) {
        if keeps_alpha && step.mime == "image/jpeg" && !flattened {
            // JPEG has no transparency: what was see-through goes white, not black.
            context.set_global_composite_operation("destination-over")?;
            context.set_fill_style_str("#fff");
            context.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
            flattened = true;
        }
        let encode_options = web_sys::ImageEncodeOptions::new();
        encode_options.set_type(step.mime);
        encode_options.set_quality(step.quality);
        let encoded: web_sys::Blob =
            JsFuture::from(canvas.convert_to_blob_with_options(&encode_options)?).await?.unchecked_into();
        if encoded.type_() != step.mime {
            // This browser cannot write that format; try the next.
            continue;
        }
        // Base64 grows by a third; skip the copy when it cannot fit.
        if (encoded.size() as usize).div_ceil(3) * 4 + 40 > MAX_IMAGE_URL_CHARS {
            continue;
        }
        let bytes = Uint8Array::new(&JsFuture::from(encoded.array_buffer()).await?).to_vec();
        return Ok(Some(format!(
            "data:{};base64,{}",
            step.mime,
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )));
    }
    Ok(None)
}

async fn may_have_alpha(original: &web_sys::Blob) -> bool {
    let Ok(head) = original.slice_with_i32_and_i32(0, 32) else { return false };
    let Ok(buffer) = JsFuture::from(head.array_buffer()).await else { return false };
    sniff(&Uint8Array::new(&buffer).to_vec()).is_some_and(|kind| kind.may_have_alpha())
}

fn uses_alpha(context: &web_sys::OffscreenCanvasRenderingContext2d, width: u32, height: u32) -> Result<bool, JsValue> {
    let data = context.get_image_data(0.0, 0.0, f64::from(width), f64::from(height))?.data();
    Ok(data.chunks_exact(4).any(|px| px[3] < 255))
}
