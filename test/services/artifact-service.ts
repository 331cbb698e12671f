/**
 * A stand-in of GitHub Actions' artifact (results) service, as @actions/artifact v2+ talks to it: Twirp
 * JSON over HTTP at `${ACTIONS_RESULTS_URL}twirp/github.actions.results.api.v1.ArtifactService/<method>`
 * (the protocol in @actions/artifact's generated client, src/generated/results/api/v1/artifact.ts, from
 * actions/toolkit), with CreateArtifact, FinalizeArtifact, ListArtifacts and GetSignedArtifactURL. The zips
 * themselves go to Azure Blob Storage (Azurite) through signed URLs, as on GitHub. As the real service: an
 * artifact is visible only once finalized, names are unique within a workflow run, and listing and
 * downloading see the artifacts of the caller's run (the run id in the token's `scp` claim).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BlobServiceClient, BlobSASPermissions, type ContainerClient } from "@azure/storage-blob";

const SERVICE = "/twirp/github.actions.results.api.v1.ArtifactService/";

interface Stored {
  id: number;
  run: string;
  job: string;
  name: string;
  blob: string;
  size?: string;
  createdAt?: string;
  finalized: boolean;
}

export interface ArtifactService {
  url: string;
  /** The environment a job of `run` needs: ACTIONS_RUNTIME_TOKEN (with the run and job ids) and ACTIONS_RESULTS_URL. */
  jobEnv(run: string, job: string): Record<string, string>;
  artifacts: Stored[];
  calls: string[];
  stop(): Promise<void>;
}

export async function startArtifactService(connectionString: string): Promise<ArtifactService> {
  const container: ContainerClient =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient("actions-artifacts");
  await container.createIfNotExists();
  const artifacts: Stored[] = [];
  const calls: string[] = [];
  const sas = async (blob: string, permissions: string) =>
    container.getBlockBlobClient(blob).generateSasUrl({
      permissions: BlobSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + 3600_000),
    });
  const idsOf = (auth: string | undefined): { run: string; job: string } | undefined => {
    const token = auth?.replace(/^Bearer /, "") ?? "";
    try {
      const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { scp?: string };
      const scope = (claims.scp ?? "").split(" ").find((s) => s.startsWith("Actions.Results:"));
      const [, run, job] = scope?.split(":") ?? [];
      return run && job ? { run, job } : undefined;
    } catch {
      return undefined;
    }
  };
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    // Every failure below answers 500 inside the handler, so nothing is left to the event emitter.
    req.on(
      "end",
      () =>
        void (async () => {
          const reply = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
          };
          const method = (req.url ?? "").startsWith(SERVICE) ? (req.url ?? "").slice(SERVICE.length) : "";
          calls.push(method);
          const who = idsOf(req.headers.authorization);
          if (!who) return reply(401, { code: "unauthenticated", msg: "no valid runtime token" });
          const body = JSON.parse(text || "{}") as Record<string, unknown>;
          const run = String(body.workflow_run_backend_id ?? body.workflowRunBackendId ?? "");
          if (run !== who.run) return reply(403, { code: "permission_denied", msg: "run id does not match the token" });
          const name = String(body.name ?? "");
          try {
            if (method === "CreateArtifact") {
              if (artifacts.some((a) => a.run === run && a.name === name)) {
                return reply(409, {
                  code: "already_exists",
                  msg: `an artifact with this name already exists on the workflow run`,
                });
              }
              const blob = `${run}/${name}.zip`;
              artifacts.push({ id: artifacts.length + 1, run, job: who.job, name, blob, finalized: false });
              return reply(200, { ok: true, signed_upload_url: await sas(blob, "cw") });
            }
            if (method === "FinalizeArtifact") {
              const a = artifacts.find((x) => x.run === run && x.name === name && !x.finalized);
              if (!a) return reply(404, { code: "not_found", msg: "artifact not found" });
              a.finalized = true;
              a.size = String(body.size ?? "0");
              a.createdAt = new Date().toISOString();
              return reply(200, { ok: true, artifact_id: String(a.id) });
            }
            if (method === "ListArtifacts") {
              const nameFilter = (body.name_filter ?? body.nameFilter) as string | undefined;
              const idFilter = (body.id_filter ?? body.idFilter) as string | undefined;
              const list = artifacts.filter(
                (a) =>
                  a.run === run &&
                  a.finalized &&
                  (nameFilter === undefined || a.name === nameFilter) &&
                  (idFilter === undefined || String(a.id) === String(idFilter)),
              );
              return reply(200, {
                artifacts: list.map((a) => ({
                  workflow_run_backend_id: a.run,
                  workflow_job_run_backend_id: a.job,
                  database_id: String(a.id),
                  name: a.name,
                  size: a.size,
                  created_at: a.createdAt,
                })),
              });
            }
            if (method === "GetSignedArtifactURL") {
              const a = artifacts.find((x) => x.run === run && x.name === name && x.finalized);
              if (!a) return reply(404, { code: "not_found", msg: "artifact not found" });
              return reply(200, { signed_url: await sas(a.blob, "r") });
            }
            return reply(404, { code: "bad_route", msg: `no method ${method}` });
          } catch (e) {
            return reply(500, { code: "internal", msg: (e as Error).message });
          }
        })(),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    artifacts,
    calls,
    jobEnv(run, job) {
      const jwt = ["{}", JSON.stringify({ scp: `Actions.ExampleScope Actions.Results:${run}:${job}` }), "sig"]
        .map((p) => Buffer.from(p).toString("base64url"))
        .join(".");
      return { ACTIONS_RUNTIME_TOKEN: jwt, ACTIONS_RESULTS_URL: url };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
