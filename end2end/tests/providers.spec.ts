// Choosing a provider: the picker lists each one's models, the image is cut to that
// provider's rule before it leaves the browser, the choice survives a reload, and a
// refusal is flagged instead of saved.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("each provider gets its own cut, and the choice is remembered", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await expect(app.provider.locator("option")).toHaveText(["OpenAI-compatible server", "Anthropic", "Gemini", "Azure AI Vision"]);
  await expect(app.provider).toHaveValue("openai");
  await expect(app.model).toHaveValue("stub-vision");

  await app.provider.selectOption({ label: "Anthropic" });
  await expect(app.model).toHaveValue("claude-stub-4");
  // The provider's own list, as offered by the model field.
  await expect(page.locator("#model-options option")).toHaveCount(2);
  await expect(page.locator('#model-options option[value="claude-stub-4-haiku"]')).toHaveCount(1);

  await app.prompt.fill("Describe this product photo.");
  await app.setParallel(2);
  await app.add(await app.makeImage("wide.jpg", 4000, 3000, { quality: 0.8 }));
  await app.describeAll.click();
  await expect(app.row("wide.jpg").locator(".badge")).toHaveText("done");
  await expect(app.description("wide.jpg")).toHaveValue(/^Stub description of a 1238×928 JPEG image/);
  await expect(app.row("wide.jpg")).toContainText(/\d+ tokens/);
  let sent = await stub.requests();
  expect(sent.map((r) => [r.dialect, r.model, r.width, r.height])).toEqual([["anthropic", "claude-stub-4", 1238, 928]]);

  // A reload keeps the provider and model, and the description stays current for them.
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await expect(app.provider).toHaveValue("anthropic");
  await expect(app.model).toHaveValue("claude-stub-4");
  await expect(app.prompt).toHaveValue("Describe this product photo.");
  await expect(page.getByLabel("Parallel requests")).toHaveValue("2");
  await expect(app.row("wide.jpg").locator(".badge")).toHaveText("done");

  // Gemini: the same photo fits 2×2 tiles of 768 px; the Anthropic description is now stale.
  await app.provider.selectOption({ label: "Gemini" });
  await expect(app.model).toHaveValue("gemini-stub-flash");
  await expect(app.row("wide.jpg").locator(".badge")).toHaveText("stale");
  await app.describeAll.click();
  await expect(app.description("wide.jpg")).toHaveValue(/^Stub description of a 1536×1152 JPEG image/);
  sent = await stub.requests();
  expect(sent.map((r) => [r.dialect, r.width, r.height])).toEqual([
    ["anthropic", 1238, 928],
    ["gemini", 1536, 1152],
  ]);

  // Back to Anthropic: its model comes back, and its description was not paid for twice.
  await app.provider.selectOption({ label: "Anthropic" });
  await expect(app.model).toHaveValue("claude-stub-4");
});

test("a transparent image too big as PNG leaves as WebP and is described", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.provider.selectOption({ label: "Gemini" });
  await page.getByLabel("Detail", { exact: true }).selectOption("high");
  // A 9-megapixel cut-out, the most Gemini keeps at detail high: as PNG over the 8 MiB of
  // base64 (6.3 MB of file) the server takes.
  const cutout = await app.makeImage("cutout.png", 3072, 3072, { type: "image/png", transparent: true });
  expect(cutout.buffer.length).toBeGreaterThan(6_300_000);
  await app.add(cutout);
  await app.describeAll.click();
  await expect(app.description("cutout.png")).toHaveValue(/^Stub description of a 3072×3072 WEBP image/);
  const [sent] = await stub.requests();
  expect(sent.image_mime).toBe("image/webp");
  expect(sent.image_bytes).toBeLessThan(6_300_000);
});

test("a refusal is flagged, not saved, and not sent again by Describe all", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("person.jpg", 40, 30));
  await app.describeAll.click();
  await expect(app.row("person.jpg").locator(".badge")).toHaveText("done");
  const before = await app.description("person.jpg").inputValue();

  await app.prompt.fill("Who is this?");
  await stub.faults([{ kind: "refuse" }]);
  await app.describeAll.click();
  await expect(app.row("person.jpg").locator(".badge")).toHaveText("refused");
  await expect(app.row("person.jpg")).toContainText(
    "The model declined to describe this image: “I can't help with that request.” Nothing was saved",
  );
  await expect(app.description("person.jpg")).toHaveValue(before);

  await app.describeAll.click();
  await expect(app.announcement).toContainText("or the model declined it; use Retry on a row to ask again.");
  expect(await stub.requests()).toHaveLength(2);

  await stub.faults([{ kind: "apology" }]);
  await app.row("person.jpg").getByRole("button", { name: "Retry person.jpg" }).click();
  await expect(app.row("person.jpg")).toContainText("“I'm sorry, but I can't help with identifying people in images.”");
  await expect(app.row("person.jpg").locator(".badge")).toHaveText("refused");
  await expect(app.description("person.jpg")).toHaveValue(before);
});

test("a temperature goes in each provider's own field and is part of what was asked", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const temperature = page.getByLabel("Temperature", { exact: true });
  await temperature.fill("0.7");
  await temperature.press("Tab");
  await app.add(await app.makeImage("warm.jpg", 320, 240, { seed: 3 }));
  await app.describeAll.click();
  await expect(app.row("warm.jpg").locator(".badge")).toHaveText("done");

  // Anthropic takes at most 1: 1.5 is sent as 1.
  await app.provider.selectOption({ label: "Anthropic" });
  await temperature.fill("1.5");
  await temperature.press("Tab");
  await expect(app.row("warm.jpg").locator(".badge")).toHaveText("stale");
  await app.describeAll.click();
  await expect(app.row("warm.jpg").locator(".badge")).toHaveText("done");

  // Empty is the provider's default: none is sent, and it is another call.
  await temperature.fill("");
  await temperature.press("Tab");
  await expect(app.row("warm.jpg").locator(".badge")).toHaveText("stale");
  await app.describeAll.click();
  await expect(app.row("warm.jpg").locator(".badge")).toHaveText("done");
  const sent = await stub.requests();
  expect(sent.map((r) => [r.dialect, r.temperature])).toEqual([
    ["openai", 0.7],
    ["anthropic", 1],
    ["anthropic", null],
  ]);
});
