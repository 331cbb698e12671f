/**
 * What adding ONNX Runtime's macOS arm64 and Windows x64 binaries to dist/ would cost: bytes on disk and
 * compressed (what git stores and what the runner downloads for `uses:`, a gzip tarball of the repository
 * at the ref), against dist/ as it is, measured in the same run from the installed onnxruntime-node
 * package (the files build.mjs would copy).
 *
 *   npx tsx bench/dist-platforms.ts
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { repoRoot } from "../test/harness/run-action";

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

function measure(paths: string[]): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const p of paths) {
    raw += statSync(p).size;
    gzip += gzipSync(readFileSync(p), { level: 6 }).length;
  }
  return { raw, gzip };
}

const dist = join(repoRoot, "dist");
const installed = join(repoRoot, "node_modules/onnxruntime-node/bin/napi-v6");
const today = measure(files(dist));
const ortToday = measure(files(join(dist, "node_modules/onnxruntime-node")));
console.log(
  `dist/ today: ${mb(today.raw)} on disk, ${mb(today.gzip)} compressed (onnxruntime linux x64+arm64: ${mb(ortToday.raw)}, ${mb(ortToday.gzip)})`,
);

const extra: Record<string, { raw: number; gzip: number }> = {};
for (const p of ["darwin/arm64", "win32/x64"]) {
  const paths = files(join(installed, p));
  extra[p] = measure(paths);
  console.log(
    `+ ${p}: ${paths.map((f) => relative(installed, f)).join(", ")}: ${mb(extra[p].raw)} on disk, ${mb(extra[p].gzip)} compressed`,
  );
}
const both = {
  raw: extra["darwin/arm64"]!.raw + extra["win32/x64"]!.raw,
  gzip: extra["darwin/arm64"]!.gzip + extra["win32/x64"]!.gzip,
};
console.log(
  `dist/ with both: ${mb(today.raw + both.raw)} on disk (${((today.raw + both.raw) / today.raw).toFixed(2)}x), ${mb(today.gzip + both.gzip)} compressed (${((today.gzip + both.gzip) / today.gzip).toFixed(2)}x)`,
);
