/**
 * Data where it lives: the data, reference and current inputs read Azure Blob URIs, prefixes and globs on
 * Azurite, with the same results as the same files on disk, streamed: a counting proxy between the readers
 * and Azurite shows that reading the start of a large CSV, or one column of a Parquet file, moves a fraction
 * of the bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainLogistic } from "../../examples/predictive-maintenance/logistic-regression";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { type ColumnBatch, encodeParquet, openDataset } from "../../shared/data";
import { detectDrift } from "../../shared/drift";
import { evaluateModels } from "../../shared/evaluate";
import { hashData } from "../../shared/train/data-hash";
import { loadSchema, validateData } from "../../shared/validate/validate-data";
import { validationAnnotations } from "../../shared/validate/validation-report";
import { describeIf } from "../services/availability";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, DEV_KEY, startAzurite } from "../services/azurite";

const dir = mkdtempSync(join(tmpdir(), "blob-data-"));
let azurite: Azurite;
let proxy: Server;
let moved = 0;
let active = 0;
const idle: (() => void)[] = [];
/** Resolves once no response is flowing through the proxy (a stream the reader dropped has been closed). */
const settled = () => (active === 0 ? Promise.resolve() : new Promise<void>((r) => idle.push(r)));
let base: string;
const ENV = `AZURE_STORAGE_CONNECTION_STRING_${DEV_ACCOUNT.toUpperCase()}`;

async function rows(uri: string, columns?: string[]): Promise<{ files: string[]; batches: ColumnBatch[] }> {
  const ds = await openDataset(uri);
  const batches: ColumnBatch[] = [];
  for await (const b of ds.batches(columns ? { columns } : {})) batches.push(b);
  return { files: ds.files, batches };
}
const column = (batches: ColumnBatch[], name: string) =>
  batches.flatMap((b) => Array.from(b.columns[name]! as ArrayLike<number | string>));

describeIf("data inputs on Azure Blob Storage (Azurite)", azuriteAvailable(), () => {
  beforeAll(async () => {
    azurite = await startAzurite({ timeoutMs: 60_000 });
    // Every response byte from Azurite to the readers passes here and is counted.
    proxy = createServer((req, res) => {
      const up = request(
        { host: "127.0.0.1", port: azurite.port, path: req.url, method: req.method, headers: req.headers },
        (r) => {
          active++;
          let done = false;
          const end = () => {
            if (done) return;
            done = true;
            if (--active === 0) for (const f of idle.splice(0)) f();
          };
          res.writeHead(r.statusCode!, r.headers);
          r.on("data", (c: Buffer) => {
            moved += c.length;
          });
          // A reader that stops early closes its socket: stop reading from Azurite too.
          res.on("close", () => {
            r.destroy();
            end();
          });
          r.on("end", end);
          r.pipe(res);
        },
      );
      up.on("error", () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/${DEV_ACCOUNT}`;
    base = `${endpoint}/plant-data`;
    process.env[ENV] =
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${endpoint};`;

    const container = BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient(
      "plant-data",
    );
    await container.createIfNotExists();
    const put = async (name: string, path: string) => container.getBlockBlobClient(name).uploadFile(path);
    for (const [i, day] of ["2024-01-01", "2024-01-02"].entries()) {
      const p = join(dir, `part-${i}.csv`);
      await writeGenerated(p, 400, 10 + i);
      await put(`plant-a/${day}/part-${i}.csv`, p);
    }
    const n = 200_000; // 19 MB: large next to the 512 KiB footer read Parquet readers start with
    const wide = Array.from({ length: 12 }, (_, j) => ({
      name: `x${j}`,
      type: "double" as const,
      values: Float64Array.from({ length: n }, (_, i) => i * (j + 1)),
    }));
    writeFileSync(join(dir, "wide.parquet"), Buffer.concat(encodeParquet(wide, n)));
    await put("plant-b/wide.parquet", join(dir, "wide.parquet"));
    await writeGenerated(join(dir, "large.csv"), 400_000, 3); // ~21 MB
    await put("big/large.csv", join(dir, "large.csv"));
  }, 180_000);

  afterAll(async () => {
    delete process.env[ENV];
    proxy?.close();
    await azurite?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads a glob over blob names, and a prefix, as the same files on disk read", async () => {
    const glob = await rows(`${base}/plant-a/**/*.csv`);
    expect(glob.files).toEqual([`${base}/plant-a/2024-01-01/part-0.csv`, `${base}/plant-a/2024-01-02/part-1.csv`]);
    expect(glob.batches[0]!.file).toBe(`${base}/plant-a/2024-01-01/part-0.csv`);
    const local = [...(await rows(join(dir, "part-0.csv"))).batches, ...(await rows(join(dir, "part-1.csv"))).batches];
    for (const c of ["Air temperature [K]", "Type", "Machine failure"]) {
      expect(column(glob.batches, c)).toEqual(column(local, c));
    }
    const prefix = await rows(`${base}/plant-a/`);
    expect(prefix.files).toEqual(glob.files);
    const single = await rows(`${base}/plant-a/2024-01-02/part-1.csv`);
    expect(single.files).toEqual([`${base}/plant-a/2024-01-02/part-1.csv`]);
  });

  it("streams: the start of a 21 MB CSV and one column of a Parquet file move a fraction of their bytes", async () => {
    const size = readFileSync(join(dir, "large.csv")).length;
    await settled();
    moved = 0;
    const ds = await openDataset(`${base}/big/large.csv`);
    for await (const b of ds.batches({ columns: ["Torque [Nm]"] })) {
      expect(b.rows).toBeGreaterThan(0);
      break;
    }
    expect(moved).toBeLessThan(size * 0.5);
    expect(moved).toBeGreaterThan(0);
    await settled();
    expect(moved).toBeLessThan(size * 0.5);
    const wide = readFileSync(join(dir, "wide.parquet")).length;
    moved = 0;
    const { batches } = await rows(`${base}/plant-b/wide.parquet`, ["x3"]);
    expect(column(batches, "x3").slice(0, 3)).toEqual([0, 4, 8]);
    expect(moved).toBeLessThan(wide * 0.25);
  });

  it("validate-data, detect-drift, compare-models' evaluation and train's data hash take blob URIs", async () => {
    const schema = await loadSchema(join(import.meta.dirname, "../../examples/predictive-maintenance/schema.yml"));
    const result = await validateData({ schema: { ...schema, rows: { min: 1 } }, data: `${base}/plant-a/*/*.csv` });
    expect(result.rows).toBe(800);
    expect(result.files).toHaveLength(2);
    // UDI repeats across the two generated files: the violation names the blob, and no annotation points into the repository.
    const unique = result.violations.find((v) => v.rule === "unique" && v.column === "UDI");
    expect(unique?.examples[0]?.file).toBe(`${base}/plant-a/2024-01-02/part-1.csv`);
    for (const a of validationAnnotations(result)) expect(a).not.toMatch(/file=/);

    const reference = join(dir, "reference.csv");
    await writeGenerated(reference, 800, 99);
    const drift = await detectDrift({
      reference,
      current: `${base}/plant-a/**/*.csv`,
      features: ["Torque [Nm]", "Type"],
    });
    expect(drift.features.map((f) => f.feature)).toEqual(["Torque [Nm]", "Type"]);
    expect(drift.features[0]!.current.count).toBe(800);

    const bytes = modelToOnnx(trainLogistic(generatedDataset(2000, 4), { iterations: 5 }));
    const model = [{ name: "candidate", bytes }];
    const remote = await evaluateModels(model, {
      data: `${base}/plant-a/2024-01-02/part-1.csv`,
      label: "Machine failure",
      keepPredictions: true,
    });
    const local = await evaluateModels(model, {
      data: join(dir, "part-1.csv"),
      label: "Machine failure",
      keepPredictions: true,
    });
    expect(Array.from(remote.models[0]!.predictions!.scores)).toEqual(Array.from(local.models[0]!.predictions!.scores));

    const hash = await hashData([`${base}/plant-a/**/*.csv`], { cwd: dir });
    expect(hash.files.map((f) => f.path)).toEqual([
      `${base}/plant-a/2024-01-01/part-0.csv`,
      `${base}/plant-a/2024-01-02/part-1.csv`,
    ]);
    expect(hash.bytes).toBe(
      readFileSync(join(dir, "part-0.csv")).length + readFileSync(join(dir, "part-1.csv")).length,
    );
  });

  it("says which input names nothing, a bad container, or a store that does not answer", async () => {
    await expect(openDataset(`${base}/plant-z/*.csv`, { input: "current" })).rejects.toThrow(
      /^current: no blob matches ".*\/plant-data\/plant-z\/\*\.csv" \(got 0 blobs\)/,
    );
    await expect(openDataset(`${base.replace("plant-data", "Bad_Container")}/x.csv`)).rejects.toThrow(
      /^data: invalid container name \(got "Bad_Container"\)/,
    );
    await expect(
      openDataset("azblob://nosuchaccount/data/x/*.csv", {
        env: {
          AZURE_STORAGE_CONNECTION_STRING:
            "DefaultEndpointsProtocol=http;AccountName=nosuchaccount;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/nosuchaccount;",
        },
      }),
    ).rejects.toThrow(/storage endpoint unreachable/);
  });
});
