// Azure AI Vision on the page: tags with their confidence in the row, "Minimum
// confidence" (by keyboard) deciding what the CSV keeps, and the reference app's
// pipeline — Azure AI Vision's tags, then a model's caption written from them.
import { expect, test } from "@playwright/test";
import { download, PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("tags come with their confidence, and the minimum decides what is exported", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.provider.selectOption({ label: "Azure AI Vision" });
  await expect(app.model).toHaveValue("image-analysis-4.0");
  await page.getByRole("button", { name: "Tags", exact: true }).click();
  await app.add(await app.makeImage("mug.jpg", 400, 300, { seed: 5 }));
  await app.describeAll.click();
  await expect(app.row("mug.jpg").locator(".badge").first()).toHaveText("done");
  await expect(page.getByLabel("Tags of mug.jpg", { exact: true })).toHaveValue(
    "stub (0.99)\nphoto (0.87)\nindoor (0.61)\nblurry (0.41)",
  );
  expect(await stub.analyses()).toEqual([{ features: ["tags"], width: 400, height: 300, auth: "key", gender_neutral: false, fault: null }]);
  expect(await stub.requests()).toHaveLength(0);

  let csv = (await download(page, "Download CSV")).bytes.toString("utf8").split("\r\n");
  expect(csv[1]).toMatch(/^mug\.jpg,stub \(0\.99\); photo \(0\.87\); indoor \(0\.61\),/);

  const minimum = page.getByLabel("Minimum confidence", { exact: true });
  await minimum.focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
  await expect(page.locator('output[for="min-confidence"]')).toHaveText("0.80");
  csv = (await download(page, "Download CSV")).bytes.toString("utf8").split("\r\n");
  expect(csv[1]).toMatch(/^mug\.jpg,stub \(0\.99\); photo \(0\.87\),/);
  // The row keeps them all; only what leaves is filtered, and nothing was asked again.
  await expect(page.getByLabel("Tags of mug.jpg", { exact: true })).toHaveValue(/blurry \(0\.41\)$/);
  expect(await stub.analyses()).toHaveLength(1);
});

test("caption from tags: Azure AI Vision first, then the model writes from its tags", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await page.getByRole("button", { name: "Caption from tags", exact: true }).click();
  await expect(page.getByLabel("First analyse with", { exact: true })).toHaveValue("azure-vision");
  await app.add(await app.makeImage("lamp.jpg", 640, 480, { seed: 6 }));
  await app.describeAll.click();
  await expect(page.getByText("1 of 1 done", { exact: true })).toBeVisible();
  await expect(app.description("lamp.jpg")).toHaveValue(/^Stub description of a 640×480 JPEG image/);

  const analysed = await stub.analyses();
  expect(analysed.map((a) => a.features)).toEqual([["tags"]]);
  const sent = await stub.requests();
  expect(sent.map((r) => r.prompt)).toEqual([
    "Write a vivid one-line caption for this image from these tags: stub, photo, indoor. Reply with the caption only.",
  ]);
  // Both stages are in the cost: the model's tokens and the analysis at its own price.
  await expect(page.locator(".progress .spent")).toHaveText(/^[\d,]+ tokens and 1 analysis used, \$0\.\d+$/);

  // Asked again, nothing is sent: both stages are in the row's key.
  await expect(page.getByText("Nothing to describe with these settings.", { exact: true })).toBeVisible();
  await page.getByLabel("First analyse with", { exact: true }).selectOption({ label: "Built-in image facts" });
  await expect(app.row("lamp.jpg").locator(".badge").first()).toHaveText("stale");
});
