import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { checkOutputFile } from "../user-files";

/**
 * Writes the payload (envelope and card) as pretty JSON, for dry runs and review: paste the `content`
 * into https://adaptivecards.microsoft.com/designer to preview it. Returns the absolute path and size.
 */
export async function writeCard(path: string, payload: unknown): Promise<{ path: string; bytes: number }> {
  const abs = resolve(path);
  await checkOutputFile(abs, "card-path");
  const json = `${JSON.stringify(payload, null, 2)}\n`;
  await writeFile(abs, json, "utf8");
  return { path: abs, bytes: Buffer.byteLength(json, "utf8") };
}
