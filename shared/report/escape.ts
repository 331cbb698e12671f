/**
 * The one escaper of every report, card and summary. Text that comes from users or data (column names,
 * values, reasons, model names) goes through these before it is put into Markdown or HTML, so that it
 * shows as written and can neither break a table nor inject markup.
 */

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Text inside GitHub-flavoured Markdown (a paragraph, a heading or a table cell): every character that
 * Markdown or the HTML it allows would interpret is escaped (CommonMark lets any ASCII punctuation be
 * backslash-escaped), and line breaks become `<br>`, so a multi-line reason stays inside its table cell.
 */
export function mdText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, "\n")
      .replace(/[\\`*[\]<>|~#&!]/g, (c) => `\\${c}`)
      // "_" inside a word (roc_auc) can neither open nor close emphasis in GFM: left as written.
      .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "\\_")
      .replace(/\n/g, "<br>")
  );
}

/**
 * A value shown as code: the backtick fence is longer than any run of backticks inside (CommonMark code
 * spans), line breaks become spaces, and `|` is escaped when the span sits in a table cell (GFM splits
 * rows before it parses code spans). An empty value would make an empty span that pairs with the next
 * one and swallows the text between them, so it reads "(empty)" instead.
 */
export function mdCode(text: string, where: "table" | "inline" = "table"): string {
  let s = text.replace(/\r\n?|\n/g, " ");
  if (s === "") return "*(empty)*";
  if (where === "table") s = s.replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = s.startsWith("`") || s.endsWith("`") || (s.startsWith(" ") && s.endsWith(" ") && s.trim() !== "");
  return pad ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

/** A Markdown link whose label is escaped text; the URL must be http(s), else the label alone is shown. */
export function mdLink(label: string, url: string | undefined): string {
  if (!url || !/^https?:\/\/[^\s<>()]+$/i.test(url)) return mdText(label);
  return `[${mdText(label)}](${url})`;
}

/**
 * Shortens text to at most `max` characters at a word boundary (a space, comma, semicolon or slash), or
 * only between items when `separator` is given (e.g. ", " between `column=value` pairs), marking the cut
 * with "…"; a single word longer than `max` is cut where it must be.
 */
export function clip(text: string, max: number, separator?: string): string {
  if (text.length <= max) return text;
  const room = text.slice(0, Math.max(1, max - 1));
  const boundary =
    separator !== undefined
      ? room.lastIndexOf(separator)
      : Math.max(room.lastIndexOf(" "), room.lastIndexOf(","), room.lastIndexOf(";"), room.lastIndexOf("/"));
  const cut = boundary >= max / 3 ? room.slice(0, boundary).replace(/[\s,;/]+$/, "") : room;
  return `${cut}…`;
}
