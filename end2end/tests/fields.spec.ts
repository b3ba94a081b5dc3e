// Beyond one text column: a shop's product fields, a curator's tags, a content editor's alt
// text written into the images, text brought in from elsewhere, and human words protected.
import exifr from "exifr";
import { expect, test, type Page } from "@playwright/test";
import { download, PicscribePage, stub, type FilePayload, zipEntries } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

async function describeAndWait(app: PicscribePage, ...names: string[]) {
  await app.describeAll.click();
  for (const name of names) {
    await expect(app.row(name).locator(".badge").first()).toHaveText("done");
  }
}

test("a shop: the product preset fills fields, an edit reaches the CSV and the JSON", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("mug.jpg", 40, 30, { seed: 1 }), await app.makeImage("lamp.jpg", 20, 20, { seed: 2 }));
  await page.getByRole("button", { name: "Product description", exact: true }).click();
  await expect(field(page, "Field 3 name")).toHaveValue("bullet_points");
  await expect(field(page, "Field 3 type")).toHaveValue("list");
  await describeAndWait(app, "mug.jpg", "lamp.jpg");

  await expect(field(page, "Title of mug.jpg")).toHaveValue("Stub title of a 40×30 image");
  await expect(field(page, "Bullet points of mug.jpg")).toHaveValue("bullet_points one\nbullet_points two");
  await field(page, "Title of mug.jpg").fill("Blue stoneware mug");
  await expect(app.row("mug.jpg").locator(".hand-mark")).toHaveText("edited");
  await app.expectSaved();
  const sent = await stub.requests();
  expect(sent).toHaveLength(2);
  expect(sent[0].schema).toMatchObject({ required: ["title", "description", "bullet_points", "tags"] });

  const csv = (await download(page, "Download CSV")).bytes.toString("utf8");
  const lines = csv.split("\r\n");
  expect(lines[0]).toBe("filename,title,description,bullet_points,tags,prompt,provider,model,tokens");
  expect(lines[1]).toMatch(/^mug\.jpg,Blue stoneware mug,Stub description,bullet_points one; bullet_points two,tags one; tags two,/);
  const json = JSON.parse((await download(page, "Download JSON")).bytes.toString("utf8"));
  expect(json[0].fields).toEqual({
    title: "Blue stoneware mug",
    description: "Stub description",
    bullet_points: ["bullet_points one", "bullet_points two"],
    tags: ["tags one", "tags two"],
  });

  // The edit survives a reload, fields and all.
  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await expect(field(page, "Title of mug.jpg")).toHaveValue("Blue stoneware mug");
});

test("a curator: tags go out as metadata.jsonl and as one .txt per image", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(await app.makeImage("a.jpg", 30, 20, { seed: 3 }), await app.makeImage("b.png", 20, 30, { type: "image/png", seed: 4 }));
  await page.getByRole("button", { name: "Tags", exact: true }).click();
  await describeAndWait(app, "a.jpg", "b.png");
  await field(page, "Tags of b.png").fill("cat\nsofa\n");
  await app.expectSaved();

  const jsonl = (await download(page, "Download JSONL")).bytes.toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
  expect(jsonl).toEqual([
    { file_name: "a.jpg", tags: ["tags one", "tags two"] },
    { file_name: "b.png", tags: ["cat", "sofa"] },
  ]);
  const captions = zipEntries((await download(page, "Download captions (.txt)")).bytes);
  expect(Object.fromEntries(Object.entries(captions).map(([k, v]) => [k, v.toString("utf8")]))).toEqual({
    "a.txt": "tags one, tags two",
    "b.txt": "cat, sofa",
  });
});

/// Decodes an image in the page and returns its RGBA pixels as base64.
async function pixels(page: Page, bytes: Buffer, type: string): Promise<string> {
  return page.evaluate(
    async ({ base64, type }) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([data], { type }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(bitmap, 0, 0);
      const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let text = "";
      for (let i = 0; i < rgba.length; i++) text += String.fromCharCode(rgba[i]);
      return btoa(text);
    },
    { base64: bytes.toString("base64"), type },
  );
}

test("a content editor: alt text written into JPEG and PNG copies, pixels untouched", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  const jpeg = await app.makeImage("photo.jpg", 64, 48, { seed: 5, exifOrientation: 1 });
  const png = await app.makeImage("chart.png", 48, 64, { type: "image/png", seed: 6 });
  await app.add(jpeg, png);
  await page.getByRole("button", { name: "Alt text", exact: true }).click();
  await describeAndWait(app, "photo.jpg", "chart.png");

  const alt = field(page, "Alt text of photo.jpg");
  await expect(alt).toHaveValue("Stub alt_text of a 64×48 image");
  await expect(app.row("photo.jpg").getByText("30 of 125 characters", { exact: true })).toBeVisible();
  await alt.fill("A red kite over a green hill, blue sky.");
  await expect(app.row("photo.jpg").getByText("39 of 125 characters", { exact: true })).toBeVisible();
  await app.expectSaved();

  const zip = await download(page, "Download images with alt text");
  expect(zip.name).toBe("picscribe-images.zip");
  const files = zipEntries(zip.bytes);
  expect(Object.keys(files).sort()).toEqual(["chart.png", "photo.jpg"]);
  for (const [name, original, type, want] of [
    ["photo.jpg", jpeg, "image/jpeg", "A red kite over a green hill, blue sky."],
    ["chart.png", png, "image/png", "Stub alt_text of a 48×64 image"],
  ] as [string, FilePayload, string, string][]) {
    const meta = await exifr.parse(files[name], { xmp: true, iptc: true, tiff: true, mergeOutput: true });
    // exifr gives a language alternative as {lang, value}.
    const text = (v: unknown) => (typeof v === "object" && v !== null ? (v as { value: string }).value : v);
    expect(text(meta.AltTextAccessibility), name).toBe(want);
    expect(text(meta.description), name).toBe(want);
    expect(text(meta.ExtDescrAccessibility), name).toBe("Stub long_description");
    expect(meta.ImageDescription, name).toBe(want);
    expect(await pixels(page, files[name], type), name).toBe(await pixels(page, original.buffer, type));
  }
  await expect(app.announcement).toHaveText("Downloaded picscribe-images.zip with 2 images.");
});

test("imported and edited text is kept unless asked; {filename} and a row's own prompt reach the provider", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(
    await app.makeImage("one.jpg", 20, 20, { seed: 7 }),
    await app.makeImage("two.jpg", 20, 20, { seed: 8 }),
    await app.makeImage("three.jpg", 20, 20, { seed: 9 }),
  );
  await expect(app.row("three.jpg").locator(".badge").first()).toHaveText("ready");
  await page.getByLabel("Import descriptions").setInputFiles({
    name: "old.csv",
    mimeType: "text/csv",
    buffer: Buffer.from('filename,description\none.jpg,"Written by a person, long ago."\nmissing.jpg,x\n'),
  });
  await expect(app.announcement).toHaveText(
    "Imported text for 1 image from old.csv. 1 matched no image in the table: missing.jpg.",
  );
  await expect(app.description("one.jpg")).toHaveValue("Written by a person, long ago.");
  await expect(app.row("one.jpg").locator(".hand-mark")).toHaveText("imported");

  await app.prompt.fill("Alt text for {filename}, {width} px wide.");
  const own = page.getByLabel("Prompt for three.jpg", { exact: true });
  await app.row("three.jpg").getByText("Own prompt").click();
  await own.fill("Only the colours of {filename}.");
  await app.describeAll.click();
  await expect(app.row("three.jpg").locator(".badge").first()).toHaveText("done");
  await expect(app.row("two.jpg").locator(".badge").first()).toHaveText("done");
  await expect(app.announcement).toHaveText("Described 2 images.");
  let sent = await stub.requests();
  expect(sent.map((r) => r.prompt).sort()).toEqual(["Alt text for two.jpg, 20 px wide.", "Only the colours of three.jpg."]);
  await expect(app.description("one.jpg")).toHaveValue("Written by a person, long ago.");

  // Typed by hand, then Describe all: skipped, and said so.
  await app.description("two.jpg").fill("My own words.");
  await app.prompt.fill("Alt text, please, for {filename}.");
  await app.describeAll.click();
  await expect(app.announcement).toContainText("Skipped 2 edited rows a person wrote");
  await expect(app.row("three.jpg").locator(".badge").first()).toHaveText("done");
  await expect(app.description("two.jpg")).toHaveValue("My own words.");

  // Regenerate asks first; no keeps the words and costs nothing.
  await stub.reset();
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.getByRole("button", { name: "Regenerate two.jpg", exact: true }).click();
  await expect(app.description("two.jpg")).toHaveValue("My own words.");
  expect(await stub.requests()).toHaveLength(0);

  // "Include edited rows" lets them be replaced.
  await page.getByLabel("Include edited rows").check();
  await app.describeAll.click();
  await expect(app.description("two.jpg")).toHaveValue(/^Stub description/);
  await expect(app.description("one.jpg")).toHaveValue(/^Stub description/);
  await expect(app.row("one.jpg").locator(".hand-mark")).toHaveCount(0);
  sent = await stub.requests();
  expect(sent).toHaveLength(2);
});

test("own fields saved as a preset come back after a reload; the answer language reaches the provider", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.prompt.fill("Caption for {filename}.");
  await page.getByRole("button", { name: "Add field", exact: true }).click();
  await field(page, "Field 1 name").fill("Short Caption");
  await field(page, "Field 1 name").blur();
  await expect(field(page, "Field 1 name")).toHaveValue("short_caption");
  await page.getByRole("button", { name: "Add field", exact: true }).click();
  await field(page, "Field 2 type").selectOption("yes_no");
  await field(page, "Field 2 name").fill("has_people");
  await field(page, "Field 2 name").blur();
  await field(page, "Preset name").fill("My captions");
  await page.getByRole("button", { name: "Save preset", exact: true }).click();
  await expect(app.announcement).toHaveText("Saved the preset “My captions” in this browser.");
  await field(page, "Answer language").fill("German");
  await field(page, "Answer language").blur();

  await page.reload();
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await page.getByRole("button", { name: "Alt text", exact: true }).click();
  await expect(field(page, "Field 1 name")).toHaveValue("alt_text");
  await page.getByRole("button", { name: "My captions", exact: true }).click();
  await expect(field(page, "Field 1 name")).toHaveValue("short_caption");
  await expect(field(page, "Field 2 type")).toHaveValue("yes_no");
  await expect(app.prompt).toHaveValue("Caption for {filename}.");
  await expect(field(page, "Answer language")).toHaveValue("German");

  await app.add(await app.makeImage("x.jpg", 20, 20, { seed: 10 }));
  await describeAndWait(app, "x.jpg");
  await expect(field(page, "Short caption of x.jpg")).toHaveValue("Stub short_caption of a 20×20 image");
  await expect(field(page, "Has people of x.jpg")).toHaveValue("yes");
  const [sent] = await stub.requests();
  expect(sent.prompt).toMatch(/^Caption for x\.jpg\.\n\nWrite the answer in German\.\n\nReply with only a JSON object/);
  expect(sent.schema).toMatchObject({ properties: { has_people: { type: "boolean" } } });

  // A removed field leaves the next answer.
  await page.getByRole("button", { name: "Remove field 2", exact: true }).click();
  await expect(field(page, "Field 2 name")).toHaveCount(0);
  await expect(app.row("x.jpg").locator(".badge").first()).toHaveText("stale");
});
