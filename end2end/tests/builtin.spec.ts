// A new user with no key: the server has no provider, only the built-in text extraction
// (its models fetched by scripts/setup.sh). The page says what works now, and Extract
// text reads two screenshots into their rows and the CSV.
import { expect, test } from "@playwright/test";
import { download, PicscribePage } from "./fixtures/picscribe";

const OCR_APP = "http://127.0.0.1:3013";

test("no provider: Built-in extracts the text of two screenshots into the rows and the CSV", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open(OCR_APP);
  await expect(page.getByRole("heading", { name: "Only built-in text extraction is set up" })).toBeVisible();
  await expect(app.provider).toHaveValue("builtin");
  await expect(app.provider.locator("option:checked")).toHaveText("Built-in (on this server)");
  await page.getByRole("button", { name: "Extract text", exact: true }).click();
  await app.add(
    await app.makeTextImage("invoice.png", ["Invoice 2024", "Total: $42.50"]),
    await app.makeTextImage("hours.png", ["Open daily", "9 am to 5 pm"]),
  );
  await app.describeAll.click();
  // The preset's one field, called text.
  const text = (name: string) => page.getByLabel(`Text of ${name}`, { exact: true });
  await expect(text("invoice.png")).toHaveValue("Invoice 2024\nTotal: $42.50");
  await expect(text("hours.png")).toHaveValue("Open daily\n9 am to 5 pm");
  await expect(app.row("invoice.png").getByText("0 tokens")).toBeVisible();

  const csv = (await download(page, "Download CSV")).bytes.toString("utf8");
  expect(csv).toContain('invoice.png,"Invoice 2024\nTotal: $42.50"');
  expect(csv).toContain('hours.png,"Open daily\n9 am to 5 pm"');
});
