/**
 * Synthetic AI4I 2020 predictive-maintenance data, following the generation rules published with the
 * dataset (S. Matzka, "Explainable Artificial Intelligence for Predictive Maintenance Applications",
 * AI4I 2020; UCI Machine Learning Repository, CC BY 4.0). Column names are those of the real file.
 *
 * Rules, and where we had to choose because the publication leaves a gap:
 * - Type: L/M/H. The text says 50/30/20 %, the published file holds 60.0/30.0/10.0 %: we follow the file.
 *   Product ID = type letter + a serial number that counts up with the row (as in the file).
 * - Air temperature [K]: a random walk normalised to mean 300 K, sd 2 K. The walk is normalised per block
 *   of 10,000 rows (the size of the original), so a million rows look like 100 plant runs, not one
 *   endless smooth drift.
 * - Process temperature [K]: air temperature + 10 K + a second random walk normalised to sd 1 K.
 * - Torque [Nm]: normal around 40 Nm, sd 10 Nm, no negative values (redrawn).
 * - Rotational speed [rpm]: "calculated from a power of 2860 W, overlaid with normally distributed noise".
 *   The publication gives no offset or noise level; the power law n = a + b/(torque + c) with
 *   a = 858 rpm, b = 30730 rpm·Nm, c = 7.5 Nm and noise sd 54 rpm is fitted by least squares to the file.
 * - Tool wear [min]: H/M/L processes add 5/3/2 min to the tool in use; the value is the wear before the process.
 * - Failure modes, evaluated on the rounded values as they appear in the file:
 *   TWF: each tool is replaced at a wear drawn uniformly from [200, 230] min; at replacement it fails with
 *        probability 51/120 (the paper: 120 replacements, 51 failures). The paper says 200–240 min, but the
 *        119 replacements in the published file have median 214 min and the file's tool wear (mean 108, sd 63.7)
 *        is reproduced by [200, 230] (108.1, 63.5) and not by [200, 240] (110.8, 65.2, with 32 % too many OSF).
 *   HDF: process − air temperature < 8.6 K and speed < 1380 rpm.
 *   PWF: power = torque · speed (rad/s) below 3500 W or above 9000 W.
 *   OSF: tool wear · torque above 11,000 / 12,000 / 13,000 min·Nm for L / M / H.
 *   RNF: probability 0.1 % per process regardless of parameters.
 *   Machine failure = any of the five (the published file has 9 failures without a mode and 18 RNF rows
 *   without a failure; we follow the rule, not those quirks).
 */
import { AI4I_COLUMNS, AI4I_FAILURE_MODES } from "../../shared/data/ai4i-columns";
import { seededRandom } from "./random";

export type ProductType = "L" | "M" | "H";

export const COLUMNS = AI4I_COLUMNS;
export const FAILURE_MODES = AI4I_FAILURE_MODES;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** Rows in column form: numeric columns as typed arrays. */
export interface Ai4iBlock {
  udi: Int32Array;
  productId: string[];
  type: ProductType[];
  airTemperature: Float64Array;
  processTemperature: Float64Array;
  rotationalSpeed: Float64Array;
  torque: Float64Array;
  toolWear: Float64Array;
  machineFailure: Uint8Array;
  TWF: Uint8Array;
  HDF: Uint8Array;
  PWF: Uint8Array;
  OSF: Uint8Array;
  RNF: Uint8Array;
}

export const TYPE_SHARE: Record<ProductType, number> = { L: 0.6, M: 0.3, H: 0.1 };
export const WEAR_PER_PROCESS: Record<ProductType, number> = { L: 2, M: 3, H: 5 };
export const OVERSTRAIN_LIMIT: Record<ProductType, number> = { L: 11_000, M: 12_000, H: 13_000 };
const SERIAL_BASE: Record<ProductType, number> = { L: 47179, M: 14859, H: 29413 };
const TOOL_FAILURE_PROBABILITY = 51 / 120;
const RANDOM_FAILURE_PROBABILITY = 0.001;
const SPEED = { a: 858, b: 30730, c: 7.5, noise: 54 };
const BLOCK_ROWS = 10_000;

/**
 * Heat dissipation failure: temperature difference below 8.6 K and speed below 1380 rpm. Computed in binary
 * floating point as the published file was: a difference printed as 8.6 (e.g. 310.9 − 302.3 = 8.5999…) counts.
 */
export function heatDissipationFailure(air: number, process: number, speed: number): boolean {
  return process - air < 8.6 && speed < 1380;
}

/** Power failure: mechanical power outside [3500, 9000] W. */
export function powerFailure(torque: number, speed: number): boolean {
  const power = (torque * speed * 2 * Math.PI) / 60;
  return power < 3500 || power > 9000;
}

/** Overstrain failure: wear × torque above the variant's limit. */
export function overstrainFailure(type: ProductType, wear: number, torque: number): boolean {
  return wear * torque > OVERSTRAIN_LIMIT[type];
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** A random walk of n steps, normalised to the given mean and sd. */
function normalisedWalk(n: number, mean: number, sd: number, next: () => number): Float64Array {
  const w = new Float64Array(n);
  let x = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    x += next();
    w[i] = x;
    sum += x;
  }
  const m = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((w[i] as number) - m) ** 2;
  const s = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  for (let i = 0; i < n; i++) w[i] = s > 0 ? mean + (((w[i] as number) - m) / s) * sd : mean;
  return w;
}

/**
 * Generate `rows` rows from `seed`, in blocks of at most 10,000 rows (the random-walk block), so millions of
 * rows can be streamed to a file without holding them all. The same seed gives the same rows.
 */
export function* generateAi4i(rows: number, seed: number): Generator<Ai4iBlock> {
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`rows must be a non-negative integer, got ${rows}`);
  const rnd = seededRandom(seed);
  const normal = () => rnd.normal();
  let wear = 0;
  let threshold = 200 + rnd.next() * 30;
  let udi = 0;
  for (let start = 0; start < rows; start += BLOCK_ROWS) {
    const n = Math.min(BLOCK_ROWS, rows - start);
    const airWalk = normalisedWalk(n, 300, 2, normal);
    const deltaWalk = normalisedWalk(n, 10, 1, normal);
    const b: Ai4iBlock = {
      udi: new Int32Array(n),
      productId: new Array<string>(n),
      type: new Array<ProductType>(n),
      airTemperature: new Float64Array(n),
      processTemperature: new Float64Array(n),
      rotationalSpeed: new Float64Array(n),
      torque: new Float64Array(n),
      toolWear: new Float64Array(n),
      machineFailure: new Uint8Array(n),
      TWF: new Uint8Array(n),
      HDF: new Uint8Array(n),
      PWF: new Uint8Array(n),
      OSF: new Uint8Array(n),
      RNF: new Uint8Array(n),
    };
    for (let i = 0; i < n; i++) {
      udi++;
      const u = rnd.next();
      const type: ProductType = u < TYPE_SHARE.L ? "L" : u < TYPE_SHARE.L + TYPE_SHARE.M ? "M" : "H";
      const airRaw = airWalk[i] as number;
      const air = round1(airRaw);
      const proc = round1(airRaw + (deltaWalk[i] as number));
      let torque = 0;
      while (torque <= 0) torque = round1(rnd.normal(40, 10));
      const speed = Math.round(SPEED.a + SPEED.b / (torque + SPEED.c) + rnd.normal(0, SPEED.noise));
      const toolWear = Math.round(wear);
      let twf = 0;
      if (toolWear >= threshold) {
        twf = rnd.next() < TOOL_FAILURE_PROBABILITY ? 1 : 0;
        wear = 0;
        threshold = 200 + rnd.next() * 30;
      } else {
        wear += WEAR_PER_PROCESS[type];
      }
      const hdf = heatDissipationFailure(air, proc, speed) ? 1 : 0;
      const pwf = powerFailure(torque, speed) ? 1 : 0;
      const osf = overstrainFailure(type, toolWear, torque) ? 1 : 0;
      const rnf = rnd.next() < RANDOM_FAILURE_PROBABILITY ? 1 : 0;
      b.udi[i] = udi;
      b.productId[i] = `${type}${SERIAL_BASE[type] + udi}`;
      b.type[i] = type;
      b.airTemperature[i] = air;
      b.processTemperature[i] = proc;
      b.rotationalSpeed[i] = speed;
      b.torque[i] = torque;
      b.toolWear[i] = toolWear;
      b.TWF[i] = twf;
      b.HDF[i] = hdf;
      b.PWF[i] = pwf;
      b.OSF[i] = osf;
      b.RNF[i] = rnf;
      b.machineFailure[i] = twf | hdf | pwf | osf | rnf;
    }
    yield b;
  }
}

/** One decimal, as the file prints it (the values are non-negative and already rounded to tenths); faster than toFixed. */
function tenths(v: number): string {
  const t = Math.round(v * 10);
  return `${(t - (t % 10)) / 10}.${t % 10}`;
}

/** CSV lines (no header) of one block, in the column order of the real file. */
export function blockToCsv(b: Ai4iBlock): string {
  const out: string[] = [];
  for (let i = 0; i < b.udi.length; i++) {
    out.push(
      `${b.udi[i]},${b.productId[i]},${b.type[i]},${tenths(b.airTemperature[i] as number)},${tenths(b.processTemperature[i] as number)},${b.rotationalSpeed[i]},${tenths(b.torque[i] as number)},${b.toolWear[i]},${b.machineFailure[i]},${b.TWF[i]},${b.HDF[i]},${b.PWF[i]},${b.OSF[i]},${b.RNF[i]}\n`,
    );
  }
  return out.join("");
}
