/**
 * What reviewers see of a comparison: report.html (every curve as inline SVG) and the Markdown of the job
 * summary / PR comment (Mermaid charts), for a binary, a multiclass and a regression comparison of real
 * ONNX models, rendered in headless Chromium at desktop and phone (340 px) widths. Screenshots go to
 * test-output/ to be looked at.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { type CompareResult, runCompareModels } from "../../shared/compare";
import { encodeModel, linearClassifierModel, treeEnsembleRegressorModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { describeIf } from "../services/availability";
import { chromiumAvailability, launchChromium, type RunningChromium } from "../services/chromium";
import { sanitizerFindings, showGithubMarkdown } from "../services/github-markdown";

const OUT = resolve(import.meta.dirname, "../../test-output");
const PHONE = 340;
const DESKTOP = 1280;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describeIf("compare-models reports in headless Chromium", chromiumAvailability(), () => {
  const dir = mkdtempSync(join(tmpdir(), "mlops-compare-report-"));
  const results: Record<"binary" | "multiclass" | "regression", CompareResult> = {} as never;
  let chrome: RunningChromium;
  const external: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    // Binary: the predictive-maintenance models (boosted trees vs a weak logistic regression), sliced by Type.
    const holdout = join(dir, "holdout.csv");
    await writeGenerated(holdout, 3000, 99);
    const train = generatedDataset(4000, 7);
    writeFileSync(join(dir, "weak.onnx"), modelToOnnx(trainLogistic(train, { iterations: 2 })));
    writeFileSync(join(dir, "strong.onnx"), modelToOnnx(trainGbt(train, { nEstimators: 40, maxDepth: 3 })));
    const registry = join(dir, "registry");
    const reg = openRegistry(registry);
    await reg.register({ name: "fp", files: [{ path: "model.onnx", source: join(dir, "weak.onnx") }] });
    await reg.register({ name: "fp", files: [{ path: "model.onnx", source: join(dir, "strong.onnx") }] });
    results.binary = await runCompareModels({
      candidate: "fp@2",
      champion: "fp@1",
      registry,
      data: holdout,
      label: "Machine failure",
      sliceBy: "Type",
      thresholds: ["recall >= 0.2"],
      reportDir: join(dir, "binary"),
      provenance: {
        commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        commitUrl: "https://github.com/acme/plant-models/pull/12/commits/4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        runUrl: "https://github.com/acme/plant-models/actions/runs/4242",
        run: "run 4242",
        at: "2026-05-04T09:12:00.000Z",
      },
    });

    // Multiclass: three classes from a softmax of three features; the champion's weights are blurred.
    const rnd = lcg(5);
    const W = [
      [2.0, -1.0, 0.5],
      [-1.5, 2.0, 0.0],
      [0.2, 0.3, -2.0],
    ];
    const names = ["cat", "dog", "emu"];
    const lines = ["x0,x1,x2,species"];
    for (let i = 0; i < 2400; i++) {
      const x = [rnd() * 2 - 1, rnd() * 2 - 1, rnd() * 2 - 1];
      const z = W.map((w) => w.reduce((a, wj, j) => a + wj * x[j]!, 0) + (rnd() - 0.5) * 2.5);
      lines.push(`${x.map((v) => v.toFixed(4)).join(",")},${names[z.indexOf(Math.max(...z))]}`);
    }
    writeFileSync(join(dir, "species.csv"), `${lines.join("\n")}\n`);
    writeFileSync(
      join(dir, "mc-cand.onnx"),
      encodeModel(linearClassifierModel({ coefficients: W, intercepts: [0, 0, 0], classes: names })),
    );
    const blurred = W.map((w) => w.map((v) => v * 0.35 + 0.2));
    writeFileSync(
      join(dir, "mc-champ.onnx"),
      encodeModel(linearClassifierModel({ coefficients: blurred, intercepts: [0.1, 0, 0], classes: names })),
    );
    results.multiclass = await runCompareModels({
      candidate: join(dir, "mc-cand.onnx"),
      champion: join(dir, "mc-champ.onnx"),
      data: join(dir, "species.csv"),
      label: "species",
      reportDir: join(dir, "multiclass"),
    });

    // Regression: target = 3·x0 + noise; stumps on x0 (candidate: 7, champion: 1).
    const rows = ["x0,x1,x2,load"];
    for (let i = 0; i < 2000; i++) {
      const x0 = rnd() * 2 - 1;
      rows.push(
        `${x0.toFixed(4)},${(rnd() * 2 - 1).toFixed(4)},${(rnd() * 2 - 1).toFixed(4)},${(3 * x0 + (rnd() - 0.5) * 0.8).toFixed(4)}`,
      );
    }
    writeFileSync(join(dir, "load.csv"), `${rows.join("\n")}\n`);
    const stumps = (cuts: number[]) =>
      cuts.map((t) => ({ feature: 0, threshold: t, left: { value: 0 }, right: { value: 6 / (cuts.length + 1) } }));
    writeFileSync(
      join(dir, "reg-cand.onnx"),
      encodeModel(
        treeEnsembleRegressorModel({
          nFeatures: 3,
          trees: stumps([-0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75]),
          baseValues: [-3 + 6 / 16],
        }),
      ),
    );
    writeFileSync(
      join(dir, "reg-champ.onnx"),
      encodeModel(treeEnsembleRegressorModel({ nFeatures: 3, trees: stumps([0]), baseValues: [-1.5] })),
    );
    results.regression = await runCompareModels({
      candidate: join(dir, "reg-cand.onnx"),
      champion: join(dir, "reg-champ.onnx"),
      data: join(dir, "load.csv"),
      label: "load",
      task: "regression",
      reportDir: join(dir, "regression"),
    });
    chrome = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
  });

  async function open(width: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await chrome.browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      external.push(url);
      return route.abort();
    });
    return { context, page: await context.newPage() };
  }

  /** Widest element that sticks out of the viewport (0: nothing does). */
  const overflow = (page: Page) =>
    page.evaluate(`(() => {
      let worst = 0;
      for (const el of document.querySelectorAll("body *")) {
        const r = el.getBoundingClientRect();
        if (el.closest(".scroll")) continue; // wide tables scroll inside their own box
        worst = Math.max(worst, r.right - document.documentElement.clientWidth);
      }
      return Math.max(worst, document.documentElement.scrollWidth - document.documentElement.clientWidth);
    })()`) as Promise<number>;

  describe.each(["binary", "multiclass", "regression"] as const)("%s report.html", (task) => {
    it("is self-contained, draws every curve and fits a desktop and a 340 px phone", async () => {
      const r = results[task];
      const html = readFileSync(r.htmlPath, "utf8");
      writeFileSync(join(OUT, `compare-report-${task}.html`), html);
      expect(html.replaceAll("http://www.w3.org/2000/svg", "")).not.toMatch(
        /<script|https?:\/\/(?!github\.com)|@import|url\(/i,
      );
      const { context, page } = await open(DESKTOP);
      await page.goto(`file://${r.htmlPath}`);
      for (const width of [DESKTOP, PHONE]) {
        await page.setViewportSize({ width, height: 900 });
        const figures = page.locator("figure.chart");
        const expected = { binary: 7, multiclass: 8, regression: 4 }[task];
        expect(await figures.count()).toBe(expected);
        // Every chart is drawn at a readable size and has its lines or cells.
        const sizes = await figures.evaluateAll((els) =>
          els.map((el) => {
            const svg = el.querySelector("svg:not(.swatch)")!;
            const box = svg.getBoundingClientRect();
            return {
              fixed: svg.classList.contains("fixed"),
              width: box.width,
              marks: svg.querySelectorAll("polyline, rect.bar, rect.cell, circle.dot").length,
            };
          }),
        );
        for (const s of sizes) {
          // Curves fill their box; a heat map keeps its own size (its numbers stay readable).
          expect(s.width).toBeGreaterThan(s.fixed ? 150 : width === PHONE ? 280 : 300);
          expect(s.marks).toBeGreaterThan(0);
        }
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await page.screenshot({
          path: join(OUT, `compare-report-${task}-${width === PHONE ? "phone" : "desktop"}.png`),
          fullPage: true,
        });
      }
      await context.close();
      expect(external).toEqual([]);
    });
  });

  it("binary: ROC and PR mark the operating threshold for both models; slices list both models, worst first", async () => {
    const r = results.binary;
    const { context, page } = await open(DESKTOP);
    await page.goto(`file://${r.htmlPath}`);
    const roc = page.locator("figure.chart", { hasText: "ROC curve" });
    expect(await roc.locator("polyline.series").count()).toBe(3); // candidate, champion, chance
    expect(await roc.locator("circle.marker").count()).toBe(2);
    expect(await roc.locator(".legend").textContent()).toMatch(
      /candidate.*champion.*chance.*candidate at threshold 0\.5/,
    );
    expect(
      await page.locator("figure.chart", { hasText: "Calibration" }).locator("circle.dot").count(),
    ).toBeGreaterThan(3);
    expect(await page.getByText("For commit 4b825dc · run 4242 · 2026-05-04 09:12 UTC").isVisible()).toBe(true);
    // Slices: the table order is the report.json order, which puts the largest loss first.
    const slices = r.slices!;
    expect(slices.slices.map((s) => s.value).sort()).toEqual(["H", "L", "M"]);
    const deltas = slices.slices.map((s) => s.deltas!.roc_auc!);
    expect([...deltas].sort((a, b) => a - b)).toEqual(deltas);
    const rows = await page.locator("h2:has-text('Slices') + p + .scroll tbody tr").allTextContents();
    expect(rows.map((t) => t.trim()[0])).toEqual(slices.slices.map((s) => s.value));
    for (const s of slices.slices) {
      expect(s.champion!.roc_auc).toBeGreaterThan(0);
      expect(s.deltas!.roc_auc).toBeCloseTo(s.candidate.roc_auc! - s.champion!.roc_auc!, 12);
    }
    await context.close();
  });

  describe.each(["binary", "multiclass", "regression"] as const)("%s Markdown (job summary, PR comment)", (task) => {
    it("renders on GitHub: only allowed HTML, every Mermaid chart drawn, tables intact, at desktop and 340 px", async () => {
      const md = results[task].markdown;
      writeFileSync(join(OUT, `compare-summary-${task}.md`), md);
      expect(sanitizerFindings(md)).toEqual([]);
      const { context, page } = await open(900);
      const shown = await showGithubMarkdown(page, md);
      expect(shown.errors).toEqual([]);
      expect(shown.drawn).toBe(shown.diagrams);
      expect(shown.diagrams).toBe({ binary: 4, multiclass: 3, regression: 2 }[task]);
      // The metrics table has its five columns in every row (nothing broke a row).
      const cells = await page
        .locator("table")
        .first()
        .locator("tr")
        .evaluateAll((trs) => trs.map((tr) => tr.children.length));
      expect(new Set(cells)).toEqual(new Set([5]));
      // Each chart shows its series: lines in Mermaid's xychart are paths in the plot group.
      const plotted = await page
        .locator(".mermaid-chart svg")
        .evaluateAll((svgs) =>
          svgs.map((s) => s.querySelectorAll("[class*='line-plot'] path, [class*='bar-plot'] rect").length),
        );
      for (const n of plotted) expect(n).toBeGreaterThan(0);
      for (const width of [900, PHONE]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({
          path: join(OUT, `compare-summary-${task}-${width === PHONE ? "phone" : "desktop"}.png`),
          fullPage: true,
        });
      }
      await context.close();
    });
  });
});
