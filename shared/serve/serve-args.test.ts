import { describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelFile } from "./run-serve";
import { parseServeArgs, serveArgsFromFlags } from "./serve-args";

describe("parseServeArgs", () => {
  it("uses container defaults", () => {
    expect(parseServeArgs(["--model", "m.onnx"])).toEqual({
      model: "m.onnx",
      host: "0.0.0.0",
      httpPort: 8080,
      grpcPort: 8081,
      logLevel: "info",
    });
  });

  it("reads the environment, and flags win over it", () => {
    const env = { MLOPS_MODEL: "/models/a.onnx", PORT: "9000", MLOPS_GRPC_PORT: "off", MLOPS_MODEL_NAME: "a" };
    expect(parseServeArgs([], env)).toMatchObject({
      model: "/models/a.onnx",
      httpPort: 9000,
      grpcPort: null,
      modelName: "a",
    });
    expect(parseServeArgs(["--http-port", "0", "--model", "b.onnx"], env)).toMatchObject({
      model: "b.onnx",
      httpPort: 0,
    });
    expect(
      parseServeArgs([
        "--model",
        "b.onnx",
        "--max-body-bytes",
        "1024",
        "--threads",
        "2",
        "--log-level",
        "debug",
        "--host",
        "::1",
      ]),
    ).toMatchObject({ maxBodyBytes: 1024, threads: 2, logLevel: "debug", host: "::1" });
  });

  it("rejects a missing model, bad numbers and unknown flags with a UserError", () => {
    const fails = (argv: string[]) => {
      try {
        parseServeArgs(argv);
      } catch (e) {
        expect(isUserError(e)).toBe(true);
        return (e as Error).message;
      }
      throw new Error("expected a UserError");
    };
    expect(fails([])).toContain("--model");
    expect(fails(["--model", "m", "--http-port", "80a"])).toContain(
      'http-port: must be an integer from 0 to 65535 (got "80a")',
    );
    expect(fails(["--model", "m", "--grpc-port", "70000"])).toContain("grpc-port");
    expect(fails(["--model", "m", "--bogus"])).toContain("bogus");
    expect(fails(["--model", "m", "--log-level", "loud"])).toContain("log-level");
  });
});

describe("serveArgsFromFlags", () => {
  it("takes the serve flags from an already-parsed record and ignores the caller's own", () => {
    expect(
      serveArgsFromFlags({ model: "models:/m@champion", registry: "file:///r", "grpc-port": "off" }, { PORT: "9000" }),
    ).toEqual({
      model: "models:/m@champion",
      host: "0.0.0.0",
      httpPort: 9000,
      grpcPort: null,
      logLevel: "info",
    });
  });
});

describe("the model Azure ML mounts", () => {
  it("AZUREML_MODEL_DIR wins over the image's MLOPS_MODEL; --model wins over both", () => {
    const env = { MLOPS_MODEL: "/models/baked/model.onnx", AZUREML_MODEL_DIR: "/var/azureml-app/azureml-models/fp/3" };
    expect(parseServeArgs([], env).model).toBe("/var/azureml-app/azureml-models/fp/3");
    expect(parseServeArgs(["--model", "m.onnx"], env).model).toBe("m.onnx");
    expect(parseServeArgs([], { MLOPS_MODEL: "/models/baked/model.onnx" }).model).toBe("/models/baked/model.onnx");
  });

  it("MLOPS_MODEL_SOURCE=image serves the baked model whatever AZUREML_MODEL_DIR names; another value is refused", () => {
    const env = { MLOPS_MODEL: "/models/baked/model.onnx", AZUREML_MODEL_DIR: "/var/azureml-app/azureml-models" };
    expect(parseServeArgs([], { ...env, MLOPS_MODEL_SOURCE: "image" }).model).toBe("/models/baked/model.onnx");
    expect(parseServeArgs(["--model", "m.onnx"], { ...env, MLOPS_MODEL_SOURCE: "image" }).model).toBe("m.onnx");
    expect(() => parseServeArgs([], { ...env, MLOPS_MODEL_SOURCE: "imgae" })).toThrow(
      /^MLOPS_MODEL_SOURCE: "imgae" is not a model source\. Set it to image/,
    );
  });

  it("a folder serves its model.onnx, or the one folder below that has it; anything else is one clear error", () => {
    const root = mkdtempSync(join(tmpdir(), "mlops-mount-"));
    mkdirSync(join(root, "direct"));
    writeFileSync(join(root, "direct", "model.onnx"), "x");
    mkdirSync(join(root, "nested", "failure-predictor"), { recursive: true });
    writeFileSync(join(root, "nested", "failure-predictor", "model.onnx"), "x");
    mkdirSync(join(root, "empty"));
    expect(modelFile(join(root, "direct"))).toBe(join(root, "direct", "model.onnx"));
    expect(modelFile(join(root, "nested"))).toBe(join(root, "nested", "failure-predictor", "model.onnx"));
    expect(() => modelFile(join(root, "empty"))).toThrow(/model: no single model\.onnx in the folder/);
  });
});
