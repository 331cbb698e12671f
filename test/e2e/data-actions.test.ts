/** validate-data and detect-drift through dist/, as the runner runs them, on the AI4I 2020 data. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { bundleRoot } from "../harness/bundle";
import { repoRoot, runAction } from "../harness/run-action";
import { describeIf, file } from "../services/availability";

const AI4I = resolve(repoRoot, "../shared/data/ai4i2020.csv");
const SCHEMA = join(repoRoot, "examples/predictive-maintenance/schema.yml");

describeIf("validate-data and detect-drift (bundled)", file(AI4I, "the handout data set"), () => {
  let dir: string;
  let broken: string;
  let first: string;
  let second: string;
  let shifted: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mlops-data-e2e-"));
    const lines = readFileSync(AI4I, "utf8")
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\n");
    const header = lines[0]!.split(",");
    const rpm = header.indexOf("Rotational speed [rpm]");
    const torque = header.indexOf("Torque [Nm]");
    const air = header.indexOf("Air temperature [K]");
    const rows = lines.slice(1);
    broken = join(dir, "broken.csv");
    writeFileSync(
      broken,
      [
        lines[0],
        ...rows.map((l, i) => {
          const c = l.split(",");
          if (i === 4) c[rpm] = "-1500"; // data line 6
          if (i === 9) c[torque] = "n/a"; // data line 11
          return c.join(",");
        }),
      ].join("\n"),
    );
    const half = Math.floor(rows.length / 2);
    first = join(dir, "first.csv");
    second = join(dir, "second.csv");
    shifted = join(dir, "shifted.csv");
    writeFileSync(first, [lines[0], ...rows.slice(0, half)].join("\n"));
    writeFileSync(second, [lines[0], ...rows.slice(half)].join("\n"));
    writeFileSync(
      shifted,
      [
        lines[0],
        ...rows.slice(half).map((l) => {
          const c = l.split(",");
          c[air] = (Number(c[air]) + 4).toFixed(1);
          c[torque] = (Number(c[torque]) * 1.35).toFixed(1);
          return c.join(",");
        }),
      ].join("\n"),
    );
  });

  it("validate-data passes the real file against the example contract", async () => {
    const r = await runAction("validate-data", { root: bundleRoot(), inputs: { data: AI4I, schema: SCHEMA } });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ valid: "true", violations: "[]" });
    expect(existsSync(r.outputs.report!)).toBe(true);
  });

  it("validate-data reads an empty input (an unset ${{ vars.X }}) as its action.yml default: still fails closed", async () => {
    const r = await runAction("validate-data", {
      root: bundleRoot(),
      inputs: { data: broken, schema: SCHEMA, "fail-on-invalid": "", "max-examples": "" },
    });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.valid).toBe("false");
    expect(r.errors.at(-1)).toMatch(/breaks the contract/);
  });

  it("validate-data fails a broken file with annotations on the offending lines", async () => {
    const r = await runAction("validate-data", { root: bundleRoot(), inputs: { data: broken, schema: SCHEMA } });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.valid).toBe("false");
    const rules = (JSON.parse(r.outputs.violations!) as { rule: string }[]).map((v) => v.rule).sort();
    expect(rules).toEqual(["min", "type"]);
    const annotated = r.commands.filter((c) => c.command === "error" && c.properties.file === broken);
    expect(annotated.map((c) => c.properties.line).sort()).toEqual(["11", "6"]);
    expect(r.errors.at(-1)).toMatch(/breaks the contract .*\(2 violated rule\(s\): (min, type|type, min)\)/);
  });

  it("validate-data infers a starting contract", async () => {
    const schema = join(dir, "inferred.yml");
    const r = await runAction("validate-data", { root: bundleRoot(), inputs: { data: first, schema, infer: "true" } });
    expect(r.exitCode).toBe(0);
    expect(r.warnings).toEqual([]);
    expect(readFileSync(schema, "utf8")).toMatch(/Air temperature \[K\]/);
    const check = await runAction("validate-data", { root: bundleRoot(), inputs: { data: second, schema } });
    expect(check.outputs.valid).toBeDefined();
    // The contract accepts the data it was inferred from; other data breaks only the sample's bounds.
    const self = await runAction("validate-data", { root: bundleRoot(), inputs: { data: first, schema } });
    expect(self.errors).toEqual([]);
    expect(self.outputs).toMatchObject({ valid: "true", violations: "[]" });
    const rules = new Set((JSON.parse(check.outputs.violations!) as { rule: string }[]).map((v) => v.rule));
    expect([...rules].every((rule) => rule === "min" || rule === "max")).toBe(true);
    // Inferring again over an existing contract replaces it, and says so.
    const again = await runAction("validate-data", {
      root: bundleRoot(),
      inputs: { data: second, schema, infer: "true" },
    });
    expect(again.exitCode).toBe(0);
    expect(again.warnings).toEqual([expect.stringMatching(/^schema: .*inferred\.yml existed and is replaced by/)]);
  });

  it("detect-drift sees no drift between two halves of the same data, and drift in a shifted copy", async () => {
    const same = await runAction("detect-drift", {
      root: bundleRoot(),
      inputs: {
        reference: first,
        current: second,
        label: "Machine failure",
        features: "Air temperature [K]\nTorque [Nm]\nTool wear [min]",
      },
    });
    expect(same.errors).toEqual([]);
    expect(same.outputs.drifted).toBe("false");
    const moved = await runAction("detect-drift", {
      root: bundleRoot(),
      inputs: {
        reference: first,
        current: shifted,
        label: "Machine failure",
        features: "Air temperature [K]\nTorque [Nm]\nTool wear [min]",
        "fail-on-drift": "true",
      },
    });
    expect(moved.exitCode).toBe(1);
    expect(moved.outputs.drifted).toBe("true");
    const features = JSON.parse(moved.outputs.features!) as { name?: string; feature?: string; drifted: boolean }[];
    const drifted = features.filter((f) => f.drifted).map((f) => f.name ?? f.feature);
    expect(drifted.sort()).toEqual(["Air temperature [K]", "Torque [Nm]"]);
    expect(Number(moved.outputs["drift-share"])).toBeCloseTo(2 / 3, 6);
    expect(readFileSync(moved.outputs.report!, "utf8")).toMatch(/<svg/);
    expect(moved.errors[0]).toMatch(/67% of the features drifted/);
    expect(moved.errors[0]).toMatch(/\(threshold 50%; got drift in Air temperature \[K\], Torque \[Nm\]\)/);
  });
});
