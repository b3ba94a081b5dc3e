// Provider trouble as the user sees it: a sentence in the row, a Retry, the rest of the
// batch unharmed, and no finished description ever lost.
import { expect, test } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("rate limits are retried, then explained, and Retry recovers", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.setParallel(1);
  await app.add(await app.makeImage("first.jpg", 30, 30), await app.makeImage("second.jpg", 40, 30));
  const limited = { kind: "rate_limited" as const, retry_after: "0" };
  await stub.faults([limited, limited, limited, limited]);
  await app.describeAll.click();

  await expect(app.row("first.jpg")).toContainText("Rate limited — try again in a minute.");
  await expect(app.row("first.jpg").locator(".badge")).toHaveText("error");
  await expect(app.description("second.jpg")).toHaveValue(/^Stub description/);
  await expect(page.getByText("2 of 2 done, 1 failed", { exact: true })).toBeVisible();
  expect(await stub.requests()).toHaveLength(5);

  await app.row("first.jpg").getByRole("button", { name: "Retry first.jpg" }).click();
  await expect(app.description("first.jpg")).toHaveValue(/^Stub description/);
  await expect(app.row("first.jpg").locator(".badge")).toHaveText("done");
});

test("a failed regenerate keeps the earlier description", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("keep.jpg", 30, 30));
  await app.describeAll.click();
  await expect(app.row("keep.jpg").locator(".badge")).toHaveText("done");
  const before = await app.description("keep.jpg").inputValue();

  await stub.faults([{ kind: "cut" }]);
  await app.row("keep.jpg").getByRole("button", { name: "Regenerate keep.jpg" }).click();
  await expect(app.row("keep.jpg")).toContainText("OpenAI-compatible server's reply was cut off; nothing was saved.");
  await expect(app.description("keep.jpg")).toHaveValue(before);

  await stub.faults([{ kind: "status", status: 500 }, { kind: "status", status: 500 }, { kind: "status", status: 503 }, { kind: "status", status: 500 }]);
  await app.row("keep.jpg").getByRole("button", { name: "Retry keep.jpg" }).click();
  await expect(app.row("keep.jpg")).toContainText("OpenAI-compatible server is having trouble (HTTP 500) after 4 attempts");
  await expect(app.description("keep.jpg")).toHaveValue(before);
});

test("a refused key stops the batch with one sentence", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.setParallel(1);
  await app.add(await app.makeImage("q1.jpg", 30, 30), await app.makeImage("q2.jpg", 31, 30), await app.makeImage("q3.jpg", 32, 30));
  await stub.faults([{ kind: "insufficient_quota" }]);
  await app.describeAll.click();
  await expect(app.row("q1.jpg")).toContainText("The OpenAI-compatible server account is out of credit or quota.");
  await expect(app.row("q2.jpg").locator(".badge")).toHaveText("ready");
  await expect(app.row("q3.jpg").locator(".badge")).toHaveText("ready");
  expect(await stub.requests()).toHaveLength(1);
});

test("cancel stops the batch and keeps what was finished", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.setParallel(1);
  await app.add(await app.makeImage("c1.jpg", 30, 30), await app.makeImage("c2.jpg", 31, 30), await app.makeImage("c3.jpg", 32, 30));
  await stub.faults([{ kind: "fine" }, { kind: "stall" }]);
  await app.describeAll.click();
  await expect(app.description("c1.jpg")).toHaveValue(/^Stub description/);
  await expect(app.row("c2.jpg").locator(".badge")).toHaveText("writing");
  expect(await stub.openReplies()).toBe(1);
  await app.cancel.click();
  await expect(app.announcement).toHaveText("Cancelled. 1 of 3 images were finished; their descriptions are kept.");
  // The call is hung up, not left to run: the provider stops generating well before
  // picscribe's own 5 s idle timeout would have ended it.
  await expect.poll(() => stub.openReplies(), { timeout: 2000 }).toBe(0);
  await expect(app.row("c2.jpg").locator(".badge")).toHaveText("ready");
  await expect(app.row("c3.jpg").locator(".badge")).toHaveText("ready");
  await expect(app.description("c1.jpg")).toHaveValue(/^Stub description/);
  expect(await stub.requests()).toHaveLength(2);
});

test("removing rows during a run hangs up their call and leaves them out of the count", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.setParallel(1);
  await app.add(await app.makeImage("r1.jpg", 30, 30), await app.makeImage("r2.jpg", 31, 30), await app.makeImage("r3.jpg", 32, 30));
  await stub.faults([{ kind: "stall" }]);
  await app.describeAll.click();
  await expect(app.row("r1.jpg").locator(".badge")).toHaveText("writing");

  await page.getByRole("button", { name: "Remove r2.jpg", exact: true }).click();
  await page.getByRole("button", { name: "Remove r1.jpg", exact: true }).click();
  await expect.poll(() => stub.openReplies(), { timeout: 2000 }).toBe(0);
  await expect(app.description("r3.jpg")).toHaveValue(/^Stub description/);
  await expect(page.getByText("1 of 1 done", { exact: true })).toBeVisible();
  expect((await stub.requests()).length, "the removed, queued r2.jpg was never sent").toBe(2);
});
