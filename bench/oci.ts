/**
 * package-edge benchmark: push the same image to a local docker-registry with our client and with
 * `skopeo copy oci:<layout> docker://…` (ratio, target ≤ 1.0×), the image size, and the server's cold start
 * (process start → /v2/health/ready) from the unpacked image vs. the same bundle run directly on the host.
 *
 *   npx tsx bench/oci.ts            (needs docker-registry, skopeo, umoci; dist/ from `npm run build` for cold start)
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  buildImage,
  type EdgeModel,
  edgeImageSettings,
  edgeLayers,
  formatBytes,
  type LayerSpec,
  pushImage,
  writeOciLayout,
} from "../shared/oci";
import { loadBlob } from "../shared/oci/push-image";
import { logisticModel } from "../shared/serve/example-models";
import { writeBaseLayout } from "../test/services/base-image";
import { freePort, startRegistry, stopChild } from "../test/services/oci-registry";
import { loopbackHttpFlags } from "../test/services/serve-process";

const execFileAsync = promisify(execFile);
const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "bench-oci-"));
  const source = await startRegistry();
  const target = await startRegistry();
  const children: ChildProcess[] = [];
  try {
    const model = join(work, "model.onnx");
    writeFileSync(model, logisticModel());
    await writeBaseLayout(join(work, "base"), { withNode: true });
    await execFileAsync("skopeo", [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      `oci:${join(work, "base")}:base`,
      `docker://${source.directHost}/base/node:bench`,
    ]);
    const hasDist = existsSync("dist/serve.js") && existsSync("dist/node_modules");
    const edgeModel: EdgeModel = { name: "pm", version: "1", path: model, sha256: "0".repeat(64) };
    const layers: LayerSpec[] = hasDist
      ? edgeLayers("dist", edgeModel, ["linux/amd64"])
      : [{ name: "model", entries: [{ path: "/models/pm/model.onnx", from: model }] }];
    if (!hasDist) console.log("dist/ absent (npm run build): image without the server, no cold-start numbers");

    const [image, buildMs] = await timed(() =>
      buildImage({
        base: `${source.directHost}/base/node:bench`,
        platforms: ["linux/amd64"],
        layers,
        config: edgeImageSettings(edgeModel),
        sourceDateEpoch: 1_763_900_000,
      }),
    );
    for (const b of image.blobs.values()) await loadBlob(b); // both pushes start from local bytes
    const layout = join(work, "layout");
    await writeOciLayout(image, { dir: layout }, { tag: "bench" });
    const m = image.manifests[0]!;
    const compressed = m.layers.reduce((n, l) => n + l.size, 0);
    const ours = m.layers.filter((l) => !l.fromBase).reduce((n, l) => n + l.size, 0);

    // A fresh registry per round: skopeo keeps a blob-info cache and would otherwise mount blobs from the
    // previous round's repository instead of uploading them; our client mounts only from the base repository.
    const oursMs: number[] = [];
    const skopeoMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const round = await startRegistry();
      try {
        const runOurs = async () =>
          oursMs.push((await timed(() => pushImage(image, `${round.directHost}/ours/edge:1`)))[1]);
        const runSkopeo = async () =>
          skopeoMs.push(
            (
              await timed(() =>
                execFileAsync("skopeo", [
                  "copy",
                  "--quiet",
                  "--dest-tls-verify=false",
                  `oci:${layout}:bench`,
                  `docker://${round.directHost}/skopeo/edge:1`,
                ]),
              )
            )[1],
          );
        // Alternate the order so neither side always meets a warm registry.
        if (i % 2 === 0) {
          await runOurs();
          await runSkopeo();
        } else {
          await runSkopeo();
          await runOurs();
        }
      } finally {
        await round.stop();
      }
    }
    await pushImage(image, `${target.directHost}/ours/edge:1`);
    const [, repushMs] = await timed(() => pushImage(image, `${target.directHost}/ours/edge:1`));
    const [mounted, mountMs] = await timed(() => pushImage(image, `${source.directHost}/edge/pm:1`));

    console.log("\npackage-edge push (linux/amd64, fresh repository each round, median of %d)", ROUNDS);
    console.log(
      `  image: ${m.layers.length} layers, ${formatBytes(compressed)} compressed (ours ${formatBytes(ours)})`,
    );
    console.log(`  build (layers + config + manifests, gzip -6): ${ms(buildMs)}`);
    for (const l of m.layers) console.log(`    ${l.fromBase ? "base" : l.name}: ${formatBytes(l.size)}`);
    console.log(`  push, our client:             ${ms(median(oursMs))}   runs ${oursMs.map(ms).join(", ")}`);
    console.log(`  push, skopeo copy oci: layout: ${ms(median(skopeoMs))}   runs ${skopeoMs.map(ms).join(", ")}`);
    console.log(`  ratio ours / skopeo: ${(median(oursMs) / median(skopeoMs)).toFixed(2)}x (target <= 1.0x)`);
    console.log(`  re-push unchanged (HEAD only): ${ms(repushMs)}`);
    console.log(`  push next to the base (cross-repo mount of ${mounted.mounted} blobs): ${ms(mountMs)}`);

    if (hasDist) {
      const bundle = join(work, "bundle");
      await execFileAsync("umoci", [
        "unpack",
        ...(process.getuid?.() === 0 ? [] : ["--rootless"]),
        "--image",
        `${layout}:bench`,
        bundle,
      ]);
      const rootfs = join(bundle, "rootfs");
      const canChroot = process.getuid?.() === 0;
      const serverArgs = (port: number, script: string, modelPath: string) => [
        script,
        "--model",
        modelPath,
        ...loopbackHttpFlags(port),
      ];
      const coldStart = async (inImage: boolean) => {
        const port = await freePort();
        const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp" };
        const t = performance.now();
        let child: ChildProcess;
        if (inImage && canChroot) {
          const argv = serverArgs(port, "/app/serve.js", "/models/pm/model.onnx");
          child = spawn("chroot", ["--userspec=65532:65532", rootfs, "/usr/bin/node", ...argv], {
            env: { ...env, PATH: process.env.PATH ?? env.PATH },
            stdio: "ignore",
          });
        } else if (inImage) {
          const argv = serverArgs(port, join(rootfs, "app/serve.js"), join(rootfs, "models/pm/model.onnx"));
          child = spawn(process.execPath, argv, { env, stdio: "ignore" });
        } else {
          child = spawn(process.execPath, serverArgs(port, "dist/serve.js", model), { env, stdio: "ignore" });
        }
        children.push(child);
        for (;;) {
          if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}`);
          try {
            const res = await fetch(`http://127.0.0.1:${port}/v2/health/ready`);
            await res.body?.cancel();
            if (res.status === 200) break;
          } catch {
            /* starting */
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        const elapsed = performance.now() - t;
        await stopChild(child);
        return elapsed;
      };
      const image: number[] = [];
      const host: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        host.push(await coldStart(false));
        image.push(await coldStart(true));
      }
      console.log(`\ncold start, process start -> /v2/health/ready 200 (median of ${ROUNDS})`);
      console.log(
        `  from the unpacked image (${canChroot ? "chroot, uid 65532" : "node on the rootfs files"}): ${ms(median(image))}   runs ${image.map(ms).join(", ")}`,
      );
      console.log(`  same bundle on the host (baseline): ${ms(median(host))}   runs ${host.map(ms).join(", ")}`);
      console.log(`  ratio image / host: ${(median(image) / median(host)).toFixed(2)}x`);
    }
  } finally {
    for (const c of children) await stopChild(c);
    await source.stop();
    await target.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
