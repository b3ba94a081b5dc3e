// The ways out for a curator or a script: JSON with everything, Hugging Face's
// metadata.jsonl, and a zip of one caption .txt per image, edits included.
import { expect, test } from "@playwright/test";
import { download, PicscribePage, stub, zipEntries } from "./fixtures/picscribe";

test.beforeEach(async () => {
  await stub.reset();
});

const textEntries = (zip: Buffer) =>
  Object.fromEntries(Object.entries(zipEntries(zip)).map(([name, bytes]) => [name, bytes.toString("utf8")]));

test("JSON, JSONL and caption files carry every description, edits included", async ({ page }) => {
  const app = new PicscribePage(page);
  await app.open();
  await app.add(
    await app.makeImage("mug.jpg", 40, 30, { seed: 1 }),
    await app.makeImage("mug.png", 30, 40, { type: "image/png", seed: 2 }),
    await app.makeImage("shelf.final.jpg", 20, 20, { seed: 3 }),
  );
  await app.describeAll.click();
  for (const name of ["mug.jpg", "mug.png", "shelf.final.jpg"]) {
    await expect(app.row(name).locator(".badge")).toHaveText("done");
  }
  await app.description("mug.jpg").fill("A blue mug,\non a \"wooden\" table.");
  await app.description("shelf.final.jpg").fill("");
  await app.expectSaved();

  const json = await download(page, "Download JSON");
  expect(json.name).toBe("picscribe.json");
  const rows = JSON.parse(json.bytes.toString("utf8"));
  expect(rows.map((r: { filename: string }) => r.filename)).toEqual(["mug.jpg", "mug.png", "shelf.final.jpg"]);
  expect(rows[0]).toMatchObject({
    description: 'A blue mug,\non a "wooden" table.',
    provider: "openai",
    model: "stub-vision",
  });
  expect(rows[0].tokens).toBeGreaterThan(0);
  expect(rows[1].description).toMatch(/^Stub description of a 30×40/);

  const jsonl = await download(page, "Download JSONL");
  expect(jsonl.name).toBe("metadata.jsonl");
  const lines = jsonl.bytes.toString("utf8").trimEnd().split("\n").map((line) => JSON.parse(line));
  // The emptied description is left out: a dataset has no use for it.
  expect(lines).toEqual([
    { file_name: "mug.jpg", text: 'A blue mug,\non a "wooden" table.' },
    { file_name: "mug.png", text: rows[1].description },
  ]);

  const captions = await download(page, "Download captions (.txt)");
  expect(captions.name).toBe("picscribe-captions.zip");
  expect(textEntries(captions.bytes)).toEqual({
    "mug.txt": 'A blue mug,\non a "wooden" table.',
    "mug.png.txt": rows[1].description,
  });
  await expect(app.announcement).toHaveText(
    "Downloaded picscribe-captions.zip with 2 descriptions; 1 image without one left out.",
  );
  expect(await stub.requests()).toHaveLength(3);
});
