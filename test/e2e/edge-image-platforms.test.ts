/**
 * The edge image as plants get it, through dist/ as the runner runs package-edge: built on a base made from
 * Debian's packages (test/services/debian-base.ts) for linux/amd64 and linux/arm64, then each platform's
 * image unpacked and started from its own config, amd64 natively and arm64 under Debian's qemu-user-static,
 * until both answer the same Open Inference Protocol v2 request with the same outputs. The resolved base
 * digest is recorded in the labels and the model card; a digest-pinned base-image builds on that digest
 * even after its tag has moved.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generatedDataset, writeGenerated } from "../../examples/predictive-maintenance/dataset";
import { trainGbt } from "../../examples/predictive-maintenance/gradient-boosting";
import { inferenceRequest } from "../../examples/predictive-maintenance/inference-request";
import { modelToOnnx } from "../../examples/predictive-maintenance/onnx-export";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "../harness/bundle";
import { runAction } from "../harness/run-action";
import { describeIf } from "../services/availability";
import { baseImageAvailability, skopeoCopyToRegistry, skopeoInspect, writeBaseLayout } from "../services/base-image";
import { type BootedServer, bootServer, elfMachine, platformImage, unpackImage } from "../services/boot-image";
import { type DebianBase, debianBaseAvailability, debianBaseLayout, qemuAvailability } from "../services/debian-base";
import { type RegistryService, registryAvailability, startRegistry } from "../services/oci-registry";

const MODEL = "failure-predictor";
const LABELS = ["org.opencontainers.image.base.name", "org.opencontainers.image.base.digest"] as const;

function available() {
  for (const a of [debianBaseAvailability(), qemuAvailability()]) if (!a.ok) return a;
  return { ok: true as const };
}

const work = mkdtempSync(join(tmpdir(), "mlops-edge-platforms-"));
const workspace = join(work, "ws");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A registry in the workspace with the champion a GBT trained on generated AI4I data. */
async function registerChampion(): Promise<void> {
  writeFileSync(
    join(work, "model.onnx"),
    modelToOnnx(trainGbt(generatedDataset(3000, 11), { nEstimators: 20, maxDepth: 3 })),
  );
  const reg = openRegistry(join(workspace, ".mlops/registry"));
  const card = await reg.register({ name: MODEL, files: [{ path: "model.onnx", source: join(work, "model.onnx") }] });
  await reg.setAlias(MODEL, "champion", card.version);
}

const packageEdge = (inputs: Record<string, string>) =>
  runAction("package-edge", {
    root: bundleRoot(),
    workspace,
    inputs: { model: `${MODEL}@champion`, "source-date-epoch": "1763900000", ...inputs },
    timeoutMs: 300_000,
  });

describeIf("the edge image on a Debian base, booted on amd64 and on arm64 (bundled)", available(), () => {
  let base: DebianBase;
  let layout: string;
  const servers: BootedServer[] = [];
  const rootfs = (platform: string) => join(work, `rootfs-${platform.split("/")[1]}`);

  beforeAll(async () => {
    base = await debianBaseLayout();
    await registerChampion();
    layout = join(work, "edge-layout");
    const r = await packageEdge({ "base-image": base.ref, platforms: "linux/amd64,linux/arm64", "oci-layout": layout });
    expect(r.errors).toEqual([]);
    expect(r.summary).toContain(`resolved to \`${base.digest}\``);
  }, 600_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it("records the resolved base digest in both platforms' labels and in the model card", async () => {
    for (const platform of ["linux/amd64", "linux/arm64"]) {
      const { manifest, config } = platformImage(layout, platform);
      const labels = config.config?.Labels ?? {};
      expect(labels[LABELS[1]]).toBe(base.digest);
      expect(labels[LABELS[0]]).toContain(base.dir);
      // The manifest names the platform's own base manifest, the labels the index that the tag named.
      expect(manifest.annotations?.[LABELS[1]]).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(config.history?.[0]?.created_by).toMatch(/^dpkg-deb -x .*libc6_2\.36/);
    }
    const root = rootfs("linux/amd64");
    await unpackImage(layout, "linux/amd64", root);
    const card = readFileSync(join(root, `models/${MODEL}/model-card.md`), "utf8");
    expect(card).toContain(`- base digest: ${base.digest}`);
    // What a scanner reads: the Debian packages, as dpkg records them.
    const status = readFileSync(join(root, "var/lib/dpkg/status"), "utf8");
    for (const p of base.packages.amd64) {
      const [name, version] = p.split("=");
      expect(status).toContain(`Package: ${name}\nStatus: install ok installed`);
      expect(status).toContain(`Version: ${version}`);
    }
  });

  it("boots the amd64 and the arm64 image, and both answer the same inference", async () => {
    const holdout = join(work, "holdout.csv");
    await writeGenerated(holdout, 64, 5);
    const request = JSON.stringify(inferenceRequest(holdout, 64));
    const answers: { outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] }[] = [];
    for (const [platform, machine] of [
      ["linux/amd64", 62],
      ["linux/arm64", 183],
    ] as const) {
      const root = rootfs(platform);
      const config = existsSync(join(root, "app"))
        ? platformImage(layout, platform).config
        : await unpackImage(layout, platform, root);
      // The image's own Node.js and onnxruntime, built for that machine.
      expect(elfMachine(join(root, "usr/local/bin/node"))).toBe(machine);
      const ort = `app/node_modules/onnxruntime-node/bin/napi-v6/linux/${platform.endsWith("amd64") ? "x64" : "arm64"}`;
      expect(elfMachine(join(root, ort, "onnxruntime_binding.node"))).toBe(machine);
      const server = await bootServer(root, config, platform);
      servers.push(server);
      const live = await fetch(`${server.url}/v2/health/live`);
      expect(live.status).toBe(200);
      const res = await fetch(`${server.url}/v2/models/${MODEL}/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: request,
      });
      const body = (await res.json()) as (typeof answers)[number];
      expect(res.status, JSON.stringify(body)).toBe(200);
      answers.push(body);
      await server.stop();
    }
    const [amd64, arm64] = answers;
    expect(arm64!.outputs.map((o) => [o.name, o.shape, o.datatype])).toEqual(
      amd64!.outputs.map((o) => [o.name, o.shape, o.datatype]),
    );
    const a = amd64!.outputs[0]!.data;
    const b = arm64!.outputs[0]!.data;
    expect(a).toHaveLength(128);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 6);
  });
});

describeIf(
  "a digest-pinned base-image (bundled)",
  (() => {
    for (const a of [registryAvailability(), baseImageAvailability()]) if (!a.ok) return a;
    return { ok: true as const };
  })(),
  () => {
    let registry: RegistryService;
    beforeAll(async () => {
      registry = await startRegistry();
      if (
        !(
          await openRegistry(join(workspace, ".mlops/registry"))
            .listVersions(MODEL)
            .catch(() => [])
        ).length
      )
        await registerChampion();
    }, 120_000);
    afterAll(async () => {
      await registry?.stop();
    });

    it("builds on the pinned digest after the tag has moved, and records it", async () => {
      const tag = `${registry.host}/library/node:24-bookworm-slim`;
      const first = join(work, "base-first");
      await writeBaseLayout(first, { withNode: false, mtime: 1_700_000_000 });
      await skopeoCopyToRegistry(`oci:${first}:base`, tag);
      const pinned = await packageEdge({ "base-image": tag, platforms: "linux/amd64" });
      expect(pinned.errors).toEqual([]);
      const digest = /resolved to `(sha256:[0-9a-f]{64})`/.exec(pinned.summary)![1]!;
      // The tag moves to a new base.
      const second = join(work, "base-second");
      await writeBaseLayout(second, { withNode: false, mtime: 1_700_086_400 });
      await skopeoCopyToRegistry(`oci:${second}:base`, tag);
      expect(((await skopeoInspect(tag)) as { Digest: string }).Digest).not.toBe(digest);
      // As the examples show it: name@digest.
      const again = await packageEdge({ "base-image": `${tag}@${digest}`, platforms: "linux/amd64" });
      expect(again.errors).toEqual([]);
      expect(again.outputs.digest).toBe(pinned.outputs.digest);
      expect(again.summary).toContain(`\`base-image: ${tag}@${digest}\``);
    });
  },
);
