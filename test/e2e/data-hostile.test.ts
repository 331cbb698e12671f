/**
 * validate-data and detect-drift through dist/ on data files built to exhaust a reader: Parquet footers that
 * claim billions of rows, lines of tens of MiB, rules nested thousands deep, column names that are HTML. The
 * actions run with a 256 MiB heap, so a reader that allocates what a file claims fails loudly.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { ByteWriter } from "hyparquet-writer/src/bytewriter.js";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";
import { renderGfm, sanitizerFindings } from "../services/github-markdown";

let dir: string;
const HEAP = { NODE_OPTIONS: "--max-old-space-size=256" };

/** A valid three-row Parquet file whose footer then claims `rows` rows (file and row group alike). */
function parquetClaiming(rows: bigint, groupRows = rows): Buffer {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: "x", data: [1.5, 2.5, 3.5], type: "DOUBLE" },
      { name: "y", data: [0.5, 1.5, 2.5], type: "DOUBLE" },
    ],
  });
  const meta = parquetMetadata(buf);
  meta.num_rows = rows;
  for (const g of meta.row_groups) g.num_rows = groupRows;
  const footerLength = new DataView(buf).getUint32(buf.byteLength - 8, true);
  const body = Buffer.from(buf, 0, buf.byteLength - 8 - footerLength);
  const writer = new ByteWriter();
  writeMetadata(writer, meta as Parameters<typeof writeMetadata>[1]);
  const footer = Buffer.from(writer.getBuffer());
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write("PAR1", 4);
  return Buffer.concat([body, footer, tail]);
}

function csvWithLongLine(name: string, lineChars: number): string {
  const file = join(dir, name);
  const short = "1.5,2.5\n".repeat(50);
  writeFileSync(file, `x,y\n${short}${"9".repeat(lineChars)},1\n${short}`);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlops-data-hostile-"));
  writeFileSync(join(dir, "schema.yml"), "version: 1\ncolumns:\n  x:\n    type: float\n  y:\n    type: float\n");
});

const validate = (data: string, schema = join(dir, "schema.yml")) =>
  runAction("validate-data", { root: bundleRoot(), inputs: { data, schema }, env: HEAP });
const drift = (reference: string, current: string) =>
  runAction("detect-drift", {
    root: bundleRoot(),
    inputs: { reference, current, "report-dir": join(dir, "drift") },
    env: HEAP,
  });

function refused(r: Awaited<ReturnType<typeof validate>>, pattern: RegExp): void {
  expect(r.errors, r.stderr.slice(-500)).toHaveLength(1);
  expect(r.errors[0]).toMatch(pattern);
  expect(r.errors[0]).not.toMatch(/this is a bug/);
  expect(r.exitCode).toBe(1);
}

describe("data readers against hostile files (bundled, 256 MiB heap)", () => {
  it("refuses a ~200-byte Parquet file that claims 2 billion or 10^15 rows, before allocating them", async () => {
    for (const rows of [2_000_000_000n, 1_000_000_000_000_000n]) {
      const file = join(dir, `claims-${rows}.parquet`);
      writeFileSync(file, parquetClaiming(rows));
      refused(
        await validate(file),
        new RegExp(
          `row group 0 claims ${rows} rows, which would take .* MiB to decode, more than the reader's budget of 2048 MiB`,
        ),
      );
      refused(await drift(file, file), new RegExp(`row group 0 claims ${rows} rows`));
    }
  }, 120_000);

  it("refuses a Parquet footer whose row count disagrees with its row groups", async () => {
    const file = join(dir, "inconsistent.parquet");
    writeFileSync(file, parquetClaiming(5_000_000_000n, 3n));
    refused(await validate(file), /its footer claims 5000000000 rows but its row groups hold 3/);
    writeFileSync(join(dir, "honest.parquet"), parquetClaiming(3n));
    expect((await validate(join(dir, "honest.parquet"))).exitCode).toBe(0);
  }, 60_000);

  it("refuses a CSV line over 16 MiB with its line number, in validate-data and detect-drift", async () => {
    const file = csvWithLongLine("long-line.csv", 20 * 1024 * 1024);
    refused(await validate(file), /line 52 is longer than 16 MiB/);
    refused(await drift(file, file), /long-line\.csv: line 52 is longer than 16 MiB/);
  }, 120_000);

  it("refuses a JSON Lines line over 16 MiB with its line number", async () => {
    const file = join(dir, "long.jsonl");
    writeFileSync(file, `{"x":1,"y":2}\n{"x":1,"y":"${"a".repeat(20 * 1024 * 1024)}"}\n`);
    refused(await validate(file), /long\.jsonl: line 2 is longer than 16 MiB/);
    refused(await drift(file, file), /long\.jsonl: line 2 is longer than 16 MiB/);
  }, 120_000);

  it("refuses a rule nested 30 000 parentheses deep, and one nested 100 deep, with user errors", async () => {
    const file = csvWithLongLine("short.csv", 3);
    for (const [depth, says] of [
      [30_000, /has 60003 terms and operators, more than 2000; split it into several rules/],
      [100, /nests parentheses or signs deeper than 64 levels/],
    ] as const) {
      const schema = join(dir, `deep-rule-${depth}.yml`);
      const check = `${"(".repeat(depth)}x${")".repeat(depth)} >= 0`;
      writeFileSync(
        schema,
        `version: 1\ncolumns:\n  x:\n    type: float\n  y:\n    type: float\nrules:\n  - name: deep\n    check: "${check}"\n`,
      );
      refused(await validate(file, schema), says);
    }
  }, 60_000);

  it("writes column names as text, not HTML, in the job summary", async () => {
    const evil = "<script>alert(1)</script>|<img src=x onerror=alert(2)>";
    const file = join(dir, "evil.csv");
    writeFileSync(file, `"${evil}",y\nabc,1\n`);
    const schema = join(dir, "evil.yml");
    writeFileSync(schema, `version: 1\ncolumns:\n  '${evil}':\n    type: float\n  y:\n    type: float\n`);
    const r = await validate(file, schema);
    expect(r.exitCode).toBe(1);
    // What GitHub shows: the name as text in one table cell, no element made from it.
    const html = renderGfm(r.summary);
    expect(html).not.toMatch(/<script|<img/);
    expect(sanitizerFindings(r.summary)).toEqual([]);
    const cells = [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]);
    expect(cells).toContain("&lt;script&gt;alert(1)&lt;/script&gt;|&lt;img src=x onerror=alert(2)&gt;");
  }, 60_000);
});
