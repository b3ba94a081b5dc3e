import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { defineConfig } from "@playwright/test";

// The real picscribe binary, pointed at the stub provider, plus one with no provider at
// all and one with only the built-in text extraction. Built by scripts/test.sh; PICSCRIBE_PROFILE picks debug or release.
const profile = process.env.PICSCRIBE_PROFILE ?? "release";
const bin = (name: string) => `../target/${profile}/${name}`;
export const STUB = "http://127.0.0.1:3999";
export const KEY = "sk-e2e-not-a-real-key-0123456789";
export const APP = "http://127.0.0.1:3010";
export const BARE_APP = "http://127.0.0.1:3011";
export const SHARED_APP = "http://127.0.0.1:3012";
export const OCR_APP = "http://127.0.0.1:3013";
export const ALICE = "alice-e2e-token-0123456789";
export const BOB = "bob-e2e-token-0123456789";

const site = { LEPTOS_SITE_ROOT: "../target/site", RUST_LOG: "warn" };
// Each run starts with no usage recorded.
const data = (name: string) => {
  const dir = `../target/e2e-data/${name}`;
  rmSync(dir, { recursive: true, force: true });
  return dir;
};

export default defineConfig({
  // "tests" is what scripts/test.sh runs; "bench" (scripts/bench.sh) reports figures.
  projects: [
    { name: "tests", testDir: "./tests" },
    { name: "bench", testDir: "./bench", testMatch: /.*\.bench\.ts/, timeout: 300_000 },
  ],
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: APP,
    trace: "retain-on-failure",
    acceptDownloads: true,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    },
  },
  webServer: [
    {
      command: `${bin("stub-provider")} 3999`,
      url: `${STUB}/__stub/requests`,
      env: { STUB_API_KEY: KEY },
      reuseExistingServer: false,
    },
    {
      command: bin("picscribe"),
      url: APP,
      env: {
        ...site,
        LEPTOS_SITE_ADDR: "127.0.0.1:3010",
        OPENAI_BASE_URL: `${STUB}/v1`,
        OPENAI_API_KEY: KEY,
        PICSCRIBE_MODEL: "stub-vision",
        PICSCRIBE_IDLE_TIMEOUT_SECS: "5",
        // Anthropic and Gemini, also at the stub, from a picscribe.toml.
        PICSCRIBE_CONFIG: "picscribe.e2e.toml",
        E2E_STUB_KEY: KEY,
        PICSCRIBE_DATA_DIR: data("main"),
        // "Add from URLs" fetches from the stub's image host, on loopback.
        PICSCRIBE_FETCH_ALLOW: "127.0.0.1",
        // The stub speaks OpenAI's batch service too; the server looks every second.
        PICSCRIBE_BATCH_SERVICE: "true",
        PICSCRIBE_BATCH_POLL_SECS: "1",
      },
      reuseExistingServer: false,
    },
    {
      // A shared server: people sign in with tokens, and Bob has a small daily budget.
      command: bin("picscribe"),
      url: `${SHARED_APP}/healthz`,
      env: {
        ...site,
        LEPTOS_SITE_ADDR: "127.0.0.1:3012",
        OPENAI_BASE_URL: `${STUB}/v1`,
        OPENAI_API_KEY: KEY,
        PICSCRIBE_MODEL: "stub-vision",
        PICSCRIBE_CONFIG: "picscribe.shared.e2e.toml",
        E2E_TOKEN_ALICE: ALICE,
        E2E_TOKEN_BOB: BOB,
        PICSCRIBE_DATA_DIR: data("shared"),
      },
      reuseExistingServer: false,
    },
    {
      // No provider and no key, but the built-in text extraction's models fetched by
      // scripts/setup.sh: what a new user gets from the README's two commands.
      command: bin("picscribe"),
      url: `${OCR_APP}/healthz`,
      env: {
        ...site,
        LEPTOS_SITE_ADDR: "127.0.0.1:3013",
        OPENAI_API_KEY: "",
        OPENAI_BASE_URL: "",
        PICSCRIBE_DISCOVER: "false",
        PICSCRIBE_DATA_DIR: data("ocr"),
        PICSCRIBE_OCR_MODELS: resolve(process.env.PICSCRIBE_DATA_DIR ?? "../data", "models/ppocr-v4"),
      },
      reuseExistingServer: false,
    },
    {
      // Run from elsewhere with no site folder: the page and its wasm come from the binary.
      command: resolve(bin("picscribe")),
      cwd: tmpdir(),
      url: BARE_APP,
      // Empty values count as unset, whatever the environment running the tests has.
      env: {
        RUST_LOG: "warn",
        LEPTOS_SITE_ROOT: "/nonexistent/site",
        LEPTOS_SITE_ADDR: "127.0.0.1:3011",
        OPENAI_API_KEY: "",
        OPENAI_BASE_URL: "",
        PICSCRIBE_DATA_DIR: resolve(data("bare")),
      },
      reuseExistingServer: false,
    },
  ],
});
