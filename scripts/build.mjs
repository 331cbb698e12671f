// Builds dist/: one ESM entry per action (dist/actions/<name>.js) plus the CLI (dist/cli.js), sharing
// code through split chunks so @actions/core, zod and the domain are in dist once; the edge server as its own
// tree (dist/serve.js, and dist/serve-chunks/ for what it loads on demand) for the image; and a pruned copy of onnxruntime-node (linux x64 and
// arm64 binaries only) in dist/node_modules, loaded at run time by the actions that need it.
//
//   node scripts/build.mjs [--outdir DIR]
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import * as esbuild from "esbuild";
import { writeWrappers } from "./action-wrappers.mjs";
import { actionNames, root } from "./actions.mjs";

const outIdx = process.argv.indexOf("--outdir");
const outdir = outIdx > 0 ? process.argv[outIdx + 1] : join(root, "dist");
// The root <action>/action.yml files that `uses: <org>/mlops-actions/<action>@v1` resolves to.
if (outIdx < 0) writeWrappers();

// Node's ESM has no require/__dirname; bundled CommonJS dependencies need them.
const banner = [
  'import { createRequire as __mlopsCreateRequire } from "node:module";',
  'import { fileURLToPath as __mlopsFileURLToPath } from "node:url";',
  'import { dirname as __mlopsDirname } from "node:path";',
  "const require = __mlopsCreateRequire(import.meta.url);",
  "const __filename = __mlopsFileURLToPath(import.meta.url);",
  "const __dirname = __mlopsDirname(__filename);",
].join("\n");

const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  banner: { js: banner },
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: root,
  metafile: true,
  // `mlops --version` prints the package version (release.yml checks that the tag matches it).
  define: { __MLOPS_VERSION__: JSON.stringify(version) },
  // Optional native speed-ups of some dependencies; they fall back to JS when absent.
  loader: { ".proto": "text" },
};

// onnxruntime-node: its binding is a native file no bundler follows, so the package stays a file in
// dist/node_modules, and the import resolves to shared/platform/load-onnxruntime.ts, which requires that copy,
// or the installed package when the copy lacks this machine's binary.
const onnxRuntimeLoader = {
  name: "onnxruntime-loader",
  setup(build) {
    build.onResolve({ filter: /^onnxruntime-node$/ }, () => ({
      path: "onnxruntime-node",
      namespace: "onnxruntime-loader",
    }));
    // An ES module with the package's export names (onnxruntime-common's, plus listSupportedBackends), so
    // `import * as ort` and `await import()` both see them without CommonJS interop.
    const names = [...Object.keys(createRequire(import.meta.url)("onnxruntime-common")), "listSupportedBackends"];
    build.onLoad({ filter: /.*/, namespace: "onnxruntime-loader" }, () => ({
      resolveDir: root,
      loader: "js",
      contents: [
        'import { loadOnnxRuntime } from "./shared/platform/load-onnxruntime.ts";',
        "const ort = loadOnnxRuntime();",
        ...names.filter((n) => n !== "default").map((n) => `export const ${n} = ort.${n};`),
        "export default ort;",
      ].join("\n"),
    }));
  },
};

const virtualEntries = {
  name: "action-entries",
  setup(build) {
    build.onResolve({ filter: /^action-entry:/ }, (args) => ({
      path: args.path.slice("action-entry:".length),
      namespace: "action-entry",
    }));
    build.onLoad({ filter: /.*/, namespace: "action-entry" }, (args) => ({
      resolveDir: root,
      loader: "ts",
      // The platform is checked before the action (and ONNX Runtime with it) is loaded.
      contents: [
        'import { refuseUnsupportedPlatform, runOnRunner } from "./runtime/runner.ts";',
        `if (!refuseUnsupportedPlatform()) await runOnRunner((await import("./actions/${args.path}/main.ts")).default);`,
      ].join("\n"),
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const entryPoints = [
  ...actionNames().map((name) => ({ in: `action-entry:${name}`, out: `actions/${name}` })),
  { in: "cli/mlops.ts", out: "cli" },
  // The data parse worker (shared/data/worker-batches.ts starts it from beside its chunk).
  { in: "shared/data/parse-worker.ts", out: "parse-worker" },
];
const split = await esbuild.build({
  ...common,
  entryPoints,
  outdir,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  plugins: [virtualEntries, onnxRuntimeLoader],
});

const serveEntry = join(root, "shared/serve/main.ts");
let serve;
if (existsSync(serveEntry)) {
  // One entry file for the image; what it loads only when used (capture, the Azure SDK for its upload) in
  // serve-chunks/, so a server without capture does not parse them at start.
  serve = await esbuild.build({
    ...common,
    entryPoints: [{ in: serveEntry, out: "serve" }],
    outdir,
    plugins: [onnxRuntimeLoader],
    splitting: true,
    chunkNames: "serve-chunks/[name]-[hash]",
  });
}

// The CLI is run directly (bin: mlops).
const cli = join(outdir, "cli.js");
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, "utf8")}`);
chmodSync(cli, 0o755);
writeFileSync(join(outdir, "package.json"), `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`);

// onnxruntime-node: its binding is a dynamic require of a native file, which no bundler follows.
// Ship the package once, with only what require() needs at run time on linux x64 and arm64.
const nm = join(root, "node_modules");
const ortOut = join(outdir, "node_modules");
const keep = (src) => {
  const rel = relative(nm, src);
  if (/\.(d\.ts|map|md)$/.test(rel)) return false;
  if (/^onnxruntime-node\/bin\/napi-v6\/(?!linux(\/(x64|arm64)(\/|$)|$))/.test(rel)) return false;
  if (/^onnxruntime-node\/(script|lib)(\/|$)/.test(rel)) return false;
  if (/^onnxruntime-common\/(lib|dist\/esm)(\/|$)/.test(rel)) return false;
  return true;
};
for (const pkg of ["onnxruntime-node", "onnxruntime-common"]) {
  cpSync(join(nm, pkg), join(ortOut, pkg), { recursive: true, filter: keep });
  const manifest = JSON.parse(readFileSync(join(nm, pkg, "package.json"), "utf8"));
  const trimmed = { name: manifest.name, version: manifest.version, license: manifest.license, main: manifest.main };
  if (pkg === "onnxruntime-common")
    trimmed.exports = { require: manifest.exports.require, default: manifest.exports.require };
  writeFileSync(join(ortOut, pkg, "package.json"), `${JSON.stringify(trimmed, null, 2)}\n`);
}

const metaIdx = process.argv.indexOf("--metafile");
if (metaIdx > 0) writeFileSync(process.argv[metaIdx + 1], JSON.stringify(split.metafile));

// A size report, for BENCHMARKS.md and for reviewing what a change added.
const sizeOf = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .reduce((n, d) => n + readFileSync(join(d.parentPath, d.name)).length, 0);
if (!process.argv.includes("--quiet")) {
  const js = Object.entries(split.metafile.outputs).concat(serve ? Object.entries(serve.metafile.outputs) : []);
  const mb = (n) => `${(n / 1048576).toFixed(2)} MB`;
  const total = js.reduce((n, [, o]) => n + o.bytes, 0);
  console.log(
    `dist: ${js.length} JavaScript files, ${mb(total)}; onnxruntime-node (linux x64+arm64): ${mb(sizeOf(ortOut))}`,
  );
  for (const [file, o] of js)
    if (!file.includes("/chunks/")) console.log(`  ${relative(root, join(root, file))}  ${mb(o.bytes)}`);
}
