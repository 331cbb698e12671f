import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EdgeModel, edgeAnnotations, edgeImageSettings, edgeLayers } from "./edge-image";

describe("edge image layout", () => {
  let dist: string;
  let model: EdgeModel;
  beforeAll(() => {
    dist = mkdtempSync(join(tmpdir(), "edge-dist-"));
    writeFileSync(join(dist, "serve.js"), "export {}");
    writeFileSync(join(dist, "package.json"), '{"type":"module"}');
    const ort = join(dist, "node_modules/onnxruntime-node");
    mkdirSync(join(ort, "dist"), { recursive: true });
    writeFileSync(join(ort, "dist/index.js"), "");
    mkdirSync(join(ort, "bin/napi-v6/linux/x64"), { recursive: true });
    writeFileSync(join(ort, "bin/napi-v6/linux/x64/libonnxruntime.so.1"), "x64");
    writeFileSync(join(dist, "model.onnx"), "m");
    model = { name: "pm", version: "3", path: join(dist, "model.onnx"), sha256: "ab".repeat(32), card: "# card" };
  });
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it("puts the JS in one shared layer and each native library in its platform's layer", () => {
    const layers = edgeLayers(dist, model, ["linux/amd64"]);
    expect(layers.map((l) => [l.name, l.platforms])).toEqual([
      ["server", undefined],
      ["onnxruntime linux/amd64", ["linux/amd64"]],
      ["model pm:3", undefined],
    ]);
    const ort = layers[0]!.entries.find((e) => e.path === "/app/node_modules/onnxruntime-node");
    expect(ort && "include" in ort && ort.include?.("bin/napi-v6/linux/x64/libonnxruntime.so.1")).toBe(false);
    expect(ort && "include" in ort && ort.include?.("dist/index.js")).toBe(true);
    expect(layers[2]!.entries.map((e) => e.path)).toEqual(["/models/pm/model.onnx", "/models/pm/model-card.md"]);
  });

  it("ships what the server loads on demand (capture, its upload) beside serve.js", () => {
    expect(edgeLayers(dist, model, ["linux/amd64"])[0]!.entries.map((e) => e.path)).not.toContain("/app/serve-chunks");
    mkdirSync(join(dist, "serve-chunks"));
    writeFileSync(join(dist, "serve-chunks/capture-X.js"), "export {}");
    const entries = edgeLayers(dist, model, ["linux/amd64"])[0]!.entries;
    expect(entries.find((e) => e.path === "/app/serve-chunks")).toMatchObject({ from: join(dist, "serve-chunks") });
    rmSync(join(dist, "serve-chunks"), { recursive: true });
  });

  it("says which platforms the bundle supports when one is missing", () => {
    expect(() => edgeLayers(dist, model, ["linux/amd64", "linux/arm64"])).toThrow(
      /^platforms: onnxruntime-node has no native library for linux\/arm64 .*available: linux\/amd64\)\. Build only for linux\/amd64\./,
    );
    expect(() => edgeLayers(join(dist, "nope"), model, ["linux/amd64"])).toThrow(/the bundled server is missing/);
    expect(() => edgeLayers(dist, { ...model, name: "a/b" }, ["linux/amd64"])).toThrow(/^model: name cannot be/);
  });

  it("runs node /app/serve.js as 65532 on 8080/8081 with the model chosen by environment", () => {
    const s = edgeImageSettings(model);
    expect(s.entrypoint).toEqual(["node", "/app/serve.js"]);
    expect(s.user).toBe("65532:65532");
    expect(s.exposedPorts).toEqual([8080, 8081]);
    expect(s.env).toMatchObject({
      MLOPS_MODEL: "/models/pm/model.onnx",
      MLOPS_MODEL_NAME: "pm",
      MLOPS_MODEL_VERSION: "3",
    });
    expect(s.healthcheck?.test.join(" ")).toContain("http://127.0.0.1:8080/v2/health/ready");
    expect(edgeAnnotations({ model, revision: "abc" })).toMatchObject({
      "org.opencontainers.image.revision": "abc",
      "io.mlops.model.sha256": `sha256:${"ab".repeat(32)}`,
      "io.mlops.model.version": "3",
    });
  });
});
