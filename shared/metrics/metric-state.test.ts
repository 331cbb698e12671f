/**
 * The memory-bounded and the sharded paths give the same doubles as the in-memory one: tie-heavy data
 * (scores rounded to a few values), budgets so small that every few rows spill, batches of random sizes,
 * states split at random into shards, written as JSON, read back and merged. The curves of the report
 * (ROC, precision-recall, calibration, histograms, regression plots) too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "../decide/bootstrap";
import {
  computeCurves,
  computeMetricsWithNotes,
  confusionMatrix,
  type CurveOptions,
  type MetricsWithNotes,
  ExactSum,
  exactSum,
  MetricState,
  type MetricValues,
  type Predictions,
  RunFiles,
  ScoreList,
  SortedStream,
  SpillStore,
  type Task,
} from "./index";

const dir = mkdtempSync(join(tmpdir(), "metric-state-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rng(seed: number) {
  const r = seededRandom(seed);
  return () => r() / 2 ** 32;
}

/** Tie-heavy predictions: scores from `levels` values (0, 1/levels, ...), labels correlated with them. */
function data(task: Task, n: number, levels: number, seed: number): Predictions {
  const u = rng(seed);
  const classes = task === "multiclass" ? 3 : 1;
  const yTrue = new Float64Array(n);
  const scores = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    if (task === "binary") {
      const s = Math.round(u() * levels) / levels;
      scores[i] = s;
      yTrue[i] = u() < 0.2 + 0.6 * s ? 1 : 0;
    } else if (task === "multiclass") {
      const raw = [Math.round(u() * levels), Math.round(u() * levels), Math.round(u() * levels) + 1];
      const sum = raw[0]! + raw[1]! + raw[2]!;
      for (let c = 0; c < 3; c++) scores[i * 3 + c] = raw[c]! / sum;
      yTrue[i] = u() < 0.5 ? raw.indexOf(Math.max(...raw)) : Math.floor(u() * 3);
    } else {
      yTrue[i] = Math.round(u() * 1000) / 10 - 20;
      scores[i] = yTrue[i]! + Math.round((u() - 0.5) * levels) / 7;
    }
  }
  return { task, yTrue, scores, ...(task === "multiclass" ? { classes: 3 } : {}) };
}

/** Feed rows [from, to) of p into st in batches of random sizes. */
function feed(st: MetricState, p: Predictions, rows: number[], u: () => number): void {
  const w = p.task === "multiclass" ? p.classes! : 1;
  for (let at = 0; at < rows.length;) {
    const n = Math.min(rows.length - at, 1 + Math.floor(u() * 300));
    const y = new Float64Array(n);
    const s = new Float64Array(n * w);
    for (let i = 0; i < n; i++) {
      const r = rows[at + i]!;
      y[i] = p.yTrue[r]!;
      for (let c = 0; c < w; c++) s[i * w + c] = p.scores[r * w + c]!;
    }
    st.add({ n, yTrue: y, scores: s, key: (i) => rows[at + i]!, where: (i) => `row ${rows[at + i]}` });
    at += n;
  }
}

/** Every value identical, bit for bit (Object.is: -0 and NaN too). */
function expectIdentical(got: MetricValues, want: MetricValues): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [k, v] of Object.entries(want)) expect(Object.is(got[k], v), `${k}: ${got[k]} vs ${v}`).toBe(true);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Small enough that the tie-heavy curves are thinned. */
const curves: CurveOptions = { maxPoints: 25, histogramBins: 7 };

/**
 * The curves of a state equal the in-memory ones, and those equal curves.ts's own in-memory builder
 * (split, sorted arrays walked from the top): the state feeds the same builder the same groups.
 */
function expectSameCurves(got: MetricsWithNotes, want: MetricsWithNotes, p: Predictions): void {
  expect(got.curves).toBeDefined();
  expect(got.curves).toEqual(want.curves);
  expect(want.curves).toEqual(computeCurves(p, curves));
}

describe("MetricState: spilled runs give the in-memory metrics exactly", () => {
  for (const task of ["binary", "multiclass", "regression"] as Task[]) {
    for (const levels of [1, 3, 10]) {
      it(`${task}, scores on ${levels + 1} levels, budget of a few hundred bytes`, () => {
        const p = data(task, 4000, levels, levels * 7 + task.length);
        const want = computeMetricsWithNotes(p, { curves });
        const store = new SpillStore(512, dir);
        const st = new MetricState({ task, ...(p.classes ? { classes: p.classes } : {}), store, curves });
        feed(st, p, range(p.yTrue.length), rng(3));
        expect(store.spills).toBeGreaterThan(10);
        const got = st.finish();
        store.dispose();
        expectIdentical(got.values, want.values);
        expect(got.notes).toEqual(want.notes);
        expectSameCurves(got, want, p);
        if (task !== "regression") expect(st.confusionMatrix()).toEqual(confusionMatrix(p));
      });
    }
  }

  it("a threshold and a binary task where every score is tied", () => {
    const p: Predictions = { ...data("binary", 3000, 1, 5), threshold: 0.3 };
    p.scores.fill(0.5);
    const want = computeMetricsWithNotes(p);
    expect(want.values.roc_auc).toBe(0.5);
    const store = new SpillStore(256, dir);
    const st = new MetricState({ task: "binary", threshold: 0.3, store });
    feed(st, p, range(3000), rng(4));
    expectIdentical(st.finish().values, want.values);
    store.dispose();
  });

  it("one class only: null ranking metrics with the same notes", () => {
    const p = data("binary", 500, 3, 6);
    p.yTrue.fill(1);
    const store = new SpillStore(128, dir);
    const st = new MetricState({ task: "binary", store });
    feed(st, p, range(500), rng(5));
    const got = st.finish();
    store.dispose();
    expect(got.values.roc_auc).toBeNull();
    expect(got).toEqual(computeMetricsWithNotes(p));
  });

  it("the first non-probability is named whatever the batch order", () => {
    const p = data("binary", 1000, 10, 8);
    p.scores[700] = 1.5;
    p.scores[300] = -2;
    const st = new MetricState({ task: "binary", store: new SpillStore(256, dir) });
    const rows = range(1000).reverse(); // later rows first
    feed(st, p, rows, rng(6));
    const got = st.finish();
    st.store.dispose();
    expect(got.notes.log_loss).toMatch(/row 300 has -2/);
    expect(got).toEqual(computeMetricsWithNotes(p));
  });
});

/** Every entry of a list, in memory and spilled, as the merge reads them back (ascending). */
function ascending(list: ScoreList): number[] {
  const files = new RunFiles();
  const stream = new SortedStream(list.sources(files));
  const got: number[] = [];
  for (; stream.head !== Infinity; stream.next()) got.push(stream.head);
  files.close();
  return got;
}

describe("MetricState: scores held in single precision", () => {
  /** Float32 scores (as ONNX classifiers return them), tie-heavy or not; a multiclass row sums to ~1. */
  function float32Data(task: "binary" | "multiclass", n: number, levels: number, seed: number): Predictions {
    const p = data(task, n, levels, seed);
    const u = rng(seed + 1);
    for (let i = 0; i < p.scores.length; i++) p.scores[i] = Math.fround(p.scores[i]! + (levels > 100 ? u() * 1e-3 : 0));
    if (task === "binary") for (let i = 0; i < n; i++) p.scores[i] = Math.min(1, p.scores[i]!);
    return p;
  }

  /** The same rows through a state whose lists hold doubles from the start: the code before single precision. */
  function doubles(p: Predictions, store: SpillStore): MetricsWithNotes {
    const st = new MetricState({ task: p.task, ...(p.classes ? { classes: p.classes } : {}), store, curves });
    for (const l of [...st.pos, ...st.neg]) l.widen();
    feed(st, p, range(p.yTrue.length), rng(9));
    return st.finish();
  }

  for (const task of ["binary", "multiclass"] as const) {
    for (const [levels, budget] of [
      [3, Infinity],
      [1000, Infinity],
      [1000, 600],
    ] as const) {
      it(`${task}, float32 scores${levels > 100 ? "" : " on 4 levels"}${budget < Infinity ? ", spilled" : ""}: the doubles of a double list`, () => {
        const p = float32Data(task, 3000, levels, levels + task.length);
        const store = new SpillStore(budget, dir);
        const st = new MetricState({ task, ...(p.classes ? { classes: p.classes } : {}), store, curves });
        feed(st, p, range(3000), rng(9));
        expect([...st.pos, ...st.neg].every((l) => l.single)).toBe(true);
        if (budget < Infinity) expect(store.spills).toBeGreaterThan(5);
        const got = st.finish();
        const want = doubles(p, new SpillStore(Infinity, dir));
        store.dispose();
        expectIdentical(got.values, want.values);
        expect(got.notes).toEqual(want.notes);
        expect(got.curves).toEqual(want.curves);
      });
    }
  }

  it("a score that is not a float32 value widens the lists and keeps what they held", () => {
    const p = float32Data("binary", 2000, 1000, 3);
    p.scores[1500] = 0.1; // not a float32 value: rows before it are held in single precision, then doubles
    const st = new MetricState({ task: "binary", store: new SpillStore(Infinity, dir), curves });
    feed(st, p, range(1000), rng(9));
    expect(st.pos[0]!.single && st.neg[0]!.single).toBe(true);
    feed(st, p, range(2000).slice(1000), rng(10));
    expect(st.pos[0]!.single || st.neg[0]!.single).toBe(false);
    const got = st.finish();
    const want = doubles(p, new SpillStore(Infinity, dir));
    expectIdentical(got.values, want.values);
    expect(got.curves).toEqual(want.curves);
  });

  it("widening a list that fills most of the budget spills it first, and keeps its scores", () => {
    const store = new SpillStore(6000, dir);
    const list = new ScoreList(store);
    const want = Array.from({ length: 1400 }, (_, i) => Math.fround(((i * 7919) % 1400) / 1400));
    list.reserve(1400).set(want);
    list.length = 1400;
    expect(list.single).toBe(true);
    expect(store.held).toBe(5600);
    list.widen(); // 1,400 doubles would hold 11,200 bytes
    expect(store.spills).toBe(1);
    expect(store.held).toBeLessThanOrEqual(6000);
    expect(list.single).toBe(false);
    list.push(0.1);
    const got = ascending(list);
    store.dispose();
    expect(got).toEqual([...want, 0.1].sort((a, b) => a - b));
  });

  it("absorbing a list of the same store keeps every entry when making room spills both", () => {
    for (const [scores, other] of [
      [60, Array.from({ length: 10 }, (_, i) => 0.1 * i)], // the doubles widen this list, past the budget
      [200, Array.from({ length: 40 }, (_, i) => Math.fround(i / 40))], // growing this list passes the budget
    ] as const) {
      const store = new SpillStore(900, dir);
      const a = new ScoreList(store);
      const b = new ScoreList(store);
      for (let i = 0; i < scores; i++) a.push(0.5);
      for (const v of other) b.push(v);
      a.absorb(b);
      expect(store.spills).toBeGreaterThan(0);
      const got = ascending(a);
      store.dispose();
      expect(got).toEqual([...Array<number>(scores).fill(0.5), ...other].sort((x, y) => x - y));
    }
  });

  it("a budget counts 4 bytes a single-precision score", () => {
    const p = float32Data("binary", 4000, 1000, 4);
    const spills = (widen: boolean) => {
      const store = new SpillStore(8192, dir);
      const st = new MetricState({ task: "binary", store });
      if (widen) for (const l of [...st.pos, ...st.neg]) l.widen();
      feed(st, p, range(4000), rng(9));
      st.finish();
      store.dispose();
      return store.spills;
    };
    const single = spills(false);
    const double = spills(true);
    expect(single).toBeGreaterThan(0);
    expect(double).toBeGreaterThanOrEqual(2 * single - 1);
  });
});

describe("MetricState: shards merged equal one machine, ties included", () => {
  for (const task of ["binary", "multiclass", "regression"] as Task[]) {
    for (const [split, shards] of [
      ["contiguous", 4],
      ["hashed", 5],
    ] as const) {
      it(`${task}, ${shards} shards of ${split} rows, each spilled and written as JSON`, () => {
        const p = data(task, 5000, 4, shards + task.length);
        const want = computeMetricsWithNotes(p, { curves });
        const u = rng(11);
        const of = (r: number) => (split === "contiguous" ? Math.floor((r * shards) / 5000) : Math.floor(u() * shards));
        const parts: number[][] = Array.from({ length: shards }, () => []);
        for (const r of range(5000)) parts[of(r)]!.push(r);
        const classes = p.classes ? { classes: p.classes } : {};
        const stores: SpillStore[] = [];
        const written = parts.map((rows) => {
          const store = new SpillStore(1024, dir);
          stores.push(store);
          const st = new MetricState({ task, ...classes, store, curves });
          feed(st, p, rows, u);
          store.spillAll(); // every run on disk, as a shard leaves them for its artifact
          return JSON.parse(JSON.stringify(st.toJSON()));
        });
        const merged = MetricState.fromJSON(written[0]);
        for (const j of written.slice(1)) merged.merge(MetricState.fromJSON(j));
        const got = merged.finish();
        for (const s of stores) s.dispose();
        expectIdentical(got.values, want.values);
        expect(got.notes).toEqual(want.notes);
        expectSameCurves(got, want, p);
      });
    }
  }
});

describe("ExactSum", () => {
  it("is the correctly rounded sum whatever the order", () => {
    const values = [1e16, 1, -1e16, 3.5, 1e-20, 2 ** -60, -3.5, 0.1, 0.2, 0.3];
    const want = exactSum(values);
    // 1 + 1e-20 + 2^-60 + (the doubles 0.1 + 0.2 + 0.3 = 0.6000000000000000055...) rounds to the double 1.6
    expect(want).toBe(1.6);
    for (let k = 0; k < 20; k++) {
      const u = rng(k);
      const shuffled = [...values].sort(() => u() - 0.5);
      expect(exactSum(shuffled)).toBe(want);
    }
    expect(exactSum([5e-324, 1e-310, -1e-310, 2.5e-320, 1e300, -1e300])).toBe(5e-324 + 2.5e-320);
    expect(exactSum([-0.1, -0.2, -0.3])).toBe(-0.6);
    expect(0.1 + 0.2 + 0.3).not.toBe(0.6);
    expect(exactSum([0.1, 0.2, 0.3])).toBe(0.6);
  });

  it("merges exactly, survives JSON and adds products exactly", () => {
    const a = new ExactSum();
    const b = new ExactSum();
    for (let i = 0; i < 1000; i++) (i % 2 ? a : b).add(1 / (i + 1));
    const whole = new ExactSum();
    for (let i = 0; i < 1000; i++) whole.add(1 / (i + 1));
    const back = ExactSum.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    back.merge(b);
    expect(back.value()).toBe(whole.value());
    const sq = new ExactSum();
    sq.addProduct(1 + 2 ** -30, 1 + 2 ** -30); // 1 + 2^-29 + 2^-60: the last term is below a double's precision
    sq.add(-1);
    sq.add(-(2 ** -29));
    expect(sq.value()).toBe(2 ** -60);
    const inf = new ExactSum();
    inf.add(Number.POSITIVE_INFINITY);
    expect(ExactSum.fromJSON(JSON.parse(JSON.stringify(inf.toJSON()))).value()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("RunFiles and tie groups", () => {
  it("groups equal scores across runs, -0 and +0 together", () => {
    const store = new SpillStore(64, dir);
    const st = new MetricState({ task: "binary", store });
    const y = [1, 0, 1, 0, 1, 0, 0, 1];
    const s = [0, -0, 0.5, 0.5, -0, 0, 0.5, 1];
    for (let i = 0; i < y.length; i++) {
      st.add({ n: 1, yTrue: [y[i]!], scores: [s[i]!], key: (j) => i + j, where: (j) => `row ${i + j}` });
    }
    expect(store.spills).toBeGreaterThan(0);
    const files = new RunFiles();
    const g = st.scoreGroups(0, files);
    const groups: [number, number, number][] = [];
    while (g.next()) groups.push([g.score, g.positives, g.negatives]);
    files.close();
    store.dispose();
    expect(groups.map(([v, p, n]) => [v === 0 ? 0 : v, p, n])).toEqual([
      [0, 2, 2],
      [0.5, 1, 2],
      [1, 1, 0],
    ]);
  });
});
