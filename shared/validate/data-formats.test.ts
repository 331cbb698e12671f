// validate-data, compare-models and detect-drift read the same files: one extension rule for all of them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { userErrorOf } from "../../test/helpers/user-error";
import { detectFormat as datasetFormat, openDataset } from "../data";
import { detectFormat, parseSchema, validateData } from "./index";

const dir = mkdtempSync(join(tmpdir(), "data-formats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe("file formats", () => {
  it("validate-data and the model readers name the same format for every extension", () => {
    const cases = {
      "a.csv": "csv",
      "a.TXT": "csv",
      "a.tsv": "tsv",
      "a.tab": "tsv",
      "a.json": "jsonl",
      "a.jsonl": "jsonl",
      "a.ndjson": "jsonl",
      "a.parquet": "parquet",
      "a.pq": "parquet",
    };
    for (const [name, format] of Object.entries(cases)) {
      expect([name, detectFormat(name)]).toEqual([name, format]);
      expect([name, datasetFormat([name])]).toEqual([name, format]);
    }
    for (const name of ["a.xlsx", "a", "a.csv.gz"]) {
      expect(userErrorOf(() => detectFormat(name))).toMatch(
        /^data: cannot tell the format of .* Name the files \.csv, \.tsv/,
      );
      expect(userErrorOf(() => datasetFormat([name]))).toMatch(
        /^data: cannot tell the format .* Name the files \.csv, \.tsv/,
      );
    }
  });

  const schema = parseSchema("columns:\n  id: { type: int }\n  kind: { type: string, allowed: [a, b] }\n");

  it("validate-data reads a tab-separated file, field counts and all", async () => {
    const clean = await validateData({ schema, data: file("ok.tsv", "id\tkind\n1\ta\n2\tb\n") });
    expect([clean.format, clean.columns, clean.rows, clean.violations]).toEqual(["tsv", ["id", "kind"], 2, []]);
    const ragged = await validateData({ schema, data: file("ragged.tsv", "id\tkind\n1\ta\textra\n2\tc\n") });
    expect(ragged.violations.map((v) => v.rule).sort()).toEqual(["allowed", "field-count"]);
  });

  it("the model readers read a .json file of JSON Lines, as validate-data does", async () => {
    const path = file("rows.json", '{"id": 1, "kind": "a"}\n{"id": 2, "kind": "b"}\n');
    expect((await validateData({ schema, data: path })).violations).toEqual([]);
    const data = await openDataset(path);
    expect(data.format).toBe("jsonl");
    expect(data.columns).toEqual(["id", "kind"]);
  });
});
