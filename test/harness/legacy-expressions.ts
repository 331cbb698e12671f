/**
 * GitHub Actions expressions (`${{ ... }}`), the subset our workflows use: contexts with dotted and indexed
 * property access (names may hold dashes), string/number/boolean/null literals, ! == != && || and
 * parentheses, and the functions toJSON, fromJSON, format, contains, startsWith, endsWith, success,
 * always, failure, cancelled. Semantics follow GitHub's: && and || return an operand, string equality
 * ignores case, and missing properties are null.
 */
export type Value = string | number | boolean | null | Value[] | { [k: string]: Value } | undefined;
export type Contexts = Record<string, Value>;

type Token = { t: "str" | "num" | "id" | "op" | "(" | ")" | "[" | "]" | "." | ","; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in ${src}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: "str", v: s });
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: "num", v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: "id", v: m[0] });
      i += m[0].length;
    } else if (["==", "!=", "&&", "||", "<=", ">="].includes(src.slice(i, i + 2))) {
      out.push({ t: "op", v: src.slice(i, i + 2) });
      i += 2;
    } else if (c === "!" || c === "<" || c === ">") {
      out.push({ t: "op", v: c });
      i++;
    } else if ("()[].,".includes(c)) {
      out.push({ t: c as Token["t"], v: c });
      i++;
    } else {
      throw new Error(`unexpected ${JSON.stringify(c)} in expression ${src}`);
    }
  }
  return out;
}

export function truthy(v: Value): boolean {
  return !(v === false || v === 0 || v === "" || v === null || v === undefined || Number.isNaN(v));
}

/**
 * GitHub's loose equality: strings compare case-insensitively; when the types differ both sides become
 * numbers (null → 0, true → 1, false → 0, '' → 0, other strings parsed, objects NaN), so null == ''.
 * https://docs.github.com/actions/reference/workflows-and-actions/expressions#operators
 */
function equal(a: Value, b: Value): boolean {
  const kind = (v: Value) => (v === null || v === undefined ? "null" : typeof v);
  if (kind(a) === kind(b)) {
    if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
    return a === b || kind(a) === "null";
  }
  return toNumber(a) === toNumber(b);
}

function toNumber(v: Value): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return v.trim() === "" ? 0 : Number(v);
  return Number.NaN;
}

/** How a value becomes text in a `with:` input or an output. */
export function toText(v: Value): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v, null, 2);
  return String(v);
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  tojson: (v) => JSON.stringify(v ?? null, null, 2),
  fromjson: (v) => JSON.parse(String(v)) as Value,
  format: (fmt, ...args) => String(fmt).replace(/\{(\d+)\}/g, (_, n) => toText(args[Number(n)])),
  contains: (hay, needle) =>
    Array.isArray(hay)
      ? hay.some((h) => equal(h, needle))
      : String(hay ?? "")
          .toLowerCase()
          .includes(String(needle ?? "").toLowerCase()),
  startswith: (s, p) =>
    String(s ?? "")
      .toLowerCase()
      .startsWith(String(p ?? "").toLowerCase()),
  endswith: (s, p) =>
    String(s ?? "")
      .toLowerCase()
      .endsWith(String(p ?? "").toLowerCase()),
  success: () => true,
  always: () => true,
  failure: () => false,
  cancelled: () => false,
};

export function evaluate(expression: string, ctx: Contexts): Value {
  const tokens = tokenize(expression);
  let p = 0;
  const peek = () => tokens[p];
  const take = (t?: Token["t"], v?: string): Token => {
    const tok = tokens[p];
    if (!tok || (t && tok.t !== t) || (v && tok.v !== v))
      throw new Error(`expected ${v ?? t} at token ${p} of ${expression}`);
    p++;
    return tok;
  };
  const or = (): Value => {
    let left = and();
    while (peek()?.v === "||") {
      take();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const and = (): Value => {
    let left = cmp();
    while (peek()?.v === "&&") {
      take();
      const right = cmp();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const cmp = (): Value => {
    let left = unary();
    while (peek()?.t === "op" && ["==", "!=", "<", ">", "<=", ">="].includes(peek()!.v)) {
      const op = take().v;
      const right = unary();
      if (op === "==") left = equal(left, right);
      else if (op === "!=") left = !equal(left, right);
      else {
        const a = Number(left);
        const b = Number(right);
        left = op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
      }
    }
    return left;
  };
  const unary = (): Value => {
    if (peek()?.v === "!") {
      take();
      return !truthy(unary());
    }
    return postfix(primary());
  };
  const primary = (): Value => {
    const tok = take();
    if (tok.t === "str") return tok.v;
    if (tok.t === "num") return Number(tok.v);
    if (tok.t === "(") {
      const v = or();
      take(")");
      return v;
    }
    if (tok.t === "id") {
      const lower = tok.v.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      if (lower === "null") return null;
      if (peek()?.t === "(") {
        take("(");
        const args: Value[] = [];
        while (peek()?.t !== ")") {
          args.push(or());
          if (peek()?.t === ",") take(",");
        }
        take(")");
        const fn = FUNCTIONS[lower];
        if (!fn) throw new Error(`unknown function ${tok.v} in ${expression}`);
        return fn(...args);
      }
      return ctx[tok.v] ?? null;
    }
    throw new Error(`unexpected ${tok.v} in ${expression}`);
  };
  const member = (obj: Value, key: string): Value => {
    if (obj === null || obj === undefined || typeof obj !== "object") return null;
    if (Array.isArray(obj)) return obj[Number(key)] ?? null;
    const hit = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
    return hit === undefined ? null : (obj[hit] ?? null);
  };
  const postfix = (v: Value): Value => {
    for (;;) {
      if (peek()?.t === ".") {
        take(".");
        v = member(v, take("id").v);
      } else if (peek()?.t === "[") {
        take("[");
        const key = or();
        take("]");
        v = member(v, String(key));
      } else {
        return v;
      }
    }
  };
  const v = or();
  if (p !== tokens.length) throw new Error(`unexpected ${tokens[p]!.v} in ${expression}`);
  return v;
}

/** Replace every `${{ expr }}` in a string; a string that is one expression keeps its value's text. */
export function interpolate(text: string, ctx: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => toText(evaluate(expr, ctx)));
}

/** A job or step `if:` (with or without `${{ }}`). */
export function condition(text: string | boolean | undefined, ctx: Contexts): boolean {
  if (text === undefined) return true;
  if (typeof text === "boolean") return text;
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  return truthy(evaluate(m ? m[1]! : text, ctx));
}
