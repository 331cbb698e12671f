/**
 * Promote benchmark (Azurite with two accounts started here, data created on the fly):
 *  1. promote a 200 MB model from dev (account 1) to prod (account 2): server-side copy vs streaming copy;
 *  2. server-side promote of 20 MB vs 200 MB: the time should barely grow with the model size.
 * Run: npx tsx bench/promote.ts   (BIG_MB=200 SMALL_MB=20 by default)
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promote } from "../shared/promote";
import { openRegistry } from "../shared/registry";
import { DEV_ACCOUNT, SECOND_ACCOUNT, startAzurite } from "../test/services/azurite";

const BIG_MB = Number(process.env.BIG_MB ?? 200);
const SMALL_MB = Number(process.env.SMALL_MB ?? 20);
const REPEAT = 3;

function modelDir(root: string, mb: number): string {
  const dir = join(root, `model-${mb}`);
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, "model.onnx"), "w");
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < mb; i++) {
    chunk.writeUInt32LE(i, 0);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main() {
  const az = await startAzurite();
  const work = mkdtempSync(join(tmpdir(), "bench-promote-"));
  const env = {
    AZURE_STORAGE_CONNECTION_STRING: az.connectionString(DEV_ACCOUNT),
    AZURE_STORAGE_CONNECTION_STRING_PRODACCOUNT1: az.connectionString(SECOND_ACCOUNT),
  };
  let n = 0;
  const prod = () => openRegistry(`${az.endpoint(SECOND_ACCOUNT)}/prod${++n}/models`, { env });
  try {
    const dev = openRegistry(`${az.endpoint(DEV_ACCOUNT)}/dev/models`, { env });
    await dev.register({ name: "big", dir: modelDir(work, BIG_MB) });
    await dev.register({ name: "small", dir: modelDir(work, SMALL_MB) });

    const run = async (model: string, copy: "auto" | "stream") => {
      const t = performance.now();
      const r = await promote({ alias: "champion", from: dev, to: prod(), model, copy, actor: "bench" });
      const ms = performance.now() - t;
      if (!r.copied || r.method !== (copy === "stream" ? "stream" : "server"))
        throw new Error(`unexpected ${r.method}`);
      return ms;
    };
    const serverBig: number[] = [];
    const serverSmall: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      serverBig.push(await run("big", "auto"));
      serverSmall.push(await run("small", "auto"));
    }
    const streamBig = await run("big", "stream");
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `promote dev (${DEV_ACCOUNT}) -> prod (${SECOND_ACCOUNT}), Azurite, median of ${REPEAT} for server-side`,
    );
    console.log(`  ${BIG_MB} MB server-side copy   ${s(median(serverBig))}`);
    console.log(`  ${BIG_MB} MB streaming copy     ${s(streamBig)}`);
    console.log(`  ratio stream/server        ${(streamBig / median(serverBig)).toFixed(1)}x`);
    console.log(`  ${SMALL_MB} MB server-side copy    ${s(median(serverSmall))}`);
    console.log(
      `  growth ${BIG_MB} MB / ${SMALL_MB} MB (server) ${(median(serverBig) / median(serverSmall)).toFixed(2)}x for ${(BIG_MB / SMALL_MB).toFixed(0)}x the bytes`,
    );
  } finally {
    await az.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
