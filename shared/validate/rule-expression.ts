import { shown, UserError } from "../errors";

/**
 * Cross-column rules, kept deliberately small:
 *   comparison := sum ("<" | "<=" | ">" | ">=" | "==" | "!=") sum  [("and" | "or") comparison ...]
 *   sum        := product (("+" | "-") product)*
 *   product    := unary (("*" | "/") unary)*
 *   unary      := "-" unary | number | column | "(" sum ")"
 *   column     := identifier (letters, digits, _) | `any text in backticks`
 * e.g. `Process temperature [K]` >= `Air temperature [K]`   or   torque * rpm / 9.5488 < 5000
 * A row where any referenced cell is null or not a number is skipped (other rules report it).
 */
export interface CompiledRule {
  columns: string[];
  /** true: holds, false: violated, undefined: not applicable (a null or non-numeric operand). */
  evaluate(get: (column: string) => number | undefined): boolean | undefined;
}

type Token = { kind: "num"; value: number } | { kind: "col"; name: string } | { kind: "op"; op: string };

function tokenize(text: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end === -1) throw bad(where, text, "has an unclosed backtick");
      tokens.push({ kind: "col", name: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (num) {
      tokens.push({ kind: "num", value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (ident) {
      const word = ident[0];
      if (word === "and" || word === "or") tokens.push({ kind: "op", op: word });
      else tokens.push({ kind: "col", name: word });
      i += word.length;
      continue;
    }
    const op = /^(<=|>=|==|!=|<|>|\+|-|\*|\/|\(|\))/.exec(text.slice(i));
    if (op) {
      tokens.push({ kind: "op", op: op[0] });
      i += op[0].length;
      continue;
    }
    throw bad(where, text, `has an unexpected character ${shown(c)}`);
  }
  return tokens;
}

function bad(where: string, text: string, what: string): UserError {
  return new UserError(
    `${where}: ${what} (got ${shown(text)}). Write a comparison like \`Process temperature [K]\` >= \`Air temperature [K]\` (backticks around names with spaces).`,
  );
}

type Num = (get: (c: string) => number | undefined) => number | undefined;
type Bool = (get: (c: string) => number | undefined) => boolean | undefined;

/** Deepest nesting of parentheses and signs in a rule (the parser and the compiled check recurse on it). */
export const MAX_RULE_DEPTH = 64;
/** Most tokens in a rule: a chain of terms compiles to nested calls as deep as it is long. */
export const MAX_RULE_TOKENS = 2000;

/** Compile a rule's check; `known` lists the data's columns so typos fail early with the names that exist. */
export function compileRule(text: string, where: string, known?: readonly string[]): CompiledRule {
  const tokens = tokenize(text, where);
  if (tokens.length > MAX_RULE_TOKENS) {
    throw bad(
      where,
      text,
      `has ${tokens.length} terms and operators, more than ${MAX_RULE_TOKENS}; split it into several rules`,
    );
  }
  let depth = 0;
  const columns = new Set<string>();
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (op: string) => {
    const t = peek();
    return t?.kind === "op" && t.op === op;
  };

  const unary = (): Num => {
    const t = tokens[pos++];
    if (!t) throw bad(where, text, "ends too early");
    if (t.kind === "num") return () => t.value;
    if (t.kind === "col") {
      if (known && !known.includes(t.name)) {
        throw new UserError(
          `${where}: column ${shown(t.name)} not found (columns: ${known.join(", ")}). Use one of them; put names with spaces in backticks.`,
        );
      }
      columns.add(t.name);
      return (get) => get(t.name);
    }
    if ((t.op === "-" || t.op === "(") && ++depth > MAX_RULE_DEPTH) {
      throw bad(where, text, `nests parentheses or signs deeper than ${MAX_RULE_DEPTH} levels`);
    }
    if (t.op === "-") {
      const inner = unary();
      depth--;
      return (get) => {
        const v = inner(get);
        return v === undefined ? undefined : -v;
      };
    }
    if (t.op === "(") {
      const inner = sum();
      if (!isOp(")")) throw bad(where, text, "has an unclosed parenthesis");
      pos++;
      depth--;
      return inner;
    }
    throw bad(where, text, `has ${shown(t.op)} where a value was expected`);
  };
  const product = (): Num => {
    let left = unary();
    while (isOp("*") || isOp("/")) {
      const op = (tokens[pos++] as { op: string }).op;
      const l = left;
      const r = unary();
      left = (get) => {
        const a = l(get);
        const b = r(get);
        if (a === undefined || b === undefined) return undefined;
        return op === "*" ? a * b : a / b;
      };
    }
    return left;
  };
  const sum = (): Num => {
    let left = product();
    while (isOp("+") || isOp("-")) {
      const op = (tokens[pos++] as { op: string }).op;
      const l = left;
      const r = product();
      left = (get) => {
        const a = l(get);
        const b = r(get);
        if (a === undefined || b === undefined) return undefined;
        return op === "+" ? a + b : a - b;
      };
    }
    return left;
  };
  const comparison = (): Bool => {
    const left = sum();
    const t = tokens[pos++];
    if (t?.kind !== "op" || !["<", "<=", ">", ">=", "==", "!="].includes(t.op)) {
      throw bad(where, text, "needs a comparison (<, <=, >, >=, ==, !=)");
    }
    const right = sum();
    const op = t.op;
    return (get) => {
      const a = left(get);
      const b = right(get);
      if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) return undefined;
      switch (op) {
        case "<":
          return a < b;
        case "<=":
          return a <= b;
        case ">":
          return a > b;
        case ">=":
          return a >= b;
        case "==":
          return a === b;
        default:
          return a !== b;
      }
    };
  };
  const logical = (): Bool => {
    let left = comparison();
    while (isOp("and") || isOp("or")) {
      const op = (tokens[pos++] as { op: string }).op;
      const l = left;
      const r = comparison();
      left = (get) => {
        const a = l(get);
        const b = r(get);
        if (op === "and")
          return a === false || b === false ? false : a === undefined || b === undefined ? undefined : true;
        return a === true || b === true ? true : a === undefined || b === undefined ? undefined : false;
      };
    }
    return left;
  };
  const evaluate = logical();
  if (pos !== tokens.length) throw bad(where, text, "has extra text after the comparison");
  return { columns: [...columns], evaluate };
}
