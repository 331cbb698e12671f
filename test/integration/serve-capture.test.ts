/**
 * Capture in the inference server: answered requests become rows of rotating Parquet files (written under a
 * temporary name, renamed when closed), which the suite's readers take as they are; a disk budget bounds the
 * folder and the rows dropped beyond it are counted in /metrics while the server keeps answering.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { listCaptureFiles } from "../../shared/capture";
import { openDataset } from "../../shared/data";
import { detectDrift } from "../../shared/drift";
import { inferenceServiceClient, type RunningServer, startServer, type ServeOptions } from "../../shared/serve";
import { columnsExampleModel, logisticModel } from "../../shared/serve/example-models";
import { readRows, validateData } from "../../shared/validate";
import { parseSchema } from "../../shared/validate/schema";

const root = mkdtempSync(join(tmpdir(), "serve-capture-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `c${++n}`);

async function serve(
  capture: NonNullable<ServeOptions["capture"]>,
  model = columnsExampleModel(),
): Promise<RunningServer> {
  return startServer({
    model,
    modelName: "failure-predictor",
    modelVersion: "7",
    httpPort: 0,
    grpcPort: 0,
    processMetrics: false,
    capture,
  });
}

const row = (i: number) => ({ air: 298 + i / 10, wear: i, type: ["L", "M", "H"][i % 3]! });
function request(rows: ReturnType<typeof row>[], extra: Record<string, unknown> = {}) {
  return {
    ...extra,
    inputs: [
      { name: "air", shape: [rows.length, 1], datatype: "FP32", data: rows.map((r) => r.air) },
      { name: "wear", shape: [rows.length, 1], datatype: "INT64", data: rows.map((r) => r.wear) },
      { name: "type", shape: [rows.length, 1], datatype: "BYTES", data: rows.map((r) => r.type) },
    ],
  };
}
async function post(server: RunningServer, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.httpUrl}/v2/models/failure-predictor/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    id: res.headers.get("x-request-id"),
    json: (await res.json()) as Record<string, unknown>,
  };
}
async function metric(server: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "gm"))].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );
}
async function rowsIn(dir: string): Promise<Record<string, unknown>[]> {
  const { files } = await listCaptureFiles(dir);
  const out: Record<string, unknown>[] = [];
  for (const f of files) {
    const { readFileSync } = await import("node:fs");
    const b = readFileSync(f.path);
    out.push(...(await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) })));
  }
  return out;
}

describe("serve --capture-dir", () => {
  it("writes every answered row with inputs, outputs, id, time, model and plant, readable as Parquet", async () => {
    const dir = freshDir();
    const before = Date.now();
    const server = await serve({ dir, plant: "plant-a", fileSeconds: 3600 });
    const one = await post(server, request([row(1)], { id: "part-0001" }));
    expect(one.status).toBe(200);
    expect(one.id).toBeNull(); // the client gave its own id
    const batch = await post(server, request([row(2), row(3), row(4)]), { "x-request-id": "batch-7" });
    expect(batch.id).toBeNull(); // the header's id is the client's own
    const anonymous = await post(server, request([row(5)], { outputs: [{ name: "probabilities" }] }));
    expect(anonymous.id).toMatch(/^[0-9a-f-]{36}$/);
    // gRPC: a generated id comes back in the response's id
    const client = new (inferenceServiceClient())(server.grpcAddress!, grpc.credentials.createInsecure());
    const grpcId = await new Promise<string>((resolve, reject) =>
      (
        client as unknown as Record<string, (r: unknown, cb: (e: Error | null, v: { id: string }) => void) => void>
      ).ModelInfer!.call(
        client,
        {
          model_name: "failure-predictor",
          inputs: [
            { name: "air", datatype: "FP32", shape: [1, 1], contents: { fp32_contents: [300] } },
            { name: "wear", datatype: "INT64", shape: [1, 1], contents: { int64_contents: ["9"] } },
            { name: "type", datatype: "BYTES", shape: [1, 1], contents: { bytes_contents: [Buffer.from("H")] } },
          ],
        },
        (e, v) => (e ? reject(e) : resolve(v.id)),
      ),
    );
    client.close();
    expect(grpcId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await metric(server, "oip_capture_rows_total")).toBe(6);
    await server.close();

    const { files } = await listCaptureFiles(dir);
    expect(files).toHaveLength(1);
    expect(files[0]!.key).toMatch(
      /^plant-a\/failure-predictor\/7\/\d{4}-\d\d-\d\d\/\d{8}T\d{9}Z-[0-9a-f]{8}\.parquet$/,
    );
    const rows = await rowsIn(dir);
    expect(rows.map((r) => r.id)).toEqual(["part-0001", "batch-7", "batch-7", "batch-7", anonymous.id, grpcId]);
    expect(rows.map((r) => r.row)).toEqual([0, 0, 1, 2, 0, 0]);
    expect(rows.map((r) => r.air)).toEqual([298.1, 298.2, 298.3, 298.4, 298.5, 300].map(Math.fround));
    expect(rows.map((r) => r.wear)).toEqual([1n, 2n, 3n, 4n, 5n, 9n]);
    expect(rows.map((r) => r.type)).toEqual(["M", "H", "L", "M", "H", "H"]);
    expect(new Set(rows.map((r) => `${r.model_name}@${r.model_version} ${r.plant}`))).toEqual(
      new Set(["failure-predictor@7 plant-a"]),
    );
    for (const r of rows) {
      expect((r.time as Date).getTime()).toBeGreaterThanOrEqual(before);
      expect((r.time as Date).getTime()).toBeLessThanOrEqual(Date.now());
    }
    // The answered probabilities, as the client saw them; the request that asked only for them has no label.
    const answered = (one.json.outputs as { name: string; data: number[] }[]).find((o) => o.name === "probabilities")!;
    expect(rows[0]!.probabilities_0).toBe(answered.data[0]);
    expect(rows[0]!.probabilities_1).toBe(answered.data[1]);
    expect(rows[0]!.label).not.toBeNull();
    expect(rows[4]!.label).toBeNull();
    expect(typeof rows[4]!.probabilities_1).toBe("number");
  });

  it("captures a request large enough to run on the inference worker, every row", async () => {
    const dir = freshDir();
    const server = await serve({ dir, plant: "plant-a", fileSeconds: 3600 });
    const rows = Array.from({ length: 6000 }, (_, i) => row(i)); // 18,000 elements: inferred off the main thread
    const big = await post(server, request(rows, { id: "big" }));
    expect(big.status).toBe(200);
    await server.close();
    const captured = await rowsIn(dir);
    expect(captured).toHaveLength(6000);
    expect(captured.at(-1)).toMatchObject({
      id: "big",
      row: 5999,
      air: Math.fround(row(5999).air),
      wear: 5999n,
      type: row(5999).type,
    });
  });

  it("is read directly by validate-data, detect-drift and the evaluation reader", async () => {
    const dir = freshDir();
    const server = await serve({ dir, plant: "p1", fileSeconds: 3600 });
    for (let i = 0; i < 40; i++) await post(server, request([row(i), row(i + 100)]));
    await server.close();
    const glob = `${dir}/**/*.parquet`;
    const ds = await openDataset(glob);
    expect(ds.columns).toEqual([
      "id",
      "row",
      "time",
      "model_name",
      "model_version",
      "plant",
      "air",
      "wear",
      "type",
      "label",
      "probabilities_0",
      "probabilities_1",
    ]);
    const schema = parseSchema(
      "columns:\n  air: {type: float, min: 250, max: 350}\n  wear: {type: int, min: 0}\n  type: {type: string, allowed: [L, M, H]}\n  time: {type: timestamp}\n",
    );
    const valid = await validateData({ schema, data: glob });
    expect(valid.violations).toEqual([]);
    expect(valid.rows).toBe(80);
    const source = await readRows((await listCaptureFiles(dir)).files[0]!.path);
    expect(source.columns).toContain("probabilities_1");
    const reference = join(root, "reference.csv");
    writeFileSync(
      reference,
      `air,wear,type\n${Array.from({ length: 80 }, (_, i) => `${298 + i / 40},${i},L`).join("\n")}\n`,
    );
    const drift = await detectDrift({ reference, current: glob, features: ["air", "wear", "type"] });
    expect(drift.features.map((f) => f.feature)).toEqual(["air", "wear", "type"]);
    expect(drift.features.find((f) => f.feature === "type")!.drifted).toBe(true);
  });

  it("closes files by size and age, always under a temporary name first, and removes torn files left by a crash", async () => {
    const dir = freshDir();
    const torn = join(dir, "p2/failure-predictor/7/2024-01-01");
    mkdirSync(torn, { recursive: true });
    writeFileSync(join(torn, ".20240101T000000000Z-deadbeef.parquet.tmp"), "PAR1 half a file");
    const server = await serve({ dir, plant: "p2", fileBytes: 2048, fileSeconds: 0.2 });
    expect(readdirSync(torn)).toEqual([]);
    for (let i = 0; i < 30; i++) await post(server, request([row(i), row(i + 1), row(i + 2)], { id: `r${i}` }));
    // files are written off the request path: a bounded wait on them appearing
    let bySize = 0;
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      bySize = (await listCaptureFiles(dir)).files.length;
      if (bySize > 1) break;
    }
    expect(bySize).toBeGreaterThan(1);
    await post(server, request([row(1)], { id: "late" }));
    // the age limit closes the last file without another request (bounded wait on the file appearing)
    const deadline = Date.now() + 10_000;
    while ((await rowsIn(dir)).length < 91 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await rowsIn(dir)).length).toBe(91);
    await server.close();
    const all = await rowsIn(dir);
    expect(all.map((r) => r.id)).toContain("late");
    expect(new Set(all.map((r) => `${r.id}:${r.row}`)).size).toBe(91);
  });

  it("keeps answering when the folder reaches its budget, and counts the rows it drops", async () => {
    const dir = freshDir();
    const server = await serve({ dir, plant: "p3", maxDiskBytes: 3000, fileBytes: 1000, fileSeconds: 3600 });
    let answered = 0;
    for (let i = 0; i < 60; i++) if ((await post(server, request([row(i), row(i + 1)]))).status === 200) answered++;
    expect(answered).toBe(60);
    const captured = await metric(server, "oip_capture_rows_total");
    const dropped = await metric(server, 'oip_capture_dropped_rows_total{reason="disk_budget"}');
    expect(dropped).toBeGreaterThan(0);
    expect(captured + dropped).toBe(120);
    await server.close();
    const { files } = await listCaptureFiles(dir);
    expect(files.reduce((s, f) => s + f.size, 0)).toBeLessThanOrEqual(3000);
    expect((await rowsIn(dir)).length).toBe(captured);
  });

  it("captures the sampled share only, and numbers the columns of an [N,F] input", async () => {
    const dir = freshDir();
    const server = await serve({ dir, plant: "p4", sample: 0, fileSeconds: 3600 }, logisticModel());
    const body = { inputs: [{ name: "input", shape: [1, 5], datatype: "FP32", data: [298, 308, 1500, 40, 10] }] };
    expect((await post(server, body)).status).toBe(200);
    expect(await metric(server, "oip_capture_rows_total")).toBe(0);
    await server.close();
    expect((await listCaptureFiles(dir)).files).toEqual([]);
    const dir2 = freshDir();
    const all = await serve({ dir: dir2, plant: "p4", fileSeconds: 3600 }, logisticModel());
    await post(all, body);
    await all.close();
    const [r] = await rowsIn(dir2);
    expect(Object.keys(r!)).toEqual(
      expect.arrayContaining(["input_0", "input_4", "label", "probabilities_0", "probabilities_1"]),
    );
    expect(r!.input_2).toBe(1500);
  });

  it("refuses a bad plant name or an unwritable folder with one clear error", async () => {
    await expect(serve({ dir: freshDir(), plant: "../etc" })).rejects.toThrow(/^plant: must be 1-64 letters/);
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    await expect(serve({ dir: join(file, "sub"), plant: "p" })).rejects.toThrow(/^capture-dir: cannot create/);
  });
});
