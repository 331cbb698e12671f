import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tarStream from "tar-stream";
import { describe, expect, it } from "vitest";
import { isUserError } from "../errors";
import { insertionOrderJson, sha256Digest } from "./digest";
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from "./media-types";
import { unpackLayout } from "./unpack-layout";

type Entry =
  | { type: "file"; name: string; data?: string }
  | { type: "directory"; name: string }
  | { type: "symlink"; name: string; linkname: string }
  | { type: "link"; name: string; linkname: string };

async function tarGz(entries: Entry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((r) => pack.on("end", r));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.type === "file") pack.entry({ name: e.name, type: "file", mode: 0o644 }, e.data ?? "x", cb);
      else if (e.type === "directory") pack.entry({ name: e.name, type: "directory", mode: 0o755 }, cb);
      else pack.entry({ name: e.name, type: e.type, linkname: e.linkname }, cb);
    });
  }
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

/** An OCI layout of one linux/amd64 image with the given layers; `mangle` may change the manifest. */
async function layoutWith(layers: Entry[][], mangle?: (m: { layers: { digest: string }[] }) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "unpack-layout-"));
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (data: Buffer) => {
    const digest = sha256Digest(data);
    writeFileSync(join(dir, "blobs/sha256", digest.slice(7)), data);
    return digest;
  };
  const blobs = await Promise.all(layers.map(tarGz));
  const config = insertionOrderJson({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } });
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: put(config), size: config.length },
    layers: blobs.map((b) => ({
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: put(b),
      size: b.length,
    })),
  };
  mangle?.(manifest);
  const m = insertionOrderJson(manifest);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      { mediaType: OCI_MANIFEST, digest: put(m), size: m.length, platform: { architecture: "amd64", os: "linux" } },
    ],
  };
  writeFileSync(join(dir, "index.json"), insertionOrderJson(index));
  return dir;
}

/** A root inside a sandbox that also holds `outside/` with a victim file and directory. */
function sandbox(): { root: string; outside: string; snapshot: () => string[] } {
  const box = mkdtempSync(join(tmpdir(), "unpack-sandbox-"));
  const outside = join(box, "outside");
  mkdirSync(join(outside, "victim"), { recursive: true });
  writeFileSync(join(outside, "victim/keep.txt"), "keep");
  writeFileSync(join(outside, "x.txt"), "x");
  const walk = (d: string, prefix = ""): string[] =>
    readdirSync(d).flatMap((n) => {
      const p = join(d, n);
      const st = lstatSync(p);
      return [`${prefix}${n}`, ...(st.isDirectory() ? walk(p, `${prefix}${n}/`) : [])];
    });
  return {
    root: join(box, "root"),
    outside,
    // Everything in the sandbox except the root's own tree.
    snapshot: () =>
      walk(box)
        .filter((p) => p !== "root" && !p.startsWith("root/"))
        .sort(),
  };
}

const BEFORE = ["outside", "outside/victim", "outside/victim/keep.txt", "outside/x.txt"];

async function outcome(promise: Promise<void>): Promise<"ok" | string> {
  try {
    await promise;
    return "ok";
  } catch (e) {
    if (!isUserError(e)) throw e;
    return (e as Error).message;
  }
}

describe("unpackLayout against hostile layers", () => {
  it("keeps writes through a symlink to an outside path inside the root", async () => {
    const s = sandbox();
    const layout = await layoutWith([
      [{ type: "symlink", name: "evil", linkname: s.outside }],
      [{ type: "file", name: "evil/pwned.txt", data: "pwned" }],
    ]);
    expect(await outcome(unpackLayout(layout, s.root, "linux/amd64"))).toBe("ok");
    expect(s.snapshot()).toEqual(BEFORE);
    // The link is followed as the container would see it: from the root.
    expect(readFileSync(join(s.root, s.outside, "pwned.txt"), "utf8")).toBe("pwned");
  });

  it("keeps whiteouts through a symlink inside the root", async () => {
    const s = sandbox();
    const layout = await layoutWith([
      [{ type: "symlink", name: "evil", linkname: "../outside" }],
      [
        { type: "file", name: "evil/.wh.victim" },
        { type: "file", name: "evil/.wh.x.txt" },
      ],
    ]);
    expect(await outcome(unpackLayout(layout, s.root, "linux/amd64"))).toBe("ok");
    expect(s.snapshot()).toEqual(BEFORE);
  });

  it("rejects (never crashes on) a '..' entry and a whiteout of '..', naming the entry", async () => {
    for (const name of ["../escape.txt", "a/../../escape.txt", ".wh..."]) {
      const s = sandbox();
      const layout = await layoutWith([[{ type: "file", name }]]);
      const r = await outcome(unpackLayout(layout, s.root, "linux/amd64"));
      expect(r).toMatch(/oci-layout: layer sha256:[0-9a-f]{64} entry ".*" is refused/);
      expect(s.snapshot()).toEqual(BEFORE);
      expect(existsSync(join(s.root, ".."))).toBe(true);
    }
  });

  it("refuses a layer whose bytes do not match its digest, and a digest that is not one", async () => {
    const s = sandbox();
    const layout = await layoutWith([[{ type: "file", name: "a.txt" }]]);
    const manifestFile = readdirSync(join(layout, "blobs/sha256")).map((f) => join(layout, "blobs/sha256", f));
    const layerFile = manifestFile.find((f) => readFileSync(f)[0] === 0x1f)!;
    const bytes = readFileSync(layerFile);
    bytes[bytes.length - 5]! ^= 0xff;
    writeFileSync(layerFile, bytes);
    expect(await outcome(unpackLayout(layout, s.root, "linux/amd64"))).toMatch(/does not match its digest/);
    const odd = await layoutWith([[{ type: "file", name: "a.txt" }]], (m) => {
      m.layers[0]!.digest = "sha256:../../../outside/x.txt";
    });
    expect(await outcome(unpackLayout(odd, s.root, "linux/amd64"))).toMatch(/digest is not sha256:<64 hex>/);
    expect(s.snapshot()).toEqual(BEFORE);
  });

  it("never touches anything outside the root, whatever the entries (random layers)", async () => {
    let seed = 1818;
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    for (let round = 0; round < 25; round++) {
      const s = sandbox();
      const names = ["a", "b", "evil", "a/b", "evil/x", "evil/victim", "b/../../outside"];
      const targets = [s.outside, "/", "..", "../..", "../../outside", "../../outside/victim", "a", "/evil", "evil/x"];
      const layers = Array.from({ length: 3 }, () =>
        Array.from({ length: 4 }, (): Entry => {
          const name = pick(names);
          const kind = pick(["file", "directory", "symlink", "link", "whiteout"] as const);
          if (kind === "symlink" || kind === "link") return { type: kind, name, linkname: pick(targets) };
          if (kind === "whiteout") {
            const parts = name.split("/");
            return {
              type: "file",
              name: [...parts.slice(0, -1), `.wh.${pick(["victim", "x.txt", "..", "outside"])}`].join("/"),
            };
          }
          return kind === "file" ? { type: "file", name } : { type: "directory", name };
        }),
      );
      const layout = await layoutWith(layers);
      // Success or a clean refusal (hard links to missing files may fail): never a write outside.
      await unpackLayout(layout, s.root, "linux/amd64").catch((e: unknown) => {
        if (!isUserError(e) && !/ENOENT|EEXIST|ENOTDIR|EISDIR|EPERM/.test(String(e))) throw e;
      });
      expect(s.snapshot(), `round ${round}: ${JSON.stringify(layers)}`).toEqual(BEFORE);
      expect(readFileSync(join(s.outside, "victim/keep.txt"), "utf8")).toBe("keep");
    }
  });
});
