/** promote's job summary as GitHub renders it: a reason written over several lines stays in its row. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderGfm, sanitizerFindings } from "../../test/services/github-markdown";
import { openRegistry } from "../registry";
import { promote } from "./promote";

describe("promote summary", () => {
  it("keeps a multi-line reason with pipes in its table cell, and shows metrics with the one number format", async () => {
    const work = mkdtempSync(join(tmpdir(), "promote-summary-"));
    writeFileSync(join(work, "model.onnx"), "onnx");
    const dev = openRegistry(join(work, "dev"), { env: {} });
    const prod = openRegistry(join(work, "prod"), { env: {} });
    await dev.register({
      name: "fp",
      files: [{ path: "model.onnx", source: join(work, "model.onnx") }],
      metrics: { rmse: 1234.567, mape: 1.234e-5, roc_auc: 0.84312 },
    });
    const r = await promote({
      alias: "champion",
      from: dev,
      to: prod,
      model: "fp@1",
      actor: "alice",
      approvers: ["bob"],
      reason: "Approved by the plant leads.\nRecall | precision trade-off accepted;\n*see* the <PR>",
    });
    expect(sanitizerFindings(r.summary)).toEqual([]);
    const html = renderGfm(r.summary);
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
      [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!),
    );
    // Every row keeps the table's three columns: nothing after the reason's first line fell out.
    expect(new Set(rows.map((r) => r.length))).toEqual(new Set([3]));
    const reason = rows.find((r) => r[0] === "Reason")![2]!;
    expect(reason).toBe(
      "Approved by the plant leads.<br>Recall | precision trade-off accepted;<br>*see* the &lt;PR&gt;",
    );
    const metrics = rows.find((r) => r[0] === "Metrics")![2]!;
    expect(metrics).toBe("rmse=1235, mape=1.234e-5, roc_auc=0.8431");
  });
});
