import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { link, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { shown, UserError } from "../errors";
import { fileSystemReason } from "../user-files";
import { BlobNotFoundError, type BlobStore } from "./blob-store";

const TMP = /^\..*\.tmp-[0-9a-f]+$/;

/**
 * A registry on a local or mounted file system. Exclusive create is `link(tmp, final)` (fails with
 * EEXIST if the name exists, never exposes partial content); replace is `rename(tmp, final)`. No locks.
 *
 * Nothing is read or written through a symlink that leads out of the root: a version folder or a model file
 * linked to elsewhere on the machine is refused, so a registry (or a pull request that adds a link to it)
 * cannot make promote read, or train and promote write, files outside it. Links that stay inside are followed.
 */
export class FileStore implements BlobStore {
  readonly kind = "file" as const;
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  private realRoot: string | undefined;

  /** The file of `key`, after checking that no existing component of it is a symlink leading out of the root. */
  private async path(key: string): Promise<string> {
    const parts = key === "" ? [] : key.split("/");
    let at = this.root;
    for (const part of parts) {
      at = join(at, part);
      const st = await lstat(at).catch(() => undefined);
      if (!st) break;
      if (!st.isSymbolicLink()) continue;
      this.realRoot ??= await realpath(this.root);
      const target = await realpath(at).catch(() => undefined);
      const rel = target === undefined ? undefined : relative(this.realRoot, target);
      if (rel === undefined || rel === ".." || rel.startsWith(`..${sep}`) || rel.startsWith(sep)) {
        throw new UserError(
          `registry: ${shown(relative(this.root, at))} in ${shown(this.root)} is a symlink leading out of the registry (got ${shown(target ?? "a dangling link")}). Replace the link with the files themselves, inside the registry folder.`,
        );
      }
    }
    return join(this.root, ...parts);
  }

  /** A file-system refusal (permissions, a file where the registry's folder should be) as a UserError. */
  private fail(e: unknown, op: string): Error {
    const reason = fileSystemReason(e);
    if (!reason || (e as NodeJS.ErrnoException).code === "ENOENT") return e instanceof Error ? e : new Error(String(e));
    if (this.rootIsFile())
      return new UserError(
        `registry: ${shown(this.root, 200)} is a file, not a directory (got a file where the registry's folder should be). Set registry: to a directory (it is created), a file:// URL or an Azure Blob URL.`,
        { cause: e },
      );
    return new UserError(
      `registry ${this.root}: cannot ${op} (got ${reason}). Check that the registry is a directory this job can read and write.`,
      { cause: e },
    );
  }

  private rootIsFile(): boolean {
    try {
      return statSync(this.root).isFile();
    } catch {
      return false;
    }
  }

  private tmpFor(path: string): string {
    const base = path.slice(path.lastIndexOf(sep) + 1);
    return join(dirname(path), `.${base}.tmp-${randomBytes(6).toString("hex")}`);
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      return await readFile(await this.path(key), "utf8");
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail(e, `read ${key}`);
    }
  }

  async writeText(key: string, text: string, mode: "create" | "overwrite"): Promise<boolean> {
    if (mode === "create") return this.writeBytes(key, Buffer.from(text));
    try {
      const path = await this.path(key);
      await mkdir(dirname(path), { recursive: true });
      const tmp = this.tmpFor(path);
      await writeFile(tmp, text);
      await rename(tmp, path);
      return true;
    } catch (e) {
      throw this.fail(e, `write ${key}`);
    }
  }

  /** Exclusive create: `link(tmp, final)` fails with EEXIST when the name exists, and never exposes a partial file. */
  async writeBytes(key: string, body: Uint8Array): Promise<boolean> {
    try {
      return await this.createExclusive(key, body);
    } catch (e) {
      throw this.fail(e, `write ${key}`);
    }
  }

  private async createExclusive(key: string, body: Uint8Array): Promise<boolean> {
    const path = await this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = this.tmpFor(path);
    await writeFile(tmp, body);
    try {
      await link(tmp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(await this.path(key));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw this.fail(e, `read ${key}`);
    }
  }

  async openRead(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const path = await this.path(key);
    try {
      await stat(path);
    } catch (e) {
      if (isNotFound(e)) throw new BlobNotFoundError(`${key} not found in ${this.root}`);
      throw this.fail(e, `read ${key}`);
    }
    return range
      ? createReadStream(path, { start: range.start, end: Math.max(range.start, range.end) - 1 })
      : createReadStream(path);
  }

  async writeStream(key: string, body: Readable): Promise<void> {
    const path = await this.path(key);
    await mkdir(dirname(path), { recursive: true }).catch((e: unknown) => {
      throw this.fail(e, `write ${key}`);
    });
    const tmp = this.tmpFor(path);
    try {
      await pipeline(body, createWriteStream(tmp));
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw this.fail(e, `write ${key}`);
    }
  }

  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = [];
    const cut = prefix.lastIndexOf("/");
    const dirKey = cut < 0 ? "" : prefix.slice(0, cut);
    const walk = async (key: string): Promise<void> => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await readdir(await this.path(key), { withFileTypes: true });
      } catch (e) {
        if (isNotFound(e) || ((e as NodeJS.ErrnoException).code === "ENOTDIR" && !this.rootIsFile())) return;
        throw this.fail(e, `list ${prefix}`);
      }
      for (const d of entries) {
        const child = key ? `${key}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (child.startsWith(prefix) || prefix.startsWith(`${child}/`)) await walk(child);
        } else if (!TMP.test(d.name) && child.startsWith(prefix)) {
          const s = await stat(await this.path(child)).catch((e: unknown) => {
            if (e instanceof UserError) throw e;
            return undefined;
          });
          if (s) out.push({ key: child, size: s.size });
        }
      }
    };
    await walk(dirKey);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async listChildren(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(await this.path(prefix.replace(/\/$/, "")), { withFileTypes: true });
      return entries
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    } catch (e) {
      if (isNotFound(e)) return [];
      throw this.fail(e, `list ${prefix}`);
    }
  }

  async delete(key: string): Promise<void> {
    await rm(await this.path(key), { force: true }).catch((e: unknown) => {
      throw this.fail(e, `delete ${key}`);
    });
  }
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === "ENOENT";
}
