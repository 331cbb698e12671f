/**
 * What the runner downloads and starts: dist/ built with esbuild code splitting (ours) against one
 * @vercel/ncc bundle per action (the usual way), measured in the same run.
 *   - JavaScript bytes in total and per action (its entry plus the chunks it imports at startup);
 *   - build time;
 *   - cold start: `node <action entry>` with no inputs (loads the action, parses inputs, fails on the
 *     missing required input) against a bare `node -e 0`, median of several runs.
 *
 *   npx tsx bench/dist.ts [--runs 7] [--no-ncc]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../test/harness/run-action";

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : def;
};
const runs = Number(arg("--runs", "7"));
const withNcc = !process.argv.includes("--no-ncc");
const actions = execFileSync(
  process.execPath,
  ["-e", 'import("./scripts/actions.mjs").then(m => console.log(JSON.stringify(m.actionNames())))'],
  {
    cwd: repoRoot,
    encoding: "utf8",
  },
);
const names: string[] = JSON.parse(actions);
const mb = (n: number) => `${(n / 1048576).toFixed(2)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function coldStart(file: string, env: Record<string, string> = {}): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(
      time(() => {
        spawnSync(process.execPath, [file], {
          env: { PATH: process.env.PATH ?? "", ...env },
          stdio: "ignore",
          cwd: tmpdir(),
        });
      }),
    );
  }
  return median(samples);
}

const work = mkdtempSync(join(tmpdir(), "mlops-bench-dist-"));
try {
  // ours
  const out = join(work, "esbuild");
  const metaPath = join(work, "meta.json");
  const buildMs = time(() =>
    execFileSync(process.execPath, ["scripts/build.mjs", "--outdir", out, "--quiet", "--metafile", metaPath], {
      cwd: repoRoot,
    }),
  );
  const meta = JSON.parse(readFileSync(metaPath, "utf8")) as {
    outputs: Record<string, { bytes: number; imports: { path: string; kind: string }[] }>;
  };
  const totalJs = Object.values(meta.outputs).reduce((n, o) => n + o.bytes, 0);
  const loaded = (entry: string): number => {
    const seen = new Set<string>();
    const visit = (p: string) => {
      if (seen.has(p) || !meta.outputs[p]) return;
      seen.add(p);
      for (const i of meta.outputs[p]!.imports) if (i.kind === "import-statement") visit(i.path);
    };
    visit(entry);
    return [...seen].reduce((n, p) => n + meta.outputs[p]!.bytes, 0);
  };
  const outKey = (name: string) => Object.keys(meta.outputs).find((k) => k.endsWith(`actions/${name}.js`))!;

  writeFileSync(join(work, "noop.js"), "");
  const nodeOnly = coldStart(join(work, "noop.js"));

  console.log(
    `esbuild split build: ${(buildMs / 1000).toFixed(1)} s, ${mb(totalJs)} of JavaScript for ${names.length} actions + CLI`,
  );
  const rows: string[] = [];
  let nccTotal = 0;
  let nccBuildMs = 0;
  for (const name of names) {
    const ours = coldStart(join(out, "actions", `${name}.js`));
    let ncc = "";
    if (withNcc) {
      const entryDir = join(repoRoot, ".bench-entries");
      mkdirSync(entryDir, { recursive: true });
      const entry = join(entryDir, `${name}.ts`);
      writeFileSync(
        entry,
        `import action from "../actions/${name}/main";\nimport { runOnRunner } from "../runtime/runner";\nawait runOnRunner(action);\n`,
      );
      const nccOut = join(work, "ncc", name);
      nccBuildMs += time(() =>
        execFileSync(join(repoRoot, "node_modules/.bin/ncc"), ["build", entry, "-o", nccOut, "-q", "-t"], {
          cwd: repoRoot,
          stdio: "ignore",
        }),
      );
      rmSync(entry);
      // ncc writes dynamic imports to extra files (<n>.index.js) beside index.js: all of them ship.
      const jsFiles = (readdirSync(nccOut, { recursive: true }) as string[]).filter((f) => f.endsWith(".js"));
      const size = jsFiles.reduce((n, f) => n + statSync(join(nccOut, f)).size, 0);
      const atStart = statSync(join(nccOut, "index.js")).size;
      nccTotal += size;
      const nccStart = coldStart(join(nccOut, "index.js"));
      ncc = ` | ${mb(size)} (${mb(atStart)} at start) | ${nccStart.toFixed(0)} ms`;
    }
    rows.push(
      `| ${name} | ${mb(loaded(outKey(name)))} | ${ours.toFixed(0)} ms | ${(ours / nodeOnly).toFixed(2)}×${ncc} |`,
    );
  }
  rmSync(join(repoRoot, ".bench-entries"), { recursive: true, force: true });
  console.log(`bare node start (baseline): ${nodeOnly.toFixed(0)} ms (median of ${runs})`);
  console.log("");
  console.log(
    `| action | JS loaded at start (esbuild split) | cold start | vs bare node |${withNcc ? " ncc bundle (all .js) | ncc cold start |" : ""}`,
  );
  console.log(`| --- | --- | --- | --- |${withNcc ? " --- | --- |" : ""}`);
  for (const r of rows) console.log(r);
  if (withNcc) {
    console.log("");
    console.log(
      `JavaScript shipped: esbuild split ${mb(totalJs)} (all actions + CLI) vs ncc ${mb(nccTotal)} (actions only): ratio ${(nccTotal / totalJs).toFixed(2)}×`,
    );
    console.log(
      `build time: esbuild ${(buildMs / 1000).toFixed(1)} s vs ncc ${(nccBuildMs / 1000).toFixed(1)} s: ratio ${(nccBuildMs / buildMs).toFixed(1)}×`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
