/**
 * The suite's inference server (shared/serve, the image package-edge builds) as an Azure ML custom container:
 * an environment version whose `image` is that image and whose `inferenceConfig` routes point at the server's
 * Open Inference Protocol v2 endpoints (EnvironmentVersion.inferenceConfig, mfe.json 2024-10-01; the CLI's
 * `inference_config` in https://learn.microsoft.com/azure/machine-learning/how-to-deploy-custom-container):
 * liveness `/v2/health/live`, readiness `/v2/health/ready`, scoring `/v2/models/<name>/infer`, all on the
 * server's HTTP port 8080. Azure ML mounts the deployment's model and sets AZUREML_MODEL_DIR to it; the server
 * loads the model from there (shared/serve/serve-args.ts). The environment version is named after its content,
 * so a re-run reuses it and a new image or model name makes a new one (environment versions are immutable).
 */
import { createHash } from "node:crypto";
import type { ArmClient } from "../azure/arm";
import { type WorkspaceRef, workspacePath } from "../azureml/workspace";
import { shown, UserError } from "../errors";
import type { Logger } from "../log";
import { parseImageRef } from "../oci";

export const SERVER_ENVIRONMENT = "mlops-inference-server";
/** The HTTP port of the server in the image (package-edge's image: PORT 8080). */
export const SERVER_PORT = 8080;

export function serverInferenceConfig(modelName: string) {
  const route = (path: string) => ({ path, port: SERVER_PORT });
  return {
    livenessRoute: route("/v2/health/live"),
    readinessRoute: route("/v2/health/ready"),
    scoringRoute: route(`/v2/models/${encodeURIComponent(modelName)}/infer`),
  };
}

/**
 * What the server reports and routes by: the deployed model's name and version. A model baked into the image
 * (no Azure ML model mounted) keeps the version the image records; only the name the scoring route uses is set,
 * and MLOPS_MODEL_SOURCE=image makes the server serve that model even if the platform names a model folder.
 */
export function serverEnvironmentVariables(model: {
  name: string;
  version: string;
  inImage?: boolean;
}): Record<string, string> {
  return model.inImage
    ? { MLOPS_MODEL_NAME: model.name, MLOPS_MODEL_SOURCE: "image" }
    : { MLOPS_MODEL_NAME: model.name, MLOPS_MODEL_VERSION: model.version };
}

/** The custom container environment for this image and model name: its properties and its ARM id (named after its content). */
export function serverEnvironment(ws: WorkspaceRef, image: string, modelName: string) {
  const properties = {
    image,
    osType: "Linux",
    inferenceConfig: serverInferenceConfig(modelName),
    description: "mlops inference server (Open Inference Protocol v2); the model is mounted at AZUREML_MODEL_DIR",
  };
  const version = createHash("sha256").update(JSON.stringify(properties)).digest("hex").slice(0, 16);
  return { properties, version, id: `${workspacePath(ws)}/environments/${SERVER_ENVIRONMENT}/versions/${version}` };
}

/** Create (once) the custom container environment for this image and model name; returns its ARM id. */
export async function ensureServerEnvironment(
  arm: ArmClient,
  ws: WorkspaceRef,
  image: string,
  modelName: string,
  logger: Logger,
): Promise<string> {
  const ref = image.trim();
  try {
    parseImageRef(ref);
  } catch (e) {
    throw new UserError(
      `image: not an image reference (got ${shown(ref)}). Use the image package-edge pushed, e.g. myregistry.azurecr.io/failure-predictor:3 or ...@sha256:<digest>.`,
      { cause: e },
    );
  }
  const { properties, version, id } = serverEnvironment(ws, ref, modelName);
  const existing = await arm.getIfExists(id);
  if (!existing) {
    logger.info(`environment ${SERVER_ENVIRONMENT}:${version}: creating it for ${ref}`);
    await arm.request("PUT", id, { body: { properties } });
  }
  return id;
}

/** The server speaks Open Inference Protocol v2: the sample request must be an InferenceRequest. */
export function requireOipRequest(text: string): void {
  const body = JSON.parse(text) as { inputs?: unknown };
  const inputs = Array.isArray(body?.inputs) ? (body.inputs as Record<string, unknown>[]) : undefined;
  if (
    !inputs?.length ||
    inputs.some(
      (t) =>
        typeof t?.name !== "string" ||
        !Array.isArray(t.shape) ||
        typeof t.datatype !== "string" ||
        t.data === undefined,
    )
  )
    throw new UserError(
      `sample-request: the inference server speaks Open Inference Protocol v2, and the file is not an inference request (got ${shown(text, 80)}). Write {"inputs": [{"name": "input", "shape": [1, 5], "datatype": "FP32", "data": [...]}]} with your model's input name and shape.`,
    );
}

/** Why an answer is not an Open Inference Protocol v2 InferenceResponse, or undefined when it is one. */
export function oipResponseProblem(text: string, expected?: { name: string; version: string }): string | undefined {
  let body: { outputs?: unknown; model_name?: unknown; model_version?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return "the answer is not JSON";
  }
  const outputs = Array.isArray(body?.outputs) ? (body.outputs as Record<string, unknown>[]) : undefined;
  if (!outputs?.length) return "the answer has no outputs (not an Open Inference Protocol v2 response)";
  // A model baked into the image is named by the user, not mounted by Azure ML: the server's answer must say
  // it is that model, or the image holds another one than model: names.
  if (expected && (body.model_name !== expected.name || body.model_version !== expected.version))
    return `answered by model ${shown(`${String(body.model_name)}@${String(body.model_version)}`)}, not ${shown(`${expected.name}@${expected.version}`)} (the image holds another model than model: names; give the version package-edge built into it)`;
  const bad = outputs.find(
    (t) =>
      typeof t?.name !== "string" ||
      !Array.isArray(t.shape) ||
      typeof t.datatype !== "string" ||
      !Array.isArray(t.data),
  );
  return bad
    ? `output ${shown(bad?.name ?? "")} lacks name, shape, datatype or data (not an Open Inference Protocol v2 response)`
    : undefined;
}
