import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AI4I_FEATURES } from "../../shared/data/ai4i-columns";
import { describeIf, file } from "../../test/services/availability";
import {
  COLUMNS,
  FAILURE_MODES,
  generateAi4i,
  heatDissipationFailure,
  overstrainFailure,
  type ProductType,
  powerFailure,
} from "./ai4i-generator";
import { readDataset, writeGenerated } from "./dataset";

/** The published file, vendored beside the example (byte for byte the copy in ../shared/data). */
const REAL = new URL("./data/ai4i2020.csv", import.meta.url).pathname;

interface Summary {
  rows: number;
  mean: Record<string, number>;
  sd: Record<string, number>;
  /** Events per row. */
  rate: Record<string, number>;
  share: Record<ProductType, number>;
}

const NUMERIC = [...AI4I_FEATURES, "dT"] as const;

function summarise(rows: Iterable<Record<string, number | string>>): Summary {
  const s: Record<string, number> = {};
  const ss: Record<string, number> = {};
  const events: Record<string, number> = {};
  const types: Record<ProductType, number> = { L: 0, M: 0, H: 0 };
  let n = 0;
  for (const r of rows) {
    n++;
    const values: Record<string, number> = {};
    for (const c of NUMERIC.slice(0, 5)) values[c] = Number(r[c]);
    values.dT = values["Process temperature [K]"]! - values["Air temperature [K]"]!;
    for (const c of NUMERIC) {
      s[c] = (s[c] ?? 0) + values[c]!;
      ss[c] = (ss[c] ?? 0) + values[c]! ** 2;
    }
    for (const m of [...FAILURE_MODES, "Machine failure"]) events[m] = (events[m] ?? 0) + Number(r[m]);
    types[r.Type as ProductType]++;
  }
  const mean = Object.fromEntries(NUMERIC.map((c) => [c, s[c]! / n]));
  const sd = Object.fromEntries(NUMERIC.map((c) => [c, Math.sqrt(ss[c]! / n - mean[c]! ** 2)]));
  const rate = Object.fromEntries(Object.entries(events).map(([k, v]) => [k, v / n]));
  return { rows: n, mean, sd, rate, share: { L: types.L / n, M: types.M / n, H: types.H / n } };
}

function* generatedRows(rows: number, seed: number): Generator<Record<string, number | string>> {
  for (const b of generateAi4i(rows, seed)) {
    for (let i = 0; i < b.udi.length; i++) {
      yield {
        Type: b.type[i] as string,
        "Air temperature [K]": b.airTemperature[i] as number,
        "Process temperature [K]": b.processTemperature[i] as number,
        "Rotational speed [rpm]": b.rotationalSpeed[i] as number,
        "Torque [Nm]": b.torque[i] as number,
        "Tool wear [min]": b.toolWear[i] as number,
        "Machine failure": b.machineFailure[i] as number,
        TWF: b.TWF[i] as number,
        HDF: b.HDF[i] as number,
        PWF: b.PWF[i] as number,
        OSF: b.OSF[i] as number,
        RNF: b.RNF[i] as number,
      };
    }
  }
}

describe("AI4I generator", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ai4i-gen-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is reproducible from the seed, and the seed matters", async () => {
    await writeGenerated(join(dir, "a.csv"), 3000, 7);
    await writeGenerated(join(dir, "b.csv"), 3000, 7);
    await writeGenerated(join(dir, "c.csv"), 3000, 8);
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((f) => readFile(join(dir, `${f}.csv`), "utf8")));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    const lines = (a as string).trim().split("\n");
    expect(lines[0]).toBe(COLUMNS.join(","));
    expect(lines).toHaveLength(3001);
    expect(lines[1]).toMatch(/^1,[LMH]\d{5},[LMH],\d{3}\.\d,\d{3}\.\d,\d+,\d+\.\d,0,[01],[01],[01],[01],[01],[01]$/);
  });

  it("writes Parquet that reads back to the same matrix as the CSV", async () => {
    await writeGenerated(join(dir, "d.csv"), 2500, 3);
    await writeGenerated(join(dir, "d.parquet"), 2500, 3);
    const fromCsv = await readDataset(join(dir, "d.csv"));
    const fromParquet = await readDataset(join(dir, "d.parquet"));
    expect(fromParquet.rows).toBe(2500);
    expect(Array.from(fromParquet.x)).toEqual(Array.from(fromCsv.x));
    expect(Array.from(fromParquet.y)).toEqual(Array.from(fromCsv.y));
    expect(fromCsv.y.reduce((s, v) => s + v, 0)).toBeGreaterThan(0);
  });

  it("marks a machine failure exactly when a failure mode fired", () => {
    for (const b of generateAi4i(20_000, 5)) {
      for (let i = 0; i < b.udi.length; i++) {
        const any = b.TWF[i]! | b.HDF[i]! | b.PWF[i]! | b.OSF[i]! | b.RNF[i]!;
        expect(b.machineFailure[i]).toBe(any);
      }
    }
  });
});

describeIf(
  "AI4I generator against the published dataset",
  file(REAL, "the AI4I 2020 CSV vendored in examples/predictive-maintenance/data"),
  () => {
    const real = () =>
      parse(readFileSync(REAL), { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];

    it("uses failure rules that reproduce the file's HDF, PWF and OSF flags on every row", () => {
      const rows = real();
      expect(rows).toHaveLength(10_000);
      let mismatches = 0;
      for (const r of rows) {
        const air = Number(r["Air temperature [K]"]);
        const proc = Number(r["Process temperature [K]"]);
        const speed = Number(r["Rotational speed [rpm]"]);
        const torque = Number(r["Torque [Nm]"]);
        const wear = Number(r["Tool wear [min]"]);
        if (Number(heatDissipationFailure(air, proc, speed)) !== Number(r.HDF)) mismatches++;
        if (Number(powerFailure(torque, speed)) !== Number(r.PWF)) mismatches++;
        if (Number(overstrainFailure(r.Type as ProductType, wear, torque)) !== Number(r.OSF)) mismatches++;
      }
      expect(mismatches).toBe(0);
    });

    /*
     * Tolerances, generator at 500,000 rows (50 random-walk blocks) against the file's 10,000 rows:
     * - Air temperature: both normalised to 300 K / 2 K by construction: mean ±0.05 K, sd ±0.05 K.
     * - Process − air temperature: normalised to 10 K / 1 K by construction: mean ±0.05 K, sd ±0.05 K.
     * - Process temperature sd: the rule adds two independent random walks, so its sd is √(4 + 1 + 4ρ) with ρ
     *   their chance correlation; the file's 1.48 K is one draw (ρ ≈ −0.7), the rule's long-run value is √5 ≈ 2.24 K.
     *   We only check it lies in [1.0, 3.0] (ρ in [−1, 1]); its mean ±0.05 K.
     * - Speed, torque, tool wear: means ±2 %, sds ±5 % (the file's sampling error of a mean is ≤ 0.6 %,
     *   of an sd ≤ 1 %; the rest covers the fitted speed law and the tool-life range chosen from the file).
     * - Type shares: ±1.5 percentage points (sampling sd of the file's 10 % H share is 0.3 pp).
     * - TWF, HDF, PWF, OSF rates: ±30 % of the file's. The file has 46–115 events per mode, a Poisson sd of
     *   9–15 %, and HDF clusters with the temperature walk (sd 62 events per generated 10,000-row block), so
     *   ±30 % is 2–3 sd of the file's own noise; the generator's 500,000 rows add ≤ 8 %.
     * - RNF: against the published 0.1 % per process (the file's 19 events contradict its own rule; the paper
     *   reports 5): ±30 % (500 expected events, sd 4.5 %).
     * - Machine failure rate: ±20 % of the file's 3.39 % (339 events, sd 5.4 %, plus HDF clustering).
     */
    it("matches the file's column statistics, type shares and failure rates within the stated tolerances", () => {
      const r = summarise(real());
      const g = summarise(generatedRows(500_000, 2020));
      const near = (what: string, got: number, want: number, abs: number) =>
        expect(
          Math.abs(got - want),
          `${what}: generated ${got.toFixed(4)}, file ${want.toFixed(4)}, tolerance ${abs}`,
        ).toBeLessThanOrEqual(abs);
      const rel = (what: string, got: number, want: number, frac: number) =>
        near(what, got, want, Math.abs(want) * frac);

      near("air mean", g.mean["Air temperature [K]"]!, r.mean["Air temperature [K]"]!, 0.05);
      near("air sd", g.sd["Air temperature [K]"]!, r.sd["Air temperature [K]"]!, 0.05);
      near("dT mean", g.mean.dT!, r.mean.dT!, 0.05);
      near("dT sd", g.sd.dT!, r.sd.dT!, 0.05);
      near("process mean", g.mean["Process temperature [K]"]!, r.mean["Process temperature [K]"]!, 0.05);
      expect(g.sd["Process temperature [K]"]).toBeGreaterThanOrEqual(1.0);
      expect(g.sd["Process temperature [K]"]).toBeLessThanOrEqual(3.0);
      for (const c of ["Rotational speed [rpm]", "Torque [Nm]", "Tool wear [min]"]) {
        rel(`${c} mean`, g.mean[c]!, r.mean[c]!, 0.02);
        rel(`${c} sd`, g.sd[c]!, r.sd[c]!, 0.05);
      }
      for (const t of ["L", "M", "H"] as const) near(`share ${t}`, g.share[t], r.share[t], 0.015);
      for (const m of ["TWF", "HDF", "PWF", "OSF"]) rel(`${m} rate`, g.rate[m]!, r.rate[m]!, 0.3);
      rel("RNF rate", g.rate.RNF!, 0.001, 0.3);
      rel("machine failure rate", g.rate["Machine failure"]!, r.rate["Machine failure"]!, 0.2);
    });
  },
);
