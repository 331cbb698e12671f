import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type AdaptiveCard,
  buildApprovalCard,
  buildPayload,
  fromCompareOutputs,
  type MetricRow,
} from "../../shared/teams";
import { exampleApprovalInput, exampleRollbackInput } from "../../shared/teams/example-input";
import { describeIf } from "../services/availability";
import { chromiumAvailability, launchChromium, type RunningChromium } from "../services/chromium";

const require = createRequire(import.meta.url);
const OUT = resolve("test-output");
/** The candidate was trained as an Azure ML job by the CI workflow (compare-models' candidate-lineage). */
const TRAINING = {
  runUrl: "https://github.com/contoso/predictive-maintenance/actions/runs/987650000",
  workflow: "ci",
  azuremlJob: "ai4i-failure-987650000-1-a1b2c3",
  studioUrl:
    "https://ml.azure.com/runs/ai4i-failure-987650000-1-a1b2c3?wsid=/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/plant-ml",
};

/**
 * Runs in the page: parses the card with the Adaptive Cards SDK against schema 1.5 (Teams' ceiling),
 * collects parse events and validation failures, renders it, and records which URL each button opens.
 * A small Markdown hook handles what Teams renders in TextBlocks and facts (bold, links).
 */
const RENDER_IN_PAGE = `(cardJson) => {
  const AC = window.AdaptiveCards;
  const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = escapeHtml(text)
      .replace(/&lt;at&gt;(.+?)&lt;\\/at&gt;/g, '<strong class="mention">@$1</strong>')
      .replace(/\\*\\*(.+?)\\*\\*/g, "<strong>$1</strong>")
      .replace(/\\[([^\\]]+)\\]\\((https?:[^)\\s]+)\\)/g, '<a href="$2">$1</a>');
    result.didProcess = true;
  };
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig({ fontFamily: "'Segoe UI', 'DejaVu Sans', sans-serif", supportsInteractivity: true });
  window.openedUrls = [];
  card.onExecuteAction = (action) => window.openedUrls.push({ type: action.getJsonTypeName(), url: action.url });
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(cardJson, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    events.push(e.message);
  }
  const validation = card.validateProperties();
  const failures = validation.validationEvents.map((e) => e.message);
  const host = document.getElementById("card");
  host.appendChild(card.render());
  return { events, failures, version: card.version ? card.version.toString() : "" };
}`;

async function renderCard(
  page: Page,
  card: AdaptiveCard,
  width = 640,
): Promise<{ events: string[]; failures: string[] }> {
  const js = readFileSync(require.resolve("adaptivecards/dist/adaptivecards.min.js"), "utf8");
  const css = readFileSync(require.resolve("adaptivecards/dist/adaptivecards.css"), "utf8");
  await page.setContent(
    '<!doctype html><html><head><meta charset="utf-8"><title>card</title></head>' +
      `<body style="margin:0;background:#f5f5f5"><div id="card" style="width:${width}px;margin:16px;background:#fff;border:1px solid #ddd"></div></body></html>`,
  );
  await page.addStyleTag({ content: css });
  await page.addScriptTag({ content: js });
  return page.evaluate(`(${RENDER_IN_PAGE})(${JSON.stringify(card)})`);
}

/**
 * Runs in the page: every place where a line of text wraps between two letters or digits (a word cut in
 * two, e.g. "Candid/ate" or "+0.086/78"). Wrapping after a space, a zero-width space, "-", "_", "/" or "," is fine.
 */
const MID_WORD_BREAKS = `(root) => {
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n.textContent;
    let prev = null;
    for (let i = 0; i < t.length; i++) {
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + 1);
      const box = r.getClientRects()[0];
      if (!box || box.width === 0) continue;
      if (prev !== null && box.top > prev + 2 && /\\S/.test(t[i]) && /[^\\s\\-_/,\\u200b]/.test(t[i - 1])) out.push(t.slice(0, i) + "/" + t.slice(i));
      prev = box.top;
    }
  }
  return out;
}`;

describeIf("teams card renders in headless Chromium with the adaptivecards SDK", chromiumAvailability(), () => {
  let chrome: RunningChromium;
  const externalRequests: string[] = [];

  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
  });

  async function newPage(viewport = { width: 700, height: 900 }): Promise<Page> {
    const context = await chrome.browser.newContext({ viewport, deviceScaleFactor: 1 });
    // Everything is inline: any request (a CDN, an image) is a defect and is refused.
    await context.route("**/*", (route) => {
      externalRequests.push(route.request().url());
      return route.abort();
    });
    return context.newPage();
  }

  it("shows the title, decision, metrics, lineage and the three buttons, and the approve button opens the run", async () => {
    const page = await newPage();
    const input = exampleApprovalInput({
      metrics: [
        ...exampleApprovalInput().metrics,
        { name: "false_negatives", candidate: 9, champion: 7, passed: false },
      ],
      decision: "reject",
      reason: "false_negatives rose from 7 to 9 (rule: must not increase).",
      mention: { name: "Jane Doe", id: "jane@contoso.com" },
      lineage: { ...exampleApprovalInput().lineage, training: TRAINING },
    });
    const { payload } = buildPayload(buildApprovalCard(input));
    const card = payload.attachments[0].content;
    const { events, failures } = await renderCard(page, card);
    expect(events).toEqual([]);
    expect(failures).toEqual([]);

    const root = page.locator("#card");
    for (const text of [
      "Approve ai4i-failure v13 for production",
      "Decision: REJECT",
      "false_negatives rose from 7 to 9",
      "recall",
      "0.8431",
      "+0.0313",
      "Triggered by",
      "octocat",
      "production",
      "Add tool-wear features",
      "Training rows",
      "Trained in",
      "Azure ML job",
    ]) {
      await expect.poll(() => root.getByText(text, { exact: false }).first().isVisible(), { message: text }).toBe(true);
    }
    // The training run and its Azure ML job are links to the Actions run and to Studio.
    expect(await root.getByRole("link", { name: "ci", exact: true }).getAttribute("href")).toBe(TRAINING.runUrl);
    expect(await root.getByRole("link", { name: TRAINING.azuremlJob, exact: true }).getAttribute("href")).toBe(
      TRAINING.studioUrl,
    );
    expect(await root.getByText("✘").count()).toBe(1);
    expect(await root.getByText("✔").count()).toBe(4);
    // Bold came through the Markdown hook, not as raw asterisks.
    expect(await root.locator("strong", { hasText: "ai4i-failure" }).count()).toBe(1);
    expect(await root.textContent()).not.toContain("**");
    // The mention shows as Teams shows it (the SDK leaves <at> to the host).
    expect(await root.locator("strong.mention", { hasText: "@Jane Doe" }).isVisible()).toBe(true);

    // The SDK renders Action.OpenUrl as a <button> with role "link" (it navigates).
    const buttons = root.locator("button.ac-pushButton");
    expect(await buttons.allTextContents()).toEqual(["Review and approve", "Pull request", "Report"]);
    for (const name of ["Review and approve", "Pull request", "Report"]) {
      expect(await root.getByRole("link", { name, exact: true }).isVisible(), name).toBe(true);
    }
    await root.getByRole("link", { name: "Review and approve", exact: true }).click();
    expect(await page.evaluate("window.openedUrls")).toEqual([
      { type: "Action.OpenUrl", url: "https://github.com/contoso/predictive-maintenance/actions/runs/987654321" },
    ]);
    await root.screenshot({ path: resolve(OUT, "teams-card.png") });
    expect(externalRequests).toEqual([]);
    await page.context().close();
  });

  it("a report card (a rollback) asks for nothing and links the run, at desktop and phone widths", async () => {
    const input = exampleRollbackInput({
      links: { approve: "https://github.com/contoso/predictive-maintenance/actions/runs/987654322" },
    });
    const card = buildPayload(buildApprovalCard(input)).payload.attachments[0].content;
    for (const [name, viewport, width] of [
      ["desktop", { width: 700, height: 700 }, 640],
      ["phone", { width: 390, height: 844 }, 358],
    ] as const) {
      const page = await newPage(viewport);
      const { events, failures } = await renderCard(page, card, width);
      expect(events).toEqual([]);
      expect(failures).toEqual([]);
      const root = page.locator("#card");
      for (const text of [
        "ai4i-failure rolled back in production",
        "now version",
        "Decision: ROLLED-BACK",
        "recall dropped at plant-north",
        "ai4i-failure@13",
        "octocat",
      ]) {
        await expect
          .poll(() => root.getByText(text, { exact: false }).first().isVisible(), { message: `${name}: ${text}` })
          .toBe(true);
      }
      expect(await root.textContent()).not.toMatch(/approv/i);
      expect(await root.locator("button.ac-pushButton").allTextContents()).toEqual(["Workflow run"]);
      // Nothing wider than the card: no horizontal scrolling on a phone.
      expect(await page.evaluate(`document.getElementById("card").scrollWidth <= ${width}`)).toBe(true);
      await root.screenshot({ path: resolve(OUT, `teams-card-rollback-${name}.png`) });
      await page.context().close();
    }
    expect(externalRequests).toEqual([]);
  });

  it("a trimmed card still renders, keeps failing metrics and shows the trimming notice", async () => {
    const page = await newPage();
    const metrics: MetricRow[] = Array.from({ length: 300 }, (_, i) => ({
      name: `segment_${i}_recall`,
      candidate: 0.8,
      champion: 0.79,
      passed: i !== 7,
    }));
    const facts = Array.from({ length: 200 }, (_, i) => ({ title: `feature_${i}`, value: `weight ${i}` }));
    const built = buildPayload(buildApprovalCard(exampleApprovalInput({ metrics, facts, decision: "reject" })));
    expect(built.trimmed.length).toBeGreaterThan(0);
    const { events, failures } = await renderCard(page, built.payload.attachments[0].content);
    expect(events).toEqual([]);
    expect(failures).toEqual([]);
    const root = page.locator("#card");
    expect(await root.getByText("Trimmed to fit the Teams message size limit", { exact: false }).isVisible()).toBe(
      true,
    );
    expect(await root.getByText("segment_7_recall", { exact: true }).isVisible()).toBe(true);
    expect(await root.getByRole("link", { name: "Review and approve", exact: true }).isVisible()).toBe(true);
    await root.screenshot({ path: resolve(OUT, "teams-card-trimmed.png") });
    await page.context().close();
  });

  it("shows a breaking contract as its own rule and decision, at desktop and phone widths", async () => {
    const fromCompare = fromCompareOutputs({
      decision: "promote-breaking",
      reason:
        "Promote: roc_auc 0.9612 beats champion 0.9401; the contract is breaking, allowed by allow-breaking-contract: true.",
      "candidate-metrics": JSON.stringify({ roc_auc: 0.9612, recall: 0.61 }),
      "champion-metrics": JSON.stringify({ roc_auc: 0.9401, recall: 0.58 }),
      rules: JSON.stringify([
        { rule: "improvement", metric: "roc_auc", passed: true, detail: "better" },
        {
          rule: "contract",
          metric: "contract",
          passed: true,
          detail:
            'breaking against the champion and deploy/interface.yml, allowed by allow-breaking-contract: true: input "input" (tensor(float)[N,5]) is gone; input "float_input" (tensor(float)[N,5]) is new; output "probabilities" (tensor(float)[N,2]) is gone',
        },
      ]),
      contract: "breaking",
    });
    const card = buildPayload(
      buildApprovalCard(
        exampleApprovalInput({
          decision: fromCompare.decision!,
          reason: fromCompare.reason!,
          metrics: fromCompare.metrics!,
          facts: fromCompare.facts!,
        }),
      ),
    ).payload.attachments[0].content;
    for (const width of [640, 340]) {
      const page = await newPage();
      const { events, failures } = await renderCard(page, card, width);
      expect(events).toEqual([]);
      expect(failures).toEqual([]);
      const root = page.locator("#card");
      for (const text of [
        "Decision: PROMOTE-BREAKING",
        "Model contract",
        "✔ breaking against the champion",
        'input "input" (tensor(float)[N,5]) is gone',
      ])
        await expect
          .poll(() => root.getByText(text, { exact: false }).first().isVisible(), { message: text })
          .toBe(true);
      await root.screenshot({ path: resolve(OUT, `teams-card-contract-${width}.png`) });
      await page.context().close();
    }
  });

  it("on a 340 px phone and on a desktop, no word or number in the card is cut across lines", async () => {
    const input = exampleApprovalInput({
      metrics: [
        ...exampleApprovalInput().metrics,
        { name: "balanced_accuracy", candidate: 0.91234, champion: 0.82556, passed: true },
        { name: "rmse", candidate: 1234.567, champion: 1322.9, passed: false },
        { name: "brier", candidate: 1.234e-5, champion: 0.0867812 },
      ],
      // Facts the template's staging sends (model-cd.yml): the smoke test and the staging endpoint, linked.
      facts: [
        { title: "Staged image", value: `sha256:${"0123456789abcdef".repeat(4)}` },
        {
          title: "Smoke test",
          value:
            "failure-predictor v7 booted from the image and answered the sample request over HTTP (41 ms) and gRPC (9 ms) with the same probabilities [2, 2]",
        },
        {
          title: "Staging endpoint",
          value:
            "[plant-models-staging](https://plant-models-staging.westeurope.inference.ml.azure.com/score) answered the sample request (deployment failure-predictor-v7)",
        },
      ],
    });
    const card = buildPayload(buildApprovalCard(input)).payload.attachments[0].content;
    for (const width of [340, 640]) {
      const page = await newPage();
      const { events, failures } = await renderCard(page, card, width);
      expect(events).toEqual([]);
      expect(failures).toEqual([]);
      const root = page.locator("#card");
      expect(await page.evaluate(`(${MID_WORD_BREAKS})(document.getElementById("card"))`)).toEqual([]);
      // Every metric value is shown in the one number format of the reports.
      for (const text of ["0.9123", "1235", "1323", "1.234e-5", "-88.33"]) {
        expect(await root.getByText(text, { exact: false }).count(), text).toBeGreaterThan(0);
      }
      expect(await root.getByText("sha256:0123456789ab…", { exact: true }).isVisible()).toBe(true);
      expect(await root.getByRole("link", { name: "plant-models-staging" }).getAttribute("href")).toBe(
        "https://plant-models-staging.westeurope.inference.ml.azure.com/score",
      );
      // Nothing sticks out of the card.
      const over = await page.evaluate(
        "(() => { const root = document.getElementById('card'); return Math.max(...[...root.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)) - root.getBoundingClientRect().right; })()",
      );
      expect(over).toBeLessThanOrEqual(1);
      await root.screenshot({ path: resolve(OUT, width === 340 ? "teams-card-phone.png" : "teams-card-desktop.png") });
      await page.context().close();
    }
  });

  it("the SDK would flag what Teams cannot render (the check is not vacuous)", async () => {
    const page = await newPage();
    const bad = {
      ...buildApprovalCard(exampleApprovalInput()),
      body: [{ type: "NoSuchElement", text: "x" }],
      actions: [{ type: "Action.OpenUrl", title: "No URL" }],
    } as unknown as AdaptiveCard;
    const { events, failures } = await renderCard(page, bad);
    expect([...events, ...failures].length).toBeGreaterThan(0);
    await page.context().close();
  });
});
