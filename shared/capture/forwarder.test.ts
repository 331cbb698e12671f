import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { recordingLogger } from "../log";
import { openStore } from "../registry";
import { createCaptureMetrics } from "./capture-metrics";
import { startForwarder } from "./forwarder";

const root = mkdtempSync(join(tmpdir(), "forwarder-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function setup() {
  const dir = join(root, `capture-${++n}`);
  const target = join(root, `target-${n}`);
  const folder = join(dir, "p/m/1/2024-01-01");
  mkdirSync(folder, { recursive: true });
  const registry = new Registry();
  return { dir, target, folder, registry, metrics: createCaptureMetrics(registry) };
}

async function forwardOnce(o: ReturnType<typeof setup>) {
  const logger = recordingLogger();
  const removed: number[] = [];
  const f = startForwarder({
    dir: o.dir,
    target: openStore(o.target),
    logger,
    metrics: o.metrics,
    onRemoved: (b) => removed.push(b),
    pollMs: 60_000,
  });
  await f.close(10_000);
  return { logger, removed };
}

describe("the capture forwarder", () => {
  it("uploads each closed file under its path, removes it, and never picks up a temporary file", async () => {
    const o = setup();
    writeFileSync(join(o.folder, "a.parquet"), "aaaa");
    writeFileSync(join(o.folder, ".b.parquet.tmp"), "half");
    const { removed } = await forwardOnce(o);
    expect(readFileSync(join(o.target, "p/m/1/2024-01-01/a.parquet"), "utf8")).toBe("aaaa");
    expect(existsSync(join(o.target, "p/m/1/2024-01-01/.b.parquet.tmp"))).toBe(false);
    expect(readdirSync(o.folder)).toEqual([".b.parquet.tmp"]);
    expect(removed).toEqual([4]);
  });

  it("a file the store already holds, identical (the process died between upload and removal), counts as sent once", async () => {
    const o = setup();
    writeFileSync(join(o.folder, "a.parquet"), "same bytes");
    mkdirSync(join(o.target, "p/m/1/2024-01-01"), { recursive: true });
    writeFileSync(join(o.target, "p/m/1/2024-01-01/a.parquet"), "same bytes");
    await forwardOnce(o);
    expect(readdirSync(join(o.target, "p/m/1/2024-01-01"))).toEqual(["a.parquet"]);
    expect(readdirSync(o.folder)).toEqual([]);
  });

  it("a different blob under the same name is kept, and the file is uploaded beside it", async () => {
    const o = setup();
    writeFileSync(join(o.folder, "a.parquet"), "mine");
    mkdirSync(join(o.target, "p/m/1/2024-01-01"), { recursive: true });
    writeFileSync(join(o.target, "p/m/1/2024-01-01/a.parquet"), "theirs");
    const { logger } = await forwardOnce(o);
    const names = readdirSync(join(o.target, "p/m/1/2024-01-01")).sort();
    expect(names).toHaveLength(2);
    expect(readFileSync(join(o.target, "p/m/1/2024-01-01/a.parquet"), "utf8")).toBe("theirs");
    expect(
      readFileSync(
        join(
          o.target,
          "p/m/1/2024-01-01",
          names.find((x) => x !== "a.parquet")!,
        ),
        "utf8",
      ),
    ).toBe("mine");
    expect(logger.lines.map((l) => l.message).join("\n")).toMatch(/exists with other content/);
  });
});
