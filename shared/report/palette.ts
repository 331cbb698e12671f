/**
 * Series colours shared by the HTML charts and the Mermaid charts, with the word each is called by in
 * chart titles (Mermaid's xychart draws no legend). Candidate first, champion second, as in every table.
 * Picked to stay apart for the common colour-vision deficiencies (Okabe–Ito inspired).
 */
export const PALETTE: readonly { color: string; name: string }[] = [
  { color: "#0969da", name: "blue" },
  { color: "#e36209", name: "orange" },
  { color: "#1a7f37", name: "green" },
  { color: "#8250df", name: "purple" },
  { color: "#bf3989", name: "pink" },
  { color: "#9a6700", name: "brown" },
  { color: "#0598bc", name: "teal" },
  { color: "#cf222e", name: "red" },
];

/** The reference line (chance, perfect calibration, y = x). */
export const REFERENCE = { color: "#8c959f", name: "grey" } as const;

export function paletteAt(i: number): { color: string; name: string } {
  return PALETTE[i % PALETTE.length]!;
}
