import { describe, expect, it } from "vitest";
import { UserError } from "../errors";
import type { FactSet, Table, TableRow, TextBlock } from "./adaptive-card";
import { buildApprovalCard, decisionTone, metricRows, parseMention } from "./approval-card";
import { exampleApprovalInput, exampleRollbackInput } from "./example-input";

function allTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(allTexts);
  if (node === null || typeof node !== "object") return [];
  const o = node as Record<string, unknown>;
  const own = ["text", "title", "value"].flatMap((k) => (typeof o[k] === "string" ? [o[k] as string] : []));
  return [...own, ...Object.values(o).flatMap((v) => (typeof v === "object" ? allTexts(v) : []))];
}

describe("buildApprovalCard", () => {
  it("is an Adaptive Card 1.5 with only Action.OpenUrl buttons", () => {
    const card = buildApprovalCard(exampleApprovalInput());
    expect(card.type).toBe("AdaptiveCard");
    expect(card.version).toBe("1.5");
    expect(card.actions.map((a) => [a.type, a.title])).toEqual([
      ["Action.OpenUrl", "Review and approve"],
      ["Action.OpenUrl", "Pull request"],
      ["Action.OpenUrl", "Report"],
    ]);
    expect(JSON.stringify(card)).not.toMatch(/Action\.(Submit|Execute|ShowCard)/);
  });

  it("shows title, model, versions, decision, reason, lineage and facts", () => {
    const input = exampleApprovalInput();
    const texts = allTexts(buildApprovalCard(input).body).join("\n");
    expect(texts).toContain("Approve ai4i-failure v13 for production");
    expect(texts).toContain("candidate **13** vs champion **12**");
    expect(texts).toContain("Decision: PROMOTE");
    expect(texts).toContain(input.reason);
    expect(texts).toContain("[3f9c2d1](https://github.com/contoso/predictive-maintenance/commit/");
    expect(texts).toContain("[#42 Add tool-wear features](https://github.com/contoso/predictive-maintenance/pull/42)");
    expect(texts).toContain("octocat");
    expect(texts).toContain("production");
    expect(texts).toContain("Training rows");
  });

  it("cuts an image digest in a fact to 12 digits, and leaves other long hex and shorter digests alone", () => {
    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    const facts = [
      { title: "Staged image", value: `registry.example/failure-predictor@${digest} (v7)` },
      { title: "Commit", value: "0123456789abcdef".repeat(4) },
      { title: "Short", value: "sha256:0123456789ab" },
    ];
    const set = buildApprovalCard(exampleApprovalInput({ facts })).body.find(
      (e): e is FactSet => e.type === "FactSet" && e.id === "facts",
    );
    expect(set?.facts).toEqual([
      { title: "Staged image", value: "registry.example/failure-predictor@sha256:0123456789ab… (v7)" },
      facts[1],
      facts[2],
    ]);
  });

  it("links the run that trained the candidate and its Azure ML job, after this run, when the lineage has them", () => {
    const base = exampleApprovalInput();
    const training = {
      runUrl: "https://github.com/contoso/predictive-maintenance/actions/runs/987650000",
      workflow: "ci",
      azuremlJob: "ai4i-failure-987650000-1-a1b2c3",
      studioUrl:
        "https://ml.azure.com/runs/ai4i-failure-987650000-1-a1b2c3?wsid=/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws",
    };
    const card = buildApprovalCard({ ...base, lineage: { ...base.lineage, training } });
    const lineage = card.body.find((e) => e.id === "lineage") as FactSet;
    expect(lineage.facts.map((f) => f.title)).toEqual([
      "Environment",
      "Repository",
      "Commit",
      "Pull request",
      "Run",
      "Trained in",
      "Azure ML job",
      "Triggered by",
    ]);
    expect(lineage.facts[5]).toEqual({ title: "Trained in", value: `[ci](${training.runUrl})` });
    expect(lineage.facts[6]).toEqual({
      title: "Azure ML job",
      value: `[ai4i-failure-987650000-1-a1b2c3](${training.studioUrl})`,
    });
    // Trained locally: the run only. Without a training run, nothing is added.
    const local = buildApprovalCard({ ...base, lineage: { ...base.lineage, training: { runUrl: training.runUrl } } });
    expect(allTexts(local.body).filter((t) => t === "Azure ML job")).toEqual([]);
    expect(allTexts(local.body)).toContain("Trained in");
    expect(allTexts(buildApprovalCard(base).body)).not.toContain("Trained in");
    expect(() => buildApprovalCard({ ...base, lineage: { training: { studioUrl: "javascript:alert(1)" } } })).toThrow(
      /^Azure ML Studio URL: not an http\(s\) URL/,
    );
  });

  it("builds the metrics table with deltas and ✔/✘ marks", () => {
    const card = buildApprovalCard(
      exampleApprovalInput({
        metrics: [
          { name: "recall", candidate: 0.8431, champion: 0.8118, passed: true },
          { name: "precision", candidate: 0.85, champion: 0.9, passed: false },
          { name: "rows", candidate: 2000 },
        ],
      }),
    );
    const table = card.body.find((e) => e.id === "metrics") as Table;
    // Three columns (a 340 px phone shows them whole): the change and the rule's mark sit under the value.
    const cells = (row: TableRow) =>
      row.cells.map((c) => c.items.map((i) => (i as TextBlock).text.replace(/\u200b/g, "")).join(" | "));
    expect(table.rows.map(cells)).toEqual([
      ["Metric", "Candidate", "Champion"],
      ["recall", "0.8431 | Δ +0.0313 ✔", "0.8118"],
      ["precision", "0.85 | Δ -0.05 ✘", "0.9"],
      ["rows", "2000", "—"],
    ]);
    const mark = (row: number) => table.rows[row]!.cells[1]!.items[1] as TextBlock;
    expect([mark(1).color, mark(2).color]).toEqual(["Good", "Attention"]);
    expect(table.rows.map((r) => r.id)).toEqual(["metrics-header", "metric-pass-0", "metric-fail-1", "metric-na-2"]);
  });

  it("reports what happened without asking, for a rollback (request-approval false)", () => {
    const input = exampleRollbackInput({ mention: { name: "Jane Doe", id: "jane@contoso.com" } });
    const card = buildApprovalCard(input);
    const texts = allTexts(card.body).join("\n");
    expect(texts).toContain("Model **ai4i-failure** in **production**: now version **12** (was **13**)");
    expect(texts).toContain("Decision: ROLLED-BACK");
    expect(texts).toContain("<at>Jane Doe</at>, for your information.");
    expect(texts).not.toMatch(/approv/i);
    expect(card.actions.map((a) => a.title)).toEqual(["Workflow run", "Pull request", "Report"]);
    expect(decisionTone("rolled-back")).toBe("neutral");
  });

  it("says when there is no champion yet", () => {
    const input = exampleApprovalInput({ championVersion: undefined });
    expect(allTexts(buildApprovalCard(input).body).join("\n")).toContain("candidate **13** (no champion yet)");
  });

  it("adds a Teams mention entity that matches the <at> text", () => {
    const card = buildApprovalCard(exampleApprovalInput({ mention: { name: "Jane Doe", id: "jane@contoso.com" } }));
    const block = card.body.find((e) => e.id === "mention") as TextBlock;
    expect(block.text).toContain("<at>Jane Doe</at>");
    expect(card.msteams?.entities).toEqual([
      { type: "mention", text: "<at>Jane Doe</at>", mentioned: { id: "jane@contoso.com", name: "Jane Doe" } },
    ]);
  });

  it("rejects an approve URL that is not http(s) and an empty title with UserErrors", () => {
    const bad = exampleApprovalInput();
    bad.links = { ...bad.links, approve: "javascript:alert(1)" };
    expect(() => buildApprovalCard(bad)).toThrow(UserError);
    expect(() => buildApprovalCard(bad)).toThrow(/^approve-url: not an http\(s\) URL \(got "javascript:alert\(1\)"\)/);
    expect(() => buildApprovalCard(exampleApprovalInput({ title: " " }))).toThrow(/^title: must not be empty/);
    expect(() =>
      buildApprovalCard(exampleApprovalInput({ metrics: [{ name: "auc", candidate: Number.NaN }] })),
    ).toThrow(/^metrics: "auc" is not a finite number/);
  });
});

describe("decisionTone", () => {
  it("maps compare-models decisions to colours", () => {
    expect(decisionTone("promote")).toBe("good");
    expect(decisionTone("Reject")).toBe("attention");
    expect(decisionTone("keep-champion")).toBe("attention");
    expect(decisionTone("manual-review")).toBe("neutral");
  });
});

describe("metricRows", () => {
  it("joins candidate, champion and pass maps by metric name", () => {
    expect(metricRows({ auc: 0.9, f1: 0.8 }, { auc: 0.85 }, { auc: true, f1: false })).toEqual([
      { name: "auc", candidate: 0.9, champion: 0.85, passed: true },
      { name: "f1", candidate: 0.8, passed: false },
    ]);
  });
});

describe("parseMention", () => {
  it("reads 'Name <upn>', a bare UPN and an Entra object id as real mentions", () => {
    expect(parseMention("Jane Doe <jane@contoso.com>")).toEqual({ name: "Jane Doe", id: "jane@contoso.com" });
    expect(parseMention("jane@contoso.com")).toEqual({ name: "jane", id: "jane@contoso.com" });
    expect(parseMention("Ops <6f1c9a0e-1d2b-4c3d-8e9f-0a1b2c3d4e5f>")?.id).toBe("6f1c9a0e-1d2b-4c3d-8e9f-0a1b2c3d4e5f");
  });
  it("keeps other text as a plain call-out and empty as none", () => {
    expect(parseMention("@ML approvers")).toEqual({ name: "@ML approvers" });
    expect(parseMention("  ")).toBeUndefined();
  });
  it("rejects brackets that hold no user id, showing the value", () => {
    expect(() => parseMention("Jane <jane>")).toThrow(/^mention: <jane> is not a Teams user id \(got "Jane <jane>"\)/);
  });
});

describe("a plain-text mention", () => {
  it("is shown in bold without a Teams entity", () => {
    const card = buildApprovalCard(exampleApprovalInput({ mention: { name: "@ML approvers" } }));
    expect((card.body.find((e) => e.id === "mention") as TextBlock).text).toBe(
      "**@ML approvers**, your approval is requested.",
    );
    expect(card.msteams?.entities).toBeUndefined();
  });
});

describe("undefined metric values", () => {
  it("show as a dash and have no delta", () => {
    const card = buildApprovalCard(
      exampleApprovalInput({ metrics: [{ name: "roc_auc", candidate: null, champion: 0.9, passed: false }] }),
    );
    const table = card.body.find((e) => e.id === "metrics") as Table;
    expect(
      table.rows[1]?.cells.map((c) => c.items.map((i) => (i as TextBlock).text.replace(/\u200b/g, "")).join(" | ")),
    ).toEqual(["roc_auc", "— | ✘", "0.9"]);
  });
});
