/** Text helpers shared by the card and the Markdown summary, so both show the same values. */
import { formatNumber, formatSigned } from "../report";

/** A metric value: the one number format of every report (shared/report). */
export { formatNumber };

/** A signed difference: "+0.0123", "-4", "0". */
export const formatDelta = formatSigned;

export function passMark(passed: boolean | undefined): string {
  if (passed === undefined) return "–";
  return passed ? "✔" : "✘";
}

/** Cuts text to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A short commit for display. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{12,64}$/i.test(sha) ? sha.slice(0, 7) : sha;
}
