/**
 * `mlops registry list|show|history|diff|report` on both backends (a directory and Azure Blob Storage on
 * Azurite), with --json, on a registry with a real history: three versions with metrics, params,
 * signatures and lineage, a promotion with approvers, a rollback and a second alias. The HTML page is
 * checked in headless Chromium at desktop and 340 px widths.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryCommand } from "../../cli/registry";
import { openRegistry, type Registry } from "../../shared/registry";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, startAzurite } from "../services/azurite";
import { chromiumAvailability, launchChromium } from "../services/chromium";
import { userErrorOf as userError } from "../helpers/user-error";

const OUT = resolve(import.meta.dirname, "../../test-output");
const work = mkdtempSync(join(tmpdir(), "registry-browse-"));

/** A clock that moves one day per call, so the history spreads over a timeline. */
function clock(start = Date.UTC(2026, 3, 1, 9, 0)): () => Date {
  let t = start;
  return () => {
    const d = new Date(t);
    t += 86_400_000;
    return d;
  };
}

const signature = (inputDtype: string) => ({
  inputs: [
    { name: "Torque [Nm]", dtype: inputDtype, shape: ["N", 1] },
    { name: "Type", dtype: "string", shape: ["N", 1] },
  ],
  outputs: [{ name: "probabilities", dtype: "float", shape: ["N", 2] }],
  opset: 17,
});

/** Three versions, champion 1 → 2 → 3 → rolled back to 2, challenger on 3. */
async function populate(reg: Registry): Promise<void> {
  const model = join(work, `model-${Math.random().toString(36).slice(2)}.onnx`);
  const files = (text: string) => {
    writeFileSync(model, text);
    return [{ path: "model.onnx", source: model }];
  };
  const lineage = (sha: string) => ({
    gitSha: sha,
    repository: "acme/plant-models",
    runUrl: "https://github.com/acme/plant-models/actions/runs/7",
    dataHash: `sha256:${sha.slice(0, 8)}`,
  });
  await reg.register({
    name: "failure-predictor",
    files: files("v1"),
    signature: signature("float"),
    metrics: { roc_auc: 0.8729, recall: 0.0656, log_loss: 0.1406 },
    params: { n_estimators: 100, learning_rate: 0.1 },
    lineage: lineage("1111111aaaaaaa"),
  });
  await reg.register({
    name: "failure-predictor",
    files: files("v2"),
    signature: signature("float"),
    metrics: { roc_auc: 0.9411, recall: 0.3915, log_loss: 0.0952 },
    params: { n_estimators: 300, learning_rate: 0.05 },
    lineage: lineage("2222222bbbbbbb"),
  });
  await reg.register({
    name: "failure-predictor",
    files: files("v3"),
    signature: signature("double"),
    metrics: { roc_auc: 0.9607, recall: 0.4508, log_loss: 0.0835 },
    params: { n_estimators: 300, learning_rate: 0.05, max_depth: 3 },
    lineage: { ...lineage("3333333ccccccc"), approvers: ["alice", "bob"] },
  });
  await reg.setAlias("failure-predictor", "champion", 1, { actor: "octocat", reason: "first release" });
  await reg.setAlias("failure-predictor", "champion", 2, {
    actor: "octocat",
    approvers: ["alice"],
    reason: "approved in run 41",
    expectedCurrent: 1,
  });
  await reg.setAlias("failure-predictor", "challenger", 3, { actor: "ci-bot", reason: "nightly" });
  await reg.setAlias("failure-predictor", "champion", 3, {
    actor: "octocat",
    approvers: ["alice", "bob"],
    reason: "approved in run 57",
    expectedCurrent: 2,
  });
  await reg.setAlias("failure-predictor", "champion", 2, {
    actor: "oncall",
    action: "rollback",
    reason: "recall dropped on plant-south\nrolled back",
    expectedCurrent: 3,
  });
  await reg.register({
    name: "anomaly-detector",
    files: files("a1"),
    metrics: { f1_macro: 0.71 },
    lineage: lineage("4444444ddddddd"),
  });
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await registryCommand(argv, env, (t) => (out += `${t}\n`));
  return { code, out };
}

function browsing(backend: string, setup: () => Promise<{ uri: string; env: NodeJS.ProcessEnv }>) {
  describe(`mlops registry on ${backend}`, () => {
    let uri: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      ({ uri, env } = await setup());
      await populate(openRegistry(uri, { env, now: clock() }));
    }, 60_000);

    it("list: every model with its latest version, version count and aliases (text and --json)", async () => {
      const text = await run(["list", "--registry", uri], env);
      expect(text.code).toBe(0);
      expect(text.out).toMatch(/MODEL\s+LATEST\s+VERSIONS\s+ALIASES/);
      expect(text.out).toMatch(/failure-predictor\s+3\s+3\s+challenger→3, champion→2/);
      expect(text.out).toMatch(/anomaly-detector\s+1\s+1\s+—/);
      const json = JSON.parse((await run(["list", "--registry", uri, "--json"], env)).out);
      expect(json.models.map((m: { name: string }) => m.name)).toEqual(["anomaly-detector", "failure-predictor"]);
      expect(json.models[1]).toMatchObject({ latest: 3, versions: 3, aliases: { champion: 2, challenger: 3 } });
    });

    it("show <name>: versions newest first with aliases and metrics; show <name@alias>: the whole card", async () => {
      const model = await run(["show", "failure-predictor", "--registry", uri], env);
      expect(model.out).toMatch(/^failure-predictor: 3 versions; aliases: challenger → 3, champion → 2/);
      const lines = model.out.split("\n").filter((l) => /^\s*\d\s/.test(l));
      expect(lines.map((l) => l.trim()[0])).toEqual(["3", "2", "1"]);
      expect(lines[1]).toMatch(/champion\s+0\.9411\s+0\.3915\s+0\.09520?\s+2222222/);
      const version = await run(["show", "failure-predictor@champion", "--registry", uri], env);
      expect(version.out).toMatch(/^failure-predictor@2 \(champion\), registered 2026-04-\d\d 09:00 UTC/);
      expect(version.out).toMatch(/params:\n\s+n_estimators\s+300\n\s+learning_rate\s+0\.05/);
      expect(version.out).toMatch(/input Torque \[Nm\]\s+float \[N, 1\]/);
      const json = JSON.parse((await run(["show", "failure-predictor@3", "--registry", uri, "--json"], env)).out);
      expect(json).toMatchObject({
        card: { version: 3, lineage: { approvers: ["alice", "bob"] } },
        aliases: ["challenger"],
      });
    });

    it("history: every alias move with actor, approvers and reason, a rollback included; --alias filters", async () => {
      const all = await run(["history", "failure-predictor", "--registry", uri], env);
      expect(all.out).toMatch(/WHEN \(UTC\)\s+ALIAS\s+ACTION\s+VERSION\s+ACTOR\s+APPROVERS\s+REASON/);
      expect(all.out).toMatch(/champion\s+set\s+2 → 3\s+octocat\s+alice, bob\s+approved in run 57/);
      expect(all.out).toMatch(/champion\s+rollback\s+3 → 2\s+oncall\s+recall dropped on plant-south rolled back/);
      const champion = JSON.parse(
        (await run(["history", "failure-predictor", "--alias", "champion", "--registry", uri, "--json"], env)).out,
      );
      expect(champion.map((e: { from: number | null; to: number }) => [e.from, e.to])).toEqual([
        [null, 1],
        [1, 2],
        [2, 3],
        [3, 2],
      ]);
    });

    it("diff: metrics with deltas, params, signature, lineage and files between two versions", async () => {
      const d = await run(["diff", "failure-predictor@1", "3", "--registry", uri], env);
      expect(d.out).toMatch(/^failure-predictor@1 → failure-predictor@3/);
      expect(d.out).toMatch(/~ roc_auc\s+0\.8729\s+→\s+0\.9607\s+\(\+0\.0878\)/);
      expect(d.out).toMatch(/\+ max_depth\s+\(absent\)\s+→\s+3/);
      expect(d.out).toMatch(/~ input Torque \[Nm\]\s+float \[N, 1\]\s+→\s+double \[N, 1\]/);
      expect(d.out).toMatch(/~ gitSha\s+1111111aaaaaaa\s+→\s+3333333ccccccc/);
      expect(d.out).toMatch(/~ model\.onnx/);
      const json = JSON.parse(
        (await run(["diff", "failure-predictor@2", "failure-predictor@champion", "--registry", uri, "--json"], env))
          .out,
      );
      expect(json.metrics.every((m: { change: string }) => m.change === "same")).toBe(true);
    });

    it("explains every mistake in one line", async () => {
      expect(await userError(run(["show", "failure-predictr", "--registry", uri], env))).toMatch(
        /no model named "failure-predictr" .*models: anomaly-detector, failure-predictor/,
      );
      expect(await userError(run(["show", "failure-predictor@champoin", "--registry", uri], env))).toMatch(
        /alias "champoin" of model "failure-predictor" is not set .*aliases: challenger -> \d+, champion -> \d+; latest version: \d+\)/,
      );
      expect(await userError(run(["diff", "failure-predictor@1", "--registry", uri], env))).toMatch(
        /expected two versions/,
      );
      expect(await userError(run(["lst", "--registry", uri], env))).toMatch(
        /unknown command "lst"\. Use one of: list, show/,
      );
      expect(await userError(run(["list", "--registy", uri], env))).toMatch(/unknown flag --registy/);
      expect(await userError(run(["history", "failure-predictor", "--alias"], env))).toMatch(/--alias needs a value/);
    });
  });
}

browsing("a directory", async () => ({ uri: join(work, "file-registry"), env: {} }));

describe("mlops registry without a registry", () => {
  it("refuses a directory that does not exist instead of listing nothing", async () => {
    expect(await userError(run(["list", "--registry", join(work, "no-such-registry")]))).toMatch(
      /^registry: .*no-such-registry does not exist .*Pass --registry/,
    );
    mkdirSync(join(work, "empty-registry"));
    expect((await run(["list", "--registry", join(work, "empty-registry")])).out).toMatch(/no models yet/);
  });
});

describeIf("Azure Blob Storage (Azurite)", azuriteAvailable(), () => {
  let az: Azurite;
  afterAll(async () => {
    await az?.stop();
  });
  browsing("Azure Blob Storage", async () => {
    az = await startAzurite();
    return {
      uri: `${az.endpoint(DEV_ACCOUNT)}/models/team-a`,
      env: { AZURE_STORAGE_CONNECTION_STRING: az.connectionString(DEV_ACCOUNT) },
    };
  });
});

describeIf("mlops registry report in headless Chromium", chromiumAvailability(), () => {
  it("writes one self-contained page with the versions table, alias timeline and metric trends, readable at desktop and 340 px", async () => {
    const uri = join(work, "report-registry");
    await populate(openRegistry(uri, { env: {}, now: clock() }));
    const file = join(work, "out", "registry.html");
    const r = await run(["report", "--registry", uri, "--out", file]);
    expect(r.out).toMatch(/wrote .*registry\.html \(2 models\)/);
    const html = readFileSync(file, "utf8");
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "registry.html"), html);
    expect(
      html.replaceAll("http://www.w3.org/2000/svg", "").replaceAll("https://github.com/acme/plant-models", ""),
    ).not.toMatch(/<script|https?:\/\//);
    const chrome = await launchChromium();
    try {
      const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      const external: string[] = [];
      await context.route("**/*", (route) => {
        if (route.request().url().startsWith("file:")) return route.continue();
        external.push(route.request().url());
        return route.abort();
      });
      const page = await context.newPage();
      await page.goto(`file://${file}`);
      const section = page.locator("section#model-failure-predictor");
      // Timeline: one lane per alias; champion held 1, 2, 3 and 2 again (four bars), challenger one.
      expect(await section.locator("svg.timeline text.lane").allTextContents()).toEqual(["champion", "challenger"]);
      expect(await section.locator("svg.timeline rect.segment").count()).toBe(5);
      expect(await section.locator("svg.timeline line.event.rollback").count()).toBe(1);
      // Trends: one chart per metric, the champion's version marked.
      expect(await section.locator("figure.chart:not(.timeline) figcaption").allTextContents()).toEqual([
        "roc_auc",
        "recall",
        "log_loss",
      ]);
      expect(await section.locator("figure.chart:not(.timeline) circle.marker").count()).toBe(3);
      // Versions newest first, with their aliases.
      const rows = await section.locator("table.versions tbody tr").allTextContents();
      expect(rows.map((t) => t.trim()[0])).toEqual(["3", "2", "1"]);
      expect(rows[0]).toContain("challenger");
      expect(rows[1]).toContain("champion");
      // History, newest first, with approvers and the rollback's reason.
      const history = await section.locator("table.history tbody tr").allTextContents();
      expect(history[0]).toMatch(/rollback.*3 → 2.*oncall.*recall dropped on plant-south/);
      expect(history.some((h) => /alice, bob.*approved in run 57/.test(h))).toBe(true);
      for (const width of [1280, 340]) {
        await page.setViewportSize({ width, height: 900 });
        const overflow = await page.evaluate(`(() => {
          let worst = 0;
          for (const el of document.querySelectorAll("body *")) {
            if (el.closest(".scroll")) continue;
            worst = Math.max(worst, el.getBoundingClientRect().right - document.documentElement.clientWidth);
          }
          return worst;
        })()`);
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({
          path: join(OUT, `registry-${width === 340 ? "phone" : "desktop"}.png`),
          fullPage: true,
        });
      }
      expect(external).toEqual([]);
      await context.close();
    } finally {
      await chrome.close();
    }
  });
});
