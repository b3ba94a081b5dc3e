// A curator's table of hundreds of photos: the table counts every row at once, only the
// rows near the screen are in the document (the rest stand in as spacers of their height),
// previews are small images made in the browser (never the full-size file), an edit
// survives scrolling away and back, and the whole table survives a reload.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

const COUNT = 300;

test("hundreds of photos: counted at once, rows near the screen built, small previews, kept after a reload", async ({ page }) => {
  test.setTimeout(180_000);
  await stub.reset();
  const app = new PicscribePage(page);
  await app.open();
  // Photos made in the page and chosen through the real file input.
  await page.evaluate(async (count) => {
    const canvas = new OffscreenCanvas(1200, 900);
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "#3a7bd5";
    ctx.fillRect(0, 0, 1200, 900);
    ctx.fillStyle = "#f7b733";
    ctx.fillRect(300, 200, 600, 500);
    const base = new Uint8Array(await (await canvas.convertToBlob({ type: "image/jpeg", quality: 0.8 })).arrayBuffer());
    const transfer = new DataTransfer();
    for (let i = 0; i < count; i++) {
      const note = new TextEncoder().encode(`photo ${i}`);
      const comment = new Uint8Array([0xff, 0xfe, 0, note.length + 2, ...note]);
      const name = `photo-${String(i).padStart(3, "0")}.jpg`;
      transfer.items.add(new File([base.subarray(0, 2), comment, base.subarray(2)], name, { type: "image/jpeg" }));
    }
    const input = document.getElementById("add-images") as HTMLInputElement;
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }, COUNT);

  const table = page.getByRole("table", { name: "Images and their descriptions" });
  await expect(table).toHaveAttribute("aria-rowcount", String(COUNT + 1));
  await expect(app.tally).toHaveText(`${COUNT} images: ${COUNT} ready`, { timeout: 120_000 });
  // Only the first rows are in the document, each knowing its place in the whole table.
  const built = await app.rows.count();
  expect(built).toBeGreaterThan(0);
  expect(built).toBeLessThan(COUNT / 4);
  await expect(app.row("photo-000.jpg")).toHaveAttribute("aria-rowindex", "2");
  await expect(app.description("photo-000.jpg")).toBeVisible();
  await expect(app.row("photo-299.jpg")).toHaveCount(0);
  // The spacers keep the table as tall as its rows: the last row is a long scroll away.
  expect(await page.evaluate(() => document.body.scrollHeight)).toBeGreaterThan(COUNT * 100);

  // The preview is a small image of the photo, not the file itself.
  const preview = page.getByRole("img", { name: "Preview of photo-000.jpg", exact: true });
  await expect(preview).toBeVisible();
  const natural = await preview.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
  expect(natural).toEqual([256, 192]);
  await expect(app.row("photo-000.jpg")).toContainText("1200 × 900 px");

  // Scroll to the end: the last row is built; an edit there survives going away.
  const toEnd = () => page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await toEnd();
  await expect(app.row("photo-299.jpg")).toHaveAttribute("aria-rowindex", String(COUNT + 1));
  await app.description("photo-299.jpg").fill("The last photo, edited by hand.");
  // The block holding the focus stays built; once the focus leaves, it can go.
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect(app.description("photo-000.jpg")).toBeVisible();
  await expect(app.description("photo-299.jpg")).toHaveCount(1);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await expect(app.row("photo-299.jpg")).toHaveCount(0);
  await toEnd();
  await expect(app.description("photo-299.jpg")).toHaveValue("The last photo, edited by hand.");
  await expect(app.tally).toHaveText(`${COUNT} images: ${COUNT - 1} ready, 1 done`);

  // Kept after a reload: every row, the edit, and previews made again.
  await app.expectSaved();
  // Counts the previews the page makes from here on (each is an object URL).
  await page.addInitScript(() => {
    const make = URL.createObjectURL.bind(URL);
    (window as any).__previews = 0;
    URL.createObjectURL = (blob: Blob) => {
      if (blob.type === "image/webp") (window as any).__previews += 1;
      return make(blob);
    };
  });
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await expect(app.tally).toHaveText(`${COUNT} images: ${COUNT - 1} ready, 1 done`, { timeout: 60_000 });
  await expect(table).toHaveAttribute("aria-rowcount", String(COUNT + 1));
  // Previews are made again as rows are shown, not for all 300 at start-up.
  await expect(page.getByRole("img", { name: "Preview of photo-000.jpg", exact: true })).toBeVisible({ timeout: 60_000 });
  await page.waitForTimeout(3_000);
  const previews: number = await page.evaluate(() => (window as any).__previews);
  expect(previews).toBeGreaterThan(0);
  expect(previews).toBeLessThan(COUNT / 4);
  await toEnd();
  await expect(app.description("photo-299.jpg")).toHaveValue("The last photo, edited by hand.");
  await expect(page.getByRole("img", { name: "Preview of photo-299.jpg", exact: true })).toBeVisible();
  expect(await stub.requests()).toHaveLength(0);
  await app.clearAll.click();
});
