// With no provider configured the app still starts and everything but describing works.
// This server runs from another directory with no site folder: what hydrates here came
// out of the binary itself.
import { expect, test } from "@playwright/test";
import { PicscribePage } from "./fixtures/picscribe";

const BARE_APP = "http://127.0.0.1:3011";

test("without a provider: a notice, and adding, editing and export still work", async ({ page }) => {
  const app = new PicscribePage(page);
  const wasm = page.waitForResponse((r) => r.url().endsWith("/pkg/picscribe.wasm"));
  await app.open(BARE_APP);
  const served = await wasm;
  expect(served.headers()["content-type"]).toBe("application/wasm");
  expect(["br", "gzip"]).toContain(served.headers()["content-encoding"]);
  await expect(page.getByRole("heading", { name: "No vision provider is configured" })).toBeVisible();
  await expect(page.getByText("OPENAI_BASE_URL=http://localhost:11434/v1", { exact: false })).toBeVisible();
  await app.add(await app.makeImage("offline.jpg", 20, 20));
  await expect(app.row("offline.jpg").getByText("20 × 20 px")).toBeVisible();
  await expect(app.describeAll).toBeDisabled();
  await app.description("offline.jpg").fill("Written by hand.");
  const [download] = await Promise.all([page.waitForEvent("download"), app.download.click()]);
  expect(download.suggestedFilename()).toBe("picscribe.csv");
});
