// Parts of the page's code are fetched when first used (`app::on_demand`): a fetch that
// fails is said in a sentence, nothing is lost, and the next use fetches it again.
import { expect, test } from "@playwright/test";
import { download, PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("an export whose code cannot be fetched says so, and the next click downloads", async ({ page }) => {
  const app = new PicscribePage(page);
  const transfer = "**/pkg/split_transfer.wasm";
  await page.route(transfer, (route) => route.abort("connectionreset"));
  await app.open();
  await app.add(await app.makeImage("mug.jpg", 40, 30, { seed: 1 }));
  await app.describeAll.click();
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("done");

  await page.getByRole("button", { name: "Download JSON", exact: true }).click();
  await expect(app.announcement).toHaveText(
    "Part of the page could not be loaded from the server, so nothing happened; check the connection and try again.",
  );
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("done");

  await page.unroute(transfer);
  const json = await download(page, "Download JSON");
  expect(JSON.parse(json.bytes.toString("utf8")).map((r: { filename: string }) => r.filename)).toEqual(["mug.jpg"]);
  expect(await stub.requests()).toHaveLength(1);
});

test("a table whose code cannot be fetched says so instead of the rows", async ({ page }) => {
  const app = new PicscribePage(page);
  await page.route("**/pkg/split_table.wasm", (route) => route.abort("connectionreset"));
  await app.open();
  await app.add(await app.makeImage("mug.jpg", 40, 30, { seed: 1 }));
  await expect(page.getByRole("alert").filter({ hasText: "Part of the page" })).toHaveText(
    "Part of the page could not be loaded from the server; check the connection and reload the page.",
  );
  await expect(app.rows).toHaveCount(0);
  // The image is kept all the same, once the page says so.
  await expect.poll(() => app.storedImages()).toBe(1);
  await app.expectSaved();

  await page.unroute("**/pkg/split_table.wasm");
  await page.reload();
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("ready");
});

test("an image worker that cannot be fetched is said in the row, and after a reload the image is read", async ({ page }) => {
  const app = new PicscribePage(page);
  await page.route("**/imaging-worker.js", (route) => route.abort("connectionreset"));
  await app.open();
  const mug = await app.makeImage("mug.jpg", 40, 30, { seed: 1 });
  await app.add(mug);
  await expect(app.row("mug.jpg")).toContainText(
    "The page's image worker could not be started, so the image was not read; check the connection and reload the page.",
  );

  await page.unroute("**/imaging-worker.js");
  await page.reload();
  await app.add(mug);
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("ready");
});

test("remembered settings whose code cannot be fetched are said, never saved over, and back after a reload", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.prompt.fill("Write a haiku about it.");
  const remembered = () => page.evaluate(() => JSON.parse(localStorage.getItem("picscribe.settings") ?? "{}").prompt);
  await expect.poll(remembered).toBe("Write a haiku about it.");

  const intake = "**/pkg/split_intake.wasm";
  await page.route(intake, (route) => route.abort("connectionreset"));
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await expect(app.announcement).toHaveText(
    "Part of the page could not be loaded from the server, so nothing happened; check the connection and try again.",
  );
  await expect(app.prompt).not.toHaveValue("Write a haiku about it.");
  // A change made before they are back does not replace them.
  await page.getByLabel("Detail", { exact: true }).selectOption("low");
  await page.waitForTimeout(300);
  expect(await remembered()).toBe("Write a haiku about it.");

  await page.unroute(intake);
  await page.reload();
  await expect(app.prompt).toHaveValue("Write a haiku about it.");
});

test("a provider picked while the remembered settings are on their way stays picked", async ({ page }) => {
  const app = new PicscribePage(page);
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/pkg/split_intake.wasm", async (route) => {
    await held;
    await route.continue();
  });
  await app.open();
  await app.provider.selectOption({ label: "Anthropic" });
  await expect(app.model).toHaveValue("claude-stub-4");
  release();
  const remembered = () => page.evaluate(() => JSON.parse(localStorage.getItem("picscribe.settings") ?? "{}").provider);
  await expect.poll(remembered).toBe("anthropic");
  await expect(app.model).toHaveValue("claude-stub-4");
  await expect(app.provider.locator("option:checked")).toHaveText("Anthropic");
});
