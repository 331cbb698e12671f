/**
 * The layering of the sources as a check (README "Architecture"): which files import which, read with
 * the TypeScript parser (no type checking, so it stays fast), and two rules over that graph:
 * - no value-import cycle (a type-only import is erased by the compiler and cannot cycle at run time);
 * - a building-block area of shared/ never imports a use-case area.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { globSync } from "tinyglobby";
import ts from "typescript";

/** Areas that other areas build on: formats, models, metrics, clients of outside services. */
export const BUILDING_BLOCKS = [
  "errors",
  "user-files",
  "http",
  "log",
  "secrets",
  "map-bounded",
  "report",
  "data",
  "onnx",
  "scoring",
  "metrics",
  "decide",
  "registry",
  "models",
  "oci",
  "azure",
  "azureml",
  "github",
  "teams",
  "datasets",
  "net",
  "platform",
] as const;

/** Areas that carry out one thing an action, the CLI or the server does; they may use each other. */
export const USE_CASES = [
  "compare",
  "evaluate",
  "drift",
  "validate",
  "train",
  "promote",
  "deploy",
  "edge",
  "notify",
  "serve",
  "registry-view",
  "capture",
  "performance",
  "score",
] as const;

export interface Layers {
  buildingBlocks: readonly string[];
  useCases: readonly string[];
}

export interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

export interface ArchitectureReport {
  /** Each cycle as the files along it, the first repeated at the end. */
  cycles: string[][];
  /** "shared/<block>/file.ts -> shared/<use-case>/file.ts" */
  layerViolations: string[];
  /** Areas under shared/ that are in neither list. */
  unclassified: string[];
}

const SOURCE_GLOBS = ["actions/**/*.ts", "runtime/**/*.ts", "cli/**/*.ts", "shared/**/*.ts"];

/** Every relative import of the non-test sources under `root`, resolved to a file. */
export function importGraph(root: string): ImportEdge[] {
  const files = globSync(SOURCE_GLOBS, { cwd: root, ignore: ["**/*.test.ts", "**/node_modules/**"] });
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.Latest);
    for (const s of source.statements) {
      const spec = moduleSpecifier(s);
      if (spec === undefined || !spec.startsWith(".")) continue;
      const to = resolve(root, join(dirname(file), spec));
      if (to) edges.push({ from: file.split(sep).join("/"), to, typeOnly: isTypeOnly(s) });
    }
  }
  return edges;
}

function moduleSpecifier(s: ts.Statement): string | undefined {
  if (
    (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) &&
    s.moduleSpecifier &&
    ts.isStringLiteral(s.moduleSpecifier)
  ) {
    return s.moduleSpecifier.text;
  }
  return undefined;
}

function isTypeOnly(s: ts.Statement): boolean {
  if (ts.isExportDeclaration(s)) {
    if (s.isTypeOnly) return true;
    const named = s.exportClause;
    return (
      !!named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)
    );
  }
  if (!ts.isImportDeclaration(s)) return false;
  const clause = s.importClause;
  if (!clause) return false; // `import "./x"` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const named = clause.namedBindings;
  return !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function resolve(root: string, path: string): string | undefined {
  const bare = path.replace(/\.(?:[cm]?js)$/, "");
  for (const candidate of [`${bare}.ts`, join(bare, "index.ts"), path]) {
    const full = join(root, candidate);
    if (existsSync(full) && statSync(full).isFile()) return relative(root, full).split(sep).join("/");
  }
  return undefined;
}

/** The shared/ area a file belongs to: its folder, or the file's name for shared/errors.ts and the like. */
export function areaOf(file: string): string | undefined {
  const m = /^shared\/([^/]+?)(?:\.ts$|\/)/.exec(file);
  return m?.[1];
}

/** Strongly connected components of the value-import graph with more than one file, or a self-import. */
export function valueImportCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.typeOnly) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  // Tarjan's algorithm, iterative so a deep chain of imports cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const succ = next.get(top.node) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.node);
        const selfImport = (next.get(top.node) ?? []).includes(top.node);
        if (component.length > 1 || selfImport) cycles.push([...component.reverse(), component[0]!]);
      }
    }
  }
  return cycles;
}

export function checkArchitecture(
  root: string,
  layers: Layers = { buildingBlocks: BUILDING_BLOCKS, useCases: USE_CASES },
): ArchitectureReport {
  const edges = importGraph(root);
  const blocks = new Set(layers.buildingBlocks);
  const useCases = new Set(layers.useCases);
  const layerViolations = edges
    .filter((e) => {
      const from = areaOf(e.from);
      const to = areaOf(e.to);
      return from !== undefined && to !== undefined && from !== to && blocks.has(from) && useCases.has(to);
    })
    .map((e) => `${e.from} -> ${e.to}`);
  const areas = new Set(
    globSync(["shared/*", "shared/*.ts"], { cwd: root, onlyFiles: false, ignore: ["**/*.test.ts", "**/*.md"] })
      .map((p) => areaOf(p.replace(/\/$/, "") + (p.endsWith(".ts") ? "" : "/")))
      .filter((a): a is string => a !== undefined),
  );
  const unclassified = [...areas].filter((a) => !blocks.has(a) && !useCases.has(a)).sort();
  return { cycles: valueImportCycles(edges), layerViolations, unclassified };
}
