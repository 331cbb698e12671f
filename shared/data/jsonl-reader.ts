import { shown, UserError } from "../errors";
import { BatchBuilder } from "./batch-builder";
import type { DataFile } from "./data-files";
import { boundedLines } from "./read-limits";
import { type ColumnBatch, type ColumnType, MISSING } from "./types";

/** JSON Lines: one object per line; keys are columns (the union over the first 1000 lines, in order seen). */

const SAMPLE_LINES = 1000;

export interface JsonlHead {
  columns: string[];
  types: Record<string, ColumnType>;
}

async function* lines(source: DataFile): AsyncGenerator<string> {
  const stream = await source.stream({ highWaterMark: 1 << 20 });
  stream.setEncoding("utf8");
  try {
    yield* boundedLines(stream, source.name);
  } finally {
    stream.destroy();
  }
}

function parseLine(file: string, text: string, row: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `${file}: row ${row} is not valid JSON (${(e as Error).message}; got ${shown(text)}). Write one JSON object per line.`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UserError(
      `${file}: row ${row} is not a JSON object (got ${shown(text)}). Write one JSON object per line.`,
    );
  }
  return value as Record<string, unknown>;
}

export async function readJsonlHead(source: DataFile): Promise<JsonlHead> {
  const file = source.name;
  const seen = new Map<string, ColumnType>();
  let row = 0;
  for await (const raw of lines(source)) {
    const text = row === 0 ? raw.replace(/^\uFEFF/, "") : raw;
    if (text.trim() === "") continue;
    row++;
    const obj = parseLine(file, text, row);
    for (const [k, v] of Object.entries(obj)) {
      const isNum = typeof v === "number" || typeof v === "boolean" || v === null;
      if (!seen.has(k)) seen.set(k, isNum ? "number" : "string");
      else if (!isNum) seen.set(k, "string");
    }
    if (row >= SAMPLE_LINES) break;
  }
  if (row === 0)
    throw new UserError(
      `${file}: the file is empty (got no JSON lines). Pass a JSON Lines file with one object per row.`,
    );
  return { columns: [...seen.keys()], types: Object.fromEntries(seen) };
}

export interface JsonlReadPlan {
  file: DataFile;
  select: { name: string; type: ColumnType }[];
  batchSize: number;
  offset: number;
}

export async function* jsonlBatches(plan: JsonlReadPlan): AsyncGenerator<ColumnBatch> {
  const file = plan.file.name;
  const builder = new BatchBuilder(plan.select, plan.batchSize, file, plan.offset);
  const numNames = builder.numberNames;
  const strNames = builder.stringNames;
  let row = 0;
  for await (const raw of lines(plan.file)) {
    const text = row === 0 ? raw.replace(/^\uFEFF/, "") : raw;
    if (text.trim() === "") continue;
    row++;
    const obj = parseLine(file, text, row);
    const k = builder.k;
    for (let j = 0; j < numNames.length; j++) {
      const v = obj[numNames[j]!];
      let x: number;
      if (typeof v === "number") x = v;
      else if (v === null || v === undefined) x = Number.NaN;
      else if (typeof v === "boolean") x = v ? 1 : 0;
      else if (typeof v === "string" && !MISSING.has(v.trim()) && v.trim() !== "" && Number.isFinite(+v)) x = +v;
      else x = builder.missingOrThrow(typeof v === "string" ? v : JSON.stringify(v), j, row);
      builder.numbers[j]![k] = x;
    }
    for (let j = 0; j < strNames.length; j++) {
      const v = obj[strNames[j]!];
      builder.strings[j]![k] = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
    }
    builder.commit(row);
    yield* builder.drain();
  }
  builder.flush();
  yield* builder.drain();
}
