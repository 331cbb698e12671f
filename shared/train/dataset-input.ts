/**
 * train's `dataset` input: a dataset snapshot the trainer reads, materialized (verified) before it runs and
 * recorded in the model card, so the model can be retrained on exactly that data: `name@3`, `name@alias` or
 * `<registry>#name@3` (as snapshot-data outputs it), or `model:<model ref>` for the snapshot a model version
 * was trained on.
 */
import { join } from "node:path";
import { materializeDataset } from "../datasets";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import { parseModelSpec } from "../models";
import { openRegistry } from "../registry";

/** What the card records of the dataset a model was trained on. */
export type DatasetLineage = {
  /** `<registry>#<name>@<version>`: pass it back as `dataset:` to retrain on the same data. */
  uri: string;
  name: string;
  version: number;
  rows: number;
  files: number;
  /** sha256 of the manifest file: the snapshot's identity. */
  manifestSha256: string;
};

export interface PreparedDataset {
  lineage: DatasetLineage;
  /** The trainer's environment: MLOPS_DATASET_DIR (the data files' folder) and MLOPS_DATASET_FILES (one path a line). */
  env: Record<string, string>;
  files: string[];
}

function split(spec: string, registry: string | undefined): { registry: string | undefined; ref: string } {
  const s = parseModelSpec(spec, registry);
  return { registry: s.registry, ref: s.ref ?? spec };
}

/** Resolves and downloads the dataset into `dir`; `registry` is the train action's registry input. */
export async function prepareDataset(
  spec: string,
  o: { registry: string | undefined; dir: string; env: Record<string, string | undefined>; logger: Logger },
): Promise<PreparedDataset> {
  let target = spec.trim();
  if (target.startsWith("model:")) {
    const m = split(target.slice("model:".length), o.registry);
    const card = await openRegistry(m.registry, { env: o.env }).resolve(m.ref, "dataset");
    const recorded = (card.lineage as { dataset?: Partial<DatasetLineage> }).dataset?.uri;
    if (!recorded) {
      throw new UserError(
        `dataset: ${card.name}@${card.version} was not trained on a dataset snapshot (got no dataset in its lineage). Pass the dataset itself, e.g. plant-data@3.`,
      );
    }
    o.logger.info(`dataset: ${card.name}@${card.version} was trained on ${recorded}`);
    target = recorded;
  }
  const d = split(target, o.registry);
  if (!d.ref || /[#\s]/.test(d.ref)) {
    throw new UserError(
      `dataset: not a dataset reference (got ${shown(spec)}). Write name@version, name@alias, <registry>#name@version or model:<model>.`,
    );
  }
  const registry = openRegistry(d.registry, { env: o.env, logger: o.logger });
  const m = await materializeDataset(registry, d.ref, o.dir, { env: o.env });
  const manifest = m.card.files.find((f) => f.path === "manifest.json");
  o.logger.info(
    `dataset: ${m.card.name}@${m.card.version}, ${m.manifest.rows} rows in ${m.files.length} file(s), in ${join(o.dir, "data")}`,
  );
  return {
    lineage: {
      uri: `${registry.uri.replace(/\?.*$/, "")}#${m.card.name}@${m.card.version}`,
      name: m.card.name,
      version: m.card.version,
      rows: m.manifest.rows,
      files: m.files.length,
      manifestSha256: manifest?.sha256 ?? "",
    },
    env: { MLOPS_DATASET_DIR: join(o.dir, "data"), MLOPS_DATASET_FILES: m.files.join("\n") },
    files: m.files,
  };
}
