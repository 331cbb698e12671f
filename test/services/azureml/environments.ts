/**
 * Workspace environment versions on the Resource Manager stand-in, shared by the job routes (jobs.ts) and the
 * online deployment routes (online.ts): EnvironmentVersions_List / _Get / _CreateOrUpdate of mfe.json 2024-10-01
 * (examples/Workspace/EnvironmentVersion/{list,get,createOrUpdate}.json: `{ properties: { image, condaFile,
 * inferenceConfig, ... } }`, 201 when created). Installed once per stand-in, whichever module asks first.
 *
 * What the service refuses beyond the schema:
 * - an environment without `image` or `build` ("Docker image or Dockerfile is required for environments",
 *   https://learn.microsoft.com/azure/machine-learning/how-to-manage-environments-v2);
 * - a different definition under an existing version: environment versions are immutable (same page: "you
 *   can't change an environment version, create a new one").
 */
import { armError, type FakeArm, WORKSPACE_PATH } from "./arm-server";

const WS = WORKSPACE_PATH.replace(/[/.]/g, (c) => `\\${c}`);
const re = (tail: string) => new RegExp(`^${WS}${tail}$`, "i");
const installed = new WeakSet<FakeArm>();

export const environmentId = (name: string, version: string) =>
  `${WORKSPACE_PATH}/environments/${name}/versions/${version}`;

/** Names → versions of the workspace's environments, oldest first. */
export function environmentVersions(fake: FakeArm, name: string): string[] {
  const prefix = `${WORKSPACE_PATH}/environments/${name}/versions/`.toLowerCase();
  return [...fake.state.environments.keys()]
    .filter((id) => id.toLowerCase().startsWith(prefix))
    .map((id) => id.split("/").at(-1) as string);
}

export function installEnvironments(fake: FakeArm, seed: Record<string, string[]> = {}): void {
  for (const [name, versions] of Object.entries(seed))
    for (const v of versions)
      if (!fake.state.environments.has(environmentId(name, v)))
        fake.state.environments.set(environmentId(name, v), {
          image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
          osType: "Linux",
        });
  if (installed.has(fake)) return;
  installed.add(fake);
  const resource = (id: string, props: Record<string, unknown>) => ({
    id,
    name: id.split("/").at(-1),
    type: "Microsoft.MachineLearningServices/workspaces/environments/versions",
    properties: { ...props, provisioningState: "Succeeded" },
  });
  // EnvironmentVersions_List ($orderBy=createdtime desc, $top): newest first.
  fake.route("GET", re("/environments/([^/]+)/versions"), (req) => {
    const name = req.params[0] as string;
    const versions = environmentVersions(fake, name);
    if (versions.length === 0) return armError(404, "UserError", `Environment ${name} not found.`);
    const newest = [...versions].reverse().slice(0, Number(req.query.get("$top") ?? versions.length));
    return {
      status: 200,
      body: {
        value: newest.map((v) =>
          resource(environmentId(name, v), fake.state.environments.get(environmentId(name, v)) ?? {}),
        ),
      },
    };
  });
  fake.route("GET", re("/environments/([^/]+)/versions/([^/]+)"), (req) => {
    const id = environmentId(req.params[0] as string, req.params[1] as string);
    const props = fake.state.environments.get(id);
    return props
      ? { status: 200, body: resource(id, props) }
      : armError(404, "UserError", `Environment ${req.params[0]}:${req.params[1]} not found.`);
  });
  fake.route("PUT", re("/environments/([^/]+)/versions/([^/]+)"), (req) => {
    const id = environmentId(req.params[0] as string, req.params[1] as string);
    const props = (req.body as { properties: Record<string, unknown> }).properties;
    if (typeof props.image !== "string" && !props.build)
      return armError(400, "UserError", "Docker image or Dockerfile is required for environments.");
    const existing = fake.state.environments.get(id);
    if (existing && JSON.stringify(existing) !== JSON.stringify(props))
      return armError(
        409,
        "UserError",
        `Environment ${req.params[0]}:${req.params[1]} already exists with another definition; environment versions are immutable. Create a new version.`,
      );
    fake.state.environments.set(id, props);
    return { status: existing ? 200 : 201, body: resource(id, props) };
  });
}
