/**
 * package-edge through dist/ on base images that were altered after they were written: an `oci:` layout with a
 * tampered layer or config, digests that point outside the layout, and a registry that sends other bytes than
 * its digests promise. Each must fail with one user error naming the blob, and nothing from outside the layout
 * may reach the image or the log.
 */
import { createServer, type Server } from "node:http";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertionOrderJson, sha256Digest } from "../../shared/oci/digest";
import { championWorkspace, runPackageEdge } from "../harness/package-edge";
import { writeBaseLayout } from "../services/base-image";

let work: string;
let workspace: string;
let pristine: string;
const SECRET = "outside-the-layout-7f3a";

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "mlops-edge-hostile-"));
  workspace = await championWorkspace(work);
  pristine = join(work, "pristine");
  await writeBaseLayout(pristine, { withNode: false });
  mkdirSync(join(work, "outside"), { recursive: true });
  writeFileSync(join(work, "outside/x.json"), JSON.stringify({ secret: SECRET, architecture: "amd64", os: "linux" }));
}, 60_000);

const run = (base: string) =>
  runPackageEdge(workspace, base, { "oci-layout": join(work, `out-${Math.random().toString(36).slice(2)}.tar`) });

interface Layout {
  dir: string;
  read<T>(digest: string): T;
  /** Writes bytes as a blob (named by their digest) and returns the digest. */
  put(bytes: Buffer): string;
  /** The platform manifest's digest, through the tagged index. */
  manifestDigest(): string;
  /** Replaces the platform manifest (and re-points the index and index.json at it). */
  setManifest(manifest: unknown): void;
}

let copies = 0;
function copyLayout(): Layout {
  const dir = join(work, `layout-${copies++}`);
  cpSync(pristine, dir, { recursive: true });
  const path = (digest: string) => join(dir, "blobs/sha256", digest.slice(7));
  const top = () => JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const layout: Layout = {
    dir,
    read: (digest) => JSON.parse(readFileSync(path(digest), "utf8")),
    put: (bytes) => {
      const digest = sha256Digest(bytes);
      writeFileSync(path(digest), bytes);
      return digest;
    },
    manifestDigest: () =>
      layout.read<{ manifests: { digest: string }[] }>(top().manifests[0].digest).manifests[0]!.digest,
    setManifest: (manifest) => {
      const t = top();
      const index = layout.read<{ manifests: { digest: string; size: number }[] }>(t.manifests[0].digest);
      const bytes = insertionOrderJson(manifest);
      index.manifests[0]!.digest = layout.put(bytes);
      index.manifests[0]!.size = bytes.length;
      const indexBytes = insertionOrderJson(index);
      t.manifests[0].digest = layout.put(indexBytes);
      t.manifests[0].size = indexBytes.length;
      writeFileSync(join(dir, "index.json"), insertionOrderJson(t));
    },
  };
  return layout;
}

interface Manifest {
  config: { digest: string; size: number };
  layers: { digest: string; size: number }[];
}

function expectRefused(r: Awaited<ReturnType<typeof run>>, pattern: RegExp): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(pattern);
  expect(r.errors[0]).not.toMatch(/this is a bug/);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
}

describe("package-edge (bundled) on an altered base image", () => {
  it("refuses an oci: layout whose base layer was changed, naming the blob", async () => {
    const l = copyLayout();
    const layer = l.read<Manifest>(l.manifestDigest()).layers[0]!.digest;
    const file = join(l.dir, "blobs/sha256", layer.slice(7));
    const bytes = readFileSync(file);
    bytes[bytes.length - 20]! ^= 0xff;
    writeFileSync(file, bytes);
    expectRefused(await run(`oci:${l.dir}:base`), new RegExp(`blob ${layer} does not match its digest`));
  }, 60_000);

  it("refuses an oci: layout whose config was changed to inject NODE_OPTIONS", async () => {
    const l = copyLayout();
    const config = l.read<Manifest>(l.manifestDigest()).config.digest;
    const file = join(l.dir, "blobs/sha256", config.slice(7));
    const doc = JSON.parse(readFileSync(file, "utf8"));
    doc.config.Env.push("NODE_OPTIONS=--require=/tmp/evil.js");
    writeFileSync(file, JSON.stringify(doc));
    // Longer than the descriptor says: refused as soon as the extra bytes arrive.
    expectRefused(
      await run(`oci:${l.dir}:base`),
      new RegExp(`blob ${config} is larger than its descriptor's \\d+ bytes`),
    );
  }, 60_000);

  it("refuses config and layer digests that point outside the layout, without reading or echoing the file", async () => {
    for (const part of ["config", "layer"] as const) {
      const l = copyLayout();
      const manifest = l.read<Manifest>(l.manifestDigest());
      const evil = `sha256:../../../outside/x.json`;
      if (part === "config") manifest.config.digest = evil;
      else manifest.layers[0]!.digest = evil;
      l.setManifest(manifest);
      expectRefused(
        await run(`oci:${l.dir}:base`),
        /digest is not sha256:<64 hex> \(got "sha256:\.\.\/\.\.\/\.\.\/outside\/x\.json"\)/,
      );
    }
  }, 60_000);

  describe("from a registry that sends other bytes than its digests promise", () => {
    let server: Server;
    let host: string;
    beforeAll(async () => {
      const l = copyLayout();
      const blob = (digest: string) => readFileSync(join(l.dir, "blobs/sha256", digest.slice(7)));
      const manifest = l.read<Manifest>(l.manifestDigest());
      const config = manifest.config.digest;
      // A registry (distribution API, read-only) serving the layout, except that the config's bytes differ.
      server = createServer((req, res) => {
        const url = req.url ?? "";
        if (url === "/v2/") return void res.writeHead(200).end("{}");
        const m = /^\/v2\/base\/node\/(manifests|blobs)\/(.+)$/.exec(url);
        if (!m) return void res.writeHead(404).end();
        let digest = m[2]!;
        if (m[1] === "manifests" && !digest.startsWith("sha256:")) {
          digest = JSON.parse(readFileSync(join(l.dir, "index.json"), "utf8")).manifests[0].digest;
        }
        const file = join(l.dir, "blobs/sha256", digest.slice(7));
        if (!digest.startsWith("sha256:") || !existsSync(file)) return void res.writeHead(404).end();
        let body = blob(digest);
        if (digest === config) body = Buffer.from(body.toString("utf8").replace('"Cmd"', '"CMD"'));
        const type =
          m[1] === "manifests"
            ? (JSON.parse(body.toString("utf8")) as { mediaType: string }).mediaType
            : "application/octet-stream";
        res.writeHead(200, { "content-type": type, "docker-content-digest": digest, "content-length": body.length });
        res.end(req.method === "HEAD" ? undefined : body);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("is a user error naming the blob, not a bug", async () => {
      const r = await run(`${host}/base/node:24`);
      expectRefused(
        r,
        /^base-image: 127\.0\.0\.1:\d+\/base\/node: blob sha256:[0-9a-f]{64} does not match its digest \(got sha256:/,
      );
    }, 60_000);
  });
});
