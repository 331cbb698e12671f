/**
 * The one way a number is shown to people, in every report, card and summary: a metric of 1234.567 reads
 * the same in the job summary, the PR comment, the Teams card and the promote summary.
 */

/** What an undefined value (null, a metric that does not exist for these data) reads as. */
export const NO_VALUE = "—";

/**
 * `digits` significant digits (default 4) without trailing zeros; the integer part is never rounded away
 * (12345.67 → "12346"); scientific notation below 1e-4 and from 1e6 on ("1.234e-5", "2.5e7"); "0" for ±0.
 * null, undefined and NaN read as "—".
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return NO_VALUE;
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs < 1e-4 || abs >= 1e6) return scientific(value, digits);
  if (Number.isInteger(value)) return String(value);
  const integerDigits = abs >= 1 ? Math.floor(Math.log10(abs)) + 1 : 0;
  if (integerDigits >= digits) return String(Math.round(value));
  return String(Number(value.toPrecision(digits)));
}

function scientific(value: number, digits: number): string {
  const [mantissa, exponent] = value.toExponential(digits - 1).split("e") as [string, string];
  const m = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return `${m}e${exponent.replace(/^\+/, "")}`;
}

/** A difference with its sign: "+0.0313", "-4", "0"; "—" when undefined. */
export function formatSigned(value: number | null | undefined, digits = 4): string {
  const s = formatNumber(value, digits);
  return value !== null && value !== undefined && value > 0 && Number.isFinite(value) ? `+${s}` : s;
}

/** A count of things (rows, requests): grouped digits, "10,000". */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : formatNumber(value);
}

/** A share as a percentage with at most one decimal: 0.9534 → "95.3 %". */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return NO_VALUE;
  return `${String(Number((share * 100).toFixed(1)))} %`;
}

/** A duration in seconds for people: "0.4 s", "12 s", "3.5 min". */
export function formatSeconds(seconds: number): string {
  if (seconds >= 60) return `${String(Number((seconds / 60).toFixed(1)))} min`;
  return `${seconds >= 10 ? Math.round(seconds) : Number(seconds.toFixed(1))} s`;
}
