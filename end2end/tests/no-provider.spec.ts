// With no provider configured the app still starts and everything but describing works.
import { expect, test } from "@playwright/test";
import { PicscribePage } from "./fixtures/picscribe";

const BARE_APP = "http://127.0.0.1:3011";

test("without a provider: a notice, and adding, editing and export still work", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open(BARE_APP);
  await expect(page.getByRole("heading", { name: "No vision provider is configured" })).toBeVisible();
  await expect(page.getByText("OPENAI_BASE_URL=http://localhost:11434/v1", { exact: false })).toBeVisible();
  await app.add(await app.makeImage("offline.jpg", 20, 20));
  await expect(app.row("offline.jpg").getByText("20 × 20 px")).toBeVisible();
  await expect(app.describeAll).toBeDisabled();
  await app.description("offline.jpg").fill("Written by hand.");
  const [download] = await Promise.all([page.waitForEvent("download"), app.download.click()]);
  expect(download.suggestedFilename()).toBe("picscribe.csv");
});
