// The core loop as a user meets it: add images, see them at once, describe all through
// the server, fix a description, reload, export.
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("previews appear before any provider call", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const images = [
    await app.makeImage("beach.jpg", 64, 48),
    await app.makeImage("logo.png", 40, 30, { type: "image/png" }),
    await app.makeImage("street.jpg", 30, 60),
  ];
  await app.add(...images);

  await expect(app.rows).toHaveCount(3);
  for (const [name, dims] of [["beach.jpg", "64 × 48 px"], ["logo.png", "40 × 30 px"], ["street.jpg", "30 × 60 px"]]) {
    const row = app.row(name);
    await expect(row.getByRole("img")).toBeVisible();
    await expect(row.getByText(dims)).toBeVisible();
    await expect(row.locator(".badge")).toHaveText("ready");
  }
  const src = await app.row("beach.jpg").getByRole("img").getAttribute("src");
  expect(src).toMatch(/^blob:/);
  expect(await stub.requests()).toHaveLength(0);

  // The same content again, under another name, is still one row.
  await app.add({ ...images[0], name: "beach copy.jpg" });
  await expect(app.announcement).toHaveText("beach copy.jpg is already in the table, so it was not added again.");
  await expect(app.rows).toHaveCount(3);
});

test("describe all streams into every row and never pays twice", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("a.jpg", 50, 40), await app.makeImage("b.jpg", 60, 40), await app.makeImage("c.jpg", 70, 40));
  await expect(app.describeAll).toBeEnabled();
  await app.describeAll.click();

  for (const name of ["a.jpg", "b.jpg", "c.jpg"]) {
    await expect(app.description(name)).toHaveValue(/^Stub description of a \d+×40 JPEG image/);
    await expect(app.row(name).locator(".badge")).toHaveText("done");
    await expect(app.row(name).getByText(/^\d+ tokens$/)).toBeVisible();
  }
  await expect(page.getByText("3 of 3 done", { exact: true })).toBeVisible();
  const sent = await stub.requests();
  expect(sent).toHaveLength(3);
  expect(sent.every((r) => r.model === "stub-vision" && r.detail === "auto")).toBe(true);

  // Nothing changed: nothing is sent.
  await app.describeAll.click();
  await expect(app.announcement).toHaveText("Every image already has a description for this prompt, model and detail.");
  expect(await stub.requests()).toHaveLength(3);

  // A new prompt makes every row stale; describe all redoes them with it.
  await page.getByRole("button", { name: "Tags", exact: true }).click();
  await expect(app.row("a.jpg").locator(".badge")).toHaveText("stale");
  await app.describeAll.click();
  // The preset brings its field: the answer fills "Tags of …" instead of one text.
  await expect(page.getByLabel("Tags of c.jpg", { exact: true })).toHaveValue("tags one\ntags two");
  await expect(page.getByText("3 of 3 done", { exact: true })).toBeVisible();
  const again = await stub.requests();
  expect(again).toHaveLength(6);
  expect(again[5].prompt).toMatch(/^List 5 to 10/);

  // One row on its own.
  await app.row("b.jpg").getByRole("button", { name: "Regenerate b.jpg" }).click();
  await expect.poll(async () => (await stub.requests()).length).toBe(7);
});

test("a bad file says so, costs no call, and the batch goes on", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const good = await app.makeImage("good.jpg", 80, 60);
  const truncated = { ...good, name: "half.jpg", buffer: good.buffer.subarray(0, Math.floor(good.buffer.length / 2)) };
  const text = { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("shopping list: eggs, milk") };
  await app.add(good, truncated, text);

  await expect(app.row("notes.txt")).toContainText(
    "notes.txt is not an image picscribe can read (JPEG, PNG, GIF, WebP, BMP or AVIF).",
  );
  await expect(app.row("half.jpg")).toContainText("half.jpg is cut short: the file ends before the image does.");
  await expect(app.row("notes.txt").locator(".badge")).toHaveText("error");

  await app.describeAll.click();
  await expect(app.description("good.jpg")).toHaveValue(/^Stub description/);
  expect(await stub.requests()).toHaveLength(1);
});

test("an edit survives a reload, and clear all empties the table", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("kept.jpg", 64, 64));
  await app.describeAll.click();
  await expect(app.row("kept.jpg").locator(".badge")).toHaveText("done");

  await app.description("kept.jpg").fill("A blue-to-orange gradient, edited by hand.");
  await app.expectSaved();
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await expect(app.description("kept.jpg")).toHaveValue("A blue-to-orange gradient, edited by hand.");
  await expect(app.row("kept.jpg").locator(".badge")).toHaveText("done");

  // Restored rows count as described: nothing is sent again.
  // The typed text is a person's, and kept: nothing is sent again.
  await app.describeAll.click();
  await expect(app.announcement).toHaveText(
    "Every image already has a description for this prompt, model and detail. Skipped 1 edited row a person wrote; tick “Include edited rows” to replace them.",
  );
  expect(await stub.requests()).toHaveLength(1);

  await app.clearAll.click();
  await expect(app.rows).toHaveCount(0);
  await app.expectSaved();
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await expect(page.getByText("No images yet.", { exact: false })).toBeVisible();
});

test("the CSV holds names exactly as chosen and the edited text", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const awkward = 'café, "best" shot.jpg';
  await app.add(await app.makeImage(awkward, 50, 50), await app.makeImage("日本.png", 20, 20, { type: "image/png" }));
  await app.describeAll.click();
  await expect(app.description("日本.png")).toHaveValue(/^Stub description/);
  await expect(app.row(awkward).locator(".badge")).toHaveText("done");
  await expect(app.row("日本.png").locator(".badge")).toHaveText("done");
  await app.description(awkward).fill("Line one,\nline \"two\"");

  const [download] = await Promise.all([page.waitForEvent("download"), app.download.click()]);
  expect(download.suggestedFilename()).toBe("picscribe.csv");
  const csv = await readFile(await download.path(), "utf8");
  const lines = csv.split("\r\n");
  expect(lines[0]).toBe("filename,description,prompt,provider,model,tokens");
  expect(csv).toContain('"café, ""best"" shot.jpg","Line one,\nline ""two""",');
  // An opaque PNG travels as JPEG: smaller, and nothing is lost.
  expect(csv).toMatch(/\r\n日本\.png,Stub description of a 20×20 JPEG image[^\r]*,openai,stub-vision,\d+\r\n$/);
});

test("a 12 MP photo leaves the browser well under 1 MB, cut to the provider's size", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const photo = await app.makeImage("camera.jpg", 4000, 3000, { quality: 0.95 });
  expect(photo.buffer.length).toBeGreaterThan(2_000_000);
  await app.add(photo);
  await expect(app.row("camera.jpg").getByText("4000 × 3000 px")).toBeVisible();
  await app.describeAll.click();
  await expect(app.description("camera.jpg")).toHaveValue(/^Stub description of a 1024×768 JPEG image/);
  const [sent] = await stub.requests();
  expect(sent.body_bytes).toBeLessThan(1_000_000);
  console.log(`12 MP photo: ${photo.buffer.length} bytes chosen, ${sent.image_bytes} bytes of image and ${sent.body_bytes} bytes of request sent`);

  // Low detail fits 512×512.
  await page.getByLabel("Detail").selectOption("low");
  await app.describeAll.click();
  await expect(app.description("camera.jpg")).toHaveValue(/^Stub description of a 512×384 JPEG image/);
});

test("EXIF orientation is honoured and transparency keeps PNG", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  // Stored landscape, shown portrait by the camera's orientation tag (6 = rotate 90°).
  await app.add(await app.makeImage("portrait.jpg", 400, 300, { exifOrientation: 6 }));
  await app.add(await app.makeImage("overlay.png", 50, 40, { type: "image/png", transparent: true }));
  await expect(app.row("portrait.jpg").getByText("300 × 400 px")).toBeVisible();
  await app.describeAll.click();
  await expect(app.description("portrait.jpg")).toHaveValue(/^Stub description of a 300×400 JPEG image/);
  await expect(app.description("overlay.png")).toHaveValue(/^Stub description of a 50×40 PNG image/);
});
