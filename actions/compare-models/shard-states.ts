/**
 * Where shard states travel between the jobs of a sharded compare-models: workflow artifacts of the run
 * (@actions/artifact: the results service's CreateArtifact / FinalizeArtifact / ListArtifacts /
 * GetSignedArtifactURL), or a folder given as state-dir outside GitHub Actions.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ActionContext } from "../../runtime/context";
import { type CompareOptions, evaluateShard } from "../../shared/compare";
import type { ShardSpec } from "../../shared/evaluate";
import { UserError } from "../../shared/errors";
import type { outputs } from "./inputs";

const SHARD_NAME = /-(\d+)-of-(\d+)$/;

export const stateName = (prefix: string, index: number, count: number) => `${prefix}-${index}-of-${count}`;

const hasArtifactService = (ctx: ActionContext) =>
  Boolean(ctx.env.ACTIONS_RUNTIME_TOKEN && ctx.env.ACTIONS_RESULTS_URL);

/** Shard mode: evaluate this shard, write its state and publish it; outputs rows and state, no decision. */
export async function runShard(
  options: CompareOptions & { shard: ShardSpec },
  prefix: string,
  stateDir: string,
  ctx: ActionContext<(typeof outputs)[number]>,
): Promise<void> {
  const { shard } = options;
  const name = stateName(prefix, shard.index, shard.count);
  const dir = join(stateDir || join(ctx.github.tempDir, `mlops-shard-${Date.now()}`), name);
  const s = await ctx.group(`evaluate shard ${shard.index}/${shard.count}`, () =>
    evaluateShard({ ...options, stateDir: dir }),
  );
  await publishState(name, dir, stateDir, ctx);
  ctx.setOutput("rows", s.rows);
  ctx.setOutput("state", dir);
  ctx.summary(
    `### compare-models: shard ${shard.index}/${shard.count}\n\n${s.rows} rows evaluated (${s.task}); state \`${name}\` for the merge job.\n`,
  );
}

/** Upload a written shard state as the artifact `name` (on a runner), else leave it in state-dir. */
export async function publishState(name: string, dir: string, stateDir: string, ctx: ActionContext): Promise<void> {
  if (!hasArtifactService(ctx)) {
    if (stateDir) return;
    throw new UserError(
      `shard: no GitHub artifact service here and no state-dir (got shard state ${name}). Set state-dir: to a folder the merge can read, or run on GitHub Actions.`,
    );
  }
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const files = ["state.json", "runs.bin"].map((f) => join(dir, f));
  const { id, size } = await new DefaultArtifactClient().uploadArtifact(name, files, dir, { compressionLevel: 1 });
  ctx.logger.info(`shard state: uploaded artifact ${name} (id ${id}, ${size} bytes)`);
}

/** The folders holding every shard's state: state-dir's subfolders, or this run's artifacts downloaded. */
export async function collectStates(
  prefix: string,
  stateDir: string,
  into: string,
  ctx: ActionContext,
): Promise<string[]> {
  const isState = (name: string) => name.startsWith(`${prefix}-`) && SHARD_NAME.test(name);
  if (stateDir || !hasArtifactService(ctx)) {
    if (!stateDir) {
      throw new UserError(
        "merge: no GitHub artifact service here and no state-dir (got merge: true). Set state-dir: to the folder the shards wrote to, or run on GitHub Actions.",
      );
    }
    const names = existsSync(stateDir) ? (await readdir(stateDir)).filter(isState).sort() : [];
    return names.map((n) => join(stateDir, n));
  }
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  const { artifacts } = await client.listArtifacts({ latest: true });
  const mine = artifacts.filter((a) => isState(a.name)).sort((a, b) => a.name.localeCompare(b.name));
  if (mine.length === 0) {
    throw new UserError(
      `merge: no shard state artifacts named ${prefix}-<index>-of-<count> in this run (got ${artifacts.length} other artifact${artifacts.length === 1 ? "" : "s"}: ${artifacts.map((a) => a.name).join(", ") || "none"}). Make the merge job need the shard jobs, and give both the same state-artifact.`,
    );
  }
  const dirs: string[] = [];
  for (const a of mine) {
    const path = join(into, a.name);
    await client.downloadArtifact(a.id, { path });
    dirs.push(path);
  }
  ctx.logger.info(`merge: downloaded ${dirs.length} shard states (${mine.map((a) => a.name).join(", ")})`);
  return dirs;
}
