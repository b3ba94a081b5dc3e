// "Add from URLs": a shop's image addresses, fetched by the server from the stub's image
// host (an allowed loopback address); one inside the network is refused with its sentence.
import { expect, test } from "@playwright/test";
import { download, PicscribePage, STUB, stub } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

test("images added by URL are fetched by the server, described and exported with their URL", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await page.getByText("Add from URLs", { exact: true }).click();
  const urls = page.getByLabel("Image URLs, one a line", { exact: true });
  await urls.fill(`${STUB}/files/blue%20mug.jpg\nhttp://10.0.0.1/admin.jpg\n${STUB}/files/page.html\n`);
  await page.getByRole("button", { name: "Add images from URLs", exact: true }).click();

  await expect(app.row("blue mug.jpg").locator(".badge")).toHaveText("ready");
  // The size the server fetched, not the 0 B the row had while waiting.
  await expect(app.row("blue mug.jpg").locator(".facts").first()).toHaveText(/^\d+(\.\d+)? (KB|MB)$/);
  await expect(app.row("admin.jpg")).toContainText(
    "http://10.0.0.1/admin.jpg was not fetched: it points at an address inside this network.",
  );
  await expect(app.row("page.html")).toContainText("was not fetched: it is not a JPEG, PNG, GIF or WebP image.");
  await expect(urls).toHaveValue("");

  await app.describeAll.click();
  await expect(app.row("blue mug.jpg").locator(".badge")).toHaveText("done");
  await expect(app.description("blue mug.jpg")).toHaveValue(/^Stub description of a 1024×768 JPEG image/);
  const sent = await stub.requests();
  expect(sent).toHaveLength(1);
  expect([sent[0].width, sent[0].height]).toEqual([1024, 768]);

  const csv = (await download(page, "Download CSV")).bytes.toString("utf8");
  const [header, first] = csv.split("\r\n");
  expect(header).toBe("filename,url,description,prompt,provider,model,tokens");
  expect(first).toContain(`blue mug.jpg,${STUB}/files/blue%20mug.jpg,`);
  expect(first).toContain("Stub description of a 1024×768 JPEG image");
});
