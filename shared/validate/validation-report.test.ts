/**
 * The validate-data job summary as GitHub renders it (GFM parsed by the test stand-in): what a reviewer
 * reads must be what the data holds — null cells, long rule values and odd column names included.
 */
import { describe, expect, it } from "vitest";
import { renderGfm, sanitizerFindings } from "../../test/services/github-markdown";
import type { ValidationResult } from "./validate-data";
import { renderValidationMarkdown } from "./validation-report";

type Result = Omit<ValidationResult, "report">;

function result(violations: Result["violations"]): Result {
  return { valid: false, rows: 100, files: ["data/plant.csv"], columns: ["a"], format: "csv", violations };
}

/** The cells of the table's data rows, as text (tags removed, entities decoded). */
function cells(markdown: string): string[][] {
  const html = renderGfm(markdown);
  const body = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!),
  );
}

const text = (html: string) =>
  html
    .replace(/<br\s*\/?>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

describe("validate-data summary, rendered as GitHub renders it", () => {
  it("shows null cells as (empty) on their own line: no empty code span swallowing the next example", () => {
    const md = renderValidationMarkdown(
      result([
        {
          rule: "not-null",
          column: "Torque [Nm]",
          message: '"Torque [Nm]": 3 null values in a non-nullable column',
          count: 3,
          examples: [
            { file: "data/plant.csv", row: 4, line: 5, value: "" },
            { file: "data/plant.csv", row: 54, line: 55, value: "" },
            { file: "data/plant.csv", row: 70, line: 71, value: "NA" },
          ],
        },
      ]),
      "data/plant.csv",
    );
    const [row] = cells(md);
    expect(row).toHaveLength(5);
    const where = row![3]!;
    // Each example is its own line; no code span holds a line break or the next example.
    expect(text(where).split("\n")).toEqual(["line 5: (empty)", "line 55: (empty)", "line 71: NA"]);
    expect(where).not.toMatch(/<code>[^<]*(&lt;br|line \d)/);
  });

  it("shows a rule's values whole, or cut between two values: never inside a word", () => {
    const value =
      "Air temperature [K]=298.1, Process temperature [K]=308.6, Rotational speed [rpm]=1551, Torque [Nm]=42.8, Tool wear [min]=0";
    const md = renderValidationMarkdown(
      result([
        {
          rule: "rule",
          column: "power within limits",
          message: "power within limits: 1 row break `Torque [Nm] * Rotational speed [rpm] <= 90000`",
          count: 1,
          examples: [{ file: "data/plant.csv", row: 1, line: 2, value }],
        },
      ]),
      "data/plant.csv",
    );
    const shown = text(cells(md)[0]![3]!);
    expect(shown.startsWith("line 2: ")).toBe(true);
    const values = shown.slice("line 2: ".length).replace(/…$/, "").split(", ");
    // Every pair shown is a whole pair of the row.
    for (const pair of values) expect(value.split(", ")).toContain(pair);
    expect(values.length).toBeGreaterThanOrEqual(3);
  });

  it("escapes column names and values: markup shows as text, a pipe stays inside its cell", () => {
    const md = renderValidationMarkdown(
      result([
        {
          rule: "allowed",
          column: "<script>alert(1)</script> | *Type*",
          message: '"<script>alert(1)</script> | *Type*": 1 value not in the allowed set [L, M, H]',
          count: 1,
          examples: [{ file: "data/plant.csv", row: 1, line: 2, value: "X | `y`" }],
        },
      ]),
      "data/plant.csv",
    );
    expect(sanitizerFindings(md)).toEqual([]);
    const [row] = cells(md);
    expect(row).toHaveLength(5);
    expect(text(row![1]!)).toBe("<script>alert(1)</script> | *Type*");
    expect(text(row![3]!)).toBe("line 2: X | `y`");
    expect(renderGfm(md)).not.toMatch(/<script|<em>/);
  });
});
