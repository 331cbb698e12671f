import type { Cell } from "./read-rows";
import type { ColumnType } from "./schema";

/** A cell read against its declared type. `ok: false` means the cell does not hold a value of that type. */
export type TypedCell =
  { kind: "null" } | { kind: "ok"; number?: number; text: string } | { kind: "bad"; text: string };

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const TRUE = new Set(["true", "True", "TRUE", "1"]);
const FALSE = new Set(["false", "False", "FALSE", "0"]);

/** How a cell is shown in reports: CSV text as is, anything else as JSON. */
export function cellText(cell: Cell): string {
  if (typeof cell === "string") return cell;
  if (cell instanceof Date) return cell.toISOString();
  if (typeof cell === "bigint") return cell.toString();
  return JSON.stringify(cell) ?? String(cell);
}

/**
 * Check one cell against a declared type. Text (CSV) is parsed strictly: "12a", "1,5" or "" in a
 * float column are not numbers. Typed cells (JSON Lines, Parquet) must already carry the type: a JSON
 * string "12" in an int column is a type violation, as in the data contract it breaks.
 */
export function readCell(cell: Cell, type: ColumnType, nullValues: ReadonlySet<string>, typed = false): TypedCell {
  if (cell === null || cell === undefined) return { kind: "null" };
  if (typeof cell === "string") {
    if (!typed) return nullValues.has(cell) ? { kind: "null" } : fromText(cell, type);
    if (type === "string") return { kind: "ok", text: cell };
    // JSON Lines / Parquet: a string is only acceptable where text is the declared encoding.
    return type === "timestamp" ? fromText(cell, type) : { kind: "bad", text: cell };
  }
  const text = cellText(cell);
  switch (type) {
    case "string":
      return typeof cell === "object" && !(cell instanceof Date) ? { kind: "bad", text } : { kind: "ok", text };
    case "int":
      if (typeof cell === "bigint") return { kind: "ok", number: Number(cell), text };
      return typeof cell === "number" && Number.isInteger(cell)
        ? { kind: "ok", number: cell, text }
        : { kind: "bad", text };
    case "float":
      if (typeof cell === "bigint") return { kind: "ok", number: Number(cell), text };
      return typeof cell === "number" && !Number.isNaN(cell)
        ? { kind: "ok", number: cell, text }
        : { kind: "bad", text };
    case "bool":
      return typeof cell === "boolean" ? { kind: "ok", number: cell ? 1 : 0, text } : { kind: "bad", text };
    case "timestamp":
      return cell instanceof Date ? { kind: "ok", number: cell.getTime(), text } : { kind: "bad", text };
  }
}

function fromText(text: string, type: ColumnType): TypedCell {
  const t = text.trim();
  switch (type) {
    case "string":
      return { kind: "ok", text };
    case "int":
      return INT.test(t) ? { kind: "ok", number: Number(t), text } : { kind: "bad", text };
    case "float":
      if (FLOAT.test(t)) return { kind: "ok", number: Number(t), text };
      if (t === "inf" || t === "+inf" || t === "Infinity")
        return { kind: "ok", number: Number.POSITIVE_INFINITY, text };
      if (t === "-inf" || t === "-Infinity") return { kind: "ok", number: Number.NEGATIVE_INFINITY, text };
      return { kind: "bad", text };
    case "bool":
      if (TRUE.has(t)) return { kind: "ok", number: 1, text };
      if (FALSE.has(t)) return { kind: "ok", number: 0, text };
      return { kind: "bad", text };
    case "timestamp": {
      if (!TIMESTAMP.test(t)) return { kind: "bad", text };
      const ms = Date.parse(t.replace(" ", "T"));
      return Number.isNaN(ms) ? { kind: "bad", text } : { kind: "ok", number: ms, text };
    }
  }
}

/** The narrowest type every non-null value fits, for schema inference. */
export function typeOfText(cell: Cell): ColumnType {
  if (typeof cell === "boolean") return "bool";
  if (typeof cell === "bigint") return "int";
  if (typeof cell === "number") return Number.isInteger(cell) ? "int" : "float";
  if (cell instanceof Date) return "timestamp";
  if (typeof cell !== "string") return "string";
  const t = cell.trim();
  if (INT.test(t)) return "int";
  if (FLOAT.test(t)) return "float";
  if (t === "true" || t === "false" || t === "True" || t === "False" || t === "TRUE" || t === "FALSE") return "bool";
  if (TIMESTAMP.test(t) && !Number.isNaN(Date.parse(t.replace(" ", "T")))) return "timestamp";
  return "string";
}
