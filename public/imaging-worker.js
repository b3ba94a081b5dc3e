// The page's image work, off its main thread: decode, resize, encode. The page decides
// the sizes and formats (app/src/browser/imaging.rs) and drives each step through
// app/src/browser/worker.rs; this file only calls the browser. Each message carries an
// id, and its answer the same id with `ok` or `error`.
"use strict";

// What each image handle holds: its decoded bitmap, then its resized canvas.
const images = new Map();

const held = (handle) => {
  const image = images.get(handle);
  if (!image) throw new Error("no such image");
  return image;
};

const ops = {
  // Decodes with the EXIF orientation applied; answers the size as shown.
  async decode({ handle, blob }) {
    const bitmap = await createImageBitmap(blob, { imageOrientation: "from-image" });
    images.set(handle, { bitmap });
    return { width: bitmap.width, height: bitmap.height };
  },
  // Resizes with the browser's high-quality resampler onto a canvas of that size.
  async resize({ handle, width, height }) {
    const image = held(handle);
    const resized = await createImageBitmap(image.bitmap, {
      resizeWidth: width,
      resizeHeight: height,
      resizeQuality: "high",
    });
    image.bitmap.close();
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d");
    context.drawImage(resized, 0, 0);
    resized.close();
    images.set(handle, { canvas, context });
    return null;
  },
  // Whether any pixel of the resized image is see-through.
  usesAlpha({ handle }) {
    const { canvas, context } = held(handle);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] < 255) return true;
    return false;
  },
  // Paints white under what is see-through (for JPEG, which has no transparency).
  flatten({ handle }) {
    const { canvas, context } = held(handle);
    context.globalCompositeOperation = "destination-over";
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    return null;
  },
  // Encodes the resized image; the Blob's type says what the browser could write.
  encode({ handle, type, quality }) {
    return held(handle).canvas.convertToBlob({ type, quality });
  },
  release({ handle }) {
    images.get(handle)?.bitmap?.close();
    images.delete(handle);
    return null;
  },
};

onmessage = async ({ data }) => {
  try {
    postMessage({ id: data.id, ok: await ops[data.op](data) });
  } catch (error) {
    postMessage({ id: data.id, error: String(error) });
  }
};
