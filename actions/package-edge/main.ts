import { join } from "node:path";
import { defineAction } from "../../runtime/action";
import { projectRoot } from "../../runtime/metadata";
import { lazyDefaultCredential } from "../../shared/azure";
import { edgeCredentials, runPackageEdge, resolveSourceDateEpoch } from "../../shared/edge";
import { UserError } from "../../shared/errors";
import { modelSecrets } from "../../shared/models";
import { acrCredentials, basicCredentials } from "../../shared/oci";
import { inputs, outputs } from "./inputs";

export default defineAction({
  name: "package-edge",
  inputs,
  outputs,
  secrets: ["password"],
  async run(i, ctx) {
    const { env, github: gh, logger } = ctx;
    for (const s of modelSecrets([i.model], { registry: i.registry, env })) ctx.setSecret(s);
    if (i.username && !i.password) {
      // A secret that is not available (a pull request from a fork, a typo in its name) reads as empty.
      throw new UserError(
        `password: empty while username is set (got username ${JSON.stringify(i.username)}). Pass the registry password or token from a secret, e.g. password: \${{ secrets.PLANT_REGISTRY_TOKEN }}, and check that the secret exists for this workflow.`,
      );
    }
    const basic = i.password ? basicCredentials(i.username ?? "", i.password) : undefined;
    // @azure/identity loads on the first token request (only for ACR), through the outbound proxy rules.
    const azure = i.acr ? acrCredentials(lazyDefaultCredential()) : undefined;
    const credentialsFor = edgeCredentials({ targets: i.targets ?? [], basic, azure });
    const r = await ctx.group("build and push the edge image", () =>
      runPackageEdge({
        model: i.model,
        registry: i.registry,
        distDir: join(projectRoot(), "dist"),
        base: i["base-image"],
        platforms: i.platforms,
        targets: i.targets ?? [],
        credentialsFor,
        insecure: i.insecure,
        ociLayout: i["oci-layout"],
        smokeRequest: i["smoke-request"],
        sourceDateEpoch: resolveSourceDateEpoch(i["source-date-epoch"], env, gh.workspace),
        source: { url: gh.repository ? `${gh.serverUrl}/${gh.repository}` : undefined, revision: gh.sha },
        env,
        logger,
      }),
    );
    ctx.setOutput("digest", r.image.digest);
    ctx.setOutput("image", r.pushed[0]?.image ?? "");
    ctx.setOutput(
      "images",
      r.pushed.map((p) => p.image),
    );
    ctx.setOutput("platforms", r.platforms.join(","));
    ctx.setOutput("layout-path", r.layout?.path ?? "");
    ctx.setOutput("smoke-test", r.smokeTest?.summary ?? "");
    ctx.summary(r.summary);
  },
});
