// Drives the built page as a person would: opens it in headless Chromium, waits until it is
// ready, and solves tasks one after another through the page's worker (client.js).

import { launch } from "./chromium.mjs";
import { serve } from "./server.mjs";

// Runs `fn(page)` on the ready page of SITE_DIR, then closes the browser and the server.
export async function withPage(site, fn) {
  const server = await serve(site);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/index.html`);
    await page.waitForFunction(() => window.__exedecReady === true);
    return await fn(page);
  } finally {
    await browser.close();
    server.close();
  }
}

// The page's default time limit (seconds), as its form shows it.
export function defaultBudget(page) {
  return page.evaluate(() => Number(document.getElementById("budget").value));
}

// Solves each task ({index, examples}) in turn on the CPU bundle with the given first beam and
// time limit, with `method` (default: the one the DSL starts with); returns {index, solved,
// program, method, beam, wall} per task.
export function solveEach(page, dsl, tasks, { beam, budget, method }) {
  return page.evaluate(
    async ({ dsl, tasks, beam, budget, method }) => {
      const { synthesize } = await import("./client.js");
      const out = [];
      for (const t of tasks) {
        const start = performance.now();
        const r = await synthesize({ dsl, examples: t.examples, beam, budget, method, backend: "cpu" });
        out.push({ index: t.index, solved: r.solved, program: r.program ?? null, method: r.method, beam: r.beam ?? null, wall: performance.now() - start });
      }
      return out;
    },
    { dsl, tasks, beam, budget, method: method ?? null },
  );
}
