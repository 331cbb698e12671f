import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { isUserError } from "../../shared/errors";
import {
  type BuiltImage,
  buildImage,
  checkModelLoads,
  type EdgeModel,
  edgeAnnotations,
  edgeImageSettings,
  edgeLayers,
  renderImageMarkdown,
  type LayerSpec,
  parsePlatform,
  pushImage,
  RegistryClient,
  writeOciLayout,
} from "../../shared/oci";
import { decodeModel, encodeModel } from "../../shared/onnx";
import { logisticModel } from "../../shared/serve/example-models";
import { describeIf, file, tool } from "../services/availability";
import { imageEnv } from "../services/boot-image";
import {
  baseImageAvailability,
  run,
  skopeoCopyToRegistry,
  skopeoInspect,
  writeBaseLayout,
} from "../services/base-image";
import {
  completedBlobUploads,
  freePort,
  type RegistryService,
  registryAvailability,
  startRegistry,
  stopChild,
} from "../services/oci-registry";
import { loopbackHttpFlags } from "../services/serve-process";

const EPOCH = 1_763_900_000;
const TINY_SERVER = `
const http = require("node:http");
const fs = require("node:fs");
const crypto = require("node:crypto");
const [, , , model, , port] = process.argv;
const sha = crypto.createHash("sha256").update(fs.readFileSync(model)).digest("hex");
http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  if (req.url === "/v2/health/ready") return res.end(JSON.stringify({ ready: true }));
  if (req.url === "/v2/models/tiny") return res.end(JSON.stringify({ name: "tiny", sha256: sha, arch: process.arch, uid: process.getuid() }));
  res.statusCode = 404; res.end("{}");
}).listen(Number(port), "127.0.0.1");
`;

function available() {
  for (const a of [registryAvailability(), baseImageAvailability(), tool("umoci", "apt-get install -y umoci")]) {
    if (!a.ok) return a;
  }
  return { ok: true as const };
}

describeIf("oci: build, push, layout and run against a real registry", available(), () => {
  let registry: RegistryService;
  let work: string;
  let baseRef: string;
  let modelFile: string;
  const children: ChildProcess[] = [];

  const tinyLayers = (): LayerSpec[] => [
    { name: "server", entries: [{ path: "/app/serve.js", data: TINY_SERVER }] },
    {
      name: "onnxruntime linux/amd64",
      platforms: ["linux/amd64"],
      entries: [{ path: "/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/README", data: "x64\n" }],
    },
    {
      name: "onnxruntime linux/arm64",
      platforms: ["linux/arm64"],
      entries: [{ path: "/app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/README", data: "arm64\n" }],
    },
    {
      name: "model",
      entries: [
        { path: "/models/tiny/model.onnx", from: modelFile },
        { path: "/models/tiny/model-card.md", data: "# tiny\n" },
      ],
    },
  ];
  const build = (over: Partial<Parameters<typeof buildImage>[0]> = {}) =>
    buildImage({
      base: baseRef,
      platforms: ["linux/amd64", "linux/arm64"],
      layers: tinyLayers(),
      config: {
        entrypoint: ["/usr/bin/node", "/app/serve.js"],
        cmd: ["--model", "/models/tiny/model.onnx"],
        env: { NODE_ENV: "production" },
        exposedPorts: [8080, 8081],
        user: "65532:65532",
        workingDir: "/app",
        labels: { "io.kserve.health.ready": "/v2/health/ready" },
      },
      annotations: {
        "org.opencontainers.image.source": "https://github.com/example/plant-models",
        "org.opencontainers.image.revision": "0123456789abcdef",
        "io.mlops.model.name": "tiny",
      },
      sourceDateEpoch: EPOCH,
      gzipLevel: 1,
      ...over,
    });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "oci-test-"));
    modelFile = join(work, "model.onnx");
    writeFileSync(modelFile, logisticModel());
    registry = await startRegistry();
    await writeBaseLayout(join(work, "base"), { withNode: true, arm64Stub: true });
    baseRef = `${registry.host}/base/node:test`;
    await skopeoCopyToRegistry(`oci:${join(work, "base")}:base`, baseRef);
  }, 120_000);

  afterAll(async () => {
    for (const c of children) await stopChild(c);
    await registry?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let image: BuiltImage;

  it("builds a two-platform image on the multi-arch base and skopeo reads what we pushed", async () => {
    image = await build();
    expect(image.manifests.map((m) => m.platform)).toEqual(["linux/amd64", "linux/arm64"]);
    const amd = image.manifests[0]!;
    const arm = image.manifests[1]!;
    expect(amd.layers.map((l) => l.name)).toEqual(["base", "server", "onnxruntime linux/amd64", "model"]);
    expect(arm.layers.map((l) => l.name)).toEqual(["base", "server", "onnxruntime linux/arm64", "model"]);
    expect(amd.layers[1]!.digest).toBe(arm.layers[1]!.digest);

    const pushed = await pushImage(image, `${registry.host}/edge/tiny:1`);
    expect(pushed.digest).toBe(image.digest);
    expect(pushed.image).toBe(`${registry.host}/edge/tiny@${image.digest}`);
    // Base layers live in the same registry: mounted, not uploaded.
    expect(pushed.mounted).toBe(2);

    const raw = (await skopeoInspect(`${registry.host}/edge/tiny:1`, "raw")) as { manifests: { digest: string }[] };
    expect(raw.manifests.map((m) => m.digest)).toEqual([amd.digest, arm.digest]);
    const inspected = (await skopeoInspect(`${registry.host}/edge/tiny:1`)) as { Digest: string; Architecture: string };
    expect(inspected.Digest).toBe(image.digest);
    const config = (await skopeoInspect(`${registry.host}/edge/tiny@${amd.digest}`, "config")) as {
      architecture: string;
      config: {
        Entrypoint: string[];
        User: string;
        ExposedPorts: object;
        Env: string[];
        Labels: Record<string, string>;
      };
      rootfs: { diff_ids: string[] };
    };
    expect(config.architecture).toBe("amd64");
    expect(config.config.Entrypoint).toEqual(["/usr/bin/node", "/app/serve.js"]);
    expect(config.config.User).toBe("65532:65532");
    expect(Object.keys(config.config.ExposedPorts)).toEqual(["8080/tcp", "8081/tcp"]);
    expect(config.config.Env).toContain("NODE_ENV=production");
    expect(config.config.Env.some((e) => e.startsWith("PATH="))).toBe(true);
    expect(config.config.Labels["org.opencontainers.image.revision"]).toBe("0123456789abcdef");
    expect(config.config.Labels["test.base"]).toBe("host-node");
    expect(config.rootfs.diff_ids).toHaveLength(4);
  });

  it("is reproducible: the same inputs give the same digest, another SOURCE_DATE_EPOCH another one", async () => {
    const again = await build();
    expect(again.digest).toBe(image.digest);
    expect(again.manifests.map((m) => m.digest)).toEqual(image.manifests.map((m) => m.digest));
    const later = await build({ sourceDateEpoch: EPOCH + 1 });
    expect(later.digest).not.toBe(image.digest);
  });

  it("re-pushing an unchanged image uploads 0 blobs; a new repository mounts or uploads only what is missing", async () => {
    registry.requests.length = 0;
    const again = await pushImage(image, `${registry.host}/edge/tiny:1`);
    expect(again).toMatchObject({ uploaded: 0, mounted: 0, bytesUploaded: 0 });
    expect(again.skipped).toBe(image.blobs.size);
    expect(completedBlobUploads(registry.requests)).toBe(0);
    expect(registry.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("the unpacked image runs its entrypoint as the non-root user with the model inside", async () => {
    const layout = join(work, "pulled");
    await run("skopeo", [
      "copy",
      "--quiet",
      "--src-tls-verify=false",
      `docker://${registry.host}/edge/tiny:1`,
      `oci:${layout}:tiny`,
    ]);
    const bundle = join(work, "bundle");
    await run("umoci", ["unpack", ...rootless(), "--image", `${layout}:tiny`, bundle]);
    const rootfs = join(bundle, "rootfs");
    expect(readFileSync(join(rootfs, "models/tiny/model.onnx"))).toEqual(Buffer.from(logisticModel()));
    expect(existsSync(join(rootfs, "app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/README"))).toBe(true);
    expect(existsSync(join(rootfs, "app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64"))).toBe(false);
    const port = await freePort();
    const child = startInRootfs(rootfs, [
      "/usr/bin/node",
      "/app/serve.js",
      "--model",
      "/models/tiny/model.onnx",
      "--port",
      String(port),
    ]);
    children.push(child);
    await waitHttp(`http://127.0.0.1:${port}/v2/health/ready`, child);
    const info = (await (await fetch(`http://127.0.0.1:${port}/v2/models/tiny`)).json()) as {
      sha256: string;
      uid: number;
    };
    expect(info.sha256).toBe(sha256Hex(logisticModel()));
    if (chrootable()) expect(info.uid).toBe(65532);
    await stopChild(child);
  });

  it("pushes to several plant registries in one run, copying base layers across registries", async () => {
    const plant = await startRegistry();
    try {
      const results = [];
      for (const target of [`${plant.host}/edge/tiny:1`, `${registry.host}/plant-2/tiny:1`]) {
        results.push(await pushImage(image, target));
      }
      // The other registry has nothing: every blob goes up, base layers fetched from the base registry.
      expect(results[0]).toMatchObject({ uploaded: image.blobs.size, mounted: 0, skipped: 0 });
      // Same registry as the base: base layers mounted; our layers are already there from the first test,
      // but in another repository, so they are uploaded again (registries only dedupe by repository).
      expect(results[1]!.mounted).toBe(2);
      for (const r of results) {
        expect(((await skopeoInspect(r.tagged!)) as { Digest: string }).Digest).toBe(image.digest);
      }
      const summary = renderImageMarkdown(image, results);
      expect(summary).toContain(`docker pull ${results[0]!.image}`);
      expect(summary).toMatch(/\| linux\/arm64 \| onnxruntime linux\/arm64 \| \d+ B \|/);
      expect(summary).toContain(`${image.blobs.size} blobs uploaded`);
    } finally {
      await plant.stop();
    }
  });

  it("writes an OCI archive that skopeo copies to a registry unchanged (air-gapped plant)", async () => {
    const tar = join(work, "edge.tar");
    const written = await writeOciLayout(image, { tar }, { tag: "1" });
    expect(written.blobs).toBe(image.blobs.size + image.manifests.length + 1);
    await run("skopeo", [
      "copy",
      "--all",
      "--quiet",
      "--dest-tls-verify=false",
      `oci-archive:${tar}:1`,
      `docker://${registry.host}/plant-7/tiny:1`,
    ]);
    const inspected = (await skopeoInspect(`${registry.host}/plant-7/tiny:1`)) as { Digest: string };
    expect(inspected.Digest).toBe(image.digest);
    const again = join(work, "edge-again.tar");
    await writeOciLayout(await build(), { tar: again }, { tag: "1" });
    expect(sha256Hex(readFileSync(again))).toBe(sha256Hex(readFileSync(tar)));
    const dir = join(work, "layout-dir");
    await writeOciLayout(image, { dir }, { tag: "1" });
    const out = JSON.parse(await run("skopeo", ["inspect", "--raw", `oci:${dir}:1`])) as {
      manifests: unknown[];
    };
    expect(out.manifests).toHaveLength(2);
  });

  it("uploads in chunks and retries 5xx answers", async () => {
    registry.requests.length = 0;
    let failures = 2;
    registry.inject = ({ method, path }) =>
      method === "PATCH" && path.includes("/blobs/uploads/") && failures-- > 0 ? 503 : undefined;
    try {
      const res = await pushImage(image, `${registry.host}/other/tiny:1`, { chunkSize: 256, retryDelayMs: 1 });
      expect(res.uploaded + res.mounted).toBe(image.blobs.size);
    } finally {
      registry.inject = undefined;
    }
    expect(failures).toBeLessThan(0);
    expect(registry.requests.filter((r) => r.method === "PATCH" && r.status === 503)).toHaveLength(2);
    expect(registry.requests.filter((r) => r.method === "PATCH" && r.status === 202).length).toBeGreaterThan(2);
    expect(((await skopeoInspect(`${registry.host}/other/tiny:1`)) as { Digest: string }).Digest).toBe(image.digest);
  });

  it("a push that fails part-way leaves no tag pointing at a partial image", async () => {
    const changed = await build({ annotations: { "io.mlops.model.version": "2" } });
    registry.inject = ({ method, path }) =>
      method === "PUT" &&
      path.includes("/blobs/uploads/") &&
      path.includes(encodeURIComponent(changed.manifests[0]!.configDigest))
        ? 500
        : undefined;
    try {
      const err = await pushImage(changed, `${registry.host}/fresh/tiny:2`, { attempts: 2, retryDelayMs: 1 }).catch(
        (e: unknown) => e,
      );
      expect(isUserError(err)).toBe(true);
      expect((err as Error).message).toMatch(/registry: .* failed PUT upload .*HTTP 500/);
    } finally {
      registry.inject = undefined;
    }
    const client = new RegistryClient({ registry: registry.host });
    expect(await client.headManifest("fresh/tiny", "2")).toBeUndefined();
    expect(await client.headManifest("fresh/tiny", changed.digest)).toBeUndefined();
    expect(await client.headManifest("fresh/tiny", changed.manifests[0]!.digest)).toBeUndefined();
  });

  it("builds on a Docker schema 2 base (manifest list), writing OCI media types", async () => {
    const small = join(work, "small-base");
    await writeBaseLayout(small, { withNode: false, arm64Stub: true });
    await run("skopeo", [
      "copy",
      "--all",
      "--quiet",
      "--format",
      "v2s2",
      "--dest-tls-verify=false",
      `oci:${small}:base`,
      `docker://${registry.host}/base/docker-format:1`,
    ]);
    const raw = (await skopeoInspect(`${registry.host}/base/docker-format:1`, "raw")) as { mediaType: string };
    expect(raw.mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    const built = await build({ base: `${registry.host}/base/docker-format:1` });
    const layerTypes = new Set(built.manifests.flatMap((m) => m.manifest.layers.map((l) => l.mediaType)));
    expect([...layerTypes]).toEqual(["application/vnd.oci.image.layer.v1.tar+gzip"]);
    const pushed = await pushImage(built, `${registry.host}/edge/from-docker:1`);
    expect(((await skopeoInspect(pushed.tagged!)) as { Digest: string }).Digest).toBe(built.digest);
    // A single-platform base (no index): its config says which platform it is.
    await run("skopeo", [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      `oci:${small}:base`,
      `docker://${registry.host}/base/single:1`,
    ]);
    const single = await build({ base: `${registry.host}/base/single:1`, platforms: ["linux/amd64"] });
    expect(single.manifests.map((m) => m.platform)).toEqual(["linux/amd64"]);
    await expect(build({ base: `${registry.host}/base/single:1`, platforms: ["linux/arm64"] })).rejects.toThrow(
      /^platforms: base image is linux\/amd64, not linux\/arm64/,
    );
  });

  it("bad input: missing base image, unsupported platform, unknown platform name", async () => {
    await expect(build({ base: `${registry.host}/base/missing:1` })).rejects.toThrow(/^base-image: not found/);
    await expect(build({ platforms: ["linux/s390x"] })).rejects.toThrow(
      /platforms: base image has no linux\/s390x variant .*linux\/amd64, linux\/arm64/,
    );
    expect(() => parsePlatform("linux")).toThrow(/unsupported platform \(got "linux"\)/);
    await expect(build({ platforms: ["plan9/amd64"] })).rejects.toSatisfy(isUserError);
  });

  it("a model that fails to load is a clear error", async () => {
    const bad = join(work, "bad.onnx");
    writeFileSync(bad, "not a model");
    // The same loader as compare-models and the server: the error names the input and the file.
    await expect(checkModelLoads(bad)).rejects.toThrow(/^model \(.*bad\.onnx\): not an ONNX model/);
    await expect(checkModelLoads(work)).rejects.toThrow(/^model: cannot read ".*"/);
    const rejected = decodeModel(logisticModel());
    rejected.graph!.node![0]!.opType = "NoSuchOp";
    const unknownOp = join(work, "unknown-op.onnx");
    writeFileSync(unknownOp, encodeModel(rejected));
    await expect(checkModelLoads(unknownOp)).rejects.toSatisfy(
      (e: unknown) =>
        isUserError(e) &&
        /^model \(.*unknown-op\.onnx\): onnxruntime .*cannot load the model/.test((e as Error).message),
    );
    // A ZipMap model: its declared outputs, not the probability tensor the loader exposes for scoring.
    const zipmap = join(work, "zipmap.onnx");
    writeFileSync(zipmap, logisticModel({ zipmap: true }));
    await expect(checkModelLoads(zipmap)).resolves.toEqual({
      inputs: ["input"],
      outputs: ["output_label", "output_probability"],
    });
    await expect(checkModelLoads(modelFile)).resolves.toEqual({
      inputs: ["input"],
      outputs: ["label", "probabilities"],
    });
  });

  describeIf(
    "the bundled server really serves the model from the image",
    file("dist/serve.js", "npm run build"),
    () => {
      it("answers /v2/health/ready and /infer from the unpacked image, with the config edgeImageSettings writes", async () => {
        const model: EdgeModel = {
          name: "pm",
          version: "7",
          path: modelFile,
          sha256: sha256Hex(logisticModel()),
          card: "# pm v7\n",
        };
        const served = await build({
          layers: edgeLayers("dist", model, ["linux/amd64", "linux/arm64"]),
          config: edgeImageSettings(model),
          annotations: edgeAnnotations({ model, source: "https://github.com/example/plant", revision: "abc123" }),
        });
        const [amd, arm] = served.manifests;
        expect(amd!.layers.map((l) => l.name)).toEqual(["base", "server", "onnxruntime linux/amd64", "model pm:7"]);
        expect(arm!.layers.map((l) => l.name)).toEqual(["base", "server", "onnxruntime linux/arm64", "model pm:7"]);
        expect(amd!.manifest.annotations?.["io.mlops.model.sha256"]).toBe(`sha256:${model.sha256}`);
        const dir = join(work, "served-layout");
        await writeOciLayout(served, { dir }, { tag: "pm" });
        const layout = join(work, "served-pulled");
        await run("skopeo", ["copy", "--quiet", `oci:${dir}:pm`, `oci:${layout}:pm`]);
        const bundle = join(work, "served-bundle");
        await run("umoci", ["unpack", ...rootless(), "--image", `${layout}:pm`, bundle]);
        const rootfs = join(bundle, "rootfs");
        expect(readFileSync(join(rootfs, "models/pm/model-card.md"), "utf8")).toBe("# pm v7\n");
        expect(existsSync(join(rootfs, "app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"))).toBe(true);
        expect(existsSync(join(rootfs, "app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64"))).toBe(false);
        // Run exactly what the config says: Entrypoint + Cmd (+ our port flags, as `docker run image --flags`), Env.
        const cfg = amd!.config.config!;
        expect(cfg.Healthcheck?.Interval).toBe(10e9);
        expect(cfg.ExposedPorts).toEqual({ "8080/tcp": {}, "8081/tcp": {} });
        const env = imageEnv(amd!.config);
        const port = await freePort();
        const child = startInRootfs(
          rootfs,
          [...cfg.Entrypoint!, ...(cfg.Cmd ?? []), ...loopbackHttpFlags(port)],
          env,
          cfg.User,
        );
        children.push(child);
        await waitHttp(`http://127.0.0.1:${port}/v2/health/ready`, child);
        const res = await fetch(`http://127.0.0.1:${port}/v2/models/pm/versions/7/infer`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            inputs: [{ name: "input", shape: [1, 5], datatype: "FP32", data: [300, 310, 1500, 40, 100] }],
          }),
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { outputs: { name: string; data: number[] }[] };
        expect(body.outputs.map((o) => o.name).sort()).toEqual(["label", "probabilities"]);
        await stopChild(child);
      });
    },
  );
});

function sha256Hex(data: Uint8Array): string {
  return execFileSync("sha256sum", { input: data, encoding: "utf8" }).split(" ")[0]!;
}

const CHROOT = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v chroot"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

function chrootable(): boolean {
  return process.getuid?.() === 0 && CHROOT !== undefined;
}

function rootless(): string[] {
  return process.getuid?.() === 0 ? [] : ["--rootless"];
}

/**
 * Runs argv inside the rootfs with the given environment: chroot as `user` when we are root, else the host's
 * node on the unpacked files (image paths mapped into the rootfs).
 */
function startInRootfs(
  rootfs: string,
  argv: string[],
  env: Record<string, string> = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/home/nonroot" },
  user = "65532:65532",
): ChildProcess {
  let child: ChildProcess;
  if (chrootable()) {
    child = spawn(CHROOT!, [`--userspec=${user}`, rootfs, ...argv], { stdio: ["ignore", "pipe", "pipe"], env });
  } else {
    const map = (a: string) => (a.startsWith("/app/") || a.startsWith("/models/") ? join(rootfs, a) : a);
    const mappedEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, map(v)]));
    const [, ...rest] = argv;
    child = spawn(process.execPath, rest.map(map), { stdio: ["ignore", "pipe", "pipe"], env: mappedEnv });
  }
  let log = "";
  child.stdout?.on("data", (d) => {
    log = (log + d).slice(-4000);
  });
  child.stderr?.on("data", (d) => {
    log = (log + d).slice(-4000);
  });
  Object.defineProperty(child, "log", { get: () => log });
  return child;
}

async function waitHttp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`server exited ${child.exitCode}: ${(child as unknown as { log: string }).log}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within 30 s: ${(child as unknown as { log: string }).log}`);
}
