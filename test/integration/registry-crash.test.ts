import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promote } from "../../shared/promote";
import { openRegistry, type Registry } from "../../shared/registry";
import { mapBounded } from "../../shared/map-bounded";
import { describeIf } from "../services/availability";
import {
  accountsEnv,
  type Azurite,
  azuriteAvailable,
  DEV_ACCOUNT,
  SECOND_ACCOUNT,
  startAzurite,
} from "../services/azurite";

/**
 * Crash safety: a child process runs one register or promote and is killed with SIGKILL at a random
 * point; after every kill the registry must be consistent, and a retry must complete the work.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const RUNS = 20;
const work = mkdtempSync(join(tmpdir(), "registry-crash-"));
const CHILD_SRC = join(work, "child.mts");
const CHILD = join(work, "child.mjs");
afterAll(() => rmSync(work, { recursive: true, force: true }));

writeFileSync(
  CHILD_SRC,
  `import { Registry } from ${JSON.stringify(join(ROOT, "shared/registry/registry.ts"))};
import { openStore } from ${JSON.stringify(join(ROOT, "shared/registry/registry-location.ts"))};
import { promote } from ${JSON.stringify(join(ROOT, "shared/promote/index.ts"))};
// Announce every storage write, so the parent can pick the step to kill at.
const stepping = (store) => new Proxy(store, {
  get(target, prop) {
    const v = Reflect.get(target, prop);
    if (typeof v !== "function") return v;
    if (!["writeText", "writeStream", "serverCopy"].includes(String(prop))) return v.bind(target);
    return (...args) => { process.stdout.write("step\\n"); return v.apply(target, args); };
  },
});
const open = (uri) => new Registry(stepping(openStore(uri, { env: process.env })), { env: process.env });
const [op, uri, name, arg, toUri] = process.argv.slice(2);
const reg = open(uri);
const to = toUri ? open(toUri) : undefined;
await reg.resolve(name).catch(() => undefined); // connect before any kill
await to?.resolve(name).catch(() => undefined);
process.stdout.write("start\\n");
if (op === "register") {
  const card = await reg.register({ name, dir: arg, metrics: { f1: 0.9 } });
  process.stdout.write("done " + card.version + "\\n");
} else {
  const r = await promote({ alias: "champion", from: reg, to, model: name + "@" + arg, expectedChampion: 1, requireDecision: "promote" });
  process.stdout.write("done " + r.version + "\\n");
}
`,
);

beforeAll(async () => {
  // One self-contained bundle: starts in a fraction of the time tsx needs, and SIGKILL hits the process doing the work.
  await build({
    entryPoints: [CHILD_SRC],
    outfile: CHILD,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
});

/** A model of several files, so an operation has several write steps to be killed between. */
function model(tag: string, files = 8, bytes = 64 * 1024): string {
  const dir = join(work, `model-${tag}`);
  mkdirSync(join(dir, "shards"), { recursive: true });
  writeFileSync(join(dir, "model.onnx"), randomBytes(bytes * 4));
  for (let i = 0; i < files; i++) writeFileSync(join(dir, "shards", `part-${i}.bin`), randomBytes(bytes));
  return dir;
}

const PARALLEL = 4;

/**
 * Run the child. With `killAt`, SIGKILL it as soon as it announces its `killAt.step`-th storage write,
 * after `killAt.delayMs` (0-2 ms: sometimes before the write starts, sometimes during it).
 */
function runChild(
  args: string[],
  env: Record<string, string>,
  killAt?: { step: number; delayMs: number },
): Promise<{ completed: boolean; steps: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CHILD, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let stderr = "";
    let steps = 0;
    let killing = false;
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (d) => {
      out += String(d);
      steps = out.split("step\n").length - 1;
      if (killAt && !killing && steps >= killAt.step) {
        killing = true;
        setTimeout(() => child.kill("SIGKILL"), killAt.delayMs);
      }
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.on("error", fail);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      const completed = out.includes("done");
      if (!completed && signal !== "SIGKILL") fail(new Error(`child failed (code ${code}): ${stderr.slice(-2000)}`));
      else done({ completed, steps });
    });
  });
}

const randomKill = (steps: number) => ({
  step: 1 + Math.floor(Math.random() * steps),
  delayMs: Math.floor(Math.random() * 3),
});

/** Listed versions are exactly the complete ones; the newest resolves and downloads checksum-valid. */
async function checkConsistent(reg: Registry, name: string): Promise<number> {
  const versions = await reg.listVersions(name);
  const latest = versions.at(-1);
  if (latest) {
    expect((await reg.resolve(name)).version).toBe(latest.version);
    await reg.get(`${name}@${latest.version}`, join(work, `get-${name}-${latest.version}`));
  }
  return versions.length;
}

function crashSuite(backend: string, setup: () => { dev: string; prod: string; env: Record<string, string> }) {
  it(`${backend}: register killed at ${RUNS} random points leaves the registry readable, the partial version invisible, and a retry succeeds`, async () => {
    const { dev, env } = setup();
    const dir = model(`${backend}-register`);
    const reg = openRegistry(dev, { env });
    const calibration = await runChild(["register", dev, "calibrate", dir], env);
    expect(calibration.completed).toBe(true);
    expect(calibration.steps).toBeGreaterThan(5);
    const runs = await mapBounded(
      Array.from({ length: RUNS }, (_, i) => i),
      PARALLEL,
      async (run) => {
        const name = `crash${run}`;
        const r = await runChild(["register", dev, name, dir], env, randomKill(calibration.steps));
        // The card is the commit point: a killed run shows 0 or 1 version (1 if it died after the card), a finished one 1.
        const visible = await checkConsistent(reg, name);
        expect(visible).toBeLessThanOrEqual(1);
        if (r.completed) expect(visible).toBe(1);
        // Every listed version is complete and checksum-valid; a retry succeeds and becomes the latest.
        const retry = await reg.register({ name, dir });
        expect(await checkConsistent(reg, name)).toBe(visible + 1);
        expect((await reg.resolve(name)).version).toBe(retry.version);
        return r.completed;
      },
    );
    console.log(
      `[${backend} register] ${RUNS} kills among ${calibration.steps} write steps: ${runs.filter((c) => !c).length} interrupted`,
    );
  }, 120_000);

  it(`${backend}: promote killed at ${RUNS} random points keeps prod consistent, and re-running completes it`, async () => {
    const { dev, prod, env } = setup();
    const from = openRegistry(dev, { env });
    const to = openRegistry(prod, { env });
    const v1 = model(`${backend}-p1`, 4, 16 * 1024);
    const v2 = model(`${backend}-p2`, 4, 16 * 1024);
    const prepare = async (name: string) => {
      await from.register({ name, dir: v1 });
      await from.register({ name, dir: v2 });
      await promote({ alias: "champion", from, to, model: `${name}@1` });
    };
    await prepare("calibrate");
    const calibration = await runChild(["promote", dev, "calibrate", "2", prod], env);
    expect(calibration.completed).toBe(true);
    expect(calibration.steps).toBeGreaterThan(5);
    const runs = await mapBounded(
      Array.from({ length: RUNS }, (_, i) => i),
      PARALLEL,
      async (run) => {
        const name = `p${run}`;
        await prepare(name);
        const r = await runChild(["promote", dev, name, "2", prod], env, randomKill(calibration.steps));
        // Prod is consistent: the alias points to a complete, checksum-valid version (old or new).
        const champion = await to.resolve(`${name}@champion`);
        expect([1, 2]).toContain(champion.lineage.source?.version);
        if (r.completed) expect(champion.lineage.source?.version).toBe(2);
        await to.get(`${name}@champion`, join(work, `champ-${backend}-${run}`));
        expect((await to.listVersions(name)).length).toBeLessThanOrEqual(2);
        // Re-running completes the promotion, without a duplicate version.
        const again = await promote({
          alias: "champion",
          from,
          to,
          model: `${name}@2`,
          expectedChampion: 1,
          requireDecision: "promote",
        });
        const now = await to.resolve(`${name}@champion`);
        expect(now.version).toBe(again.version);
        expect(now.lineage.source?.version).toBe(2);
        expect((await to.listVersions(name)).map((c) => c.lineage.source?.version)).toEqual([1, 2]);
        await to.get(`${name}@champion`, join(work, `champ2-${backend}-${run}`));
        const history = await to.history(name, { alias: "champion" });
        expect(history.map((e) => `${e.from}->${e.to}`)).toEqual([
          `null->${history[0]?.to}`,
          `${history[0]?.to}->${now.version}`,
        ]);
        return r.completed;
      },
    );
    console.log(
      `[${backend} promote] ${RUNS} kills among ${calibration.steps} write steps: ${runs.filter((c) => !c).length} interrupted`,
    );
  }, 120_000);
}

describe("crash safety (file)", () => {
  crashSuite("file", () => ({ dev: join(work, "file-dev"), prod: join(work, "file-prod"), env: {} }));
});

describeIf("crash safety (Azurite)", azuriteAvailable(), () => {
  let az: Azurite;
  let n = 0;
  beforeAll(async () => {
    az = await startAzurite();
  });
  afterAll(async () => {
    await az?.stop();
  });
  crashSuite("azure", () => {
    n++;
    return {
      dev: `${az.endpoint(DEV_ACCOUNT)}/dev${n}/models`,
      prod: `${az.endpoint(SECOND_ACCOUNT)}/prod${n}/models`,
      env: accountsEnv(az),
    };
  });
});
