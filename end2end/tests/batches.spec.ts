// "Send as a batch": the rows go to the provider's batch service through the server,
// which waits for the answers whether or not the page stays open; the page fills the
// rows in when it is opened again. No interactive call is made for them.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

const SEND = "Send as a batch (about half the price, ready within 24 hours)";

test.beforeEach(async () => {
  await stub.reset();
});

test("rows sent as a batch fill in when the page is opened again, with no interactive call", async ({ page, context }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("shelf.jpg", 640, 480, { seed: 7 }), await app.makeImage("crate.jpg", 320, 240, { seed: 9 }));
  await expect(app.row("crate.jpg").locator(".badge")).toHaveText("ready");
  await expect.poll(() => app.storedImages()).toBe(2);
  await stub.holdBatches(true);

  await page.getByRole("button", { name: SEND, exact: true }).click();
  for (const name of ["shelf.jpg", "crate.jpg"]) {
    await expect(app.row(name).locator(".badge")).toHaveText("in a batch");
    await expect(app.row(name).locator(".row-message")).toHaveText(/^In a batch since \d\d:\d\d$/);
  }
  await expect(app.announcement).toContainText("Sent 2 images as a batch, at about half the price.");
  await expect(page.getByRole("button", { name: "Cancel batch", exact: true })).toBeVisible();
  const [sent] = await stub.batches();
  expect(sent.custom_ids).toHaveLength(2);

  // The tab is closed; the provider answers; the server collects it on its own.
  await page.close();
  await stub.finishBatches();

  const again = new PicscribePage(await context.newPage());
  await again.open();
  for (const name of ["shelf.jpg", "crate.jpg"]) {
    await expect(again.row(name).locator(".badge")).toHaveText("done", { timeout: 30_000 });
  }
  await expect(again.description("shelf.jpg")).toHaveValue(/^Stub description of a 640×480 JPEG image/);
  await expect(again.description("crate.jpg")).toHaveValue(/^Stub description of a 320×240 JPEG image/);
  const requests = await stub.requests();
  expect(requests.map((r) => r.path)).toEqual(["batch", "batch"]);
  expect(await stub.batches()).toHaveLength(1);
  // Kept in this browser as any description: after a reload it is still there, asked of no one.
  await again.page.reload();
  await expect(again.description("shelf.jpg")).toHaveValue(/^Stub description of a 640×480 JPEG image/);
  expect(await stub.requests()).toHaveLength(2);
});

test("Cancel batch stops the batch and the rows say so", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("late.jpg", 200, 150));
  await expect(app.row("late.jpg").locator(".badge")).toHaveText("ready");
  await stub.holdBatches(true);
  await page.getByRole("button", { name: SEND, exact: true }).click();
  await expect(app.row("late.jpg").locator(".badge")).toHaveText("in a batch");
  await page.getByRole("button", { name: "Cancel batch", exact: true }).click();
  await expect(app.row("late.jpg").locator(".row-message")).toHaveText("Its batch was cancelled.", { timeout: 30_000 });
  await expect(app.row("late.jpg").locator(".badge")).toHaveText("error");
  await expect(page.getByRole("button", { name: "Retry late.jpg", exact: true })).toBeEnabled();
  expect((await stub.batches())[0].cancelled).toBe(true);
  expect(await stub.requests()).toHaveLength(0);
});
