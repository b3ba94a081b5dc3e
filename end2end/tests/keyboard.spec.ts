// The whole flow by keyboard, and every control named.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("every control has an accessible name", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("named.jpg", 20, 20));
  await expect(app.rows).toHaveCount(1);
  const unnamed = await page.evaluate(() => {
    const controls = Array.from(document.querySelectorAll("button, input, textarea, select, progress"));
    return controls
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute("aria-label");
        const text = el.tagName === "BUTTON" && el.textContent?.trim();
        return !labelled && !text;
      })
      .map((el) => el.outerHTML.slice(0, 80));
  });
  expect(unnamed).toEqual([]);
});

test("choose a preset, describe all and edit, all by keyboard", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("keys.jpg", 20, 20));
  await expect(app.row("keys.jpg").locator(".badge")).toHaveText("ready");

  await page.getByRole("button", { name: "Product description", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(app.prompt).toHaveValue(/^Write a product description/);

  await app.describeAll.focus();
  await page.keyboard.press("Enter");
  // The preset's fields, one control each, once the answer is in.
  const title = page.getByLabel("Title of keys.jpg", { exact: true });
  await expect(title).toHaveValue(/^Stub title/);
  await expect(app.row("keys.jpg").locator(".badge").first()).toHaveText("done");

  await title.focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Typed with the keyboard");
  await expect(title).toHaveValue("Typed with the keyboard");

  // The file picker is reachable by Tab.
  await app.prompt.focus();
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.id === "add-images");
  }
  expect(reached).toBe(true);
});

test("read aloud: an editor hears the description as a screen reader would say it", async ({ page }) => {
  // Record what the page hands to the browser's voice instead of playing sound.
  await page.addInitScript(() => {
    const spoken: string[] = [];
    (window as unknown as { spoken: string[] }).spoken = spoken;
    window.speechSynthesis.speak = (utterance: SpeechSynthesisUtterance) => {
      spoken.push(utterance.text);
    };
  });
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("heard.jpg", 20, 20));
  const read = page.getByRole("button", { name: "Read description of heard.jpg", exact: true });
  await expect(read).toBeDisabled();
  await app.describeAll.click();
  await expect(app.row("heard.jpg").locator(".badge")).toHaveText("done");
  await app.description("heard.jpg").fill("A red bicycle leaning on a wall.");
  await read.focus();
  await page.keyboard.press("Enter");
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { spoken: string[] }).spoken))
    .toEqual(["A red bicycle leaning on a wall."]);
});
