import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { ContainerClient, ContainerSASPermissions } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { ConflictError, UserError } from "../../shared/errors";
import { openRegistry, type Registry } from "../../shared/registry";
import { rejectionOf, scratchModels } from "../helpers/scratch-models";
import { describeIf } from "../services/availability";
import { azuriteAvailable, DEV_ACCOUNT, DEV_KEY, SECOND_ACCOUNT, useAzurite } from "../services/azurite";

const models = scratchModels("registry-test-");
const work = models.work;
const LABELS = { "extras/labels.json": JSON.stringify(["ok", "fail"]) };
const modelDir = (bytes = 4096, extras = true) => models.modelDir(bytes, extras ? LABELS : {});

const signature = {
  inputs: [{ name: "float_input", dtype: "float32", shape: ["N", 5] }],
  outputs: [{ name: "label", dtype: "int64", shape: ["N"] }],
};

/** The same behaviour is required of every backend. */
function conformance(backend: string, fresh: () => Registry, freshPair: () => [Registry, Registry]) {
  describe(`${backend} conformance`, () => {
    it("registers, resolves and downloads a version with a complete card", async () => {
      const reg = fresh();
      const { dir, sha } = modelDir();
      const card = await reg.register({
        name: "failure-predictor",
        dir,
        signature,
        metrics: { f1: 0.91 },
        params: { max_depth: 6, kind: "xgb" },
        tags: { stage: "dev" },
        lineage: { gitSha: "abc123", repository: "org/repo", dataHash: "sha256:dd" },
      });
      expect(card.version).toBe(1);
      expect(card.files.map((f) => f.path)).toEqual(["extras/labels.json", "model.onnx"]);
      expect(card.files.find((f) => f.path === "model.onnx")).toMatchObject({ sha256: sha, size: 4096 });
      const again = await reg.register({ name: "failure-predictor", dir, metrics: { f1: 0.93 } });
      expect(again.version).toBe(2);

      expect((await reg.resolve("failure-predictor")).version).toBe(2);
      const v1 = await reg.resolve("failure-predictor@1");
      expect(v1).toMatchObject({ signature, metrics: { f1: 0.91 }, params: { max_depth: 6 }, tags: { stage: "dev" } });
      expect(v1.lineage).toMatchObject({ gitSha: "abc123", repository: "org/repo", dataHash: "sha256:dd" });

      const out = models.path("out");
      const got = await reg.get("failure-predictor@1", out);
      expect(
        createHash("sha256")
          .update(readFileSync(join(out, "model.onnx")))
          .digest("hex"),
      ).toBe(sha);
      expect(got.paths["extras/labels.json"]).toBe(join(out, "extras", "labels.json"));
      expect(JSON.parse(readFileSync(join(out, "card.json"), "utf8")).version).toBe(1);

      expect((await reg.listVersions("failure-predictor")).map((c) => c.version)).toEqual([1, 2]);
      expect(await reg.list()).toEqual([{ name: "failure-predictor", latest: 2 }]);
    });

    it("moves aliases with compare-and-swap and records every move", async () => {
      const reg = fresh();
      const { dir } = modelDir(64, false);
      for (let i = 0; i < 3; i++) await reg.register({ name: "m", dir });
      const e1 = await reg.setAlias("m", "champion", 1, { actor: "alice", reason: "first", runUrl: "https://x/run/1" });
      expect(e1).toMatchObject({ from: null, to: 1, actor: "alice", reason: "first", generation: 1 });
      expect((await reg.resolve("m@champion")).version).toBe(1);
      expect(await reg.setAlias("m", "champion", 1)).toBeNull();
      await reg.setAlias("m", "champion", 2, { expectedCurrent: 1, actor: "bob" });
      const conflict = await rejectionOf(reg.setAlias("m", "champion", 3, { expectedCurrent: 1 }));
      expect(conflict).toBeInstanceOf(ConflictError);
      expect(conflict.message).toMatch(
        /points to version 2, not the expected version 1 \(tried to move it to version 3\)/,
      );
      await reg.setAlias("m", "challenger", 3);
      await reg.deleteAlias("m", "challenger", { actor: "carol" });
      expect(await reg.getAlias("m", "challenger")).toBeUndefined();
      expect(await reg.aliases("m")).toEqual({ champion: 2 });
      const h = await reg.history("m");
      expect(h.map((e) => `${e.alias}:${e.from}->${e.to}`)).toEqual([
        "champion:null->1",
        "champion:1->2",
        "challenger:null->3",
        "challenger:3->null",
      ]);
      expect((await reg.history("m", { alias: "champion" })).map((e) => e.actor)).toEqual(["alice", "bob"]);
      const bad = await rejectionOf(reg.setAlias("m", "champion", 9));
      expect(bad).toBeInstanceOf(UserError);
      expect(bad.message).toMatch(/version 9 of model "m" does not exist .*latest is 3/);
    });

    it("merges tags without rewriting the card", async () => {
      const reg = fresh();
      const { dir } = modelDir(64, false);
      await reg.register({ name: "t", dir, tags: { a: "1", b: "2" } });
      await reg.setTags("t@1", { b: null, c: "3" });
      await reg.setTags("t", { d: "4" });
      expect((await reg.resolve("t@1")).tags).toEqual({ a: "1", c: "3", d: "4" });
      expect((await reg.listVersions("t"))[0]?.tags).toEqual({ a: "1", c: "3", d: "4" });
    });

    it("10 concurrent registers get 10 distinct consecutive versions, all readable and valid", async () => {
      const reg = fresh();
      const dirs = Array.from({ length: 10 }, () => modelDir(2048, false));
      const cards = await Promise.all(dirs.map((d) => reg.register({ name: "race", dir: d.dir })));
      expect(cards.map((c) => c.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const [i, c] of cards.entries()) {
        const out = models.path("race");
        await reg.get(`race@${c.version}`, out);
        expect(
          createHash("sha256")
            .update(readFileSync(join(out, "model.onnx")))
            .digest("hex"),
        ).toBe(dirs[i]?.sha);
      }
      expect((await reg.resolve("race")).version).toBe(10);
    });

    it("10 concurrent setAlias with the same expectedCurrent: exactly one wins", async () => {
      const reg = fresh();
      const { dir } = modelDir(64, false);
      for (let i = 0; i < 11; i++) await reg.register({ name: "a", dir });
      await reg.setAlias("a", "champion", 1);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => reg.setAlias("a", "champion", i + 2, { expectedCurrent: 1 })),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(9);
      for (const l of lost) {
        expect(l.reason).toBeInstanceOf(ConflictError);
        expect(String(l.reason.message)).toMatch(/not the expected version 1/);
      }
      const h = await reg.history("a", { alias: "champion" });
      expect(h).toHaveLength(2);
      const winner = (won[0] as PromiseFulfilledResult<{ to: number }>).value.to;
      expect(h[1]).toMatchObject({ from: 1, to: winner });
      expect(await reg.getAlias("a", "champion")).toBe(winner);
    });

    it("ignores a version without a card and numbers past it", async () => {
      const reg = fresh();
      const { dir } = modelDir(64, false);
      await reg.register({ name: "half", dir });
      // What a killed register leaves behind: a reservation and some files, no card.
      await reg.store.writeText("models/half/versions/2/reserved.json", "{}", "create");
      await reg.store.writeText("models/half/versions/2/model.onnx", "partial", "overwrite");
      expect((await reg.resolve("half")).version).toBe(1);
      expect((await reg.listVersions("half")).map((c) => c.version)).toEqual([1]);
      expect((await rejectionOf(reg.resolve("half@2"))).message).toMatch(/version 2 of model "half" does not exist/);
      expect((await reg.register({ name: "half", dir })).version).toBe(3);
      expect((await reg.resolve("half")).version).toBe(3);
    });

    it("fails get with a checksum error naming the tampered file", async () => {
      const reg = fresh();
      const { dir } = modelDir(1024);
      await reg.register({ name: "tamper", dir });
      await reg.store.writeText("models/tamper/versions/1/model.onnx", "not the model", "overwrite");
      const err = await rejectionOf(reg.get("tamper@1", models.path("t")));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(
        /^tamper@1: checksum mismatch for model\.onnx .*expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}/,
      );
    });

    it("reports unknown models, versions, aliases and malformed refs clearly", async () => {
      const reg = fresh();
      const { dir } = modelDir(64, false);
      await reg.register({ name: "known", dir });
      const unknown = await rejectionOf(reg.resolve("nope"));
      expect(unknown).toBeInstanceOf(UserError);
      expect(unknown.message).toMatch(/^model: no model named "nope" in .* \(models: known\)\. Register it first/);
      expect((await rejectionOf(reg.resolve("known@champion"))).message).toMatch(
        /alias "champion" of model "known" is not set .*\(aliases: none; latest version: \d+\)/,
      );
      expect((await rejectionOf(reg.resolve("nope@champion"))).message).toMatch(/no model named "nope"/);
      expect((await rejectionOf(reg.resolve("known@7"))).message).toMatch(/version 7 .* \(latest is 1\)/);
      expect((await rejectionOf(reg.resolve("known@@1"))).message).toMatch(/malformed version or alias/);
      expect((await rejectionOf(reg.register({ name: "bad/name", dir }))).message).toMatch(/^name: invalid model name/);
      expect(
        (
          await rejectionOf(
            reg.register({ name: "x", files: [{ path: "card.json", source: join(dir, "model.onnx") }] }),
          )
        ).message,
      ).toMatch(/invalid file path/);
      expect(
        (await rejectionOf(reg.register({ name: "x", files: [{ path: "m.onnx", source: join(dir, "missing.onnx") }] })))
          .message,
      ).toMatch(/model file not found/);
    });

    it("copies a version to another registry once, with source lineage", async () => {
      const [src, dst] = freshPair();
      const { dir, sha } = modelDir(8192);
      await src.register({ name: "cp", dir });
      await src.register({ name: "cp", dir, metrics: { f1: 0.5 } });
      const first = await src.copyVersion("cp@2", dst, { lineage: { approvers: ["alice"] }, verify: "full" });
      expect(first.created).toBe(true);
      expect(first.card.version).toBe(1);
      expect(first.card.lineage.source).toMatchObject({ registry: src.uri, name: "cp", version: 2 });
      expect(first.card.lineage.source?.sha256["model.onnx"]).toBe(sha);
      expect(first.card.lineage.approvers).toEqual(["alice"]);
      const second = await src.copyVersion("cp@2", dst);
      expect(second).toMatchObject({ created: false, method: "none" });
      expect(second.card.version).toBe(1);
      expect((await dst.listVersions("cp")).map((c) => c.version)).toEqual([1]);
      const out = models.path("cp");
      await dst.get("cp@1", out);
      expect(
        createHash("sha256")
          .update(readFileSync(join(out, "model.onnx")))
          .digest("hex"),
      ).toBe(sha);
    });
  });
}

describe("file backend", () => {
  let n = 0;
  const fresh = () => openRegistry(join(work, `file-reg-${++n}`), { env: {} });
  conformance("file", fresh, () => [fresh(), fresh()]);

  it("opens the default registry in the workspace", async () => {
    const ws = join(work, "ws");
    const reg = openRegistry("", { env: { GITHUB_WORKSPACE: ws } });
    expect(reg.uri).toBe(join(ws, ".mlops/registry"));
  });
});

describeIf("azure backend (Azurite)", azuriteAvailable(), () => {
  const azurite = useAzurite();
  let n = 0;
  const fresh = (account = DEV_ACCOUNT) =>
    openRegistry(`${azurite.az.endpoint(account)}/reg${++n}/team/models`, { env: azurite.env });
  conformance("azure", fresh, () => [fresh(DEV_ACCOUNT), fresh(SECOND_ACCOUNT)]);

  it("copies server-side across accounts and verifies the result", async () => {
    const src = fresh(DEV_ACCOUNT);
    const dst = fresh(SECOND_ACCOUNT);
    const { dir } = modelDir(100_000);
    await src.register({ name: "x", dir });
    const r = await src.copyVersion("x@1", dst);
    expect(r).toMatchObject({ created: true, method: "server" });
    await dst.get("x@1", models.path("x"));
    const streamed = await src.copyVersion("x@1", fresh(SECOND_ACCOUNT), { forceStream: true });
    expect(streamed.method).toBe("stream");
  });

  it("refuses to write with a read-only SAS, without a partial version", async () => {
    const admin = fresh();
    const { dir } = modelDir(256, false);
    await admin.register({ name: "ro", dir });
    const url = admin.uri.split("/team/")[0] as string;
    const container = new ContainerClient(url, undefined);
    const cc = (await import("@azure/storage-blob")).BlobServiceClient.fromConnectionString(
      azurite.env.AZURE_STORAGE_CONNECTION_STRING as string,
    ).getContainerClient(container.containerName);
    const sas = await cc.generateSasUrl({
      permissions: ContainerSASPermissions.parse("rl"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const query = sas.slice(sas.indexOf("?"));
    const readOnly = openRegistry(`${admin.uri}${query}`, { env: {} });
    expect((await readOnly.resolve("ro")).version).toBe(1);
    expect(readOnly.uri).not.toContain("sig=");
    const err = await rejectionOf(readOnly.register({ name: "ro", dir }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/access denied while trying to write .*\(got 403/);
    expect(err.message).not.toContain("sig=");
    expect((await admin.listVersions("ro")).map((c) => c.version)).toEqual([1]);
  });

  it("opens the same container through azblob://, a SAS token variable and an account key", async () => {
    const admin = openRegistry(`${azurite.az.endpoint()}/shared1/p`, { env: azurite.env });
    const { dir } = modelDir(128, false);
    await admin.register({ name: "via", dir });
    const viaAzblob = openRegistry(`azblob://${DEV_ACCOUNT}/shared1/p`, { env: azurite.env });
    expect((await viaAzblob.resolve("via")).version).toBe(1);
    const viaKey = openRegistry(`${azurite.az.endpoint()}/shared1/p`, { env: { AZURE_STORAGE_KEY: DEV_KEY } });
    expect((await viaKey.register({ name: "via", dir })).version).toBe(2);
    const { BlobServiceClient } = await import("@azure/storage-blob");
    const cc = BlobServiceClient.fromConnectionString(
      azurite.env.AZURE_STORAGE_CONNECTION_STRING as string,
    ).getContainerClient("shared1");
    const url = await cc.generateSasUrl({
      permissions: ContainerSASPermissions.parse("racwl"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const token = url.slice(url.indexOf("?") + 1);
    const viaSas = openRegistry(`${azurite.az.endpoint()}/shared1/p`, { env: { AZURE_STORAGE_SAS_TOKEN: token } });
    expect((await viaSas.register({ name: "via", dir })).version).toBe(3);
    expect((await admin.listVersions("via")).map((c) => c.version)).toEqual([1, 2, 3]);
  });

  it("fails fast with a clear error when the endpoint does not answer", async () => {
    const sockets: import("node:net").Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const reg = openRegistry(`http://127.0.0.1:${port}/${DEV_ACCOUNT}/c1c/p`, {
        env: { AZURE_STORAGE_KEY: DEV_KEY },
        timeoutMs: 500,
      });
      const err = await rejectionOf(reg.resolve("m"));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/storage endpoint unreachable/);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
    const refused = openRegistry(`http://127.0.0.1:${await closedPort()}/${DEV_ACCOUNT}/c1c/p`, {
      env: { AZURE_STORAGE_KEY: DEV_KEY },
      timeoutMs: 500,
    });
    const err = await rejectionOf(refused.resolve("m"));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/storage endpoint unreachable .*ECONNREFUSED/);
  });
});

async function closedPort(): Promise<number> {
  const { freePort } = await import("../services/azurite");
  return freePort();
}

describe("card validation", () => {
  it("refuses a card whose file path would escape the download directory", async () => {
    const reg = openRegistry(join(work, "evil"), { env: {} });
    const { dir } = modelDir(64, false);
    const card = await reg.register({ name: "evil", dir });
    const bad = { ...card, version: 2, files: [{ ...card.files[0], path: "../../outside.txt" }] };
    await reg.store.writeText("models/evil/versions/2/reserved.json", "{}", "create");
    await reg.store.writeText("models/evil/versions/2/card.json", JSON.stringify(bad), "create");
    const err = await rejectionOf(reg.get("evil@2", join(work, "evil-out", "a", "b")));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/card\.json is not valid/);
  });
});
