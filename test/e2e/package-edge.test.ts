/** package-edge through dist/, as the runner runs it, against Debian's docker-registry on 127.0.0.1. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { championWorkspace, runPackageEdge } from "../harness/package-edge";
import { describeIf } from "../services/availability";
import { baseImageAvailability, skopeoCopyToRegistry, skopeoInspect, writeBaseLayout } from "../services/base-image";
import {
  completedBlobUploads,
  type RegistryService,
  registryAvailability,
  startRegistry,
} from "../services/oci-registry";

function available() {
  for (const a of [registryAvailability(), baseImageAvailability()]) if (!a.ok) return a;
  return { ok: true as const };
}

describeIf("package-edge (bundled)", available(), () => {
  let registry: RegistryService;
  let work: string;
  let workspace: string;
  let base: string;

  const run = (inputs: Record<string, string>) => runPackageEdge(workspace, base, inputs);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "mlops-edge-e2e-"));
    workspace = await championWorkspace(work, { roc_auc: 0.9 });
    registry = await startRegistry();
    await writeBaseLayout(join(work, "base"), { withNode: false, arm64Stub: true });
    base = `${registry.host}/base/node:24`;
    await skopeoCopyToRegistry(`oci:${join(work, "base")}:base`, base);
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it("builds the image of the champion, pushes it, writes an OCI archive, and a rebuild is identical", async () => {
    const target = `${registry.host}/plant-north/fp:1`;
    const layout = join(work, "fp.oci.tar");
    const first = await run({ targets: target, "oci-layout": layout });
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.outputs.image).toBe(`${registry.host}/plant-north/fp@${first.outputs.digest}`);
    expect(first.outputs.platforms).toBe("linux/amd64");
    expect(first.outputs["layout-path"]).toBe(layout);
    expect(first.summary).toMatch(/onnxruntime linux\/amd64/);

    const config = (await skopeoInspect(`${registry.host}/plant-north/fp:1`, "config")) as {
      config: {
        User: string;
        Entrypoint: string[];
        Env: string[];
        ExposedPorts: Record<string, unknown>;
        Labels: Record<string, string>;
      };
    };
    expect(config.config.User).toBe("65532:65532");
    expect(config.config.Entrypoint).toEqual(["node", "/app/serve.js"]);
    expect(config.config.Env).toContain("MLOPS_MODEL=/models/fp/model.onnx");
    expect(Object.keys(config.config.ExposedPorts).sort()).toEqual(["8080/tcp", "8081/tcp"]);
    expect(config.config.Labels["org.opencontainers.image.revision"]).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(config.config.Labels["io.mlops.model.version"]).toBe("1");

    const uploadsBefore = completedBlobUploads(registry.requests);
    const again = await run({ targets: target });
    expect(again.outputs.digest).toBe(first.outputs.digest);
    expect(completedBlobUploads(registry.requests)).toBe(uploadsBefore);

    // The archive carries the same image: skopeo moves it into a registry as a plant without network would.
    await skopeoCopyToRegistry(`oci-archive:${layout}:1`, `${registry.host}/usb/fp:1`);
    const copied = (await skopeoInspect(`${registry.host}/usb/fp:1`)) as { Digest: string };
    expect(copied.Digest).toBe(first.outputs.digest);
  });

  it("pushes with username/password to a target registry that requires them, the base pulled anonymously", async () => {
    const user = { username: "plant", password: "north-pass-1" };
    const plant = await startRegistry({ htpasswd: user });
    try {
      const target = `${plant.host}/edge/fp:1`;
      const anonymous = await run({ targets: target });
      expect(anonymous.exitCode).toBe(1);
      expect(anonymous.errors[0]).toMatch(/requires credentials/);
      const unset = await run({ targets: target, username: user.username, password: "" });
      expect(unset.exitCode).toBe(1);
      expect(unset.errors).toEqual([
        expect.stringMatching(/^password: empty while username is set \(got username "plant"\)/),
      ]);
      const r = await run({ targets: target, ...user });
      expect(r.errors).toEqual([]);
      expect(r.outputs.image).toBe(`${plant.host}/edge/fp@${r.outputs.digest}`);
      expect(r.masks).toContain(user.password);
      expect(
        r.stdout
          .split("\n")
          .filter((l) => !l.startsWith("::add-mask::"))
          .join("\n"),
      ).not.toContain(user.password);
    } finally {
      await plant.stop();
    }
  });

  it("smoke-request: boots the built image before any push; a request it refuses, or a bad file, pushes nothing", async () => {
    const request = (inputs: unknown) => {
      const file = join(workspace, `request-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ inputs }));
      return file;
    };
    const good = request([{ name: "input", shape: [2, 3], datatype: "FP32", data: [1, 2, 3, 0.5, -1, 0] }]);
    const target = `${registry.host}/smoke/fp:1`;
    const pushes = () => registry.requests.filter((q) => q.method === "PUT" && q.path.startsWith("/v2/smoke/")).length;

    // Refused before the build: a missing file, not JSON, an input the model does not have.
    for (const [file, message] of [
      ["no-such-request.json", /^smoke-request: cannot read "no-such-request\.json" as JSON/],
      [
        (() => {
          const f = join(workspace, "broken.json");
          writeFileSync(f, "{ not json");
          return f;
        })(),
        /^smoke-request: cannot read .* as JSON/,
      ],
      [
        request([{ name: "Type", shape: [1, 1], datatype: "BYTES", data: ["M"] }]),
        /^smoke-request: input "Type" in .* is not an input of the model \(inputs: input\)/,
      ],
    ] as const) {
      const r = await run({ targets: target, "smoke-request": file });
      expect(r.exitCode, file).toBe(1);
      expect(r.errors, file).toEqual([expect.stringMatching(message)]);
      expect(r.stdout).not.toMatch(/package-edge: image sha256/); // nothing was built
    }
    // Refused by the booted server: the shape does not fit the model; the image is not pushed.
    const wrongShape = request([{ name: "input", shape: [1, 2], datatype: "FP32", data: [1, 2] }]);
    const refused = await run({ targets: target, "smoke-request": wrongShape });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([
      expect.stringMatching(/^smoke test: HTTP inference answered 400 .*the image was not pushed/),
    ]);
    expect(pushes()).toBe(0);

    const r = await run({ targets: target, "smoke-request": good });
    expect(r.errors).toEqual([]);
    expect(r.outputs["smoke-test"]).toMatch(
      /^fp v1 booted from the image and answered the sample request over HTTP \(\d+ ms\) and gRPC \(\d+ ms\) with the same label \[2\], probabilities \[2, 2\]$/,
    );
    expect(((await skopeoInspect(target)) as { Digest: string }).Digest).toBe(r.outputs.digest);
  });

  it("fails clearly for an unsupported platform, a missing base image and an unknown model", async () => {
    const platform = await run({ platforms: "linux/s390x" });
    expect(platform.exitCode).toBe(1);
    expect(platform.errors[0]).toMatch(/platforms: .*s390x/);
    const missing = await run({ "base-image": `${registry.host}/base/nope:1` });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors[0]).toMatch(/base\/nope/);
    const model = await run({ model: "nope@champion" });
    expect(model.exitCode).toBe(1);
    expect(model.errors[0]).toMatch(/no model named "nope"/);
  });
});
