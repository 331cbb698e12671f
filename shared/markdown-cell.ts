/**
 * Text from data (column names, values, messages quoting them) made inert in a Markdown table cell: HTML
 * (`<script>`, `<img onerror>`) shows as text, a pipe or a line break cannot end the cell, brackets and
 * backticks cannot start a link or a code span.
 */
export function markdownCellText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\|[\]`]/g, (c) => `\\${c}`)
    .replace(/\r?\n|\r/g, " ");
}
