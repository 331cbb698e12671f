/**
 * The benchmarks' HTTP client: one keep-alive agent (64 sockets, as many as the concurrent clients) and a POST
 * that resolves with the body of a 200 and rejects with the status and body of anything else (a request that
 * met a kept-alive socket closed by the server meanwhile is sent once more).
 */
import { Agent, request } from "node:http";

export const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function post(url: URL, body: Buffer, headers: Record<string, string> = {}, retried = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": String(body.byteLength), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks)}`)),
        );
      },
    );
    // A kept-alive socket the server closed as idle (its keepAliveTimeout) just as this request went out: sent again
    // on a fresh socket, as Node's http documentation advises (`request.reusedSocket`).
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && e.code === "ECONNRESET") post(url, body, headers, true).then(resolve, reject);
      else reject(e);
    });
    req.end(body);
  });
}
