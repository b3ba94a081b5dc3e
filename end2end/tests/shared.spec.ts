// A shared picscribe: signing in and out, the page under its Content-Security-Policy, and
// a budget that runs out mid-batch.
import { expect, test, type Page } from "@playwright/test";
import { PicscribePage, stub } from "./fixtures/picscribe";

const SHARED_APP = "http://127.0.0.1:3012";
const ALICE = "alice-e2e-token-0123456789";
const BOB = "bob-e2e-token-0123456789";

async function signIn(page: Page, token: string) {
  await page.getByLabel("Access token", { exact: true }).fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test.beforeEach(async () => {
  await stub.reset();
});

test("sign in, describe, sign out", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open(SHARED_APP);
  await expect(page.getByRole("heading", { name: "Sign in", exact: true })).toBeVisible();

  await signIn(page, "not-the-token-0123456789");
  await expect(page.locator(".sign-in-error")).toHaveText(
    "That access token is not right; check it with whoever runs this picscribe.",
  );
  expect(await stub.requests()).toHaveLength(0);

  // By keyboard: type the token, press Enter.
  await page.getByLabel("Access token", { exact: true }).fill(ALICE);
  await page.getByLabel("Access token", { exact: true }).press("Enter");
  await expect(page.getByText("Signed in as alice", { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Sign in", exact: true })).toHaveCount(0);
  const cookies = await page.context().cookies(SHARED_APP);
  const session = cookies.find((c) => c.name === "picscribe_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Strict");
  expect(session?.value).not.toContain(ALICE);

  // Her limit of two at once bounds the page's parallel requests.
  await expect(page.getByLabel("Parallel requests")).toHaveAttribute("max", "2");
  await app.add(await app.makeImage("team-photo.jpg", 320, 240));
  await app.describeAll.click();
  await expect(app.description("team-photo.jpg")).toHaveValue(/^Stub description of a 320×240 JPEG/);
  expect(await stub.requests()).toHaveLength(1);

  // A reload keeps the session.
  await app.open(SHARED_APP);
  await expect(page.getByText("Signed in as alice", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in", exact: true })).toBeVisible();
  // Signed out, a describe is refused with a sentence and costs nothing.
  await app.page.getByRole("button", { name: "Regenerate team-photo.jpg", exact: true }).click();
  await expect(app.row("team-photo.jpg")).toContainText("Sign in to describe images");
  expect(await stub.requests()).toHaveLength(1);
});

test("the page under its Content-Security-Policy hydrates and describes", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  const response = await page.goto(SHARED_APP);
  const policy = response?.headers()["content-security-policy"] ?? "";
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval' 'nonce-");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(response?.headers()["x-content-type-options"]).toBe("nosniff");
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  const app = new PicscribePage(page);
  await signIn(page, ALICE);
  await expect(page.getByText("Signed in as alice", { exact: true })).toBeVisible();
  await app.add(await app.makeImage("under-csp.png", 64, 48, { type: "image/png" }));
  await expect(app.row("under-csp.png").locator("img")).toBeVisible();
  await app.describeAll.click();
  await expect(app.description("under-csp.png")).toHaveValue(/^Stub description/);
  expect(violations).toEqual([]);
});

test("a used-up budget stops the batch with its sentence and keeps what was described", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open(SHARED_APP);
  await signIn(page, BOB);
  await expect(page.locator(".signed-in")).toContainText("Signed in as bob");
  await expect(page.locator(".signed-in")).toContainText("100 of 100 tokens left today");
  await app.setParallel(1);
  await app.add(
    await app.makeImage("one.jpg", 40, 30, { seed: 1 }),
    await app.makeImage("two.jpg", 40, 30, { seed: 2 }),
    await app.makeImage("three.jpg", 40, 30, { seed: 3 }),
  );
  await app.describeAll.click();
  await expect(app.description("one.jpg")).toHaveValue(/^Stub description/);
  await expect(app.row("two.jpg")).toContainText(
    "Bob's daily budget of 100 tokens is used up; it resets at 00:00 UTC.",
  );
  await expect(app.describeAll).toBeEnabled();
  // The batch stopped: the third image was never sent, and the first kept its text.
  expect(await stub.requests()).toHaveLength(1);
  await expect(app.description("three.jpg")).toHaveValue("");
  await expect(app.description("one.jpg")).toHaveValue(/^Stub description/);
  await expect(page.locator(".signed-in")).toContainText("0 of 100 tokens left today");
});
