// Two models side by side: "Compare with" asks a second model too, each row shows both
// answers with what made them, "Use this one" or "Use B for every row" decide what the
// exports take (the JSON keeps both), and switching back asks no one.
import { expect, test } from "@playwright/test";
import { download, PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("compare, pick B, export it, switch back without a call", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const compare = page.getByLabel("Compare with", { exact: true });
  await compare.selectOption({ label: "Anthropic: claude-stub-4" });
  await app.add(await app.makeImage("mug.jpg", 400, 300, { seed: 1 }), await app.makeImage("lamp.jpg", 320, 240, { seed: 2 }));
  await expect(page.locator("#estimate")).toHaveText(/^2 images: about [\d,]+ tokens, about \$0\.\d+\.$/);
  await app.describeAll.click();
  await expect(page.getByText("2 of 2 done", { exact: true })).toBeVisible();
  const sent = await stub.requests();
  expect(sent.map((r) => `${r.dialect} ${r.model}`).sort()).toEqual([
    "anthropic claude-stub-4",
    "anthropic claude-stub-4",
    "openai stub-vision",
    "openai stub-vision",
  ]);

  // Both answers in the row, with what made them; A (the model chosen above) is the text.
  const answers = page.getByRole("group", { name: "Answers for mug.jpg", exact: true });
  await expect(answers.locator(".answer-made")).toHaveText([
    /^A: OpenAI-compatible server stub-vision · \d+ tokens · \$0\.\d+$/,
    /^B: Anthropic claude-stub-4 · \d+ tokens$/,
  ]);
  const useA = page.getByRole("button", { name: "Use this one (A) for mug.jpg", exact: true });
  const useB = page.getByRole("button", { name: "Use this one (B) for mug.jpg", exact: true });
  await expect(useA).toHaveAttribute("aria-pressed", "true");
  await useB.click();
  await expect(useB).toHaveAttribute("aria-pressed", "true");
  await expect(useA).toHaveAttribute("aria-pressed", "false");
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("done");

  let csv = (await download(page, "Download CSV")).bytes.toString("utf8").trim().split("\r\n");
  expect(csv[1]).toMatch(/^mug\.jpg,Stub description.*,anthropic,claude-stub-4,\d+$/);
  expect(csv[2]).toMatch(/^lamp\.jpg,Stub description.*,openai,stub-vision,\d+$/);

  await page.getByRole("button", { name: "Use B for every row", exact: true }).click();
  await expect(app.announcement).toHaveText("Using B for 2 rows.");
  const json = JSON.parse((await download(page, "Download JSON")).bytes.toString("utf8"));
  expect(json.map((r: { model: string }) => r.model)).toEqual(["claude-stub-4", "claude-stub-4"]);
  expect(json[0].answers.map((a: { provider: string; model: string }) => `${a.provider} ${a.model}`)).toEqual([
    "openai stub-vision",
    "anthropic claude-stub-4",
  ]);

  // Back to A: nothing is asked again, now or by Describe all, even after a reload.
  await useA.click();
  await expect(useA).toHaveAttribute("aria-pressed", "true");
  await app.describeAll.click();
  await expect(app.announcement).toHaveText("Every image already has a description for this prompt, model and detail.");
  await app.expectSaved();
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  // The comparison is remembered, so nothing looks stale.
  await expect(compare.locator("option:checked")).toHaveText("Anthropic: claude-stub-4");
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("done");
  await expect(page.getByRole("button", { name: "Use this one (A) for mug.jpg", exact: true })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  await page.getByRole("button", { name: "Use this one (A) for lamp.jpg", exact: true }).click();
  await expect(app.row("lamp.jpg").locator(".badge")).toHaveText("done");
  await app.describeAll.click();
  await expect(app.announcement).toHaveText("Every image already has a description for this prompt, model and detail.");
  expect(await stub.requests()).toHaveLength(4);
});

test("compared after describing: only B is asked, Retry asks B alone, the sides follow the models", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("mug.jpg", 400, 300, { seed: 1 }));
  await app.describeAll.click();
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("done");
  await expect(page.locator("#estimate")).toHaveText("Nothing to describe with these settings.");

  // Comparing afterwards: the estimate counts B alone, and a failed B keeps A's text.
  const compare = page.getByLabel("Compare with", { exact: true });
  await compare.selectOption({ label: "Anthropic: claude-stub-4" });
  await expect(page.locator("#estimate")).toHaveText(/^1 image: about [\d,]+ tokens/);
  const text = await app.description("mug.jpg").inputValue();
  await stub.faults([{ kind: "insufficient_quota" }]);
  await app.describeAll.click();
  await expect(app.row("mug.jpg").locator(".badge")).toHaveText("error");
  await expect(app.description("mug.jpg")).toHaveValue(text);
  await app.row("mug.jpg").getByRole("button", { name: "Retry mug.jpg", exact: true }).click();
  const answers = page.getByRole("group", { name: "Answers for mug.jpg", exact: true });
  await expect(answers.locator(".answer-made")).toHaveText([
    /^A: OpenAI-compatible server stub-vision · \d+ tokens/,
    /^B: Anthropic claude-stub-4 · \d+ tokens$/,
  ]);
  const sent = await stub.requests();
  expect(sent.map((r) => `${r.dialect} ${r.model}`)).toEqual([
    "openai stub-vision",
    "anthropic claude-stub-4",
    "anthropic claude-stub-4",
  ]);

  // The other way round: Anthropic chosen, the stub compared. Each side is still its
  // model's answer, and nothing is asked.
  await app.provider.selectOption({ label: "Anthropic" });
  await compare.selectOption({ label: "OpenAI-compatible server: stub-vision" });
  await expect(answers.locator(".answer-made")).toHaveText([
    /^A: Anthropic claude-stub-4 · \d+ tokens$/,
    /^B: OpenAI-compatible server stub-vision · \d+ tokens/,
  ]);
  await expect(page.getByRole("button", { name: "Use this one (B) for mug.jpg", exact: true })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  await app.describeAll.click();
  await expect(app.announcement).toHaveText("Every image already has a description for this prompt, model and detail.");
  expect(await stub.requests()).toHaveLength(3);
});
