import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { csvBatches } from "./csv-reader";
import { type DataFile, localFile } from "./data-files";

const dir = mkdtempSync(join(tmpdir(), "data-files-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    b[i] = seed >>> 24;
  }
  return b;
}

/** This process's descriptors open on `path` (Linux): other files' descriptors, opened by the runner, do not count. */
const openOn = (path: string) =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === realpathSync(path);
    } catch {
      return false; // closed since it was listed
    }
  }).length;

describe("local file chunks", () => {
  const data = bytes(3500, 1);
  const path = join(dir, "data.bin");
  writeFileSync(path, data);

  it("are the file's bytes, read into three buffers in turn: the previous chunk stays while the next is read", async () => {
    const chunks: Buffer[] = [];
    const copies: Buffer[] = [];
    for await (const c of localFile(path, data.length).chunks({ chunkBytes: 1000 })) {
      // The chunk before this one is as it was when it came: the read now under way goes to a third buffer.
      if (chunks.length > 0) expect(chunks.at(-1)!.equals(copies.at(-1)!)).toBe(true);
      chunks.push(c);
      copies.push(Buffer.from(c));
    }
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    expect(copies.map((c) => c.length)).toEqual([1000, 1000, 1000, 500]);
    const buffers = chunks.map((c) => c.buffer);
    expect(new Set(buffers.slice(0, 3)).size).toBe(3);
    expect(buffers[3]).toBe(buffers[0]); // reused, not a fresh buffer per chunk
  });

  it("read a file that grew since it was listed to its end, and give nothing for an empty one", async () => {
    const got = async (file: DataFile, chunkBytes: number) => {
      const out: Buffer[] = [];
      for await (const c of file.chunks({ chunkBytes })) out.push(Buffer.from(c));
      return Buffer.concat(out);
    };
    // listed at 100 bytes, read whole: as a stream of the file reads it
    expect((await got(localFile(path, 100), 4096)).equals(data)).toBe(true);
    expect((await got(localFile(path, data.length), 1)).equals(data)).toBe(true); // one byte a chunk
    const empty = join(dir, "empty.bin");
    writeFileSync(empty, "");
    expect(await got(localFile(empty, 0), 1 << 20)).toHaveLength(0);
  });

  it("close the file when the reader stops early, with a read still under way", async () => {
    for (let k = 0; k < 20; k++) {
      for await (const c of localFile(path, data.length).chunks({ chunkBytes: 100 })) {
        expect(c.length).toBe(100);
        expect(openOn(path)).toBe(1); // what is counted below: the reader's own descriptor
        break; // the next chunk's read has started
      }
    }
    expect(openOn(path)).toBe(0);
  });

  it("fail with the system's error for a path that is not a readable file", async () => {
    const read = async (p: string) => {
      for await (const c of localFile(p, 1).chunks()) void c;
    };
    await expect(read(dir)).rejects.toMatchObject({ code: "EISDIR" });
    await expect(read(join(dir, "missing.csv"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("local file readInto", () => {
  it("reads a range into the scratch buffer when it holds it, else into a buffer of its own", async () => {
    const data = bytes(5000, 2);
    const path = join(dir, "range.bin");
    writeFileSync(path, data);
    const file = localFile(path, data.length);
    const scratch = new Uint8Array(1024);
    const a = await file.readInto(100, 900, scratch);
    expect(a.buffer).toBe(scratch.buffer);
    expect(Buffer.from(a).equals(data.subarray(100, 900))).toBe(true);
    const b = await file.readInto(1000, 3000, scratch); // larger than the scratch
    expect(b.buffer).not.toBe(scratch.buffer);
    expect(Buffer.from(b).equals(data.subarray(1000, 3000))).toBe(true);
    expect(Buffer.from(await file.readInto(4900, 5100, scratch)).equals(data.subarray(4900))).toBe(true); // past the end
  });
});

/**
 * A file whose chunks hold the reuse contract at its tightest: random small sizes, three buffers in turn, and
 * the next chunk already written into its buffer when one is handed out (a read ahead that finished at once).
 * A reader that keeps a view of a chunk past the next one reads the wrong bytes here every time.
 */
function strictFile(text: string, seed: number): DataFile {
  const data = Buffer.from(text);
  return {
    name: "strict.csv",
    size: data.length,
    remote: false,
    stream: () => Promise.reject(new Error("the CSV reader reads chunks")),
    read: () => Promise.reject(new Error("the CSV reader reads chunks")),
    readInto: () => Promise.reject(new Error("the CSV reader reads chunks")),
    chunks: async function* () {
      const ring = [Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64)];
      const cuts: number[] = [0];
      while (cuts.at(-1)! < data.length) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        cuts.push(Math.min(data.length, cuts.at(-1)! + 1 + (seed % 64)));
      }
      const fill = (k: number) => {
        ring[k % 3]!.fill(0x39); // '9': a stale view reads other digits, not a parse error
        return data.copy(ring[k % 3]!, 0, cuts[k], cuts[k + 1]);
      };
      let n = cuts.length > 1 ? fill(0) : 0;
      for (let k = 0; k + 1 < cuts.length; k++) {
        const cur = ring[k % 3]!.subarray(0, n);
        if (k + 2 < cuts.length) n = fill(k + 1);
        yield cur;
      }
    },
  };
}

describe("the CSV reader over reused chunks", () => {
  it("reads every row as csv-parse does, whatever the chunk boundaries, lines longer than many chunks included", async () => {
    let seed = 5;
    const r = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const cases: string[] = [];
    for (let c = 0; c < 40; c++) {
      const eol = c % 3 === 0 ? "\r\n" : "\n";
      const lines = ["id,name,x"];
      for (let i = 0; i < 60; i++) {
        const kind = Math.floor(r() * 6);
        const name =
          kind === 0
            ? "L".repeat(Math.floor(r() * 400)) // several chunks without a line end
            : kind === 1
              ? `"a, ""b"" ${i}"` // quoted, doubled quotes: the library takes the rest of the file
              : kind === 2
                ? `é漢字${i}`
                : `n${i}`;
        lines.push(
          `${i},${c % 4 === 0 || kind !== 1 ? name : `n${i}`},${(r() * 2000 - 1000).toFixed(Math.floor(r() * 6))}`,
        );
      }
      cases.push(lines.join(eol) + (c % 5 === 0 ? "" : eol));
    }
    for (const [c, text] of cases.entries()) {
      const want = parse(text, { columns: true }) as { id: string; name: string; x: string }[];
      const ids: number[] = [];
      const names: string[] = [];
      const xs: number[] = [];
      for await (const b of csvBatches({
        file: strictFile(text, c + 1),
        delimiter: ",",
        columns: ["id", "name", "x"],
        select: [
          { name: "id", type: "number" },
          { name: "name", type: "string" },
          { name: "x", type: "number" },
        ],
        batchSize: 7,
        offset: 0,
      })) {
        ids.push(...(b.columns.id as Float64Array));
        names.push(...(b.columns.name as string[]));
        xs.push(...(b.columns.x as Float64Array));
      }
      expect(ids, `case ${c}`).toEqual(want.map((w) => Number(w.id)));
      expect(names, `case ${c}`).toEqual(want.map((w) => w.name));
      expect(xs, `case ${c}`).toEqual(want.map((w) => Number(w.x)));
    }
  });
});
