/**
 * Registry benchmark (Azurite started here, data created on the fly):
 *  1. copy a 200 MB model version between two containers: server-side copy vs download+upload;
 *  2. resolve("name") with 1,000 versions: the latest pointer vs listing every version (baseline).
 * Run: npx tsx bench/registry.ts   (MODEL_MB=200 VERSIONS=1000 by default)
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlobStore } from "../shared/registry";
import { openRegistry, Registry } from "../shared/registry";
import { mapBounded } from "../shared/map-bounded";
import { startAzurite } from "../test/services/azurite";

const MODEL_MB = Number(process.env.MODEL_MB ?? 200);
const VERSIONS = Number(process.env.VERSIONS ?? 1000);

function writeRandomFile(path: string, mb: number): void {
  const fd = openSync(path, "w");
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < mb; i++) {
    chunk.writeUInt32LE(i, 0);
    writeSync(fd, chunk);
  }
  closeSync(fd);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

/** Counts store calls, to show that resolve does not list versions. */
function counting(store: BlobStore): { store: BlobStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return v.apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main() {
  const az = await startAzurite();
  const work = mkdtempSync(join(tmpdir(), "bench-registry-"));
  const env = { AZURE_STORAGE_CONNECTION_STRING: az.connectionString() };
  try {
    // ------------------------------------------------------------ 1. copy 200 MB
    const dir = join(work, "model");
    mkdirSync(dir);
    writeRandomFile(join(dir, "model.onnx"), MODEL_MB);
    const src = openRegistry(`${az.endpoint()}/bench-src/models`, { env });
    const [, registerMs] = await timed(() => src.register({ name: "big", dir }));
    const [server, serverMs] = await timed(() =>
      src.copyVersion("big@1", openRegistry(`${az.endpoint()}/bench-server/models`, { env })),
    );
    const [stream, streamMs] = await timed(() =>
      src.copyVersion("big@1", openRegistry(`${az.endpoint()}/bench-stream/models`, { env }), { forceStream: true }),
    );
    if (server.method !== "server" || stream.method !== "stream") throw new Error("unexpected copy methods");
    console.log(
      `copy a ${MODEL_MB} MB version between two Azurite containers (register took ${(registerMs / 1000).toFixed(2)} s)`,
    );
    console.log(`  server-side copy      ${(serverMs / 1000).toFixed(2)} s`);
    console.log(
      `  download + upload     ${(streamMs / 1000).toFixed(2)} s  (${(MODEL_MB / (streamMs / 1000)).toFixed(0)} MB/s)`,
    );
    console.log(`  ratio stream/server   ${(streamMs / serverMs).toFixed(1)}x`);

    // ------------------------------------------------------------ 2. resolve with 1,000 versions
    const many = openRegistry(`${az.endpoint()}/bench-many/models`, { env });
    const tiny = join(work, "tiny");
    mkdirSync(tiny);
    writeRandomFile(join(tiny, "model.onnx"), 0);
    const [, fillMs] = await timed(() =>
      mapBounded(
        Array.from({ length: VERSIONS }, (_, i) => i),
        16,
        () => many.register({ name: "many", dir: tiny }),
      ),
    );
    const { store, calls } = counting(many.store);
    const counted = new Registry(store, { env });
    const pointer: number[] = [];
    for (let i = 0; i < 30; i++) pointer.push((await timed(() => counted.resolve("many")))[1]);
    const perResolve = Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, v / 30]));
    const latest = await counted.resolve("many");
    // Baseline: what a registry without a pointer must do: list every version, then read the newest card.
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) {
      baseline.push(
        (
          await timed(async () => {
            const keys = await many.store.list("models/many/versions/");
            const max = Math.max(
              ...keys.filter((k) => k.key.endsWith("/card.json")).map((k) => Number(k.key.split("/")[3])),
            );
            return many.store.readText(`models/many/versions/${max}/card.json`);
          })
        )[1],
      );
    }
    console.log(
      `resolve("many") with ${VERSIONS} versions (created in ${(fillMs / 1000).toFixed(1)} s; latest = ${latest.version})`,
    );
    console.log(
      `  latest pointer        ${median(pointer).toFixed(1)} ms median  (store calls per resolve: ${JSON.stringify(perResolve)})`,
    );
    console.log(
      `  list every version    ${median(baseline).toFixed(1)} ms median  (baseline: ${VERSIONS * 2}+ blobs listed)`,
    );
    console.log(`  ratio list/pointer    ${(median(baseline) / median(pointer)).toFixed(1)}x`);
  } finally {
    await az.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
