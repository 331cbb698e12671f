/** monitor-performance and snapshot-data through dist/, as the runner runs them: one clear error for a user's mistake. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeParquet } from "../../shared/data";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";

describe("monitor-performance and snapshot-data refuse bad input (bundled)", () => {
  let dir: string;
  let predictions: string;
  let labels: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mlops-loop-e2e-"));
    const n = 40;
    const t0 = Date.UTC(2024, 4, 1);
    const ids = Array.from({ length: n }, (_, i) => `r-${i}`);
    predictions = join(dir, "capture.parquet");
    writeFileSync(
      predictions,
      Buffer.concat(
        encodeParquet(
          [
            { name: "id", type: "string", values: ids },
            { name: "row", type: "int32", values: new Int32Array(n) },
            { name: "time", type: "timestamp-ms", values: BigInt64Array.from(ids, (_, i) => BigInt(t0 + i * 60_000)) },
            { name: "plant", type: "string", values: ids.map(() => "plant-a") },
            { name: "probabilities_1", type: "float", values: Float32Array.from(ids, (_, i) => (i % 2 ? 0.8 : 0.2)) },
          ],
          n,
        ),
      ),
    );
    labels = join(dir, "labels.csv");
    const reported = new Date(t0 + 3_600_000).toISOString();
    writeFileSync(
      labels,
      `id,row,time,Machine failure\n${ids.map((id, i) => `${id},0,${reported},${i % 2}`).join("\n")}\n`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const monitor = (inputs: Record<string, string>) =>
    runAction("monitor-performance", {
      root: bundleRoot(),
      inputs: { predictions, labels, label: "Machine failure", baseline: "{roc_auc: 0.9}", ...inputs },
    });

  it("monitor-performance judges good input, and names the input of each mistake in one error", async () => {
    const ok = await monitor({});
    expect(ok.errors).toEqual([]);
    expect(ok.outputs).toMatchObject({ labelled: "40", degraded: "false" });

    for (const [inputs, message] of [
      [{ label: "Machine_failure" }, /^label: column "Machine_failure" not found in the labels/],
      [{ "max-delay": "3 days" }, /max-delay/],
    ] as const) {
      const r = await monitor(inputs as Record<string, string>);
      expect(r.exitCode, JSON.stringify(inputs)).toBe(1);
      expect(r.errors, JSON.stringify(inputs)).toHaveLength(1);
      expect(r.errors[0]).toMatch(message);
      expect(r.errors[0]).not.toMatch(/bug/i);
    }
  });

  it("snapshot-data names the data that matches nothing, and registers what exists", async () => {
    const registry = join(dir, "registry");
    const none = await runAction("snapshot-data", {
      root: bundleRoot(),
      inputs: { data: join(dir, "nothing-*.parquet"), name: "plant-data", registry },
    });
    expect(none.exitCode).toBe(1);
    expect(none.errors).toHaveLength(1);
    expect(none.errors[0]).toMatch(/^data: /);
    const ok = await runAction("snapshot-data", {
      root: bundleRoot(),
      inputs: { data: predictions, name: "plant-data", registry },
    });
    expect(ok.errors).toEqual([]);
    expect(ok.outputs).toMatchObject({ created: "true", version: "1", rows: "40" });
  });
});
