/**
 * Microsoft's published OpenAPI (Swagger 2.0) description of Microsoft.MachineLearningServices 2024-10-01, the
 * parts the actions use (vendored beside this file, each JSON naming its source path and commit), turned into
 * JSON Schema and checked with ajv: every request the client sends to the local Resource Manager stand-in and
 * every answer the stand-in gives.
 *
 * Swagger 2.0 is not JSON Schema, so the translation follows what AutoRest and the spec's own validator (oav,
 * https://github.com/Azure/oav) make of it:
 * - `allOf` is inheritance: a model's properties and `required` are those of its bases plus its own, and
 *   `additionalProperties: false` applies to that union;
 * - a model with `discriminator` stands for the variant whose `x-ms-discriminator-value` matches (an unknown
 *   value is refused);
 * - `x-nullable: true` allows null;
 * - `readOnly` properties may not be sent in a request (oav: READONLY_PROPERTY_NOT_ALLOWED_IN_REQUEST), and
 *   `x-ms-secret` properties are not required in a response (they are never returned).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { type Operation, OPERATIONS } from "./operations";

type Swagger = Record<string, unknown> & {
  $ref?: string;
  allOf?: Swagger[];
  properties?: Record<string, Swagger>;
  required?: string[];
  discriminator?: string;
  "x-ms-discriminator-value"?: string;
  additionalProperties?: Swagger | boolean;
  items?: Swagger;
  type?: string;
};

const here = dirname(fileURLToPath(import.meta.url));
const FILES = { mfe: "mfe.json", types: "types.json", managedidentity: "managedidentity.json" } as const;
type FileKey = keyof typeof FILES;

const files = Object.fromEntries(
  Object.entries(FILES).map(([k, f]) => [k, JSON.parse(readFileSync(join(here, f), "utf8")) as { definitions: Record<string, Swagger> }]),
) as Record<FileKey, { definitions: Record<string, Swagger> }>;

/** `<file>.<Definition>` for a $ref written in `from`. */
function refKey(ref: string, from: FileKey): string {
  const m = /^(?:(.*?)\.json)?#\/definitions\/(.+)$/.exec(ref);
  if (!m) throw new Error(`spec: unsupported $ref ${ref}`);
  const file = m[1] ? (Object.entries(FILES).find(([, f]) => f === `${m[1]!.split("/").at(-1)}.json`)?.[0] as FileKey | undefined) : from;
  if (!file) throw new Error(`spec: $ref to a file that is not vendored: ${ref}`);
  if (!files[file].definitions[m[2]!]) throw new Error(`spec: $ref to a definition that is not vendored: ${ref}`);
  return `${file}.${m[2]}`;
}

function definition(key: string): { file: FileKey; name: string; def: Swagger } {
  const [file, name] = key.split(".") as [FileKey, string];
  return { file, name, def: files[file].definitions[name]! };
}

/** Every model that inherits (directly or not) from `key` and names a discriminator value. */
function variants(key: string): { value: string; key: string }[] {
  const out: { value: string; key: string }[] = [];
  for (const file of Object.keys(files) as FileKey[])
    for (const [name, def] of Object.entries(files[file].definitions)) {
      const value = def["x-ms-discriminator-value"];
      if (value === undefined) continue;
      const sub = `${file}.${name}`;
      if (ancestors(sub).includes(key)) out.push({ value, key: sub });
    }
  return out;
}

function ancestors(key: string): string[] {
  const { file, def } = definition(key);
  return (def.allOf ?? []).flatMap((a) => {
    const k = refKey(a.$ref as string, file);
    return [k, ...ancestors(k)];
  });
}

type Mode = "request" | "response";

/** A model with its bases folded in: properties, required, whether extra properties are refused. */
function flatten(key: string): { properties: Record<string, { schema: Swagger; file: FileKey }>; required: Set<string>; closed: boolean } {
  const { file, def } = definition(key);
  const properties: Record<string, { schema: Swagger; file: FileKey }> = {};
  const required = new Set<string>();
  for (const base of def.allOf ?? []) {
    const b = flatten(refKey(base.$ref as string, file));
    Object.assign(properties, b.properties);
    for (const r of b.required) required.add(r);
  }
  for (const [k, v] of Object.entries(def.properties ?? {})) properties[k] = { schema: v, file };
  for (const r of def.required ?? []) required.add(r);
  return { properties, required, closed: def.additionalProperties === false };
}

function convert(s: Swagger, file: FileKey, mode: Mode): Record<string, unknown> {
  const nullable = s["x-nullable"] === true;
  let out: Record<string, unknown>;
  if (s.$ref) out = { $ref: `#/definitions/${mode}.${refKey(s.$ref, file)}` };
  else if (s.allOf || s.discriminator) throw new Error("spec: inline allOf/discriminator is not supported");
  else {
    out = {};
    if (s.type) out.type = s.type;
    for (const k of ["enum", "pattern", "minLength", "maxLength", "minimum", "maximum"] as const) if (s[k] !== undefined) out[k] = s[k];
    if (typeof s.format === "string" && ["uri", "date-time", "uuid", "duration"].includes(s.format)) out.format = s.format;
    if (s.items) out.items = convert(s.items, file, mode);
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, convert(v, file, mode)]));
    if (typeof s.additionalProperties === "object") out.additionalProperties = convert(s.additionalProperties, file, mode);
    else if (s.additionalProperties === false) out.additionalProperties = false;
  }
  return nullable ? { anyOf: [out, { type: "null" }] } : out;
}

/** The JSON Schema of a model (as a whole, or of one of its variants) in requests or responses. */
function modelSchema(key: string, mode: Mode): Record<string, unknown> {
  const { def } = definition(key);
  if (def.enum || (def.type && def.type !== "object")) return convert(def, definition(key).file, mode);
  const flat = flatten(key);
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(flat.properties)) {
    properties[name] = mode === "request" && p.schema.readOnly === true ? { not: {}, errorMessage: "read-only" } : convert(p.schema, p.file, mode);
    if (flat.required.has(name) && !(mode === "response" && p.schema["x-ms-secret"] === true) && !(mode === "request" && p.schema.readOnly === true))
      required.push(name);
  }
  const own = def["x-ms-discriminator-value"];
  const discriminated = ancestors(key).map((a) => definition(a).def.discriminator).find(Boolean) ?? def.discriminator;
  if (own !== undefined && discriminated) properties[discriminated] = { const: own };
  const schema: Record<string, unknown> = { type: "object", properties, ...(required.length ? { required } : {}) };
  if (flat.closed) schema.additionalProperties = false;
  if (def.discriminator && own === undefined) {
    // The base stands for its variants: dispatch on the discriminator.
    const vs = variants(key);
    return {
      type: "object",
      required: [def.discriminator],
      properties: { [def.discriminator]: { enum: vs.map((v) => v.value) } },
      allOf: vs.map((v) => ({ if: { properties: { [def.discriminator as string]: { const: v.value } } }, then: { $ref: `#/definitions/${mode}.${v.key}` } })),
    };
  }
  return schema;
}

const definitions: Record<string, unknown> = {};
for (const mode of ["request", "response"] as const)
  for (const file of Object.keys(files) as FileKey[])
    for (const name of Object.keys(files[file].definitions)) definitions[`${mode}.${file}.${name}`] = modelSchema(`${file}.${name}`, mode);

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false, discriminator: false }));
ajv.addSchema({ $id: "aml", definitions });
const compiled = new Map<string, ValidateFunction>();
function validator(mode: Mode, ref: string): ValidateFunction {
  const id = `aml#/definitions/${mode}.${refKey(ref, "mfe")}`;
  let v = compiled.get(id);
  if (!v) {
    v = ajv.getSchema(id);
    if (!v) throw new Error(`spec: no schema ${id}`);
    compiled.set(id, v);
  }
  return v;
}

export interface SpecFinding {
  operation?: string;
  method: string;
  path: string;
  status?: number;
  direction: "request" | "response";
  problems: string[];
}

/** What was checked: every request and answer, and what did not match. */
export const specLedger = { requests: 0, responses: 0, unmatched: [] as SpecFinding[], mismatches: [] as SpecFinding[] };

export function matchOperation(method: string, path: string): { op: Operation; params: Record<string, string> } | undefined {
  for (const op of OPERATIONS) {
    if (op.method !== method) continue;
    const m = op.regex.exec(path);
    if (m) return { op, params: m.groups ?? {} };
  }
  return undefined;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  const all = errors ?? [];
  // A nullable property that is wrong reports "must be null" and "must match a schema in anyOf" besides the
  // real reason: keep the real reason.
  const real = all.filter((e) => e.keyword !== "if" && e.keyword !== "anyOf" && !(e.keyword === "type" && (e.params as { type?: string }).type === "null"));
  return (real.length ? real : all)
    .map((e) => `${e.instancePath || "(body)"} ${e.keyword === "not" ? "is read-only and may not be sent" : e.message}${e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ""}${e.keyword === "enum" ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : ""}`);
}

/** Check a request against its operation: path parameters, api-version, body. Problems are returned, and counted. */
export function checkRequest(method: string, path: string, query: URLSearchParams, body: unknown): { operation?: Operation; problems: string[] } {
  const hit = matchOperation(method, path);
  if (!hit) {
    specLedger.unmatched.push({ method, path, direction: "request", problems: ["no operation of the vendored spec has this method and path"] });
    return { problems: [`${method} ${path} is not an operation of Microsoft.MachineLearningServices 2024-10-01`] };
  }
  specLedger.requests++;
  const problems: string[] = [];
  for (const [name, pattern] of Object.entries(hit.op.pathPatterns ?? {}))
    if (!new RegExp(pattern).test(hit.params[name] ?? "")) problems.push(`path parameter ${name} ${JSON.stringify(hit.params[name])} does not match ${pattern}`);
  if (!query.get("api-version")) problems.push("api-version is required");
  if (hit.op.body) {
    if (body === undefined) {
      if (hit.op.bodyRequired) problems.push("the body is required");
    } else {
      const v = validator("request", hit.op.body);
      if (!v(body)) problems.push(...describe(v.errors));
    }
  } else if (body !== undefined && body !== "") problems.push("this operation takes no body");
  if (problems.length) specLedger.mismatches.push({ operation: hit.op.id, method, path, direction: "request", problems });
  return { operation: hit.op, problems };
}

/** Check an answer of the stand-in against the operation's documented responses. */
export function checkResponse(op: Operation, method: string, path: string, status: number, headers: Record<string, string>, body: unknown): string[] {
  specLedger.responses++;
  const problems: string[] = [];
  const spec = op.responses[status];
  if (status >= 400 || !spec) {
    if (status < 400) problems.push(`status ${status} is not a documented answer (documented: ${Object.keys(op.responses).join(", ")})`);
    const v = validator("response", "types.json#/definitions/ErrorResponse");
    // An error answer without a body (a gateway's 503) is not checked; one with a body is an ErrorResponse.
    if (status >= 400 && body !== undefined && !v(body)) problems.push(...describe(v.errors));
  } else {
    if (spec.schema) {
      const v = validator("response", spec.schema);
      if (!v(body)) problems.push(...describe(v.errors));
    }
    for (const h of spec.headers ?? []) if (!headers[h.toLowerCase()]) problems.push(`header ${h} is missing`);
  }
  const retry = headers["retry-after"];
  if (spec?.retryAfter && retry !== undefined) {
    const n = Number(retry);
    if (!Number.isInteger(n) || n < 10 || n > 600) problems.push(`Retry-After ${retry} is outside the documented 10-600 seconds`);
  }
  if (problems.length) specLedger.mismatches.push({ operation: op.id, method, path, status, direction: "response", problems });
  return problems;
}
