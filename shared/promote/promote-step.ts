/**
 * The promote action's use case: open the source and target registries, accept a model URI that names the
 * registry it is read from, then promote or roll back, and name the result as a model URI later steps can use.
 */
import type { AzureMLConnection } from "../azureml/workspace";
import { isAzureMLRegistryUri, parseAzureMLModelTarget, registryModelRef } from "../azureml/registry-uri";
import { shown, UserError } from "../errors";
import { fetchApprovers } from "../github";
import type { Logger } from "../log";
import { modelUriOf, openRegistryFor, referenceIn } from "../models";
import { parseModelRef, registrySecrets } from "../registry";
import { type PromoteOptions, type PromoteResult, promote, rollback } from "./promote";

/** The gate, the audit fields and the alias are promote's own (PromoteOptions). */
export interface PromoteStepOptions extends Pick<
  PromoteOptions,
  | "alias"
  | "requireDecision"
  | "allowBreakingContract"
  | "force"
  | "expectedChampion"
  | "reason"
  | "dryRun"
  | "actor"
  | "runUrl"
  | "approvers"
  | "logger"
> {
  model: string;
  fromRegistry: string;
  /**
   * Empty: the source registry (only the alias moves). `azureml://registries/<r>/models/<name>`: publish the
   * versions to that Azure ML registry; the alias, audit and rollback stay in `aliasRegistry`.
   */
  toRegistry?: string;
  /** Our registry that keeps the alias (and a copy of each version) when toRegistry is an Azure ML registry. */
  aliasRegistry?: string;
  /** The Azure ML registry's subscription and resource group. */
  subscriptionId?: string;
  resourceGroup?: string;
  /** Resource Manager endpoint, credential, polling (default: public cloud, DefaultAzureCredential). */
  azure?: AzureMLConnection;
  /** Receives each secret obtained on the way (the Azure ML upload SAS) before it could be logged. */
  onSecret?: (secret: string) => void;
  rollback?: boolean;
  rollbackTo?: number;
  env?: Record<string, string | undefined>;
}

export interface PromoteStepResult extends PromoteResult {
  /** `<target registry>#<name>@<version>` (no SAS), empty when there is no version. */
  uri: string;
  /** `azureml://registries/<r>/models/<name>/versions/<v>` when publishing to Azure ML, else empty. */
  azuremlModelId: string;
}

/** The secrets in the registries' URIs (an Azure ML registry's holds none), to mask before anything is logged. */
export function promoteSecrets(uris: (string | undefined)[], env: Record<string, string | undefined>): string[] {
  return uris.flatMap((uri) => (isAzureMLRegistryUri(uri) ? [] : registrySecrets(uri || undefined, { env })));
}

/**
 * Who approved this run at the environment gate, read from GitHub on a runner with a token; undefined (the
 * actor is recorded as approver) elsewhere, or with a warning when GitHub cannot say.
 */
export async function runApprovers(opts: {
  token?: string;
  run: { repository?: string; runId?: string };
  environment?: string;
  env: Record<string, string | undefined>;
  logger: Logger;
}): Promise<string[] | undefined> {
  const { repository, runId } = opts.run;
  if (!opts.token || !repository || !runId || opts.env.GITHUB_ACTIONS !== "true") return undefined;
  return fetchApprovers({
    token: opts.token,
    repository,
    runId,
    environment: opts.environment,
    apiUrl: opts.env.GITHUB_API_URL,
  }).catch((e: Error) => {
    opts.logger.warning(`promote: could not read the run's approvals (${e.message}); recording the actor as approver.`);
    return undefined;
  });
}

/** The step's outputs, by their names in action.yml (empty strings where a value does not apply). */
export function promoteOutputs(r: PromoteStepResult) {
  return {
    version: r.version ?? "",
    "model-uri": r.uri,
    "azureml-model-id": r.azuremlModelId,
    "previous-version": r.previousVersion ?? "",
    promoted: r.promoted,
    "audit-event": r.auditEvent ?? {},
  };
}

export async function runPromote(opts: PromoteStepOptions): Promise<PromoteStepResult> {
  const { env, logger } = opts;
  const fromUri = opts.fromRegistry;
  const azureml = azureMLTarget(opts);
  const toUri = azureml ? (opts.aliasRegistry as string) : opts.toRegistry || fromUri;
  const from = openRegistryFor(fromUri, { env, logger });
  const to = toUri === fromUri ? from : openRegistryFor(toUri, { env, logger });
  const alias = opts.alias;
  const rollingBack = opts.rollback === true || opts.rollbackTo !== undefined;
  // A model URI from train or an earlier promote is accepted when it names the registry it is read from.
  const model = rollingBack
    ? referenceIn(opts.model, toUri, {
        what: "model",
        input: azureml ? "alias-registry" : opts.toRegistry ? "to-registry" : "from-registry",
        env,
      })
    : referenceIn(opts.model, fromUri, { what: "model", input: "from-registry", env });
  const target = await azureml?.(parseModelRef(model, "model").name, to);
  const audit = {
    reason: opts.reason,
    dryRun: opts.dryRun,
    actor: opts.actor,
    runUrl: opts.runUrl,
    approvers: opts.approvers,
    logger,
  };
  const r = rollingBack
    ? await rollback({
        registry: to,
        name: parseModelRef(model, "model").name,
        alias,
        toVersion: opts.rollbackTo,
        check: target && ((n, v) => target.check(n, v)),
        ...audit,
      })
    : await promote({
        from,
        to,
        model,
        alias,
        requireDecision: opts.requireDecision,
        allowBreakingContract: opts.allowBreakingContract,
        force: opts.force,
        expectedChampion: opts.expectedChampion,
        publish: target && (async (card) => void (await target.publish(card))),
        ...audit,
      });
  const name = r.auditEvent?.name ?? parseModelRef(model, "model").name;
  return {
    ...r,
    summary: target ? `${r.summary}\n${target.summary({ dryRun: r.dryRun, version: r.version })}` : r.summary,
    uri: r.version === null ? "" : modelUriOf(toUri, name, r.version),
    azuremlModelId: target && r.version !== null && !r.dryRun ? target.id(r.version) : "",
  };
}

/**
 * When to-registry is an Azure ML registry: check the inputs that go with it and return a factory of the
 * target for the model being promoted. Undefined for our own registries.
 */
function azureMLTarget(opts: PromoteStepOptions) {
  if (!isAzureMLRegistryUri(opts.toRegistry)) {
    if (opts.aliasRegistry)
      throw new UserError(
        `alias-registry: only used when to-registry is an Azure ML registry (got alias-registry ${shown(opts.aliasRegistry)} with to-registry ${shown(opts.toRegistry ?? "")}). Remove alias-registry, or set to-registry: azureml://registries/<registry>/models/<name>.`,
      );
    return undefined;
  }
  const parsed = parseAzureMLModelTarget(opts.toRegistry as string, "to-registry");
  if (!opts.aliasRegistry)
    throw new UserError(
      `alias-registry: required when to-registry is an Azure ML registry (got to-registry ${shown(opts.toRegistry)} and no alias-registry). Set alias-registry: to the registry (a directory or Azure Blob URI) that keeps the ${opts.alias} alias, its audit log and a copy of each promoted version, e.g. the prod registry package-edge reads.`,
    );
  const ref = registryModelRef(parsed, { subscriptionId: opts.subscriptionId, resourceGroup: opts.resourceGroup });
  return async (name: string, aliasRegistry: ReturnType<typeof openRegistryFor>) => {
    if (name !== parsed.model)
      throw new UserError(
        `to-registry: the Azure ML model name differs from the model being promoted (got ${shown(parsed.model)}, the model is ${shown(name)}). Set to-registry: azureml://registries/${parsed.registry}/models/${name}; the Azure ML model keeps the name it has in alias-registry.`,
      );
    // Loaded only when publishing to Azure ML: it brings in the Azure Storage SDK.
    const { AzureMLTarget } = await import("./azureml-target");
    return new AzureMLTarget({
      ref,
      aliasRegistry,
      connection: { logger: opts.logger, ...opts.azure },
      onSecret: opts.onSecret,
      logger: opts.logger,
    });
  };
}
