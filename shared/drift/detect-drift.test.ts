import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../errors";
import { detectDrift, featureTable, loadFeatureTable, parseMethodInput } from "./index";

/** Deterministic normal samples (mulberry32 + Box-Muller), so verdicts do not depend on luck. */
function normals(n: number, mean: number, sd: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - uniform();
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

const cycle = (n: number, values: string[], offset = 0) =>
  Array.from({ length: n }, (_, i) => values[(i + offset) % values.length] as string);

describe("detectDrift", () => {
  const n = 3000;
  const reference = featureTable({
    temp: normals(n, 300, 2, 1),
    torque: normals(n, 40, 10, 2),
    speed: normals(n, 1500, 180, 3),
    kind: cycle(n, ["L", "L", "L", "M", "H"]),
  });

  it("finds no drift between two samples of the same distributions", async () => {
    const current = featureTable({
      temp: normals(n, 300, 2, 11),
      torque: normals(n, 40, 10, 12),
      speed: normals(n, 1500, 180, 13),
      kind: cycle(n, ["L", "L", "L", "M", "H"], 2),
    });
    const r = await detectDrift({ reference, current });
    expect(r.drifted).toBe(false);
    expect(r.driftShare).toBe(0);
    expect(r.features.map((f) => [f.feature, f.kind, f.method])).toEqual([
      ["temp", "numeric", "wasserstein"],
      ["torque", "numeric", "wasserstein"],
      ["speed", "numeric", "wasserstein"],
      ["kind", "categorical", "jensen_shannon"],
    ]);
    for (const f of r.features) expect(f.score).toBeLessThan(0.05);
    // The tests agree: a large p-value for every feature.
    for (const f of r.features.slice(0, 3)) expect(f.statistics.ks?.pvalue).toBeGreaterThan(0.05);
    expect(r.features[3]?.statistics.chi2?.pvalue).toBeGreaterThan(0.05);
  });

  it("names the shifted features and decides dataset drift by the share", async () => {
    const current = featureTable({
      temp: normals(n, 303, 2, 21), // +1.5 sd
      torque: normals(n, 40, 10, 22),
      speed: normals(n, 1500, 180, 23),
      kind: cycle(n, ["L", "M", "H", "H"]), // category mix changed
    });
    const r = await detectDrift({ reference, current, driftShare: 0.5 });
    const drifted = r.features.filter((f) => f.drifted).map((f) => f.feature);
    expect(drifted).toEqual(["temp", "kind"]);
    expect(r.driftShare).toBe(0.5);
    expect(r.drifted).toBe(true);
    const temp = r.features[0];
    // Shifting a normal by 1.5 sd moves every unit of mass by 3 K: W ≈ 3, normed ≈ 1.5.
    expect(temp?.statistics.wasserstein).toBeGreaterThan(2.8);
    expect(temp?.statistics.wasserstein).toBeLessThan(3.2);
    expect(temp?.statistics.ks?.method).toBe("exact");
    expect(temp?.statistics.ks?.pvalue).toBeLessThan(1e-10);
    expect(temp?.statistics.psi).toBeGreaterThan(0.2);
    // Share 0.5 is not enough with a stricter threshold.
    const strict = await detectDrift({ reference, current, driftShare: 0.75 });
    expect(strict.drifted).toBe(false);
    expect(strict.reportMarkdown).toContain("🟢 No dataset drift");
    expect(r.reportMarkdown).toContain("🔴 Dataset drift detected");
    expect(r.reportMarkdown).toContain("| temp | numeric | Wasserstein (normed) |");
    // Drifted features first in the summary table.
    const firstRow = r.reportMarkdown.split("\n").find((l) => l.startsWith("| temp") || l.startsWith("| kind"));
    expect(firstRow).toMatch(/🔴 drift/);
  });

  it("uses the tests for small samples and honours explicit methods and thresholds", async () => {
    const small = featureTable({ x: normals(200, 0, 1, 31), k: cycle(200, ["a", "b"]) });
    const shifted = featureTable({ x: normals(300, 0.5, 1, 32), k: cycle(300, ["a", "b", "c"]) });
    const auto = await detectDrift({ reference: small, current: shifted });
    expect(auto.features.map((f) => f.method)).toEqual(["ks", "chi2"]);
    expect(auto.features.every((f) => f.drifted)).toBe(true);
    // A category new in the current data makes the chi-square table 2×3.
    expect(auto.features[1]?.statistics.chi2?.dof).toBe(2);
    expect(auto.features[1]?.histogram.labels).toEqual(["a", "b", "c"]);

    const psi = await detectDrift({
      reference: small,
      current: shifted,
      methods: { numeric: "psi", categorical: "psi" },
      thresholds: { psi: 10 },
    });
    expect(psi.features.map((f) => [f.method, f.threshold, f.drifted])).toEqual([
      ["psi", 10, false],
      ["psi", 10, false],
    ]);
    expect(psi.drifted).toBe(false);
  });

  it("compares prediction score distributions when given a scorer", async () => {
    const current = featureTable({
      temp: normals(n, 303, 2, 41),
      torque: normals(n, 40, 10, 42),
      speed: normals(n, 1500, 180, 43),
      kind: cycle(n, ["L", "L", "L", "M", "H"]),
    });
    const predict = async (t: typeof reference) => {
      const col = t.data.get("temp");
      if (col?.kind !== "numeric") throw new Error("temp must be numeric");
      return col.values.map((v) => 1 / (1 + Math.exp(-(v - 302))));
    };
    const r = await detectDrift({ reference, current, predict, features: ["torque", "speed"] });
    expect(r.features.map((f) => f.feature)).toEqual(["torque", "speed"]);
    expect(r.drifted).toBe(false);
    expect(r.prediction?.feature).toBe("prediction");
    expect(r.prediction?.drifted).toBe(true);
    expect(r.reportMarkdown).toContain("Prediction drift:");
    expect(r.reportHtml).toContain("Prediction drift");
  });

  it("reads files (CSV with BOM, JSON Lines), keeping the reference's kinds for the current data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-"));
    const ref = join(dir, "ref.csv");
    const cur = join(dir, "cur.jsonl");
    writeFileSync(
      ref,
      `\uFEFFa,b,label\n${Array.from({ length: 50 }, (_, i) => `${i % 40},${"xy"[i % 2]},${i % 2}`).join("\n")}\n`,
    );
    const rows = (bad: boolean) =>
      `${Array.from({ length: 40 }, (_, i) => JSON.stringify({ a: i === 3 && bad ? "oops" : i === 4 ? null : i + 0.5, b: "xy"[i % 2], label: 0 })).join("\n")}\n`;
    writeFileSync(cur, rows(false));
    const table = await loadFeatureTable(ref);
    expect(table.data.get("a")?.kind).toBe("numeric");
    expect(table.data.get("b")?.kind).toBe("categorical");
    const r = await detectDrift({ reference: ref, current: cur, label: "label" });
    expect(r.features.map((f) => f.feature)).toEqual(["a", "b"]);
    expect(r.features[0]?.current).toMatchObject({ count: 39, missing: 1 });
    expect(r.reportHtml).toContain("missing 1");
    // Text where the reference has numbers is named with its row and column.
    writeFileSync(cur, rows(true));
    await expect(detectDrift({ reference: ref, current: cur, label: "label" })).rejects.toThrow(UserError);
    await expect(detectDrift({ reference: ref, current: cur, label: "label" })).rejects.toThrow(
      /row 4, column "a": not a number.*\(got "oops"\)/,
    );
  });

  it("reads a column holding text as categorical and NA or empty cells as missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "drift-kind-"));
    const path = join(dir, "mixed.csv");
    writeFileSync(path, "c,d\n1,5\n2,NA\nx,7\n2,\n");
    const t = await loadFeatureTable(path);
    const c = t.data.get("c");
    expect(c?.kind === "categorical" && [c.categories, [...c.codes]]).toEqual([
      ["1", "2", "x"],
      [0, 1, 2, 1],
    ]);
    const d = t.data.get("d");
    expect(d?.kind === "numeric" && [...d.values]).toEqual([5, Number.NaN, 7, Number.NaN]);
  });

  it("explains bad options as user errors", async () => {
    await expect(detectDrift({ reference, current: reference, features: ["nope"] })).rejects.toThrow(
      /features: column "nope" not found in the reference \(columns: temp, torque, speed, kind\)/,
    );
    await expect(detectDrift({ reference, current: reference, driftShare: 2 })).rejects.toThrow(UserError);
    await expect(detectDrift({ reference, current: reference, label: "Machine failure" })).rejects.toThrow(
      /label: column "Machine failure" not found in the reference/,
    );
    await expect(detectDrift({ reference, current: reference, categorical: ["knd"] })).rejects.toThrow(
      /categorical: column "knd"/,
    );
    const partial = featureTable({ temp: normals(10, 0, 1, 5) });
    await expect(detectDrift({ reference, current: partial })).rejects.toThrow(/current: column "torque" not found/);
  });
});

describe("detectDrift: what decides, and what is compared by default", () => {
  const n = 3000;
  const reference = featureTable({
    udi: Array.from({ length: n }, (_, i) => i + 1),
    serial: Array.from({ length: n }, (_, i) => `L${50000 + i}`),
    rpm: Array.from({ length: n }, (_, i) => 1200 + ((i * 7919) % 3001)),
    temp: normals(n, 300, 2, 1),
    kind: cycle(n, ["L", "L", "M", "H"]),
  });
  const current = featureTable({
    udi: Array.from({ length: n }, (_, i) => n + i + 1),
    serial: Array.from({ length: n }, (_, i) => `M${10000 + i}`),
    rpm: Array.from({ length: n }, (_, i) => 1200 + ((i * 7907) % 3001)),
    temp: normals(n, 300, 2, 7),
    kind: cycle(n, ["L", "L", "M", "H"], 1),
  });

  it("leaves row identifiers out of the default features, and says so", async () => {
    const r = await detectDrift({ reference, current });
    const why = "unique per row, no value shared with the current data";
    expect(r.leftOut).toEqual([
      { column: "udi", why },
      { column: "serial", why },
    ]);
    // rpm is whole numbers that never repeat here too, but the current data has the same values: it stays.
    expect(r.features.map((f) => f.feature)).toEqual(["rpm", "temp", "kind"]);
    expect(r.drifted).toBe(false);
    expect(r.reportMarkdown).toContain(`Not compared: udi (${why}), serial (${why})`);
    // Row numbers of two shuffled halves (neither in order nor a range) are recognised all the same.
    const perm = Array.from({ length: 2 * n }, (_, i) => ((i * 7919) % (2 * n)) + 1);
    const withIds = (t: typeof reference, half: 0 | 1): typeof reference => ({
      ...t,
      data: new Map([
        ...t.data,
        [
          "udi",
          {
            kind: "numeric" as const,
            invalid: 0,
            values: Float64Array.from({ length: n }, (_, i) => perm[2 * i + half]!),
          },
        ],
      ]),
    });
    const again = await detectDrift({ reference: withIds(reference, 0), current: withIds(current, 1) });
    expect(again.leftOut.map((l) => l.column)).toContain("udi");
    // Named explicitly, they are compared (and drift, as identifiers always do).
    const named = await detectDrift({ reference, current, features: ["udi", "serial"] });
    expect(named.leftOut).toEqual([]);
    expect(named.features.every((f) => f.drifted)).toBe(true);
  });

  it("decides with the method asked for, per feature type", async () => {
    const r = await detectDrift({ reference, current, methods: parseMethodInput("psi") });
    expect(r.features.map((f) => f.method)).toEqual(["psi", "psi", "psi"]);
    const mixed = await detectDrift({
      reference,
      current,
      methods: parseMethodInput("{numeric: ks, categorical: chi2}"),
    });
    expect(mixed.features.map((f) => f.method)).toEqual(["ks", "ks", "chi2"]);
    // Above 1000 values per side, auto takes the distances.
    expect((await detectDrift({ reference, current })).features.map((f) => f.method)).toEqual([
      "wasserstein",
      "wasserstein",
      "jensen_shannon",
    ]);
  });

  it("refuses a threshold for a method that decides no feature", async () => {
    await expect(detectDrift({ reference, current, thresholds: { psi: 0.2, ks_p_value: 0.01 } })).rejects.toThrow(
      /^thresholds: psi is set but no feature was decided by psi \(got wasserstein for 2 features, jensen_shannon for 1 feature \(method auto .*\)\)\. Set method: psi to use it, or remove psi\./,
    );
    await expect(
      detectDrift({ reference, current, methods: parseMethodInput("psi"), thresholds: { psi: 0.2, ks_p_value: 0.01 } }),
    ).rejects.toThrow(/^thresholds: ks_p_value is set but no feature was decided by ks .*Set method: \{numeric: ks\}/);
    const ok = await detectDrift({ reference, current, methods: parseMethodInput("psi"), thresholds: { psi: 0.25 } });
    expect(ok.features.every((f) => f.threshold === 0.25)).toBe(true);
  });

  it.each([
    ["pis", /^method: unknown method \(got "pis"\)/],
    ["{numeric: chi2}", /^method: numeric: "chi2" is not a numeric method/],
    ["{text: psi}", /^method: unknown feature type "text"/],
    ["{[", /^method: not a method name or a YAML\/JSON map/],
    ["[psi]", /^method: not a method name or a map/],
  ])("explains a bad method %s", (text, message) => {
    expect(() => parseMethodInput(text)).toThrow(message);
  });
});

describe("drift HTML report", () => {
  it("is self-contained: no scripts, no external URLs, a CSP that blocks loads, one SVG per feature", async () => {
    const reference = featureTable({ x: normals(500, 0, 1, 51), k: cycle(500, ["<a>", "b&c"]) });
    const current = featureTable({ x: normals(500, 1, 1, 52), k: cycle(500, ["<a>", "b&c", "b&c"]) });
    const { reportHtml } = await detectDrift({ reference, current, title: "Plant <3> drift" });
    expect(reportHtml).not.toMatch(/<script/i);
    expect(reportHtml).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
    expect(reportHtml).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(reportHtml.match(/<svg /g)).toHaveLength(2);
    expect(reportHtml).toContain("Plant &lt;3&gt; drift");
    expect(reportHtml).toContain("&lt;a&gt;");
    expect(reportHtml).not.toContain("<a>");
  });
});
