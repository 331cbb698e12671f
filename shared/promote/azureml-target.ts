/**
 * Promotion into an Azure ML registry. The registry holds the model versions (immutable, with our
 * lineage as tags and properties); the alias, its compare-and-swap, the audit log and rollback stay in
 * one of our registries (`alias-registry`), which also keeps a copy of every promoted version so
 * package-edge and serve can read `name@champion` there.
 *
 * Order, so no registry is left half-written: (1) the version is copied into the alias registry (not yet
 * visible through the alias), (2) the Azure ML version is created or found, (3) the alias moves with
 * compare-and-swap and the move is audited. A re-run after a failure at any point completes: the same
 * source version maps to one alias-registry version, and an Azure ML version carrying the same card
 * digest is reused.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArmClient } from "../azure/arm";
import {
  type AzureMLModelTarget,
  azuremlModelId,
  createModelVersion,
  ensureModelContainer,
  getModelVersion,
  type ModelVersionBody,
  type RegistryModelRef,
  startPendingUpload,
  type UploadFile,
  uploadVersionFiles,
} from "../azureml/registry-models";
import { lineageTags } from "../azureml/model-tags";
import { type AzureMLConnection, armClient } from "../azureml/workspace";
import { shown, UserError } from "../errors";
import { type Logger, silentLogger } from "../log";
import type { ModelCard, Registry } from "../registry";

/**
 * Property that ties an Azure ML version to the card it was published from: the SHA-256 of the card
 * without its tags (tags can change later in the registry; everything else in a card is immutable).
 */
export const CARD_SHA_PROPERTY = "mlops.card-sha256";

export interface PublishedVersion {
  registry: string;
  model: string;
  version: number;
  /** azureml://registries/<r>/models/<name>/versions/<v> */
  id: string;
  /** False when the version was already there with the same card (a re-run). */
  created: boolean;
  files: number;
  bytes: number;
}

export interface AzureMLTargetOptions {
  ref: RegistryModelRef;
  /** The registry the published versions are read from (alias-registry). */
  aliasRegistry: Registry;
  connection?: AzureMLConnection;
  /** Resource Manager client (default: one built from `connection`). */
  arm?: ArmClient;
  /** Called with each secret as soon as it is received (the upload SAS), so the caller masks it. */
  onSecret?: (secret: string) => void;
  logger?: Logger;
}

/** The card as it is uploaded (card.json) and digested. */
export function cardText(card: ModelCard): string {
  return `${JSON.stringify(card, null, 2)}\n`;
}

const sha256 = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

export function cardDigest(card: ModelCard): string {
  return sha256(JSON.stringify({ ...card, tags: undefined }));
}
const md5 = (b: string | Buffer) => createHash("md5").update(b).digest("base64");

/** Tags (searchable, shown in Studio) and properties (immutable) for a published card. */
export function versionMetadata(card: ModelCard, aliasRegistry: string): ModelVersionBody {
  const l = card.lineage;
  const source = l.source
    ? `${l.source.registry}#${l.source.name}@${l.source.version}`
    : `${aliasRegistry}#${card.name}@${card.version}`;
  const tags: Record<string, string> = {
    "mlops.source": source,
    "mlops.alias-registry": aliasRegistry,
    ...lineageTags(l, card.metrics),
  };
  return {
    description: `${card.name} version ${card.version}, promoted by mlops-actions from ${source}.`,
    modelType: "custom_model",
    tags,
    properties: {
      [CARD_SHA_PROPERTY]: cardDigest(card),
      "mlops.source": source,
      "mlops.metrics": JSON.stringify(card.metrics),
      "mlops.files": JSON.stringify(Object.fromEntries(card.files.map((f) => [f.path, f.sha256]))),
    },
  };
}

/**
 * Publish and check versions in one Azure ML registry model: `publish` is promote's hook between the
 * copy and the alias move, `check` is rollback's (the version must exist in Azure ML).
 */
export class AzureMLTarget {
  readonly ref: RegistryModelRef;
  private readonly arm: ArmClient;
  private readonly logger: Logger;
  /** The last version published or found by `publish`. */
  published?: PublishedVersion;

  constructor(private readonly opts: AzureMLTargetOptions) {
    this.ref = opts.ref;
    this.logger = opts.logger ?? silentLogger;
    this.arm = opts.arm ?? armClient({ logger: this.logger, ...opts.connection });
  }

  get target(): AzureMLModelTarget {
    return { registry: this.ref.registry, model: this.ref.model };
  }

  id(version: number): string {
    return azuremlModelId(this.target, version);
  }

  /** The job summary's line about the Azure ML registry. */
  summary(opts: { dryRun?: boolean; version: number | null }): string {
    return renderAzureMLPromotionMarkdown(this, opts);
  }

  /** Create `card`'s version in the Azure ML registry, or reuse it when it holds the same card. */
  async publish(card: ModelCard): Promise<PublishedVersion> {
    const { ref } = this;
    const meta = versionMetadata(card, this.opts.aliasRegistry.uri);
    const digest = meta.properties?.[CARD_SHA_PROPERTY] as string;
    const found = await getModelVersion(this.arm, ref, card.version);
    const state = found?.properties?.provisioningState;
    // A version whose creation failed may stay readable with provisioningState Failed: it is not published.
    const existing = state && !/^succeeded$/i.test(state) ? undefined : found;
    if (found && !existing)
      this.logger.warning(
        `Azure ML: ${ref.model} version ${card.version} in registry ${ref.registry} is ${state}; creating it again`,
      );
    if (existing) {
      this.assertSame(existing.properties?.properties?.[CARD_SHA_PROPERTY], digest, card);
      this.logger.info(`Azure ML: ${ref.model} version ${card.version} is already in registry ${ref.registry}; reused`);
      return (this.published = { ...this.base(card), created: false, files: 0, bytes: 0 });
    }

    const dir = await mkdtemp(join(tmpdir(), "mlops-azureml-"));
    try {
      const { paths } = await this.opts.aliasRegistry.get(`${card.name}@${card.version}`, dir);
      const files: UploadFile[] = card.files.map((f) => ({
        path: f.path,
        source: paths[f.path] as string,
        md5: f.md5,
      }));
      const text = cardText(card);
      await writeFile(join(dir, "card.json"), text);
      files.push({ path: "card.json", source: join(dir, "card.json"), md5: md5(text) });
      if (!card.files.some((f) => f.path === "metrics.json")) {
        const metrics = `${JSON.stringify(card.metrics, null, 2)}\n`;
        await writeFile(join(dir, "metrics.json"), metrics);
        files.push({
          path: "metrics.json",
          source: join(dir, "metrics.json"),
          md5: md5(await readFile(join(dir, "metrics.json"))),
        });
      }

      await ensureModelContainer(this.arm, ref, {
        description: `${card.name}, promoted by mlops-actions`,
        logger: this.logger,
      });
      const upload = await startPendingUpload(this.arm, ref, card.version);
      this.maskSas(upload.sasUri);
      const sent = await uploadVersionFiles(upload, files, { logger: this.logger });
      const created = await createModelVersion(
        this.arm,
        ref,
        card.version,
        { ...meta, modelUri: upload.blobUri },
        { logger: this.logger },
      );
      // A concurrent writer may have created the same version number first: it must hold this card.
      this.assertSame(created?.properties?.properties?.[CARD_SHA_PROPERTY], digest, card);
      this.logger.info(
        `Azure ML: created ${ref.model} version ${card.version} in registry ${ref.registry} (${sent.files} files, ${sent.bytes} bytes)`,
      );
      return (this.published = { ...this.base(card), created: true, ...sent });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Rollback's check: the version the alias moves to must exist in the Azure ML registry. */
  async check(name: string, version: number): Promise<void> {
    const v = await getModelVersion(this.arm, this.ref, version);
    if (!v)
      throw new UserError(
        `rollback-to: ${name} version ${version} is not in Azure ML registry ${this.ref.registry} (got 404 for ${this.id(version)}). Roll back to a version that was promoted there (see the alias-registry history), or promote that version again first.`,
      );
  }

  private base(card: ModelCard) {
    return { registry: this.ref.registry, model: this.ref.model, version: card.version, id: this.id(card.version) };
  }

  private assertSame(found: string | undefined, expected: string, card: ModelCard): void {
    if (found === expected) return;
    throw new UserError(
      `to-registry: version ${card.version} of model ${this.ref.model} is taken in Azure ML registry ${this.ref.registry} by other content (got ${CARD_SHA_PROPERTY} ${shown(found ?? null)}, expected ${shown(expected)}). Versions are numbered by alias-registry ${this.opts.aliasRegistry.uri}; publish to an Azure ML model only this pipeline writes (another name in to-registry), or remove version ${card.version} from the Azure ML registry.`,
      { code: "version-taken" },
    );
  }

  private maskSas(sasUri: string): void {
    if (!this.opts.onSecret) return;
    const q = sasUri.indexOf("?");
    this.opts.onSecret(sasUri);
    if (q >= 0) {
      const query = sasUri.slice(q + 1);
      this.opts.onSecret(query);
      for (const sig of new URLSearchParams(query).getAll("sig")) {
        this.opts.onSecret(sig);
        this.opts.onSecret(encodeURIComponent(sig));
      }
    }
  }
}

/** The lines the job summary adds for the Azure ML registry. */
export function renderAzureMLPromotionMarkdown(
  target: AzureMLTarget,
  opts: { dryRun?: boolean; version: number | null },
): string {
  const { registry, model } = target.target;
  const p = target.published;
  if (opts.dryRun)
    return `Azure ML registry **${registry}**: would publish \`${model}\` ${opts.version === null ? "as a new version" : `version ${opts.version}`} (dry run, nothing written).\n`;
  if (!p)
    return `Azure ML registry **${registry}**: \`${model}\` version ${opts.version} (${opts.version === null ? "" : target.id(opts.version)}).\n`;
  return `Azure ML registry **${registry}**: \`${model}\` version ${p.version} ${p.created ? "published in this run" : "already published, reused"} — \`${p.id}\`.\n`;
}
