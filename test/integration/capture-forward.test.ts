/**
 * Store and forward, as it runs at a plant: the server (its own process, shared/serve/main.ts through tsx)
 * captures every answered request and uploads the closed files to Azurite. Azurite is stopped while requests
 * continue and started again: every answered row arrives exactly once. The server is killed with SIGKILL while
 * writing and started again on the same folder: no torn file is ever uploaded, and nothing twice.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, expect, it } from "vitest";
import { columnsExampleModel } from "../../shared/serve/example-models";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, startAzurite } from "../services/azurite";
import { bundleServer, type ServeProcess, spawnServer } from "../services/serve-process";

// The server bundled as scripts/build.mjs bundles dist/serve.js (inside node_modules, so onnxruntime-node
// resolves): a process starts in a fraction of a second, as in the image.
const BUNDLE = join(import.meta.dirname, "../../node_modules/.cache/capture-forward-test/serve.js");
const root = mkdtempSync(join(tmpdir(), "capture-forward-"));
const model = join(root, "failure-predictor.onnx");
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

type Server = ServeProcess;

const startServer = (args: string[], env: Record<string, string>) =>
  spawnServer([BUNDLE], args, { env, track: children, timeoutMs: 120_000 });

async function metric(s: Server, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
}

/** Waits (bounded) until `check` holds, looking again after each request the client sends or every 50 ms. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A client sending requests until stopped: 1-row and 3-row requests, each with its own id. */
function client(s: () => Server, prefix: string) {
  const answered = new Set<string>(); // "<id>:<row>"
  let sent = 0;
  let failed = 0;
  let stop = false;
  const run = (async () => {
    while (!stop) {
      const id = `${prefix}-${sent++}`;
      const n = sent % 4 === 0 ? 3 : 1;
      const body = {
        id,
        inputs: [
          { name: "air", shape: [n, 1], datatype: "FP32", data: Array.from({ length: n }, (_, k) => 298 + k) },
          { name: "wear", shape: [n, 1], datatype: "INT64", data: Array.from({ length: n }, (_, k) => k) },
          { name: "type", shape: [n, 1], datatype: "BYTES", data: Array.from({ length: n }, () => "M") },
        ],
      };
      try {
        const res = await fetch(`${s().url}/v2/models/failure-predictor/infer`, {
          method: "POST",
          body: JSON.stringify(body),
        });
        await res.arrayBuffer();
        if (res.status === 200) for (let k = 0; k < n; k++) answered.add(`${id}:${k}`);
        else failed++;
      } catch {
        failed++;
      }
    }
  })();
  return {
    answered,
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
    stop: async () => {
      stop = true;
      await run;
    },
  };
}

/** Every capture blob under the container: parsed whole (a torn file would fail here), with its rows. */
async function uploaded(azurite: Azurite, container: string) {
  const c = BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient(container);
  const blobs: { name: string; rows: { id: string; row: number }[] }[] = [];
  for await (const b of c.listBlobsFlat()) {
    const bytes = await c.getBlockBlobClient(b.name).downloadToBuffer();
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const meta = parquetMetadata(file);
    const rows = (await parquetReadObjects({ file, columns: ["id", "row"] })) as { id: string; row: number }[];
    expect(rows.length).toBe(Number(meta.num_rows));
    blobs.push({ name: b.name, rows });
  }
  return blobs;
}

describeIf("capture store and forward (Azurite, server processes)", azuriteAvailable(), () => {
  beforeAll(async () => {
    writeFileSync(model, columnsExampleModel());
    await bundleServer(BUNDLE);
  }, 120_000);

  it("an outage of the store while requests continue: every answered row arrives exactly once", async () => {
    const azurite = await startAzurite({ disk: true, timeoutMs: 60_000 });
    let store: Azurite | undefined = azurite;
    const dir = join(root, "outage");
    const args = [
      ...["--model", model, "--model-name", "failure-predictor", "--model-version", "7"],
      ...["--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "off"],
      ...["--capture-dir", dir, "--plant", "plant-a", "--capture-file-seconds", "0.2"],
      ...["--capture-upload", `${azurite.endpoint()}/capture`, "--capture-upload-backoff-seconds", "0.5"],
    ];
    const server = await startServer(args, { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString() });
    const load = client(() => server, "a");
    try {
      await until("two uploads", async () => (await metric(server, "oip_capture_uploaded_files_total")) >= 2);
      await azurite.stop({ keepData: true });
      store = undefined;
      const failuresBefore = await metric(server, "oip_capture_upload_failures_total");
      await until("failed uploads and files waiting", async () => {
        return (
          (await metric(server, "oip_capture_upload_failures_total")) > failuresBefore &&
          (await metric(server, "oip_capture_pending_files")) >= 3
        );
      });
      store = await startAzurite({ disk: true, port: azurite.port, location: azurite.location, timeoutMs: 60_000 });
      const sentAtRestart = load.sent;
      await until("the backlog to drain", async () => {
        return load.sent > sentAtRestart + 20 && (await metric(server, "oip_capture_pending_files")) === 0;
      });
    } finally {
      await load.stop();
    }
    expect(load.failed).toBe(0);
    server.proc.kill("SIGTERM");
    await server.exited;
    expect(readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".parquet"))).toEqual([]);

    const blobs = await uploaded(store!, "capture");
    const keys = blobs.flatMap((b) => b.rows.map((r) => `${r.id}:${r.row}`));
    expect(keys.length).toBe(load.answered.size);
    expect(new Set(keys)).toEqual(load.answered);
    for (const b of blobs)
      expect(b.name).toMatch(/^plant-a\/failure-predictor\/7\/\d{4}-\d\d-\d\d\/\d{8}T\d{9}Z-[0-9a-f]{8}\.parquet$/);
    expect(server.logs.join("\n")).toMatch(/reachable again after \d+ failed attempt/);
    await store!.stop();
  }, 240_000);

  it("SIGKILL while writing: no torn file is uploaded, no row twice, and the rows answered after the restart all arrive", async () => {
    const azurite = await startAzurite({ timeoutMs: 60_000 });
    const dir = join(root, "kill");
    const args = [
      ...["--model", model, "--model-name", "failure-predictor", "--model-version", "7"],
      ...["--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "off"],
      ...["--capture-dir", dir, "--plant", "plant-b", "--capture-file-bytes", "4096", "--capture-file-seconds", "0.1"],
      ...["--capture-upload", `${azurite.endpoint()}/capture`, "--capture-upload-backoff-seconds", "0.5"],
    ];
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString(DEV_ACCOUNT) };
    const before = new Set<string>();
    for (let round = 0; round < 2; round++) {
      const server = await startServer(args, env);
      const load = client(() => server, `k${round}`);
      await until(
        "files closing",
        async () => (await metric(server, "oip_capture_files_total")) >= 3 && load.sent > 60,
      );
      server.proc.kill("SIGKILL");
      await server.exited;
      await load.stop();
      for (const k of load.answered) before.add(k);
    }
    // What a kill in the middle of a write leaves: a temporary file (planted here too, so the case is always seen).
    const folder = join(dir, "plant-b/failure-predictor/7/2024-01-01");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, ".20240101T000000000Z-0badf00d.parquet.tmp"), Buffer.from("PAR1 and half a row group"));
    const server = await startServer(args, env);
    expect(server.logs.join("\n")).toMatch(/removed \d+ unfinished file\(s\) left by a crash/);
    const last = client(() => server, "after");
    await until("some rows after the restart", async () => last.sent > 30);
    await last.stop();
    server.proc.kill("SIGTERM");
    await server.exited;

    const blobs = await uploaded(azurite, "capture");
    for (const b of blobs) expect(b.name).not.toMatch(/\.tmp$|\/\./);
    const keys = blobs.flatMap((b) => b.rows.map((r) => `${r.id}:${r.row}`));
    expect(new Set(keys).size).toBe(keys.length); // nothing twice
    for (const k of keys) expect(before.has(k) || last.answered.has(k)).toBe(true); // nothing made up
    for (const k of last.answered) expect(keys).toContain(k); // everything after the restart
    expect(keys.filter((k) => before.has(k)).length).toBeGreaterThan(0); // killed rounds' closed files arrived
    await azurite.stop();
  }, 240_000);
});
