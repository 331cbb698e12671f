import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../shared/serve";
import {
  AI4I_FEATURES,
  columnsExampleModel,
  logisticModel,
  logisticProbability,
} from "../../shared/serve/example-models";
import { describeIf, file } from "../services/availability";
import { useExampleServer } from "../services/example-server";

// The Open Inference Protocol over HTTP, exercised with fetch (undici) against a server on 127.0.0.1.

const MAX_BODY = 64 * 1024;
const example = useExampleServer({ modelVersion: "3", maxBodyBytes: MAX_BODY });

const ROWS = [
  [298.1, 308.6, 1551, 42.8, 0],
  [302.5, 311.3, 1305, 68.2, 210],
];

async function infer(body: unknown, path = `${example.base}/infer`, headers: Record<string, string> = {}) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function inferJson(body: unknown, path?: string) {
  const r = await infer(body, path);
  return { status: r.status, json: JSON.parse(r.body.toString()) };
}

function validRequest(rows = ROWS) {
  return { id: "req-1", inputs: [{ name: "input", shape: [rows.length, 5], datatype: "FP32", data: rows.flat() }] };
}

describe("serve over HTTP: health and metadata", () => {
  it("answers liveness, readiness and server metadata", async () => {
    const live = await fetch(`${example.server.httpUrl}/v2/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ live: true });
    const ready = await fetch(`${example.server.httpUrl}/v2/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    const meta = (await (await fetch(`${example.server.httpUrl}/v2`)).json()) as { version: unknown };
    expect(meta).toMatchObject({ name: "mlops-serve", extensions: ["binary_tensor_data"] });
    expect(typeof meta.version).toBe("string");
  });

  it("describes the model with and without a version, and reports it ready", async () => {
    const expected = {
      name: "failure-predictor",
      versions: ["3"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input", datatype: "FP32", shape: [-1, 5] }],
      outputs: [
        { name: "label", datatype: "INT64", shape: [-1] },
        { name: "probabilities", datatype: "FP32", shape: [-1, 2] },
      ],
    };
    expect(await (await fetch(example.base)).json()).toEqual(expected);
    expect(await (await fetch(`${example.base}/versions/3`)).json()).toEqual(expected);
    expect(await (await fetch(`${example.base}/ready`)).json()).toEqual({ name: "failure-predictor", ready: true });
    expect(await (await fetch(`${example.base}/versions/3/ready`)).json()).toEqual({
      name: "failure-predictor",
      ready: true,
    });
  });
});

describe("serve over HTTP: inference", () => {
  it("returns the model's predictions for JSON tensors, echoing the id", async () => {
    const { status, json } = await inferJson(validRequest());
    expect(status).toBe(200);
    expect(json.model_name).toBe("failure-predictor");
    expect(json.model_version).toBe("3");
    expect(json.id).toBe("req-1");
    const probs = json.outputs.find((o: { name: string }) => o.name === "probabilities");
    expect(probs.shape).toEqual([2, 2]);
    expect(probs.datatype).toBe("FP32");
    ROWS.forEach((row, i) => {
      expect(probs.data[i * 2 + 1]).toBeCloseTo(logisticProbability(row), 5);
    });
    const label = json.outputs.find((o: { name: string }) => o.name === "label");
    expect(label).toEqual({
      name: "label",
      datatype: "INT64",
      shape: [2],
      data: ROWS.map((r) => (logisticProbability(r) > 0.5 ? 1 : 0)),
    });
    // The two rows fall on different sides, so the test would catch swapped or constant outputs.
    expect(new Set(label.data).size).toBe(2);
  });

  it("accepts nested row-major data and the versioned path, and returns only requested outputs", async () => {
    const { status, json } = await inferJson(
      {
        inputs: [{ name: "input", shape: [2, 5], datatype: "FP32", data: ROWS }],
        outputs: [{ name: "label" }],
      },
      `${example.base}/versions/3/infer`,
    );
    expect(status).toBe(200);
    expect(json.outputs.map((o: { name: string }) => o.name)).toEqual(["label"]);
    expect(json.id).toBeUndefined();
  });

  it("speaks the binary tensor data extension both ways", async () => {
    const values = Float32Array.from(ROWS.flat());
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: "input", shape: [2, 5], datatype: "FP32", parameters: { binary_data_size: values.byteLength } },
        ],
        outputs: [{ name: "probabilities", parameters: { binary_data: true } }, { name: "label" }],
      }),
    );
    const r = await infer(Buffer.concat([header, Buffer.from(values.buffer)]), `${example.base}/infer`, {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(header.byteLength),
    });
    expect(r.status).toBe(200);
    const jsonLength = Number(r.headers.get("inference-header-content-length"));
    expect(jsonLength).toBeGreaterThan(0);
    const head = JSON.parse(r.body.subarray(0, jsonLength).toString());
    const probs = head.outputs.find((o: { name: string }) => o.name === "probabilities");
    expect(probs.parameters).toEqual({ binary_data_size: 16 });
    const raw = r.body.subarray(jsonLength);
    expect(raw.byteLength).toBe(16);
    expect(raw.readFloatLE(4)).toBeCloseTo(logisticProbability(ROWS[0]!), 5);
    expect(raw.readFloatLE(12)).toBeCloseTo(logisticProbability(ROWS[1]!), 5);
    expect(head.outputs.find((o: { name: string }) => o.name === "label").data).toEqual([0, 1]);
  });

  describeIf("on the AI4I 2020 data", file("../shared/data/ai4i2020.csv", "the AI4I 2020 CSV beside the repo"), () => {
    it("scores a 64-row batch exactly as the model's formula does", async () => {
      const records = parse(readFileSync("../shared/data/ai4i2020.csv"), {
        bom: true,
        columns: true,
        to: 64,
      }) as Record<string, string>[];
      const rows = records.map((r) => AI4I_FEATURES.map((f) => Number(r[f])));
      expect(rows).toHaveLength(64);
      const { status, json } = await inferJson(validRequest(rows));
      expect(status).toBe(200);
      const probs = json.outputs.find((o: { name: string }) => o.name === "probabilities");
      expect(probs.shape).toEqual([64, 2]);
      rows.forEach((row, i) => {
        expect(probs.data[i * 2 + 1]).toBeCloseTo(logisticProbability(row), 5);
      });
    });
  });
});

describe("serve over HTTP: bad requests answer in the protocol's error format and the server keeps serving", () => {
  const cases: { what: string; body: unknown; path?: string; status: number; says: string[] }[] = [
    { what: "malformed JSON", body: '{"inputs": [', status: 400, says: ["not valid JSON"] },
    {
      what: "data length not matching the shape",
      body: { inputs: [{ name: "input", shape: [2, 5], datatype: "FP32", data: [1, 2, 3] }] },
      status: 400,
      says: ["3 elements", "needs 10"],
    },
    {
      what: "an unknown input name",
      body: { inputs: [{ name: "features", shape: [1, 5], datatype: "FP32", data: [1, 2, 3, 4, 5] }] },
      status: 400,
      says: ['"features"', "Use one of: input"],
    },
    {
      what: "a wrong datatype",
      body: { inputs: [{ name: "input", shape: [1, 5], datatype: "FP64", data: [1, 2, 3, 4, 5] }] },
      status: 400,
      says: ["datatype must be FP32", '"FP64"'],
    },
    {
      what: "a wrong shape",
      body: { inputs: [{ name: "input", shape: [5], datatype: "FP32", data: [1, 2, 3, 4, 5] }] },
      status: 400,
      says: ["shape must match [-1,5]", "[5]"],
    },
    {
      what: "an unknown requested output",
      body: { ...validRequest(), outputs: [{ name: "proba" }] },
      status: 400,
      says: ['"proba"', "label, probabilities"],
    },
    {
      what: "an unknown model",
      body: validRequest(),
      path: "/v2/models/nope/infer",
      status: 404,
      says: ['"nope"', '"failure-predictor"'],
    },
    {
      what: "an unknown version",
      body: validRequest(),
      path: "/v2/models/failure-predictor/versions/9/infer",
      status: 404,
      says: ['"9"', 'version "3"'],
    },
  ];

  for (const c of cases) {
    it(`${c.what} → ${c.status}`, async () => {
      const { status, json } = await inferJson(c.body, c.path ? `${example.server.httpUrl}${c.path}` : undefined);
      expect(status).toBe(c.status);
      expect(Object.keys(json)).toEqual(["error"]);
      for (const s of c.says) expect(json.error).toContain(s);
      expect((await inferJson(validRequest())).status).toBe(200);
    });
  }

  it("a body over the configured limit → 413 (declared or streamed), then a normal request succeeds", async () => {
    const big = JSON.stringify({
      inputs: [{ name: "input", shape: [4000, 5], datatype: "FP32", data: new Array(20000).fill(300.5) }],
    });
    expect(big.length).toBeGreaterThan(MAX_BODY);
    const declared = await inferJson(big);
    expect(declared.status).toBe(413);
    expect(declared.json.error).toContain(`limit of ${MAX_BODY} bytes`);
    // Chunked upload without Content-Length: the limit is enforced while reading.
    const chunks = [big.slice(0, 40_000), big.slice(40_000)];
    const streamed = await fetch(`${example.base}/infer`, {
      method: "POST",
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: string }).error).toContain("--max-body-bytes");
    expect((await inferJson(validRequest())).status).toBe(200);
  });

  it("an unknown path → 404 and a wrong method → 405, both with an error body", async () => {
    const missing = await fetch(`${example.server.httpUrl}/v1/models/x:predict`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain("/v2/models/failure-predictor");
    const wrong = await fetch(`${example.base}/infer`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect(((await wrong.json()) as { error: string }).error).toContain("POST");
  });

  it("counts requests, errors and latency in Prometheus /metrics", async () => {
    const before = await (await fetch(`${example.server.httpUrl}/metrics`)).text();
    const count = (text: string, line: string) => Number(text.match(new RegExp(`^${line} (\\S+)$`, "m"))?.[1] ?? 0);
    const ok = 'oip_requests_total{protocol="http",route="infer",status="200"}';
    const bad = 'oip_request_errors_total{protocol="http",route="infer",status="400"}';
    await inferJson(validRequest());
    await inferJson({ inputs: [{ name: "input", shape: [1, 5], datatype: "FP32", data: [1] }] });
    const res = await fetch(`${example.server.httpUrl}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const after = await res.text();
    expect(count(after, ok) - count(before, ok)).toBe(1);
    expect(count(after, bad) - count(before, bad)).toBe(1);
    expect(after).toContain('oip_model_info{model="failure-predictor",version="3"} 1');
    expect(count(after, 'oip_request_duration_seconds_count{protocol="http",route="infer"}')).toBeGreaterThanOrEqual(2);
  });
});

describe("serve over HTTP: a model with INT64, BYTES and several inputs", () => {
  let columns: RunningServer;
  beforeAll(async () => {
    columns = await startServer({ model: columnsExampleModel(), modelName: "columns", httpPort: 0, grpcPort: null });
  });
  afterAll(() => columns?.close());

  it("feeds each named input with its datatype", async () => {
    const res = await fetch(`${columns.httpUrl}/v2/models/columns/infer`, {
      method: "POST",
      body: JSON.stringify({
        inputs: [
          { name: "type", shape: [2, 1], datatype: "BYTES", data: ["H", "L"] },
          { name: "air", shape: [2, 1], datatype: "FP32", data: [300, 300] },
          { name: "wear", shape: [2, 1], datatype: "INT64", data: [10, 10] },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { outputs: { name: string; data: number[] }[] };
    const probs = json.outputs.find((o) => o.name === "probabilities")!.data;
    // z = 0.5*air + 0.01*wear + onehot·[1, 0, -1] - 150: "H" → -1, "L" → +1.
    const p = (z: number) => 1 / (1 + Math.exp(-z));
    expect(probs[1]).toBeCloseTo(p(0.1 - 1), 5);
    expect(probs[3]).toBeCloseTo(p(0.1 + 1), 5);
  });

  it("names every missing input", async () => {
    const res = await fetch(`${columns.httpUrl}/v2/models/columns/infer`, {
      method: "POST",
      body: JSON.stringify({ inputs: [{ name: "air", shape: [1, 1], datatype: "FP32", data: [300] }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("missing wear, type");
  });
});

describe("serve over HTTP: a classifier exported with ZipMap (sklearn-onnx's default)", () => {
  let zipmap: RunningServer;
  beforeAll(async () => {
    zipmap = await startServer({ model: logisticModel({ zipmap: true }), modelName: "z", httpPort: 0, grpcPort: null });
  });
  afterAll(() => zipmap?.close());

  it("serves output_probability as the [N, classes] FP32 tensor ZipMap reads", async () => {
    const meta = (await (await fetch(`${zipmap.httpUrl}/v2/models/z`)).json()) as { outputs: unknown[] };
    expect(meta.outputs).toEqual([
      { name: "output_label", datatype: "INT64", shape: [-1] },
      { name: "output_probability", datatype: "FP32", shape: [-1, 2] },
    ]);
    const res = await fetch(`${zipmap.httpUrl}/v2/models/z/infer`, {
      method: "POST",
      body: JSON.stringify(validRequest()),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { outputs: { name: string; shape: number[]; data: number[] }[] };
    const probs = json.outputs.find((o) => o.name === "output_probability")!;
    expect(probs.shape).toEqual([2, 2]);
    ROWS.forEach((row, i) => {
      expect(probs.data[i * 2 + 1]).toBeCloseTo(logisticProbability(row), 5);
    });
  });
});

describe("serve over HTTP: clients that go away", () => {
  it("a client that disconnects mid-body is forgotten: nothing stays in flight and the server keeps serving", async () => {
    const { connect } = await import("node:net");
    const url = new URL(example.server.httpUrl);
    const inflight = async () => {
      const text = await (await fetch(`${example.server.httpUrl}/metrics`)).text();
      return Number(/^oip_inflight_requests\{protocol="http"\} (\S+)$/m.exec(text)?.[1]);
    };
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((r) => socket.once("connect", r));
    socket.write(
      'POST /v2/models/failure-predictor/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"inputs": [',
    );
    // Wait until the server counts it (plus the /metrics request itself), then vanish.
    for (let i = 0; i < 200 && (await inflight()) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await inflight()).toBe(2);
    socket.destroy();
    for (let i = 0; i < 200 && (await inflight()) > 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await inflight()).toBe(1);
    expect((await inferJson(validRequest())).status).toBe(200);
  });
});

describe("serve over HTTP: graceful close", () => {
  it("close() lets an in-flight request finish, tells its client the connection closes, then resolves", async () => {
    const { connect } = await import("node:net");
    const s = await startServer({ model: logisticModel(), modelName: "m", httpPort: 0, grpcPort: null });
    const url = new URL(s.httpUrl);
    const body = JSON.stringify(validRequest());
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((r) => socket.once("connect", r));
    let response = "";
    socket.on("data", (c: Buffer) => {
      response += c.toString();
    });
    const ended = new Promise((r) => socket.once("close", r));
    socket.write(
      `POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    const inflight = async () =>
      Number(
        /^oip_inflight_requests\{protocol="http"\} (\S+)$/m.exec(
          await (await fetch(`${s.httpUrl}/metrics`)).text(),
        )?.[1],
      );
    for (let i = 0; i < 200 && (await inflight()) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    let closed = false;
    const closing = s.close().then(() => {
      closed = true;
    });
    // New connections are refused while the old request is still running.
    await expect(fetch(`${s.httpUrl}/v2/health/live`)).rejects.toThrow();
    expect(closed).toBe(false);
    socket.write(body.slice(10));
    await ended;
    await closing;
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response.toLowerCase()).toContain("connection: close");
    expect(response).toContain('"model_name":"m"');
  });
});
