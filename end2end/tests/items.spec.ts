// Several photos, one description: a product's photos grouped by name or ticked and
// described together go to the model in one request and leave as one exported row; the
// item survives a reload and "Separate" gives each photo its row back.
import { expect, test } from "@playwright/test";
import { download, PicscribePage, STUB, stub, zipEntries } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("group by name: one request with the three photos, one exported row, kept after a reload", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(
    await app.makeImage("mug-1.jpg", 400, 300, { seed: 1 }),
    await app.makeImage("mug_2.jpg", 500, 300, { seed: 2 }),
    await app.makeImage("mug (3).jpg", 300, 300, { seed: 3 }),
    await app.makeImage("lamp.jpg", 320, 240, { seed: 4 }),
  );
  await expect(app.tally).toHaveText("4 images: 4 ready");
  await page.getByRole("button", { name: "Group by name", exact: true }).click();
  await expect(app.announcement).toHaveText("Grouped 3 photos into 1 item by name.");
  await expect(app.rows).toHaveCount(2);
  const mug = app.rows.filter({ has: page.getByText("mug-1.jpg; mug_2.jpg; mug (3).jpg", { exact: true }) });
  await expect(mug.getByText("3 photos, described together", { exact: true })).toBeVisible();
  await expect(mug.getByRole("img")).toHaveCount(3);

  await app.describeAll.click();
  await expect(page.getByText("2 of 2 done", { exact: true })).toBeVisible();
  const sent = await stub.requests();
  expect(sent.map((r) => r.images).sort((a, b) => b.length - a.length)).toEqual([
    [
      [400, 300],
      [500, 300],
      [300, 300],
    ],
    [[320, 240]],
  ]);
  await expect(app.description("mug-1.jpg")).toHaveValue(/^Stub description of 3 images \(400×300, 500×300, 300×300\)/);

  const csv = (await download(page, "Download CSV")).bytes.toString("utf8").trim().split("\r\n");
  expect(csv).toHaveLength(3);
  expect(csv[1]).toMatch(/^mug-1\.jpg; mug_2\.jpg; mug \(3\)\.jpg,"Stub description of 3 images/);
  // Each photo of the item carries the item's text.
  const zip = zipEntries((await download(page, "Download images with alt text")).bytes);
  expect(Object.keys(zip).filter((name) => name.endsWith(".jpg")).sort()).toEqual([
    "lamp.jpg",
    "mug (3).jpg",
    "mug-1.jpg",
    "mug_2.jpg",
  ]);

  await app.expectSaved();
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await expect(app.rows).toHaveCount(2);
  await expect(mug.locator(".badge").first()).toHaveText("done");
  await expect(app.description("mug-1.jpg")).toHaveValue(/^Stub description of 3 images/);
  await app.describeAll.click();
  await expect(app.announcement).toHaveText("Every image already has a description for this prompt, model and detail.");
  expect(await stub.requests()).toHaveLength(2);
});

test("describe together by ticking rows, and separate again", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(
    await app.makeImage("front.jpg", 400, 300, { seed: 5 }),
    await app.makeImage("back.jpg", 300, 400, { seed: 6 }),
    await app.makeImage("other.jpg", 200, 200, { seed: 7 }),
  );
  await expect(app.tally).toHaveText("3 images: 3 ready");
  // By keyboard: the boxes and the button are reached and worked without a mouse.
  await page.getByLabel("Select front.jpg", { exact: true }).focus();
  await page.keyboard.press("Space");
  await page.getByLabel("Select back.jpg", { exact: true }).check();
  await page.getByRole("button", { name: "Describe together", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(app.announcement).toHaveText("front.jpg; back.jpg are now one item of 2 photos.");
  await expect(app.rows).toHaveCount(2);

  await app.describeAll.click();
  await expect(page.getByText("2 of 2 done", { exact: true })).toBeVisible();
  const together = (await stub.requests()).find((r) => r.images.length === 2);
  expect(together?.images).toEqual([
    [400, 300],
    [300, 400],
  ]);

  // An item ticked with another photo takes it in, keeping its own photos.
  await page.getByLabel("Select front.jpg", { exact: true }).check();
  await page.getByLabel("Select other.jpg", { exact: true }).check();
  await page.getByRole("button", { name: "Describe together", exact: true }).click();
  await expect(app.announcement).toHaveText("front.jpg; back.jpg; other.jpg are now one item of 3 photos.");
  await expect(app.rows).toHaveCount(1);
  await expect(page.getByText("3 photos, described together", { exact: true })).toBeVisible();

  await page.getByLabel("Select front.jpg", { exact: true }).check();
  await page.getByRole("button", { name: "Separate", exact: true }).click();
  await expect(app.announcement).toHaveText("Separated 3 photos into rows of their own.");
  await expect(app.rows).toHaveCount(3);
  // Each photo alone is another call: its description is not the item's.
  await expect(app.row("front.jpg").locator(".badge").first()).toHaveText("stale");
  await expect(app.row("back.jpg").locator(".badge").first()).toHaveText("ready");
});

test("a shop's CSV feed grouped by its Handle column: one item per product", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await page.getByText("Add from URLs", { exact: true }).click();
  await page.getByLabel("Group a feed's rows by column", { exact: true }).fill("Handle");
  const feed = [
    "Handle,Title,Image Src,Image Position",
    `mug,Blue mug,${STUB}/files/mug-front.jpg,1`,
    `mug,,${STUB}/files/mug-back.jpg,2`,
    `lamp,Lamp,${STUB}/files/lamp.jpg,1`,
  ].join("\n");
  await page.getByLabel("Add from a CSV feed", { exact: true }).setInputFiles({
    name: "shop.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(feed),
  });
  await expect(app.announcement).toHaveText("Grouped 2 photos into 1 item by Handle.");
  await expect(app.rows).toHaveCount(2);
  await expect(page.getByText("mug-front.jpg; mug-back.jpg", { exact: true })).toBeVisible();

  await app.describeAll.click();
  await expect(page.getByText("2 of 2 done", { exact: true })).toBeVisible();
  const sent = await stub.requests();
  expect(sent.map((r) => r.images.length).sort()).toEqual([1, 2]);
  const csv = (await download(page, "Download CSV")).bytes.toString("utf8").trim().split("\r\n");
  expect(csv[1]).toContain(`mug-front.jpg; mug-back.jpg,${STUB}/files/mug-front.jpg,"Stub description of 2 images (1024×768, 1024×768)`);
});
