/**
 * A stand-in of the Actions results service for @actions/artifact: the two Twirp calls it makes
 * (CreateArtifact, which hands out a signed upload URL, and FinalizeArtifact), on 127.0.0.1, with the upload
 * URL pointing into an Azurite container, so the artifact zip is really written to blob storage and can be
 * read back. It records every call.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BlobServiceClient, ContainerSASPermissions } from "@azure/storage-blob";
import type { Azurite } from "./azurite";

const SERVICE = "/twirp/github.actions.results.api.v1.ArtifactService";

export interface ArtifactResults {
  /** ACTIONS_RESULTS_URL */
  url: string;
  /** ACTIONS_RUNTIME_TOKEN: a JWT whose scope names the run and job backends, as the runner's does. */
  token: string;
  calls: { method: string; body: Record<string, unknown> }[];
  /** The uploaded zip's bytes. */
  download(): Promise<Buffer>;
  close(): Promise<void>;
}

export async function startArtifactResults(az: Azurite, blob: string, artifactId = "77"): Promise<ArtifactResults> {
  const container = BlobServiceClient.fromConnectionString(az.connectionString()).getContainerClient("artifacts");
  await container.createIfNotExists();
  const sas = await container.generateSasUrl({
    permissions: ContainerSASPermissions.parse("rcw"),
    expiresOn: new Date(Date.now() + 3600_000),
  });
  const uploadUrl = `${container.url}/${blob}${sas.slice(sas.indexOf("?"))}`;
  const calls: ArtifactResults["calls"] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      const method = (req.url ?? "").replace(`${SERVICE}/`, "");
      calls.push({ method, body: JSON.parse(text || "{}") });
      res.writeHead(200, { "content-type": "application/json" });
      if (method === "CreateArtifact") res.end(JSON.stringify({ ok: true, signed_upload_url: uploadUrl }));
      else if (method === "FinalizeArtifact") res.end(JSON.stringify({ ok: true, artifact_id: artifactId }));
      else res.end(JSON.stringify({ msg: "unknown method" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const token = ["{}", JSON.stringify({ scp: "Actions.Results:run-backend-1:job-backend-2" }), "sig"]
    .map((p) => Buffer.from(p).toString("base64url"))
    .join(".");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    token,
    calls,
    download: () => container.getBlobClient(blob).downloadToBuffer(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
