import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type DriftResult, detectDrift } from "../../shared/drift";
import { FEATURES } from "../../examples/predictive-maintenance/dataset";
import { describeIf, file } from "../services/availability";
import { chromiumAvailability, launchChromium, type RunningChromium } from "../services/chromium";

const AI4I = resolve(import.meta.dirname, "../../../shared/data/ai4i2020.csv");
const OUTPUT = resolve(import.meta.dirname, "../../test-output");
/** The part of SVGGraphicsElement used here (the DOM lib is not in this project's tsconfig). */
interface Boxed {
  getBBox(): { x: number; width: number; height: number };
}

function both(a: { ok: true } | { ok: false; reason: string }, b: { ok: true } | { ok: false; reason: string }) {
  return a.ok ? b : a;
}

describeIf(
  "detect-drift on AI4I halves, report checked in headless Chromium",
  both(file(AI4I, "the AI4I 2020 CSV from UCI, see README"), chromiumAvailability()),
  () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-ai4i-"));
    let result: DriftResult;
    let chromium: RunningChromium | undefined;

    beforeAll(async () => {
      // Reference: odd rows; current: even rows with a hotter plant (+4 K air and process temperature)
      // and heavier cuts (+35% torque). Rotational speed, tool wear and the product mix are unchanged.
      const lines = readFileSync(AI4I, "utf8")
        .split(/\r?\n/)
        .filter((l) => l !== "");
      const header = (lines[0] as string).replace(/^\uFEFF/, "").split(",");
      const air = header.indexOf("Air temperature [K]");
      const proc = header.indexOf("Process temperature [K]");
      const torque = header.indexOf("Torque [Nm]");
      const reference = [lines[0], ...lines.slice(1).filter((_, i) => i % 2 === 1)];
      const current = [
        lines[0],
        ...lines
          .slice(1)
          .filter((_, i) => i % 2 === 0)
          .map((line) => {
            const cells = line.split(",");
            cells[air] = (Number(cells[air]) + 4).toFixed(1);
            cells[proc] = (Number(cells[proc]) + 4).toFixed(1);
            cells[torque] = (Number(cells[torque]) * 1.35).toFixed(1);
            return cells.join(",");
          }),
      ];
      writeFileSync(join(dir, "reference.csv"), `${reference.join("\n")}\n`);
      writeFileSync(join(dir, "current.csv"), `${current.join("\n")}\n`);
      result = await detectDrift({
        reference: join(dir, "reference.csv"),
        current: join(dir, "current.csv"),
        features: [...FEATURES],
        driftShare: 0.5,
        title: "AI4I plant drift",
      });
      mkdirSync(OUTPUT, { recursive: true });
      writeFileSync(join(OUTPUT, "drift-report.html"), result.reportHtml);
      writeFileSync(join(OUTPUT, "drift-report.md"), result.reportMarkdown);
      chromium = await launchChromium();
    });

    afterAll(async () => {
      await chromium?.close();
    });

    it("names the shifted features, and only those", () => {
      const drifted = result.features.filter((f) => f.drifted).map((f) => f.feature);
      expect(drifted).toEqual(["Air temperature [K]", "Process temperature [K]", "Torque [Nm]"]);
      expect(result.driftShare).toBe(0.5);
      expect(result.drifted).toBe(true);
      // 5000 vs 5000 rows: "auto" decides with the normed Wasserstein distance; KS is still exact (<= 10000).
      const airFeature = result.features[1];
      expect(airFeature?.method).toBe("wasserstein");
      expect(airFeature?.statistics.ks?.method).toBe("exact");
      // Air temperature sd is about 2 K, a +4 K shift moves all mass by 4 K: normed W ≈ 2.
      expect(airFeature?.statistics.wasserstein).toBeCloseTo(4, 1);
      const type = result.features[0];
      expect(type?.kind).toBe("categorical");
      expect(type?.drifted).toBe(false);
      expect(type?.histogram.labels).toEqual(["L", "M", "H"]);
    });

    it("renders like a report a person can read: verdict, table, one histogram per feature, offline", async () => {
      if (!chromium) throw new Error("chromium did not start");
      const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
      try {
        const page = await context.newPage();
        const requests: string[] = [];
        const problems: string[] = [];
        page.on("request", (r) => {
          if (!r.url().startsWith("file:")) requests.push(r.url());
        });
        page.on("console", (m) => {
          if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
        });
        page.on("pageerror", (e) => problems.push(e.message));
        await page.goto(pathToFileURL(join(OUTPUT, "drift-report.html")).href, { timeout: 20_000 });
        await page.screenshot({ path: join(OUTPUT, "drift-report.png"), fullPage: true, timeout: 20_000 });
        console.log(`drift report screenshot: ${join(OUTPUT, "drift-report.png")}`);

        expect(requests).toEqual([]);
        expect(problems).toEqual([]);
        await expect(page.locator(".verdict").innerText()).resolves.toBe("Dataset drift detected");
        expect(await page.title()).toBe("AI4I plant drift");
        // The summary table: one row per feature, verdicts as computed.
        const rows = await page.locator("table.summary tbody tr").allInnerTexts();
        expect(rows).toHaveLength(FEATURES.length);
        expect(rows.filter((r) => r.trim().endsWith("no drift"))).toHaveLength(3);
        // Every histogram is laid out with a real size and visible bars on both sides.
        const svgs = page.locator("section.feature svg");
        expect(await svgs.count()).toBe(FEATURES.length);
        for (let i = 0; i < FEATURES.length; i++) {
          const box = await svgs.nth(i).boundingBox();
          expect(box?.width).toBeGreaterThan(400);
          expect(box?.height).toBeGreaterThan(150);
          const heights = await svgs
            .nth(i)
            .locator("rect.ref, rect.cur")
            .evaluateAll((els) => els.map((e) => (e as unknown as Boxed).getBBox().height));
          expect(heights.some((h) => h > 20)).toBe(true);
        }
        // The shifted feature's histograms barely overlap: reference bars left, current bars right.
        const airBars = await svgs.nth(1).evaluate((svg) => {
          const center = (cls: string) => {
            let weighted = 0;
            let total = 0;
            for (const r of svg.querySelectorAll(`rect.${cls}`)) {
              const b = (r as unknown as Boxed).getBBox();
              weighted += (b.x + b.width / 2) * b.height;
              total += b.height;
            }
            return weighted / total;
          };
          return { ref: center("ref"), cur: center("cur") };
        });
        expect(airBars.cur - airBars.ref).toBeGreaterThan(150);
        // Heading text is readable (not clipped): the first feature heading is visible in the viewport.
        await expect(page.locator("section.feature h2").first().isVisible()).resolves.toBe(true);
        expect(statSync(join(OUTPUT, "drift-report.png")).size).toBeGreaterThan(20_000);
      } finally {
        await context.close();
      }
    });
  },
);
