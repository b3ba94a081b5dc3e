// Benchmark, not a test: how many bytes a 12 MP photo costs on the wire (the time for
// 50 to 5,000 photos is thousands.bench.ts). Run with scripts/bench.sh.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "../tests/fixtures/picscribe";

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
