/** A plain-text table for terminals: columns padded to their widest cell, numbers right-aligned. */
export function textTable(headers: string[], rows: string[][], align: ("left" | "right")[] = []): string {
  const all = [headers, ...rows].map((r) => r.map((c) => c.replace(/\s*\r?\n\s*/g, " ")));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  return all
    .map((r) =>
      r
        .map((c, i) => {
          const pad = " ".repeat(widths[i]! - [...c].length);
          return align[i] === "right" ? pad + c : c + pad;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
