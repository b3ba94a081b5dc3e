// The cost before the run and after it: an estimate beside "Describe all" for the rows it
// would send, and the tokens and dollars the provider reported in the progress.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("the estimate before Describe all, and what was spent after", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const estimate = page.locator("#estimate");
  await app.add(await app.makeImage("a.jpg", 1024, 768, { seed: 11 }), await app.makeImage("b.jpg", 20, 20, { seed: 12 }));
  await expect(estimate).toHaveText(/^2 images: about [\d,]+ tokens, about \$0\.\d+\.$/);
  const tokens = async () => Number((await estimate.textContent())!.match(/about ([\d,]+) tokens/)![1].replace(/,/g, ""));
  // The 1024×768 photo is four 512 px tiles (765 tokens), the small one one tile (255):
  // 1,020 for the images, plus the prompt and two typical answers.
  const both = await tokens();
  expect(both).toBeGreaterThan(1020 + 200);
  expect(both).toBeLessThan(1020 + 200 + 200);
  // Detail low: 85 per image whatever its size.
  await page.getByLabel("Detail", { exact: true }).selectOption("low");
  await expect.poll(tokens).toBe(both - (765 - 85) - (255 - 85));
  await page.getByLabel("Detail", { exact: true }).selectOption("auto");
  await expect.poll(tokens).toBe(both);

  // A model without a price says so (a dated variant, stub-vision-large, takes stub-vision's).
  await app.model.fill("llava:13b");
  await app.model.blur();
  await expect(estimate).toHaveText(/^2 images: about [\d,]+ tokens \(no price known for “llava:13b”\)\.$/);
  await app.model.fill("stub-vision");
  await app.model.blur();

  await app.describeAll.click();
  await expect(page.getByText("2 of 2 done", { exact: true })).toBeVisible();
  const spent = page.locator(".progress .spent");
  await expect(spent).toHaveText(/^[\d,]+ tokens used, \$0\.\d+$/);
  // The progress counts what the provider reported for each row.
  const rowTokens = await page.locator("tbody .facts").allTextContents();
  const reported = rowTokens.filter((t) => t.endsWith(" tokens")).map((t) => Number(t.replace(/\D/g, "")));
  expect(reported).toHaveLength(2);
  const used = (await spent.textContent())!;
  expect(Number(used.match(/^([\d,]+) tokens/)![1].replace(/,/g, ""))).toBe(reported[0] + reported[1]);
  await expect(estimate).toHaveText("Nothing to describe with these settings.");
});
