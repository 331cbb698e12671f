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

/**
 * Image digests (`sha256:` and 64 hex digits) cut to 12 digits, as `docker images` shows them: a whole digest is
 * one 71-character word that no line break can split, wider than a phone's card. The run linked on the card keeps
 * the whole digest.
 */
export function shortDigests(text: string): string {
  return text.replace(/\b(sha256:[0-9a-f]{12})[0-9a-f]{52}\b/gi, "$1…");
}

/** A short commit for display. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{12,64}$/i.test(sha) ? sha.slice(0, 7) : sha;
}
