import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BlobServiceClient, ContainerSASPermissions } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { ConflictError, UserError } from "../../shared/errors";
import { promote, rollback } from "../../shared/promote";
import { openRegistry, type Registry } from "../../shared/registry";
import { rejectionOf, scratchModels } from "../helpers/scratch-models";
import { describeIf } from "../services/availability";
import { azuriteAvailable, DEV_ACCOUNT, freePort, SECOND_ACCOUNT, useAzurite } from "../services/azurite";

const models = scratchModels("promote-test-");
const work = models.work;
const modelDir = (bytes = 2048) => models.modelDir(bytes).dir;

const who = { actor: "alice", approvers: ["bob", "carol"], runUrl: "https://github.com/o/r/actions/runs/1" };

function suite(backend: string, pair: () => [Registry, Registry]) {
  describe(`${backend}: promote`, () => {
    it("promotes dev -> prod, is a no-op when re-run, rolls back and forward, and records every move", async () => {
      const [dev, prod] = pair();
      for (let i = 0; i < 3; i++) await dev.register({ name: "fp", dir: modelDir(), metrics: { f1: 0.8 + i / 100 } });
      await dev.setAlias("fp", "challenger", 2);

      const first = await promote({
        alias: "champion",
        from: dev,
        to: prod,
        model: "fp@1",
        requireDecision: "promote",
        ...who,
      });
      expect(first).toMatchObject({ version: 1, previousVersion: null, promoted: true, copied: true });
      const second = await promote({
        alias: "champion",
        from: dev,
        to: prod,
        model: "fp@challenger",
        requireDecision: "promote",
        expectedChampion: 1,
        reason: "better f1",
        ...who,
      });
      expect(second).toMatchObject({ version: 2, previousVersion: 1, promoted: true, copied: true });
      expect(second.modelUri).toBe(prod.modelUri("fp", 2));
      expect(second.auditEvent).toMatchObject({
        from: 1,
        to: 2,
        actor: "alice",
        approvers: ["bob", "carol"],
        reason: "better f1",
      });
      expect(second.summary).toMatch(/\| `champion` in .* \| version 1 \| version 2 \|/);
      expect(second.summary).toMatch(/rollback: true/);

      const again = await promote({
        alias: "champion",
        from: dev,
        to: prod,
        model: "fp@challenger",
        requireDecision: "promote",
        expectedChampion: 1,
        ...who,
      });
      expect(again).toMatchObject({ version: 2, previousVersion: 2, promoted: false, copied: false, auditEvent: null });
      expect((await prod.listVersions("fp")).map((c) => c.version)).toEqual([1, 2]);

      const card = await prod.resolve("fp@champion");
      expect(card.lineage.source).toMatchObject({ registry: dev.uri, name: "fp", version: 2 });
      expect(card.lineage.approvers).toEqual(["bob", "carol"]);
      expect(card.lineage.runUrl).toBe(who.runUrl);
      const devCard = await dev.resolve("fp@2");
      expect(card.lineage.source?.sha256).toEqual(Object.fromEntries(devCard.files.map((f) => [f.path, f.sha256])));

      const back = await rollback({
        alias: "champion",
        registry: prod,
        name: "fp",
        actor: "dave",
        reason: "latency regression",
      });
      expect(back).toMatchObject({ version: 1, previousVersion: 2, promoted: true });
      expect(await prod.getAlias("fp", "champion")).toBe(1);
      const backAgain = await rollback({ alias: "champion", registry: prod, name: "fp", actor: "dave" });
      expect(backAgain).toMatchObject({ version: 1, promoted: false });

      const forward = await promote({
        alias: "champion",
        from: dev,
        to: prod,
        model: "fp@2",
        requireDecision: "promote",
        expectedChampion: 1,
        ...who,
      });
      expect(forward).toMatchObject({ version: 2, previousVersion: 1, promoted: true, copied: false });

      const h = await prod.history("fp");
      expect(h.map((e) => `${e.action}:${e.from}->${e.to}`)).toEqual([
        "set:null->1",
        "set:1->2",
        "rollback:2->1",
        "set:1->2",
      ]);
      expect(h[2]).toMatchObject({ actor: "dave", reason: "latency regression" });

      const out = models.path("get");
      await prod.get("fp@champion", out);
      expect(
        createHash("sha256")
          .update(readFileSync(join(out, "model.onnx")))
          .digest("hex"),
      ).toBe(devCard.files.find((f) => f.path === "model.onnx")?.sha256);
      const to3 = await rollback({ alias: "champion", registry: prod, name: "fp", toVersion: 1 });
      expect(to3.version).toBe(1);
    });

    it("refuses a rejected candidate and leaves prod untouched, unless forced", async () => {
      const [dev, prod] = pair();
      await dev.register({ name: "rj", dir: modelDir() });
      const err = await rejectionOf(
        promote({ alias: "champion", from: dev, to: prod, model: "rj@1", requireDecision: "reject" }),
      );
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(
        /^require-decision: the comparison did not recommend promotion \(got "reject"\)\. .*force: true/,
      );
      expect(await prod.list()).toEqual([]);
      const forced = await promote({
        alias: "champion",
        from: dev,
        to: prod,
        model: "rj@1",
        requireDecision: "reject",
        force: true,
        reason: "hotfix",
      });
      expect(forced.promoted).toBe(true);
      expect(forced.auditEvent?.reason).toMatch(/forced over decision "reject": hotfix/);
    });

    it("dry run changes nothing", async () => {
      const [dev, prod] = pair();
      await dev.register({ name: "dr", dir: modelDir() });
      const r = await promote({ alias: "champion", from: dev, to: prod, model: "dr", dryRun: true });
      expect(r).toMatchObject({ dryRun: true, promoted: false, version: null, previousVersion: null });
      expect(r.summary).toMatch(/Dry run/);
      expect(await prod.list()).toEqual([]);
    });

    it("two racing promotions with the same expected champion: one wins, the other names both versions", async () => {
      const [dev, prod] = pair();
      for (let i = 0; i < 3; i++) await dev.register({ name: "race", dir: modelDir() });
      await promote({ alias: "champion", from: dev, to: prod, model: "race@1" });
      const results = await Promise.allSettled([
        promote({ alias: "champion", from: dev, to: prod, model: "race@2", expectedChampion: 1 }),
        promote({ alias: "champion", from: dev, to: prod, model: "race@3", expectedChampion: 1 }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = (won[0] as PromiseFulfilledResult<{ version: number }>).value.version;
      const loserErr = lost[0]?.reason as Error;
      expect(loserErr).toBeInstanceOf(ConflictError);
      const loserVersion = winner === 2 ? 3 : 2;
      expect(loserErr.message).toContain(`points to version ${winner}, not the expected version 1`);
      expect(loserErr.message).toMatch(new RegExp(`race@\\d \\(target version ${loserVersion}\\) was not promoted`));
      expect(await prod.getAlias("race", "champion")).toBe(winner);
      expect((await prod.history("race")).map((e) => `${e.from}->${e.to}`)).toEqual(["null->1", `1->${winner}`]);
    });

    it("only moves the alias when both registries are the same", async () => {
      const [dev] = pair();
      await dev.register({ name: "same", dir: modelDir() });
      await dev.register({ name: "same", dir: modelDir() });
      const r = await promote({ from: dev, to: dev, model: "same@2", alias: "staging" });
      expect(r).toMatchObject({ version: 2, copied: false, method: "none", promoted: true });
      expect((await dev.listVersions("same")).length).toBe(2);
    });

    it("reports a rollback with nothing to return to", async () => {
      const [dev, prod] = pair();
      await dev.register({ name: "nb", dir: modelDir() });
      await promote({ alias: "champion", from: dev, to: prod, model: "nb" });
      const err = await rejectionOf(rollback({ alias: "champion", registry: prod, name: "nb" }));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/has no earlier version to return to .*rollback-to/);
    });
  });
}

describe("file backend", () => {
  let n = 0;
  suite("file", () => [
    openRegistry(join(work, `dev-${++n}`), { env: {} }),
    openRegistry(join(work, `prod-${n}`), { env: {} }),
  ]);
});

describeIf("azure backend (Azurite, two accounts)", azuriteAvailable(), () => {
  const azurite = useAzurite();
  let n = 0;
  const pair = (): [Registry, Registry] => {
    n++;
    return [
      openRegistry(`${azurite.az.endpoint(DEV_ACCOUNT)}/dev${n}/models`, { env: azurite.env }),
      openRegistry(`${azurite.az.endpoint(SECOND_ACCOUNT)}/prod${n}/models`, { env: azurite.env }),
    ];
  };
  suite("azure", pair);

  it("copies server-side across accounts", async () => {
    const [dev, prod] = pair();
    await dev.register({ name: "srv", dir: modelDir(300_000) });
    const r = await promote({ alias: "champion", from: dev, to: prod, model: "srv", verify: "full" });
    expect(r).toMatchObject({ method: "server", copied: true, promoted: true });
  });

  it("fails clearly when the target is read-only (SAS without write), with no partial version", async () => {
    const [dev, prod] = pair();
    await dev.register({ name: "ro", dir: modelDir() });
    await promote({ alias: "champion", from: dev, to: prod, model: "ro" });
    await dev.register({ name: "ro", dir: modelDir() });
    const containerName = `prod${n}`;
    const cc = BlobServiceClient.fromConnectionString(azurite.az.connectionString(SECOND_ACCOUNT)).getContainerClient(
      containerName,
    );
    const sas = await cc.generateSasUrl({
      permissions: ContainerSASPermissions.parse("rl"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const readOnlyProd = openRegistry(
      `${azurite.az.endpoint(SECOND_ACCOUNT)}/${containerName}/models${sas.slice(sas.indexOf("?"))}`,
      { env: {} },
    );
    const err = await rejectionOf(promote({ alias: "champion", from: dev, to: readOnlyProd, model: "ro@2" }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/access denied while trying to write/);
    expect(err.message).not.toMatch(/sig=/);
    expect((await prod.listVersions("ro")).map((c) => c.version)).toEqual([1]);
    expect(await prod.getAlias("ro", "champion")).toBe(1);
  });

  it("fails clearly when the source registry is unreachable, leaving the target unchanged", async () => {
    const [, prod] = pair();
    const gone = openRegistry(`http://127.0.0.1:${await freePort()}/${DEV_ACCOUNT}/dev/models`, {
      env: { AZURE_STORAGE_KEY: "a2V5" },
      timeoutMs: 1000,
    });
    const err = await rejectionOf(promote({ alias: "champion", from: gone, to: prod, model: "fp@1" }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/storage endpoint unreachable/);
    expect(await prod.list()).toEqual([]);
  });
});
