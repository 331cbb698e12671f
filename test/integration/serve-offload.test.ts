import { afterEach, describe, expect, it, vi } from "vitest";
import { inferenceServiceClient } from "../../shared/serve";
import { logisticProbability } from "../../shared/serve/example-models";
import { OFFLOAD_BODY_BYTES } from "../../shared/serve/limits";
import { grpcClient, useExampleServer } from "../services/example-server";

// Large HTTP inference bodies are parsed, run and answered on the worker thread: the main thread (this one, the
// server runs in-process) only reads and writes their bytes, so health probes never wait behind them.

const example = useExampleServer({ modelVersion: "3", grpcPort: 0 });
afterEach(() => {
  vi.restoreAllMocks();
});

/** `n` distinct rows, as nested JSON (each row its own array, as clients usually send them). */
function rows(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => [
    298.1 + (i % 7),
    308.6 + (i % 3),
    1200 + (i % 900),
    20 + (i % 50),
    i % 240,
  ]);
}

function largeRequest(n = 35_000): string {
  return JSON.stringify({ id: "big", inputs: [{ name: "input", shape: [n, 5], datatype: "FP32", data: rows(n) }] });
}

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${example.base}/infer`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return { status: res.status, text: await res.text() };
}

/** Spies on this thread's JSON.parse; returns the sizes of the texts it was given. */
function parsedHere(): number[] {
  const sizes: number[] = [];
  const parse = JSON.parse;
  vi.spyOn(JSON, "parse").mockImplementation(
    (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      sizes.push(String(text).length);
      return parse(text, reviver);
    },
  );
  return sizes;
}

describe("serve: large requests are decoded and answered on the worker thread", () => {
  it("answers a 35 k-row (0.85 MiB) JSON request correctly without parsing it on the main thread", async () => {
    const body = largeRequest();
    expect(body.length).toBeGreaterThan(850_000);
    const sizes = parsedHere();
    const r = await post(body);
    vi.restoreAllMocks();
    expect(r.status).toBe(200);
    // Only the test's own parse of the response below may be large; nothing large was parsed while serving.
    expect(sizes.filter((n) => n > OFFLOAD_BODY_BYTES)).toEqual([]);
    const out = JSON.parse(r.text);
    expect(out).toMatchObject({ model_name: "failure-predictor", model_version: "3", id: "big" });
    const probs = out.outputs.find((o: { name: string }) => o.name === "probabilities");
    expect(probs.shape).toEqual([35_000, 2]);
    const all = rows(35_000);
    for (const i of [0, 1, 12_345, 34_999]) expect(probs.data[2 * i + 1]).toBeCloseTo(logisticProbability(all[i]!), 5);
  }, 60_000);

  it("gives a large bad request the same 400 and message as a small one", async () => {
    const bad = (n: number) =>
      JSON.stringify({
        inputs: [{ name: "input", shape: [n, 5], datatype: "FP32", data: [...rows(n - 1).flat(), "x", 1, 2, 3, 4] }],
      });
    const small = await post(bad(2));
    const large = await post(bad(20_000));
    expect(large.text.length).toBeGreaterThan(0);
    expect(small.status).toBe(400);
    expect(large.status).toBe(400);
    expect(JSON.parse(large.text).error).toBe(
      JSON.parse(small.text).error.replace("element 5", `element ${5 * 19_999}`),
    );
    const truncated = await post(largeRequest(5_000).slice(0, -3));
    expect(truncated.status).toBe(400);
    expect(JSON.parse(truncated.text).error).toMatch(/^body: not valid JSON/);
    const wrongHeader = await post(Buffer.alloc(200_000, 0x20), { "inference-header-content-length": "300000" });
    expect(wrongHeader.status).toBe(400);
    expect(JSON.parse(wrongHeader.text).error).toMatch(/^Inference-Header-Content-Length: must be the byte length/);
  }, 60_000);

  it("answers health, readiness and metadata while the worker is busy with four large requests", async () => {
    const body = largeRequest();
    const events: string[] = [];
    const large = Array.from({ length: 4 }, () => post(body).then((r) => events.push(`infer ${r.status}`)));
    // Once the server counts them in flight, the probes go out.
    for (let i = 0; i < 400; i++) {
      const text = await (await fetch(`${example.server.httpUrl}/metrics`)).text();
      if (/oip_inflight_requests\{protocol="http"\} [5-9]/.test(text)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const probes = Promise.all([
      fetch(`${example.server.httpUrl}/v2/health/live`),
      fetch(`${example.server.httpUrl}/v2/health/ready`),
      fetch(example.base),
    ]).then((all) => events.push(`probes ${all.map((r) => r.status).join(",")}`));
    await Promise.all([...large, probes]);
    // The probes never waited for the queue: they were answered while large requests were still running.
    expect(events.indexOf("probes 200,200,200")).toBeGreaterThanOrEqual(0);
    expect(events.indexOf("probes 200,200,200")).toBeLessThan(events.length - 1);
    expect(events.filter((e) => e === "infer 200")).toHaveLength(4);
  }, 60_000);
});

describe("serve over gRPC: large messages are checked, decoded and answered on the worker thread", () => {
  it("answers a 35 k-row ModelInfer correctly without decoding it on the main thread", async () => {
    const client = grpcClient(example.server);
    const infer = (n: number) =>
      new Promise<{ outputs: { name: string }[]; raw_output_contents: Buffer[]; model_version: string }>(
        (resolve, reject) =>
          (
            client as unknown as { ModelInfer: (r: unknown, cb: (e: Error | null, v: never) => void) => void }
          ).ModelInfer(
            {
              model_name: "failure-predictor",
              model_version: "3",
              id: "big",
              inputs: [{ name: "input", datatype: "FP32", shape: [n, 5] }],
              raw_input_contents: [Buffer.from(Float32Array.from(rows(n).flat()).buffer)],
            },
            (e, v) => (e ? reject(e) : resolve(v)),
          ),
      );
    // This thread's protobuf decoder of ModelInferRequest, as the server looks it up for each request.
    const decode = vi.spyOn(inferenceServiceClient().service.ModelInfer!, "requestDeserialize");
    await infer(2);
    expect(decode).toHaveBeenCalledTimes(1);
    const r = await infer(35_000);
    expect(decode).toHaveBeenCalledTimes(1);
    client.close();
    expect(r.model_version).toBe("3");
    const raw = r.raw_output_contents[r.outputs.findIndex((o) => o.name === "probabilities")]!;
    const probs = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(probs).toHaveLength(70_000);
    const all = rows(35_000);
    for (const i of [0, 17_000, 34_999]) expect(probs[2 * i + 1]).toBeCloseTo(logisticProbability(all[i]!), 5);
  }, 60_000);
});
