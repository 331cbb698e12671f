import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { shown, UserError } from "../errors";
import { sampleCapture } from "./capture-hook";
import { decodeInferRequest, encodeInferResponseTextInTurns, INFERENCE_HEADER } from "./http-codec";
import { checkJsonText, OFFLOAD_BODY_BYTES, payloadTooLarge, type ServeLimits } from "./limits";
import {
  classify,
  findModel,
  HTTP_STATUS,
  SERVER_EXTENSIONS,
  SERVER_NAME,
  SERVER_VERSION,
  type ServerContext,
} from "./server-context";

/** After answering 413 or 503 before the body was read, we read (and drop) at most this much more of the body so the client sees the answer. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

interface Route {
  route: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

/** Reads the body up to `limit` bytes, reserving each chunk with `reserve` (which throws busy past the server's budget); beyond `limit` throws a payload_too_large UserError. */
function readBody(req: IncomingMessage, limit: number, reserve: (bytes: number) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (e: unknown) => {
      req.off("data", onData);
      req.off("end", onEnd);
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        stop(tooLarge("body", limit, `more than ${limit} bytes`, "max-body-bytes"));
        return;
      }
      try {
        reserve(chunk.byteLength);
      } catch (e) {
        stop(e);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
  });
}

function tooLarge(what: string, limit: number, got: string, flag: string): UserError {
  return payloadTooLarge(
    `${what}: larger than the server's limit of ${limit} bytes (got ${got}). Send fewer rows per request${flag === "max-json-bytes" ? " (or the binary tensor data extension)" : ""} or raise --${flag}.`,
  );
}

/** The declared size of the JSON part (all of a plain JSON body), checked against the limits before reading. */
function declaredSizes(req: IncomingMessage, limits: ServeLimits): { body?: number; json?: number } {
  const declared = Number(req.headers["content-length"]);
  const body = Number.isFinite(declared) && declared >= 0 ? declared : undefined;
  if (body !== undefined && body > limits.maxBodyBytes) {
    throw tooLarge("body", limits.maxBodyBytes, `${body} bytes`, "max-body-bytes");
  }
  const header = req.headers[INFERENCE_HEADER];
  const json = header === undefined ? body : Number(Array.isArray(header) ? header[0] : header);
  if (json !== undefined && Number.isFinite(json) && json > limits.maxJsonBytes) {
    throw tooLarge("JSON part", limits.maxJsonBytes, `${json} bytes`, "max-json-bytes");
  }
  return { ...(body === undefined ? {} : { body }), ...(header === undefined ? {} : { json }) };
}

/** Parses `/v2/models/{name}[/versions/{v}][/ready|/infer]`. */
function modelPath(path: string): { name: string; version?: string; action: "" | "ready" | "infer" } | undefined {
  const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?\/?$/.exec(path);
  if (!m) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const out: { name: string; version?: string; action: "" | "ready" | "infer" } = {
    name: decode(m[1]!),
    action: (m[3] ?? "") as "" | "ready" | "infer",
  };
  if (m[2] !== undefined) out.version = decode(m[2]);
  return out;
}

/** The Open Inference Protocol over HTTP/REST, plus /metrics. */
export function createHttpServer(ctx: ServerContext): Server {
  const { model, metrics, logger, limits, admission } = ctx;

  function send(res: ServerResponse, status: number, body: Buffer | string, headers: Record<string, string>): void {
    res.writeHead(status, {
      ...headers,
      "content-length": String(Buffer.byteLength(body)),
      // While draining, each response closes its connection so keep-alive clients move on.
      ...(ctx.ready() ? {} : { connection: "close" }),
    });
    res.end(body);
  }

  function sendJson(res: ServerResponse, status: number, value: unknown): void {
    send(res, status, JSON.stringify(value), { "content-type": "application/json" });
  }

  function resolve(method: string, path: string): Route | undefined {
    if (path === "/v2/health/live" || path === "/v2/health/live/") {
      return { route: "live", handle: (_q, r) => sendJson(r, 200, { live: true }) };
    }
    if (path === "/v2/health/ready" || path === "/v2/health/ready/") {
      return { route: "ready", handle: (_q, r) => sendJson(r, ctx.ready() ? 200 : 503, { ready: ctx.ready() }) };
    }
    if (path === "/v2" || path === "/v2/") {
      return {
        route: "server_metadata",
        handle: (_q, r) =>
          sendJson(r, 200, { name: SERVER_NAME, version: SERVER_VERSION, extensions: SERVER_EXTENSIONS }),
      };
    }
    if (path === "/metrics") {
      return {
        route: "metrics",
        handle: async (_q, r) => {
          const { contentType, body } = await metrics.render();
          send(r, 200, body, { "content-type": contentType });
        },
      };
    }
    const mp = modelPath(path);
    if (!mp) return undefined;
    if (mp.action === "infer") {
      if (method !== "POST") return methodNotAllowed("infer", "POST");
      return {
        route: "infer",
        handle: async (req, res) => {
          const m = findModel(ctx, mp.name, mp.version);
          const declared = declaredSizes(req, limits);
          // Bytes held for this request go back to the budget when its response is done, whatever the outcome.
          let held = 0;
          const reserve = (bytes: number) => {
            admission.reserve(bytes);
            held += bytes;
          };
          res.once("close", () => admission.free(held));
          if (declared.body !== undefined) reserve(declared.body);
          const body = await readBody(req, limits.maxBodyBytes, declared.body === undefined ? reserve : () => {});
          // Nesting and value counts are scanned before waiting: refused requests never take a slot.
          checkJsonText(declared.json === undefined ? body : body.subarray(0, declared.json), limits.maxElements);
          const offload = ctx.inferEncoded;
          if (offload && body.byteLength > OFFLOAD_BODY_BYTES) {
            // A large body goes to the worker as bytes (moved, not copied) and comes back as response bytes: this
            // thread never parses, holds or collects its millions of values, and stays free for probes.
            await admission.run(async () => {
              const encoded = await offload({
                body,
                ...(declared.json === undefined ? {} : { jsonLength: declared.json }),
                limits,
              });
              metrics.rows(encoded.rows);
              send(res, 200, encoded.body, encoded.headers);
            }, "heavy");
            return;
          }
          await admission.run(async () => {
            const request = decodeInferRequest(body, declared.json, limits);
            const result = await m.infer(request);
            metrics.rows(request.inputs[0]?.shape[0] ?? 0);
            const captured = sampleCapture(ctx.capture, request, req.headers["x-request-id"]);
            if (captured?.generated) res.setHeader("x-request-id", captured.generated);
            const encoded = await encodeInferResponseTextInTurns(m, request, result);
            send(res, 200, encoded.body, encoded.headers);
            captured?.record(result);
          });
        },
      };
    }
    if (method !== "GET") return methodNotAllowed(mp.action === "ready" ? "model_ready" : "model_metadata", "GET");
    if (mp.action === "ready") {
      return {
        route: "model_ready",
        handle: (_q, r) => {
          const m = findModel(ctx, mp.name, mp.version);
          sendJson(r, 200, { name: m.name, ready: ctx.ready() });
        },
      };
    }
    return {
      route: "model_metadata",
      handle: (_q, r) => {
        const m = findModel(ctx, mp.name, mp.version);
        sendJson(r, 200, {
          name: m.name,
          versions: [m.version],
          platform: m.platform,
          inputs: m.inputs,
          outputs: m.outputs,
        });
      },
    };
  }

  function methodNotAllowed(route: string, allowed: string): Route {
    return {
      route,
      handle: (req, res) => {
        res.setHeader("allow", allowed);
        sendJson(res, 405, { error: `method: ${route} takes ${allowed} (got ${shown(req.method)}). Use ${allowed}.` });
      },
    };
  }

  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const started = process.hrtime.bigint();
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0]!;
    const found = resolve(method, path);
    const route = found?.route ?? "unknown";
    metrics.inflight("http", 1);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      metrics.inflight("http", -1);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe("http", route, String(res.statusCode), seconds, res.statusCode >= 400);
      logger.debug(`${method} ${path} ${res.statusCode} ${(seconds * 1000).toFixed(2)}ms`);
    };
    res.on("finish", finish);
    res.on("close", finish);
    const fail = (e: unknown) => {
      const { kind, message } = classify(e);
      if (kind === "internal") logger.warning(`${method} ${path}: ${(e as Error)?.stack ?? message}`);
      else logger.debug(`${method} ${path}: ${message}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (kind === "unavailable") res.setHeader("retry-after", "1");
      if (kind === "payload_too_large" || (kind === "unavailable" && !req.complete)) {
        // Answer now and drop the rest of the body (bounded; past it the connection is cut): a client that
        // writes its whole body before reading still gets to read the 413 or 503.
        let drained = 0;
        req.on("data", (c: Buffer) => {
          drained += c.byteLength;
          if (drained > DRAIN_LIMIT) req.destroy();
        });
        req.resume();
      }
      sendJson(res, HTTP_STATUS[kind], { error: message });
    };
    if (!found) {
      fail(
        new UserError(
          `path: no such endpoint (got ${shown(`${method} ${path}`)}). Use /v2, /v2/health/{live,ready}, /v2/models/${model.name}[/versions/${model.version}][/ready|/infer] or /metrics.`,
          { code: "not_found" },
        ),
      );
      return;
    }
    try {
      const p = found.handle(req, res);
      if (p) p.catch(fail);
    } catch (e) {
      fail(e);
    }
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  return server;
}
