// Benchmark, not a test: how long 50 chosen photos take to appear as rows with previews,
// and how many bytes a 12 MP photo costs on the wire. Run with scripts/bench.sh.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "../tests/fixtures/picscribe";

test("time to first preview for 50 photos", async ({ page }) => {
  await stub.reset();
  const app = new PicscribePage(page);
  await app.open();
  const files = [];
  for (let i = 0; i < 50; i++) files.push(await app.makeImage(`photo-${i}.jpg`, 1600, 1200, { quality: 0.9, seed: i + 1 }));
  const total = files.reduce((sum, f) => sum + f.buffer.length, 0);

  // Timed inside the page, from the input's change event, so the time Playwright spends
  // handing 30 MB of files to the browser does not count.
  await page.evaluate(() => {
    const marks: Record<string, number> = {};
    (window as any).__marks = marks;
    document.getElementById("add-images")!.addEventListener("change", () => (marks.change = performance.now()), { capture: true });
    const sample = () => {
      const now = performance.now();
      const rows = document.querySelectorAll("tbody tr").length;
      const decoded = Array.from(document.images).filter((i) => i.complete && i.naturalWidth > 0).length;
      const ready = document.querySelectorAll('.badge.ready').length;
      if (rows >= 1 && !marks.firstRow) marks.firstRow = now;
      if (decoded >= 1 && !marks.firstPreview) marks.firstPreview = now;
      if (rows === 50 && !marks.allRows) marks.allRows = now;
      if (decoded === 50 && !marks.allPreviews) marks.allPreviews = now;
      if (ready === 50 && !marks.allHashed) marks.allHashed = now;
      if (!marks.allHashed || !marks.allPreviews) requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  await app.add(...files);
  await expect(page.locator(".badge.ready")).toHaveCount(50, { timeout: 60_000 });
  await expect.poll(() => page.evaluate(() => (window as any).__marks.allPreviews ?? 0), { timeout: 60_000 }).toBeGreaterThan(0);
  const m: Record<string, number> = await page.evaluate(() => (window as any).__marks);
  const since = (mark: number) => Math.round(mark - m.change);
  console.log(
    `50 photos (1600×1200, ${(total / 1e6).toFixed(1)} MB) after the change event: first row ${since(m.firstRow)} ms, ` +
      `first preview painted ${since(m.firstPreview)} ms, all 50 rows ${since(m.allRows)} ms, ` +
      `all 50 previews decoded ${since(m.allPreviews)} ms, all read and hashed ${since(m.allHashed)} ms; ` +
      `provider calls: ${(await stub.requests()).length}`,
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
