/** The port helper the local services start with: a port taken between freePort and the bind is retried. */
import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { onFreePort } from "./tools";

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
const close = (server: Server) => new Promise<void>((r) => server.close(() => r()));
const taken = (e: unknown) => (e as NodeJS.ErrnoException).code === "EADDRINUSE";

describe("onFreePort", () => {
  it("starts again on another port when another listener took the first one in between", async () => {
    const thief = createServer();
    const tried: number[] = [];
    const server = await onFreePort(async (port) => {
      tried.push(port);
      // The first time, another server is handed the port before ours binds it.
      if (tried.length === 1) await listen(thief, port);
      const s = createServer();
      await listen(s, port);
      return s;
    }, taken);
    const address = server.address();
    expect(tried).toHaveLength(2);
    expect(tried[1]).not.toBe(tried[0]);
    expect(typeof address === "object" && address?.port).toBe(tried[1]);
    await Promise.all([close(server), close(thief)]);
  });

  it("passes any other error on at once, and gives up after the attempts", async () => {
    let calls = 0;
    await expect(
      onFreePort(async () => {
        calls++;
        throw new Error("docker-registry exited (1): bad config");
      }, taken),
    ).rejects.toThrow(/bad config/);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      onFreePort(
        async () => {
          calls++;
          throw Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" });
        },
        taken,
        3,
      ),
    ).rejects.toThrow(/EADDRINUSE/);
    expect(calls).toBe(3);
  });
});
