/** What the package-edge end-to-end tests share: a workspace with a champion, and the bundled action run on it. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeModel, linearClassifierModel } from "../../shared/onnx";
import { openRegistry } from "../../shared/registry";
import { bundleRoot } from "./bundle";
import { runAction } from "./run-action";

/** The fixed SOURCE_DATE_EPOCH of these builds (reproducible digests). */
export const EDGE_EPOCH = "1763900000";

/**
 * `<work>/ws`, whose default registry holds model `fp` (a small linear classifier) with alias champion.
 * Returns the workspace.
 */
export async function championWorkspace(work: string, metrics?: Record<string, number>): Promise<string> {
  const workspace = join(work, "ws");
  const model = join(work, "model.onnx");
  writeFileSync(model, encodeModel(linearClassifierModel({ coefficients: [[0.5, -0.25, 1]], intercepts: [0.1] })));
  const reg = openRegistry(join(workspace, ".mlops/registry"));
  const card = await reg.register({ name: "fp", files: [{ path: "model.onnx", source: model }], metrics });
  await reg.setAlias("fp", "champion", card.version);
  return workspace;
}

/** The bundled package-edge on `fp@champion` for linux/amd64 from `base`, with more inputs. */
export function runPackageEdge(workspace: string, base: string, inputs: Record<string, string> = {}) {
  return runAction("package-edge", {
    root: bundleRoot(),
    workspace,
    inputs: {
      model: "fp@champion",
      "base-image": base,
      platforms: "linux/amd64",
      "source-date-epoch": EDGE_EPOCH,
      ...inputs,
    },
  });
}
