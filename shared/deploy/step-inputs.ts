/** Reading what the deploy-online inputs point at in the workspace: the sample request and the code folder. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { shown, UserError } from "../errors";

/** The sample request's text (a JSON file relative to the workspace), undefined when none is given. */
export async function readSampleRequest(path: string | undefined, workspace: string): Promise<string | undefined> {
  if (!path) return undefined;
  const text = await readFile(resolve(workspace, path), "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new UserError(
      `sample-request: cannot read the file (got ${shown(path)}, ${e.code}). Give a JSON file path relative to the workspace.`,
    );
  });
  try {
    JSON.parse(text);
  } catch (e) {
    throw new UserError(
      `sample-request: the file is not JSON (got ${shown(text, 60)}). Write the request body the scoring script expects, e.g. {"input_data": ...}.`,
      { cause: e },
    );
  }
  return text;
}

/** An Azure ML code asset id as given, or a folder resolved against the workspace. */
export function resolveCodePath(codePath: string | undefined, workspace: string): string | undefined {
  if (!codePath) return undefined;
  return /^azureml:|^\/subscriptions\//i.test(codePath) ? codePath : resolve(workspace, codePath);
}
