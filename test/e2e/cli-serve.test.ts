/** `mlops serve --model <registry ref>` from the bundled CLI: resolves the champion and answers OIP v2. */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { testNode } from "../harness/node-binary";
import { repoRoot } from "../harness/run-action";
import { freePort } from "../services/tools";

it("serves a registry model by alias and stops on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlops-cli-serve-"));
  const file = join(dir, "m.onnx");
  writeFileSync(file, encodeModel(linearClassifierModel({ coefficients: [[2, -1]], intercepts: [0.5] })));
  const reg = openRegistry(join(dir, "registry"));
  await reg.register({ name: "fp", files: [{ path: "model.onnx", source: file }] });
  const v2 = await reg.register({ name: "fp", files: [{ path: "model.onnx", source: file }] });
  await reg.setAlias("fp", "champion", v2.version);
  const port = await freePort();
  const child = spawn(
    testNode(),
    [
      join(repoRoot, "dist/cli.js"),
      "serve",
      "--model",
      "fp@champion",
      "--registry",
      join(dir, "registry"),
      "--http-port",
      String(port),
      "--grpc-port",
      "off",
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout.on("data", (d) => {
    log += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  try {
    const url = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let i = 0; i < 150 && !ready; i++) {
      ready = await fetch(`${url}/v2/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready, log).toBe(true);
    const meta = (await (await fetch(`${url}/v2/models/fp`)).json()) as { name: string; versions: string[] };
    expect(meta).toMatchObject({ name: "fp", versions: ["2"] });
    const res = await fetch(`${url}/v2/models/fp/infer`, {
      method: "POST",
      body: JSON.stringify({
        inputs: [{ name: "input", shape: [1, 2], datatype: "FP32", data: [1, 1] }],
        outputs: [{ name: "probabilities" }],
      }),
    });
    const out = (await res.json()) as { outputs: { data: number[] }[] };
    expect(res.status).toBe(200);
    // P(1) = sigmoid(2*1 - 1*1 + 0.5)
    expect(out.outputs[0]!.data[1]).toBeCloseTo(1 / (1 + Math.exp(-1.5)), 5);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
});
