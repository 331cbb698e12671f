/**
 * Hyper-parameter sweeps over a `matrix`: one trial per combination, run with bounded parallelism, the
 * best picked by a metric the trials write to metrics.json.
 */
import { parse as parseYaml } from "yaml";
import { shown, UserError } from "../errors";
import { mapBounded } from "../map-bounded";

export type Scalar = string | number | boolean;
export type Combination = Record<string, Scalar>;

/** A YAML/JSON map of parameter name → list of values (a scalar counts as a list of one). */
export function parseMatrix(text: string | Record<string, unknown> | undefined): Record<string, Scalar[]> {
  if (text === undefined || (typeof text === "string" && text.trim() === "")) return {};
  let value: unknown = text;
  if (typeof text === "string") {
    try {
      value = parseYaml(text);
    } catch (e) {
      throw new UserError(
        `matrix: not YAML or JSON (got ${shown(text, 60)}; ${(e as Error).message.split("\n")[0]}). Write a map of lists, e.g. "learning_rate: [0.05, 0.1]".`,
      );
    }
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new UserError(
      `matrix: not a map of parameter names to lists (got ${shown(value)}). Write e.g. "max_depth: [3, 4, 6]".`,
    );
  const out: Record<string, Scalar[]> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new UserError(
        `matrix: ${shown(name)} is not a usable parameter name (got ${shown(name)}). Use letters, digits and '_' (it becomes the job input \${{inputs.${name}}}).`,
      );
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) throw new UserError(`matrix.${name}: empty list (got []). Give at least one value.`);
    for (const x of list)
      if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean")
        throw new UserError(
          `matrix.${name}: values must be strings, numbers or booleans (got ${shown(x)}). Write a flat list such as [3, 4, 6].`,
        );
    out[name] = list as Scalar[];
  }
  return out;
}

/** Every combination, the first key varying slowest (like GitHub's strategy.matrix). */
export function expandMatrix(matrix: Record<string, Scalar[]>): Combination[] {
  let combos: Combination[] = [{}];
  for (const [name, values] of Object.entries(matrix)) {
    const next: Combination[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [name]: v });
    combos = next;
  }
  return combos;
}

export interface SweepMetric {
  goal: "max" | "min";
  metric: string;
}

/** `max:roc_auc` / `min:log_loss`. */
export function parseSweepMetric(text: string): SweepMetric {
  const m = /^\s*(max|min)\s*:\s*([^\s:]+)\s*$/.exec(text);
  if (!m)
    throw new UserError(
      `sweep-metric: expected max:<metric> or min:<metric> (got ${shown(text)}). Write e.g. max:roc_auc or min:log_loss.`,
    );
  return { goal: m[1] as "max" | "min", metric: m[2] as string };
}

export interface TrialOutcome {
  index: number;
  /** Undefined when the trial failed or its metrics could not be read. */
  metrics?: Record<string, number>;
}

/** The index of the best trial by `metric` (ties: the earlier trial); a trial without the metric cannot win. */
export function pickBest(trials: TrialOutcome[], m: SweepMetric): number | undefined {
  let best: { index: number; value: number } | undefined;
  for (const t of trials) {
    const v = t.metrics?.[m.metric];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (!best || (m.goal === "max" ? v > best.value : v < best.value)) best = { index: t.index, value: v };
  }
  return best?.index;
}

/** Run `fn` over `items` with at most `limit` at once; results in input order, each settled (a failed trial is a result). */
export function runBounded<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  return mapBounded(items, limit, (item, i) =>
    fn(item, i).then(
      (value): PromiseSettledResult<R> => ({ status: "fulfilled", value }),
      (reason: unknown): PromiseSettledResult<R> => ({ status: "rejected", reason }),
    ),
  );
}
