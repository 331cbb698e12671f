import { describe, expect, it } from "vitest";
import { exampleApprovalInput, exampleRollbackInput } from "./example-input";
import { renderApprovalMarkdown } from "./summary-markdown";

describe("renderApprovalMarkdown", () => {
  it("renders the same content as the card", () => {
    const md = renderApprovalMarkdown(exampleApprovalInput());
    expect(md).toContain("### Approve ai4i-failure v13 for production");
    expect(md).toContain("✅ **Decision: PROMOTE**");
    expect(md).toContain("| recall | 0.8431 | 0.8118 | +0.0313 | ✔ |");
    expect(md).toContain("| latency_p95_ms | 1.84 | 1.79 | +0.05 | – |");
    expect(md).toContain("| Commit | [3f9c2d1](https://github.com/contoso/predictive-maintenance/commit/");
    expect(md).toContain("| Triggered by | octocat |");
    expect(md).toContain("| Training rows | 8000 |");
    expect(md).toContain(
      "[Review and approve](https://github.com/contoso/predictive-maintenance/actions/runs/987654321)",
    );
    expect(md).not.toContain("trimmed");
  });

  it("reports a rollback without asking for approval", () => {
    const md = renderApprovalMarkdown(exampleRollbackInput({ mention: { name: "Jane Doe" } }));
    expect(md).toContain("Model **ai4i-failure** in **production**: now version **12** (was **13**)");
    expect(md).toContain("ℹ️ **Decision: ROLLED-BACK**");
    expect(md).toContain("[Workflow run](https://github.com/contoso/predictive-maintenance/actions/runs/987654321)");
    expect(md).not.toMatch(/Review and approve|Approval requested/);
  });

  it("links the training run and its Azure ML job as the card does", () => {
    const base = exampleApprovalInput();
    const md = renderApprovalMarkdown({
      ...base,
      lineage: {
        ...base.lineage,
        training: {
          runUrl: "https://github.com/c/p/actions/runs/9",
          workflow: "ci|train",
          azuremlJob: "fp-9-1-abc",
          studioUrl: "https://ml.azure.com/runs/fp-9-1-abc",
        },
      },
    });
    expect(md).toContain("| Trained in | [ci\\|train](https://github.com/c/p/actions/runs/9) |");
    expect(md).toContain("| Azure ML job | [fp-9-1-abc](https://ml.azure.com/runs/fp-9-1-abc) |");
  });

  it("escapes table-breaking characters and repeats what the card trimmed", () => {
    const md = renderApprovalMarkdown(
      exampleApprovalInput({ decision: "reject", metrics: [{ name: "a|b<script>", candidate: 1, passed: false }] }),
      { trimmed: ["3 extra facts"] },
    );
    expect(md).toContain("⛔ **Decision: REJECT**");
    expect(md).toContain("| a\\|b\\<script\\> | 1 | — | — | ✘ |");
    expect(md).toContain("trimmed to fit the message size limit: 3 extra facts.");
  });
});
