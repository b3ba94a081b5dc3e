// Benchmark, not a test: how long 50 chosen photos take to appear as rows with previews,
// and how many bytes a 12 MP photo costs on the wire. Run with scripts/bench.sh.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "../tests/fixtures/picscribe";

test("time to first preview for 50 photos", async ({ page }) => {
  await stub.reset();
  const app = new PicscribePage(page);
  await app.open();
  const files = [];
  for (let i = 0; i < 50; i++) files.push(await app.makeImage(`photo-${i}.jpg`, 1600, 1200, { quality: 0.9 }));
  const total = files.reduce((sum, f) => sum + f.buffer.length, 0);

  const start = Date.now();
  await app.add(...files);
  await expect(app.rows.first().getByRole("img")).toBeVisible();
  const firstRow = Date.now() - start;
  await expect(app.rows).toHaveCount(50);
  const allRows = Date.now() - start;
  await expect
    .poll(() => page.evaluate(() => Array.from(document.images).filter((i) => i.complete && i.naturalWidth > 0).length), {
      intervals: [20],
      timeout: 60_000,
    })
    .toBe(50);
  const allPreviews = Date.now() - start;
  await expect(page.locator('.badge:text-is("ready")')).toHaveCount(50, { timeout: 60_000 });
  const allHashed = Date.now() - start;
  console.log(
    `50 photos (1600×1200, ${(total / 1e6).toFixed(1)} MB): first row ${firstRow} ms, all rows ${allRows} ms, ` +
      `all previews decoded ${allPreviews} ms, all read and hashed ${allHashed} ms; stub calls: ${(await stub.requests()).length}`,
  );
});

test("bytes on the wire for a 12 MP photo", async ({ page }) => {
  await stub.reset();
  const app = new PicscribePage(page);
  await app.open();
  const photo = await app.makeImage("camera.jpg", 4000, 3000, { quality: 0.95 });
  await app.add(photo);
  await app.describeAll.click();
  await expect(app.description("camera.jpg")).toHaveValue(/^Stub description/);
  for (const detail of ["low", "high"]) {
    await page.getByLabel("Detail").selectOption(detail);
    await app.describeAll.click();
    await expect(app.description("camera.jpg")).toHaveValue(/^Stub description/);
    await expect(app.row("camera.jpg").locator(".badge")).toHaveText("done");
  }
  for (const sent of await stub.requests()) {
    console.log(
      `12 MP photo (${photo.buffer.length} bytes chosen), detail ${sent.detail}: sent ${sent.width}×${sent.height} ` +
        `${sent.image_mime}, ${sent.image_bytes} bytes of image, ${sent.body_bytes} bytes of request`,
    );
  }
});
