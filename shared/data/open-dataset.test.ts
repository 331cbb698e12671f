import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { QuotedFieldParser } from "./csv-text";
import { type ColumnBatch, type DataSet, openDataset } from "./index";
import { userErrorOf as userError } from "../../test/helpers/user-error";

const dir = mkdtempSync(join(tmpdir(), "data-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function all(ds: DataSet, opts: Parameters<DataSet["batches"]>[0] = {}) {
  const batches: ColumnBatch[] = [];
  for await (const b of ds.batches(opts)) batches.push(b);
  return batches;
}
function concatNum(batches: ColumnBatch[], col: string): number[] {
  return batches.flatMap((b) => Array.from(b.columns[col] as Float64Array));
}
function concatStr(batches: ColumnBatch[], col: string): string[] {
  return batches.flatMap((b) => b.columns[col] as string[]);
}

describe("CSV", () => {
  it("handles a BOM, CRLF, header names with spaces and brackets, and batches across rows", async () => {
    const p = write(
      "bom.csv",
      "\uFEFFUDI,Type,Air temperature [K],Machine failure\r\n1,M,298.1,0\r\n2,L,298.2,1\r\n3,H,-1e3,0\r\n4,L,,1\r\n5,M,NA,0\r\n",
    );
    const ds = await openDataset(p);
    expect(ds.columns).toEqual(["UDI", "Type", "Air temperature [K]", "Machine failure"]);
    expect(ds.types).toEqual({
      UDI: "number",
      Type: "string",
      "Air temperature [K]": "number",
      "Machine failure": "number",
    });
    const batches = await all(ds, { batchSize: 2, columns: ["Type", "Air temperature [K]"] });
    expect(batches.map((b) => [b.rows, b.offset, b.firstRow])).toEqual([
      [2, 0, 1],
      [2, 2, 3],
      [1, 4, 5],
    ]);
    expect(Object.keys(batches[0]!.columns)).toEqual(["Air temperature [K]", "Type"]);
    expect(concatStr(batches, "Type")).toEqual(["M", "L", "H", "L", "M"]);
    expect(concatNum(batches, "Air temperature [K]")).toEqual([298.1, 298.2, -1000, Number.NaN, Number.NaN]);
  });

  it("quoted fields (commas, quotes, newlines) are parsed by the library from the first quote on", async () => {
    const p = write(
      "quoted.csv",
      'id,name,x\n1,plain,1.5\n2,"a, b",2.5\n3,"say ""hi""",3.5\n4,"two\nlines",4.5\n5,"7",5.5\n6,z,"6.5"\n',
    );
    const batches = await all(await openDataset(p), { types: { name: "string" } });
    expect(concatStr(batches, "name")).toEqual(["plain", "a, b", 'say "hi"', "two\nlines", "7", "z"]);
    expect(concatNum(batches, "x")).toEqual([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    expect(concatNum(batches, "id")).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("fast path and library path read the same numbers, equal to Number(text)", async () => {
    let seed = 42;
    const r = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const formats = [
      () => String(Math.floor(r() * 1e6) - 5e5),
      () => (r() * 200 - 100).toFixed(Math.floor(r() * 8)),
      () => String(r() * 1e-7),
      () => String((r() - 0.5) * 1e25),
      () => `${Math.floor(r() * 9)}.${"123456789012345678".slice(0, 1 + Math.floor(r() * 17))}`,
      () => `+${Math.floor(r() * 100)}`,
      () => `-0.${Math.floor(r() * 1000)}`,
      () => String(Math.floor(r() * 9)).padStart(20, "0"),
    ];
    const rows: string[][] = [];
    for (let i = 0; i < 3000; i++)
      rows.push(Array.from({ length: 4 }, () => formats[Math.floor(r() * formats.length)]!()));
    const expected = rows.flatMap((row) => row.map(Number));
    // plain: fast path only. quoted: some fields quoted (the fast path takes simple quoted fields), CRLF.
    // handover: a text column whose row 2000 has a doubled quote, so the library reads the rest mid-stream.
    // slow: a quoted field with a doubled quote on row 1, the library reads the whole file.
    const lines = (f: (row: string[], i: number) => string, eol = "\n") => rows.map(f).join(eol) + eol;
    const files = [
      write("plain.csv", `a,b,c,d\n${lines((row) => row.join(","))}`),
      write(
        "quoted.csv",
        `a,b,c,d\r\n${lines((row, i) => row.map((v, j) => ((i + j) % 5 === 0 ? `"${v}"` : v)).join(","), "\r\n")}`,
      ),
      write(
        "handover.csv",
        `a,b,c,d,s\n${lines((row, i) => `${row.join(",")},${i === 1999 ? '"say ""hi"", then go"' : `"t, ${i}"`}`)}`,
      ),
      write("slow.csv", `a,b,c,d,s\n${lines((row, i) => `${row.join(",")},${i === 0 ? '"a ""b"""' : "x"}`)}`),
    ];
    for (const p of files) {
      const batches = await all(await openDataset(p), { batchSize: 1000 });
      const got: number[] = [];
      for (const b of batches) {
        for (let i = 0; i < b.rows; i++)
          for (const c of ["a", "b", "c", "d"]) got.push((b.columns[c] as Float64Array)[i]!);
      }
      expect(got, p).toEqual(expected);
    }
    const text = concatStr(await all(await openDataset(files[2]!), { columns: ["s"] }), "s");
    expect(text[0]).toBe("t, 0");
    expect(text[1999]).toBe('say "hi", then go');
    expect(text[2999]).toBe("t, 2999");
  });

  it("lines across the reader's 1 MiB chunks: CRLF split between \\r and \\n, split UTF-8, quoted rows at and past a boundary, a line longer than a chunk", async () => {
    const MiB = 1 << 20;
    const build = (special: "crlf" | "quoted-at-boundary" | "quoted-later" | "long-line") => {
      const parts = ["id,name,x\r\n"];
      let bytes = Buffer.byteLength(parts[0]!);
      let id = 0;
      const add = (name: string) => {
        id++;
        const line = `${id},${name},${(id * 0.25 - 3).toFixed(2)}\r\n`;
        parts.push(line);
        bytes += Buffer.byteLength(line);
      };
      /** Rows until one ends exactly at byte `target`. */
      const fillTo = (target: number) => {
        while (target - bytes > 200) add(`n${id % 7 === 0 ? "é漢" : ""}${id}`);
        const next = id + 1;
        add("f".repeat(target - bytes - Buffer.byteLength(`${next},,${(next * 0.25 - 3).toFixed(2)}\r\n`)));
      };
      if (special === "crlf") fillTo(MiB + 1); // that row's \r is the first chunk's last byte, its \n the next's first
      if (special === "quoted-at-boundary") {
        fillTo(MiB - 10);
        add(`"say ""hi"", ${"q".repeat(30)}"`);
      }
      if (special === "quoted-later") {
        fillTo(MiB + 5000);
        add(`"say ""hi"""`);
      }
      if (special === "long-line") {
        fillTo(MiB - 1000);
        add("L".repeat(1.5 * MiB)); // the second chunk holds no line end at all
      }
      // "漢" (3 bytes) across a later boundary: the row starts at the boundary - 2 - digits, "漢" right after "id,"
      const boundary = special === "long-line" ? 3 * MiB : 2 * MiB;
      fillTo(boundary - 2 - String(id + 200).length);
      const at = bytes + String(id + 1).length + 1;
      add("漢字");
      fillTo(boundary + 300_000);
      const text = parts.join("");
      expect(
        Buffer.from(text)
          .subarray(at, at + 3)
          .toString(),
      ).toBe("漢");
      expect(at).toBe(boundary - 1);
      return text;
    };
    const { parse } = await import("csv-parse/sync");
    for (const special of ["crlf", "quoted-at-boundary", "quoted-later", "long-line"] as const) {
      const text = build(special);
      const want = parse(text, { columns: true }) as { id: string; name: string; x: string }[];
      const batches = await all(await openDataset(write(`chunks-${special}.csv`, text)));
      expect(concatNum(batches, "id"), special).toEqual(want.map((r) => Number(r.id)));
      expect(concatStr(batches, "name"), special).toEqual(want.map((r) => r.name));
      expect(concatNum(batches, "x"), special).toEqual(want.map((r) => Number(r.x)));
    }
  });

  it("single-column files, quoted or not", async () => {
    expect(concatNum(await all(await openDataset(write("one.csv", "prediction\n0.5\n0.25\n"))), "prediction")).toEqual([
      0.5, 0.25,
    ]);
    const q = await all(await openDataset(write("oneq.csv", '"name"\nplain\n"a ""b"""\n"x\ny"\n')));
    expect(concatStr(q, "name")).toEqual(["plain", 'a "b"', "x\ny"]);
  });

  it("the quoted-field parser gives the same rows whatever the chunk boundaries", () => {
    const text = 'a,b\n"x ""1""",2\n"multi\r\nline",3\r\nplain,"4"\n"",5\n';
    const whole: string[][] = [];
    const p = new QuotedFieldParser(",", true);
    p.chunk(text, (r) => whole.push(r));
    p.end((r) => whole.push(r));
    expect(whole).toEqual([
      ['x "1"', "2"],
      ["multi\r\nline", "3"],
      ["plain", "4"],
      ["", "5"],
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      const rows: string[][] = [];
      const q = new QuotedFieldParser(",", true);
      q.chunk(text.slice(0, cut), (r) => rows.push(r));
      q.chunk(text.slice(cut), (r) => rows.push(r));
      q.end((r) => rows.push(r));
      expect(rows, `cut at ${cut}`).toEqual(whole);
    }
  });

  it("reads a last line without newline, skips blank lines, TSV by extension", async () => {
    const batches = await all(await openDataset(write("t.tsv", "a\tb c\n1\tx y\n\n2\tz")));
    expect(concatNum(batches, "a")).toEqual([1, 2]);
    expect(concatStr(batches, "b c")).toEqual(["x y", "z"]);
  });

  it("a glob of files continues offsets; a file with other columns is a UserError", async () => {
    write("part-1.csv", "a,b\n1,2\n3,4\n");
    write("part-2.csv", "a,b\n5,6\n");
    const ds = await openDataset(join(dir, "part-*.csv"));
    expect(ds.files.length).toBe(2);
    const batches = await all(ds);
    expect(batches.map((b) => [b.offset, b.firstRow, b.rows])).toEqual([
      [0, 1, 2],
      [2, 1, 1],
    ]);
    expect(concatNum(batches, "b")).toEqual([2, 4, 6]);
    write("part-3.csv", "a,c\n7,8\n");
    const msg = await userError(all(await openDataset(join(dir, "part-*.csv"))));
    expect(msg).toContain("part-3.csv: its header differs from the first file's");
  });

  it("user mistakes are UserErrors that name the thing, the value and the fix", async () => {
    const ok = write("ok.csv", "Torque [Nm],target\n1,0\n2,1\n");
    expect(await userError(all(await openDataset(ok), { columns: ["target", "label"] }))).toMatch(
      /^data: column "label" not found in .*ok\.csv \(columns: Torque \[Nm\], target\)\. Check the names/,
    );
    const bad = write("bad.csv", `x,y\n${"1,2\n".repeat(1500)}1,abc\n`);
    expect(await userError(all(await openDataset(bad)))).toMatch(
      /bad\.csv, line 1502, column "y": not a number in a numeric column \(got "abc"\)/,
    );
    const ragged = write("ragged.csv", "x,y\n1,2\n3\n");
    expect(await userError(all(await openDataset(ragged)))).toMatch(
      /row 2 \(line 3\) has 1 fields but the header has 2/,
    );
    expect(await userError(openDataset(write("empty.csv", "")))).toMatch(/empty\.csv: the file is empty/);
    expect(await userError(openDataset(write("header.csv", "\uFEFFa,b\n")))).toMatch(
      /header\.csv: has a header but no data rows/,
    );
    expect(await userError(openDataset(join(dir, "nope-*.csv")))).toMatch(/^data: no file matches the glob/);
    expect(await userError(openDataset(join(dir, "missing.csv"), { input: "reference" }))).toMatch(
      /^reference: file not found/,
    );
    expect(await userError(openDataset(write("x.xlsx", "PK")))).toMatch(/cannot tell the format/);
  });
});

describe("Parquet", () => {
  it("reads selected columns row group by row group into batches", async () => {
    const n = 2500;
    const bytes = parquetWriteBuffer({
      columnData: [
        {
          name: "Air temperature [K]",
          data: Float64Array.from({ length: n }, (_, i) => 295 + i / 1000),
          type: "DOUBLE",
        },
        { name: "Tool wear [min]", data: Int32Array.from({ length: n }, (_, i) => i % 250), type: "INT32" },
        { name: "Type", data: Array.from({ length: n }, (_, i) => "LMH"[i % 3]!), type: "STRING" },
        { name: "big", data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), type: "INT64" },
      ],
      rowGroupSize: 1000,
    });
    const p = write("d.parquet", new Uint8Array(bytes));
    const ds = await openDataset(p);
    expect(ds.format).toBe("parquet");
    expect(ds.estimatedRows).toBe(n);
    expect(ds.types).toEqual({
      "Air temperature [K]": "number",
      "Tool wear [min]": "number",
      Type: "string",
      big: "number",
    });
    const batches = await all(ds, {
      batchSize: 600,
      columns: ["Tool wear [min]", "Type", "big", "Air temperature [K]"],
    });
    expect(batches.reduce((a, b) => a + b.rows, 0)).toBe(n);
    expect(batches.map((b) => b.offset).slice(0, 4)).toEqual([0, 600, 1000, 1600]);
    expect(concatNum(batches, "Tool wear [min]")).toEqual(Array.from({ length: n }, (_, i) => i % 250));
    expect(concatNum(batches, "big")).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(concatNum(batches, "Air temperature [K]")[2499]).toBeCloseTo(297.499, 9);
    expect(concatStr(batches, "Type").slice(0, 4)).toEqual(["L", "M", "H", "L"]);
  });

  it("a file that is not Parquet is a UserError", async () => {
    expect(await userError(openDataset(write("fake.parquet", "a,b\n1,2\n")))).toMatch(
      /fake\.parquet: not a readable Parquet file/,
    );
  });
});

describe("JSON Lines", () => {
  it("reads objects into column batches, inferring types", async () => {
    const p = write(
      "d.jsonl",
      '{"x": 1.5, "t": "L", "y": true}\n\n{"x": null, "t": "M", "y": false}\n{"x": "2", "t": 3, "y": 1}\n',
    );
    const ds = await openDataset(p);
    expect(ds.types).toEqual({ x: "string", t: "string", y: "number" });
    const batches = await all(ds, { types: { x: "number" } });
    expect(concatNum(batches, "x")).toEqual([1.5, Number.NaN, 2]);
    expect(concatStr(batches, "t")).toEqual(["L", "M", "3"]);
    expect(concatNum(batches, "y")).toEqual([1, 0, 1]);
  });

  it("a line that is not a JSON object is a UserError naming the row", async () => {
    const p = write("bad.jsonl", '{"x": 1}\n{"x": 2\n');
    expect(await userError(openDataset(p))).toMatch(/bad\.jsonl: row 2 is not valid JSON/);
    const q = write("bad2.jsonl", '{"x": 1}\n{"x": "oops"}\n');
    expect(await userError(all(await openDataset(q), { types: { x: "number" } }))).toMatch(
      /bad2\.jsonl, row 2, column "x": not a number in a numeric column \(got "oops"\)/,
    );
  });
});
