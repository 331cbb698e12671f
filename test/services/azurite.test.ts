/** Azurite as the tests start it: ready means Azurite answers, and a port someone else holds is named. */
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { startAzurite } from "./azurite";

const listen = (server: Server) =>
  new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : 0);
    });
  });
const close = (server: Server) => new Promise<void>((r) => server.close(() => r()));

describe("startAzurite", () => {
  it("answers as Azurite once started", async () => {
    const az = await startAzurite();
    const res = await fetch(`http://127.0.0.1:${az.port}/`);
    await res.body?.cancel();
    expect(res.headers.get("server")).toMatch(/^Azurite-Blob/);
    await az.stop();
  });

  it("does not take another HTTP server on its port for Azurite", async () => {
    const other = createHttpServer((_, res) => res.end("not azurite"));
    const port = await listen(other);
    await expect(startAzurite({ port })).rejects.toThrow(/another server answers on 127\.0\.0\.1:\d+/);
    await close(other);
  });

  it("names a port held by a plain TCP listener (Azurite exits on EADDRINUSE)", async () => {
    const other = createServer((s) => s.destroy());
    const port = await listen(other);
    await expect(startAzurite({ port })).rejects.toThrow(/EADDRINUSE/);
    await close(other);
  });
});
