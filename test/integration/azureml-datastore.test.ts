/**
 * A workspace datastore as Azure ML describes it (Datastores_List with isDefault, Datastores_ListSecrets;
 * azure-rest-api-specs machinelearningservices stable/2024-10-01 examples/Datastore/get.json, list.json,
 * listSecrets.json), served by the local Resource Manager stand-in, with the storage itself in Azurite.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  blobServiceUrl,
  downloadPrefix,
  getDatastore,
  openDatastore,
  parseDatastoreUri,
  uploadDirectory,
} from "../../shared/azureml/datastore";
import { armClient } from "../../shared/azureml/workspace";
import { describeIf } from "../services/availability";
import { armError, type FakeArm, fakeCredential, startFakeArm, WORKSPACE_PATH } from "../services/azureml/arm-server";
import { expectSpecConformance } from "../services/azureml/spec-conformance";
import { scaledSleep } from "../services/azureml/time-scale";
import { type Azurite, azuriteAvailable, DEV_ACCOUNT, DEV_KEY, startAzurite } from "../services/azurite";

describeIf("Azure ML datastore access (stand-in + Azurite)", azuriteAvailable(), () => {
  let az: Azurite;
  let fake: FakeArm;
  const CONTAINER = "azureml-blobstore-0000";

  beforeAll(async () => {
    az = await startAzurite();
    fake = await startFakeArm();
    await BlobServiceClient.fromConnectionString(az.connectionString())
      .getContainerClient(CONTAINER)
      .createIfNotExists();
    const record = (name: string, isDefault: boolean, credentialsType: string) => ({
      id: `${WORKSPACE_PATH}/datastores/${name}`,
      name,
      type: "Microsoft.MachineLearningServices/workspaces/datastores",
      properties: {
        isDefault,
        credentials: { credentialsType },
        datastoreType: "AzureBlob",
        accountName: DEV_ACCOUNT,
        containerName: CONTAINER,
        endpoint: `127.0.0.1:${az.port}`,
        protocol: "http",
      },
    });
    const stores = [
      record("workspaceblobstore", true, "AccountKey"),
      record("sasstore", false, "Sas"),
      {
        ...record("files", false, "AccountKey"),
        properties: {
          isDefault: false,
          credentials: { credentialsType: "AccountKey" },
          datastoreType: "AzureFile",
          accountName: DEV_ACCOUNT,
          fileShareName: "share",
          endpoint: `127.0.0.1:${az.port}`,
          protocol: "http",
        },
      },
    ];
    fake.route("GET", /\/datastores$/, (r) => ({
      status: 200,
      body: { value: r.query.get("isDefault") === "true" ? stores.filter((s) => s.properties.isDefault) : stores },
    }));
    fake.route("GET", /\/datastores\/([^/]+)$/, (r) => {
      const s = stores.find((d) => d.name === r.params[0]);
      return s ? { status: 200, body: s } : armError(404, "UserError", "Not found");
    });
    fake.route("POST", /\/datastores\/([^/]+)\/listSecrets$/, (r) => {
      if (r.params[0] === "sasstore") {
        const sas = generateBlobSASQueryParameters(
          {
            containerName: CONTAINER,
            permissions: ContainerSASPermissions.parse("racwl"),
            expiresOn: new Date(Date.now() + 3_600_000),
          },
          new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
        ).toString();
        return { status: 200, body: { secretsType: "Sas", sasToken: sas } };
      }
      return { status: 200, body: { secretsType: "AccountKey", key: DEV_KEY } };
    });
  }, 60_000);
  expectSpecConformance({ requests: 5, responses: 5 });
  afterAll(async () => {
    await fake?.close();
    await az?.stop();
  });

  const conn = () =>
    armClient({
      endpoint: fake.url,
      credential: fakeCredential(fake.token),
      pollIntervalMs: 1,
      baseDelayMs: 1,
      sleep: scaledSleep,
    });

  it("finds the default datastore and round-trips a directory through it with the account key", async () => {
    const arm = conn();
    const ds = await getDatastore(arm, WORKSPACE_PATH);
    expect(ds.name).toBe("workspaceblobstore");
    expect(blobServiceUrl(ds)).toBe(`http://127.0.0.1:${az.port}/${DEV_ACCOUNT}`);
    const opened = await openDatastore(arm, WORKSPACE_PATH, ds, fakeCredential("unused"));
    expect(opened.secret).toBe(DEV_KEY);

    const src = mkdtempSync(join(tmpdir(), "ds-src-"));
    mkdirSync(join(src, "pkg", ".git"), { recursive: true });
    writeFileSync(join(src, "train.py"), "print('hi')\n");
    writeFileSync(join(src, "pkg", "util.py"), "X = 1\n");
    writeFileSync(join(src, "pkg", ".git", "HEAD"), "ref\n");
    writeFileSync(join(src, "skip.log"), "noise\n");
    const up = await uploadDirectory(opened.container, src, "LocalUpload/abc", { skip: (rel) => rel.endsWith(".log") });
    expect(up).toEqual({ files: 2, bytes: 12 + 6 });

    const out = mkdtempSync(join(tmpdir(), "ds-out-"));
    expect(await downloadPrefix(opened.container, "LocalUpload/abc/", out)).toEqual(["pkg/util.py", "train.py"]);
    expect(readFileSync(join(out, "pkg", "util.py"), "utf8")).toBe("X = 1\n");
  });

  it("uses a SAS from listSecrets for a SAS datastore", async () => {
    const arm = conn();
    const opened = await openDatastore(
      arm,
      WORKSPACE_PATH,
      await getDatastore(arm, WORKSPACE_PATH, "sasstore"),
      fakeCredential("x"),
    );
    expect(opened.secret).toMatch(/sig=/);
    await opened.container.getBlockBlobClient("sas/hello.txt").upload("hello", 5);
    const out = mkdtempSync(join(tmpdir(), "ds-sas-"));
    expect(await downloadPrefix(opened.container, "sas", out)).toEqual(["hello.txt"]);
  });

  it("names the datastore in errors: unknown name, not a blob datastore", async () => {
    const arm = conn();
    await expect(getDatastore(arm, WORKSPACE_PATH, "nope")).rejects.toThrow(
      /datastore: no datastore "nope" in the workspace/,
    );
    await expect(
      openDatastore(arm, WORKSPACE_PATH, await getDatastore(arm, WORKSPACE_PATH, "files"), fakeCredential("x")),
    ).rejects.toThrow(/"files" is a AzureFile datastore.*Use an Azure Blob datastore/);
  });

  it("refuses a workspace without a datastore marked default instead of picking another one", async () => {
    const other = await startFakeArm();
    try {
      other.route("GET", /\/datastores$/, () => ({
        status: 200,
        body: {
          value: [
            {
              name: "somestore",
              properties: { isDefault: false, datastoreType: "AzureBlob", credentials: { credentialsType: "None" } },
            },
          ],
        },
      }));
      const arm = armClient({
        endpoint: other.url,
        credential: fakeCredential(other.token),
        pollIntervalMs: 1,
        baseDelayMs: 1,
        sleep: scaledSleep,
      });
      await expect(getDatastore(arm, WORKSPACE_PATH)).rejects.toThrow(
        /datastore: the workspace has no default datastore \(got 1 datastore\(s\), none marked default\)/,
      );
    } finally {
      await other.close();
    }
  });

  it("parses azureml://datastores URIs, short and long form", () => {
    expect(parseDatastoreUri("azureml://datastores/workspaceblobstore/paths/mlops/run-1/model/")).toEqual({
      datastore: "workspaceblobstore",
      path: "mlops/run-1/model",
    });
    expect(
      parseDatastoreUri(
        "azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/a/b",
      ),
    ).toEqual({ datastore: "workspaceblobstore", path: "a/b" });
    expect(parseDatastoreUri("https://acct.blob.core.windows.net/c/p")).toBeUndefined();
  });
});
