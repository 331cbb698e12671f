import { describe, expect, it } from "vitest";
import { parseServeArgs } from "./serve-args";

describe("capture flags", () => {
  it("are off by default, read flags before the environment, and keep the env for upload credentials", () => {
    expect(parseServeArgs(["--model", "m.onnx"]).capture).toBeUndefined();
    const env = { MLOPS_CAPTURE_DIR: "/env", MLOPS_PLANT: "plant-env", MLOPS_CAPTURE_SAMPLE: "0.25" };
    const a = parseServeArgs(
      [
        "--model",
        "m.onnx",
        "--capture-dir",
        "/capture",
        "--capture-upload",
        "azblob://a/c",
        "--capture-file-seconds",
        "0.5",
      ],
      env,
    );
    expect(a.capture).toEqual({
      dir: "/capture",
      env,
      sample: 0.25,
      fileSeconds: 0.5,
      upload: "azblob://a/c",
      plant: "plant-env",
    });
    expect(
      parseServeArgs(["--model", "m.onnx"], { MLOPS_CAPTURE_DIR: "/c", MLOPS_CAPTURE_MAX_DISK_BYTES: "1000" }).capture,
    ).toMatchObject({ dir: "/c", maxDiskBytes: 1000 });
  });

  it("one clear error for a value that cannot be right, or an upload without a capture", () => {
    const p =
      (...flags: string[]) =>
      () =>
        parseServeArgs(["--model", "m.onnx", ...flags]);
    expect(p("--capture-dir", "/c", "--capture-sample", "2")).toThrow(
      /^capture-sample: must be a number from 0 to 1 \(got "2"\)/,
    );
    expect(p("--capture-dir", "/c", "--capture-max-disk-bytes", "1.5")).toThrow(
      /^capture-max-disk-bytes: must be a positive integer/,
    );
    expect(p("--capture-dir", "/c", "--capture-file-seconds=0")).toThrow(
      /^capture-file-seconds: must be a positive number/,
    );
    expect(p("--capture-upload", "azblob://a/c")).toThrow(
      /^capture-upload: capture is off \(got "azblob:\/\/a\/c" but no capture-dir\)/,
    );
    expect(p("--capture-dri", "/c")).toThrow(/^serve: Unknown option '--capture-dri'/);
  });
});
