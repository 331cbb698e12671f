import { readdir, stat, unlink } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** Closed capture files under `dir` (recursively), oldest name first; removes torn temporary files when asked. */
export async function listCaptureFiles(
  dir: string,
  opts: { removeTemporary?: boolean } = {},
): Promise<{ files: { path: string; key: string; size: number }[]; removed: number }> {
  const files: { path: string; key: string; size: number }[] = [];
  let removed = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.startsWith(".") && e.name.endsWith(".tmp")) {
        if (opts.removeTemporary) {
          await unlink(p).catch(() => {});
          removed++;
        }
      } else if (e.isFile() && e.name.endsWith(".parquet")) {
        const s = await stat(p).catch(() => undefined);
        if (s) files.push({ path: p, key: relative(dir, p).split(sep).join("/"), size: s.size });
      }
    }
  };
  await walk(dir);
  files.sort((a, b) => (a.key.split("/").pop()! < b.key.split("/").pop()! ? -1 : 1));
  return { files, removed };
}
