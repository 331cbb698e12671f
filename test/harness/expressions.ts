/**
 * `${{ }}` expressions and workflow template values, evaluated by GitHub's own engine (`@actions/expressions`,
 * the evaluator the Actions language services use): operators, loose equality, case-insensitive context
 * access, `fromJSON`/`toJSON`/`format`/`contains`/`join`/... are GitHub's, not ours. What the engine leaves to
 * its host is here: the status functions (`success()`, `failure()`, `always()`, `cancelled()`) whose answer
 * depends on the job, the conversion between JavaScript values and expression data, and walking a parsed
 * template token (`with:`, `env:`, `outputs:`, `strategy:`) to a value, as the runner's template evaluator does.
 * `hashFiles()` is not provided: an expression that calls it is refused when it is parsed.
 */
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { Expr } from "@actions/expressions/ast";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };
export type Contexts = Record<string, Value>;

/** What the status functions answer in the place an expression is evaluated (a job's `if:` or a step's). */
export interface Status {
  /** Every needed job succeeded (job `if:`), or no earlier step failed (step `if:`). */
  success: boolean;
  /** A needed job, or an earlier step, failed. */
  failure: boolean;
}

const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"] as const;
const CONTEXTS = [
  "github",
  "env",
  "vars",
  "secrets",
  "inputs",
  "needs",
  "matrix",
  "strategy",
  "steps",
  "runner",
  "job",
  "jobs",
];

function statusFunctions(status: Status): Map<string, FunctionDefinition> {
  const answer: Record<(typeof STATUS_FUNCTIONS)[number], boolean> = {
    success: status.success,
    failure: status.failure,
    always: true,
    cancelled: false, // nothing is cancelled here
  };
  return new Map(
    STATUS_FUNCTIONS.map((name) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(answer[name]) } satisfies FunctionDefinition,
    ]),
  );
}

const parsed = new Map<string, Expr>();

/** Parse once (GitHub's lexer and parser); unknown functions and contexts are errors, as on GitHub. */
function parse(expression: string): Expr {
  let expr = parsed.get(expression);
  if (!expr) {
    const lexed = new Lexer(expression).lex();
    expr = new Parser(
      lexed.tokens,
      CONTEXTS,
      STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 })),
    ).parse();
    parsed.set(expression, expr);
  }
  return expr;
}

export function toData(v: Value | undefined): data.ExpressionData {
  if (v === null || v === undefined) return new data.Null();
  if (typeof v === "string") return new data.StringData(v);
  if (typeof v === "number") return new data.NumberData(v);
  if (typeof v === "boolean") return new data.BooleanData(v);
  if (Array.isArray(v)) return new data.Array(...v.map(toData));
  return new data.Dictionary(...Object.entries(v).map(([key, value]) => ({ key, value: toData(value) })));
}

export function fromData(d: data.ExpressionData): Value {
  switch (d.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.String:
      return (d as data.StringData).value;
    case data.Kind.Number:
      return (d as data.NumberData).value;
    case data.Kind.Boolean:
      return (d as data.BooleanData).value;
    case data.Kind.Array:
      return (d as data.Array).values().map(fromData);
    default:
      return Object.fromEntries((d as data.Dictionary).pairs().map((p) => [p.key, fromData(p.value)]));
  }
}

export function evaluate(expression: string, ctx: Contexts, status: Status = { success: true, failure: false }): Value {
  const context = toData(ctx) as data.Dictionary;
  return fromData(new Evaluator(parse(expression), context, statusFunctions(status)).evaluate());
}

/** GitHub's truthiness: false, 0, -0, NaN, "" and null are false. */
export function truthy(v: Value): boolean {
  return !(v === false || v === 0 || v === "" || v === null || Number.isNaN(v));
}

/** How a value becomes text in an input, an env variable or an output (objects as toJSON writes them). */
export function toText(v: Value): string {
  if (v === null) return "";
  if (typeof v === "object") return JSON.stringify(v, null, 2);
  if (typeof v === "number") return new data.NumberData(v).coerceString();
  return String(v);
}

/**
 * The value of a parsed template token: literals as written, `${{ }}` (which the parser has already turned
 * into one expression, `format('...{0}...', expr)` for mixed text) evaluated, mappings and sequences walked.
 */
export function evaluateToken(token: TemplateToken | undefined, ctx: Contexts, status?: Status): Value {
  if (token === undefined) return null;
  if (isBasicExpression(token)) return evaluate(token.expression, ctx, status);
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isSequence(token)) {
    const out: Value[] = [];
    for (let i = 0; i < token.count; i++) out.push(evaluateToken(token.get(i), ctx, status));
    return out;
  }
  if (isMapping(token)) {
    const out: Record<string, Value> = {};
    for (let i = 0; i < token.count; i++) {
      const pair = token.get(i);
      out[toText(evaluateToken(pair.key, ctx, status))] = evaluateToken(pair.value, ctx, status);
    }
    return out;
  }
  if (token.isExpression) throw new Error(`unsupported template expression at line ${token.line}`);
  return null; // a null literal
}

/** A mapping token (`with:`, `env:`, job `outputs:`) as strings, the way the runner hands them on. */
export function evaluateStrings(
  token: TemplateToken | undefined,
  ctx: Contexts,
  status?: Status,
): Record<string, string> {
  const v = evaluateToken(token, ctx, status);
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new Error(`expected a mapping, got ${toText(v)}`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toText(x)]));
}

/** A job or step `if:`: the parser has already wrapped it in `success() && (...)` when it names no status function. */
export function condition(token: TemplateToken | undefined, ctx: Contexts, status: Status): boolean {
  if (token === undefined) return status.success;
  return truthy(evaluateToken(token, ctx, status));
}
