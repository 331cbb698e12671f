/**
 * Typed action inputs. Each action declares one zod object whose keys are its input names (kebab-case,
 * exactly as in its action.yml); these helpers turn the raw strings the runner (or the CLI) gives into
 * typed values, with errors that name the input, the value received and what is accepted.
 * An empty string means "not given": the runner passes action.yml defaults itself, the CLI applies them.
 */
import { parse as parseYaml } from "yaml";
import { type ZodType, z } from "zod";
import { shown, UserError } from "../shared/errors";

const TRUE = new Set(["true", "True", "TRUE"]);
const FALSE = new Set(["false", "False", "FALSE"]);

type Raw = string | undefined;

function fail(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

function optional<T>(inner: (value: string, ctx: z.RefinementCtx) => T) {
  return z
    .string()
    .optional()
    .transform((v: Raw, ctx) => (v === undefined || v.trim() === "" ? undefined : inner(v.trim(), ctx)));
}

function required<T>(inner: (value: string, ctx: z.RefinementCtx) => T, what: string) {
  return z
    .string()
    .optional()
    .transform((v: Raw, ctx) =>
      v === undefined || v.trim() === "" ? fail(ctx, `is required: ${what}`) : inner(v.trim(), ctx),
    );
}

const asBool = (v: string, ctx: z.RefinementCtx): boolean => {
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return fail(ctx, "expected a boolean: true or false");
};

interface NumberOptions {
  min?: number;
  max?: number;
  /** min and max themselves are outside the range. */
  exclusive?: boolean;
}

function asNumber(opts: NumberOptions & { int?: boolean }) {
  return (v: string, ctx: z.RefinementCtx): number => {
    const n = Number(v);
    const ex = opts.exclusive === true;
    const range =
      opts.min !== undefined && opts.max !== undefined
        ? ex
          ? ` between ${opts.min} and ${opts.max}, exclusive`
          : ` from ${opts.min} to ${opts.max}`
        : opts.min !== undefined
          ? ex
            ? ` greater than ${opts.min}`
            : ` of at least ${opts.min}`
          : opts.max !== undefined
            ? ex
              ? ` less than ${opts.max}`
              : ` of at most ${opts.max}`
            : "";
    const kind = opts.int ? "a whole number" : "a number";
    if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n))) return fail(ctx, `expected ${kind}${range}`);
    const below = opts.min !== undefined && (ex ? n <= opts.min : n < opts.min);
    const above = opts.max !== undefined && (ex ? n >= opts.max : n > opts.max);
    if (below || above) return fail(ctx, `expected ${kind}${range}`);
    return n;
  };
}

/**
 * One item per line; commas also separate (so `a, b` and a YAML block scalar both work). Blank lines and
 * lines that start with `#` are ignored; a `#` inside an item is kept (a column may be named `Pump #1`).
 */
export function splitList(v: string): string[] {
  return v
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith("#"))
    .flatMap((line) => line.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function asStructured<T>(schema: ZodType<T>, what: string) {
  return (v: string, ctx: z.RefinementCtx): T => {
    let data: unknown;
    try {
      data = parseYaml(v); // YAML is a superset of JSON: accepts both
    } catch (e) {
      return fail(ctx, `expected ${what} as JSON or YAML (${(e as Error).message.split("\n")[0]})`);
    }
    const r = schema.safeParse(data);
    if (!r.success) {
      const first = r.error.issues[0];
      const at = first && first.path.length > 0 ? ` at ${first.path.join(".")}` : "";
      return fail(ctx, `expected ${what}${at}: ${first?.message ?? "invalid"}`);
    }
    return r.data;
  };
}

function asEnum<const T extends readonly string[]>(values: T) {
  return (v: string, ctx: z.RefinementCtx): T[number] =>
    (values as readonly string[]).includes(v) ? (v as T[number]) : fail(ctx, `expected one of: ${values.join(", ")}`);
}

/** Builders for input fields. `.required()` variants fail with a message when the input is empty. */
export const input = {
  string: () => optional((v) => v),
  requiredString: (what: string) => required((v) => v, what),
  boolean: () => optional(asBool),
  number: (opts: NumberOptions = {}) => optional(asNumber(opts)),
  integer: (opts: NumberOptions = {}) => optional(asNumber({ ...opts, int: true })),
  enumeration: <const T extends readonly string[]>(values: T) => optional(asEnum(values)),
  list: () => optional((v) => splitList(v)),
  /** JSON or YAML, validated by `schema`; `what` says what is accepted, e.g. "a map of metric to number". */
  structured: <T>(schema: ZodType<T>, what: string) => optional(asStructured(schema, what)),
  url: (opts: { https?: boolean } = {}) =>
    optional((v, ctx) => {
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        return fail(ctx, "expected an absolute URL");
      }
      if (opts.https && u.protocol !== "https:") return fail(ctx, "expected an https:// URL");
      return v;
    }),
};

const DEFAULTED = new WeakSet<z.ZodType>();

/**
 * An input whose default lives in action.yml (and only there). The runner passes that default when the step
 * leaves the input out, and the wrappers (`runOnRunner`, the CLI) pass it when the step gives an empty value,
 * so the parsed value is never `undefined`. The metadata test holds action.yml to it: an input built with
 * `defaulted` has a literal default there, and an input with a literal default is built with `defaulted`.
 */
export function defaulted<S extends z.ZodType<unknown, string | undefined>>(
  field: S,
): z.ZodType<Exclude<z.output<S>, undefined>, string | undefined> {
  const schema = field.transform((v, ctx) =>
    v === undefined ? fail(ctx, "is empty: give a value, or leave the input out to use its action.yml default") : v,
  ) as unknown as z.ZodType<Exclude<z.output<S>, undefined>, string | undefined>;
  DEFAULTED.add(schema);
  return schema;
}

/**
 * Whether an input field was built with `defaulted`, i.e. action.yml must give it a default; a field that
 * transforms a defaulted one further (`defaulted(input.string()).transform(parse)`) is defaulted too.
 */
export function isDefaulted(field: z.ZodType): boolean {
  for (let f: z.ZodType | undefined = field; f; f = f instanceof z.ZodPipe ? (f.in as z.ZodType) : undefined)
    if (DEFAULTED.has(f)) return true;
  return false;
}

/**
 * The raw values with every empty one of a `defaulted` input replaced by its action.yml default, as
 * `defaultOf` reads it (called only when such an input is empty, so the runner reads action.yml only then).
 */
export function fillDefaults(
  shape: InputShape,
  raw: Record<string, string | undefined>,
  defaultOf: (name: string) => string,
): Record<string, string | undefined> {
  const out = { ...raw };
  for (const [name, field] of Object.entries(shape))
    if ((out[name] ?? "").trim() === "" && isDefaulted(field)) out[name] = defaultOf(name);
  return out;
}

/** A map of metric -> number written as YAML/JSON (`recall: 0.01`) or `key=value` lines. */
export const numberMap = z.record(z.string(), z.number());

export type InputShape = Record<string, z.ZodType<unknown, string | undefined>>;

/**
 * Parse raw input strings with an action's schema. Throws one UserError naming every bad input:
 * `input "threshold": expected a number from 0 to 1 (got "abc").`
 * Values of inputs listed in `secret` are never echoed.
 */
export function parseInputs<S extends z.ZodObject<InputShape>>(
  schema: S,
  raw: Record<string, string | undefined>,
  secret: readonly string[] = [],
): z.output<S> {
  const known = new Set(Object.keys(schema.shape));
  const values: Record<string, string | undefined> = {};
  for (const name of known) values[name] = raw[name];
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "?");
    const got = secret.includes(name) ? "***" : shown(values[name] ?? "");
    if (issue.message.startsWith("is required")) return `input "${name}" ${issue.message}.`;
    return `input "${name}": ${issue.message} (got ${got}).`;
  });
  throw new UserError(
    lines.length === 1
      ? `${lines[0]} Fix it in the step's with: block (or the --flag of the CLI).`
      : `${lines.join(" ")} Fix them in the step's with: block (or the --flags of the CLI).`,
  );
}
