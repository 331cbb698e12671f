/**
 * Traffic maps for a safe rollout (https://learn.microsoft.com/azure/machine-learning/how-to-safely-rollout-online-endpoints):
 * the percentages of an endpoint's traffic map are whole numbers that add up to 100 (or all 0), and only
 * name deployments of the endpoint.
 */
import { shown, UserError } from "../errors";

export type TrafficMap = Record<string, number>;

/** `10,50,100` → [10, 50, 100]: increasing whole percentages ending at 100. */
export function parseTrafficSteps(raw: readonly (string | number)[], input = "traffic"): number[] {
  const steps = raw.map((s) => Number(String(s).trim().replace(/%$/, "")));
  const text = raw.join(",");
  if (steps.length === 0 || steps.some((s) => !Number.isInteger(s) || s < 1 || s > 100))
    throw new UserError(
      `${input}: expected whole percentages from 1 to 100 (got ${shown(text)}). Write the steps as e.g. 10,50,100.`,
    );
  for (let i = 1; i < steps.length; i++)
    if (steps[i]! <= steps[i - 1]!)
      throw new UserError(
        `${input}: the steps must increase (got ${shown(text)}). Write them in order, e.g. 10,50,100.`,
      );
  if (steps[steps.length - 1] !== 100)
    throw new UserError(
      `${input}: the last step must be 100 so the new deployment takes all traffic (got ${shown(text)}). End the list with 100, or use strategy: ab for a fixed split.`,
    );
  return steps;
}

export function trafficTotal(t: TrafficMap): number {
  return Object.values(t).reduce((a, b) => a + b, 0);
}

/** Drop 0% entries and sort by name, so two maps compare and print the same way. */
export function normalize(t: TrafficMap): TrafficMap {
  return Object.fromEntries(
    Object.entries(t)
      .filter(([, v]) => v > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export function sameTraffic(a: TrafficMap, b: TrafficMap): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/**
 * The map with `target` at `percent` and the rest shared among the deployments that had traffic before,
 * in proportion to what they had (largest remainder, so the whole numbers add up to exactly 100).
 * Deployments that had no traffic keep 0; when nothing had traffic, `target` must take 100.
 */
export function shiftTo(previous: TrafficMap, target: string, percent: number): TrafficMap {
  const others = Object.entries(previous).filter(([n, v]) => n !== target && v > 0);
  const otherTotal = others.reduce((a, [, v]) => a + v, 0);
  const out: TrafficMap = {};
  for (const n of Object.keys(previous)) out[n] = 0;
  if (otherTotal === 0) {
    out[target] = 100;
    return out;
  }
  const rest = 100 - percent;
  const shares = others.map(([n, v]) => ({ n, exact: (rest * v) / otherTotal }));
  let given = 0;
  for (const s of shares) {
    out[s.n] = Math.floor(s.exact);
    given += out[s.n]!;
  }
  const byRemainder = [...shares].sort(
    (a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.n.localeCompare(b.n),
  );
  for (let i = 0; given < rest; i++, given++) out[byRemainder[i % byRemainder.length]!.n]! += 1;
  out[target] = percent;
  return out;
}

/**
 * The traffic maps a blue/green rollout PUTs, one per step: `target` at each step's percentage. Steps
 * that would leave the map as it is (a re-run) are dropped; with no traffic before, one step to 100.
 */
export function blueGreenPlan(previous: TrafficMap, target: string, steps: readonly number[]): TrafficMap[] {
  if ((previous[target] ?? 0) >= 100) return [];
  const nothingElse = Object.entries(previous).every(([n, v]) => n === target || v === 0);
  const wanted = nothingElse ? [100] : steps.filter((s) => s > (previous[target] ?? 0));
  return wanted.map((s) => shiftTo(previous, target, s));
}

/** The fixed A/B split: champion 100-N, challenger N, every other deployment 0. */
export function abSplit(previous: TrafficMap, champion: string, challenger: string, percent: number): TrafficMap {
  const out: TrafficMap = {};
  for (const n of Object.keys(previous)) out[n] = 0;
  out[champion] = 100 - percent;
  out[challenger] = percent;
  return out;
}

/** `{"a":90,"b":10}` in a stable order with zero entries kept, for outputs and logs. */
export function formatTraffic(t: TrafficMap): string {
  const entries = Object.entries(t).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "(none)" : entries.map(([n, v]) => `${n}=${v}%`).join(", ");
}
