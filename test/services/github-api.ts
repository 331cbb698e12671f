/**
 * A local stand-in for the GitHub REST endpoints of issue comments (list, create, update), run approvals and
 * workflow dispatches, on 127.0.0.1, with the same paths, auth header and pagination; it records every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeComment {
  id: number;
  body: string;
  html_url: string;
}

export interface GitHubApiServer {
  url: string;
  token: string;
  comments: Map<number, FakeComment[]>;
  /** Reviews returned by GET /repos/{repo}/actions/runs/{id}/approvals, per run id. */
  approvals: Map<string, unknown[]>;
  /** Head commit of each pull request, for GET /repos/{repo}/pulls/{n} ("Get a pull request"); unknown: 404. */
  heads: Map<number, string>;
  requests: { method: string; path: string; auth?: string }[];
  /** POST /repos/{repo}/actions/workflows/{file}/dispatches bodies, in order. */
  dispatches: { workflow: string; ref: string; inputs?: Record<string, string> }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const chunk of req) s += chunk;
  return s;
}

export async function startGitHubApi(repository = "acme/plant-models"): Promise<GitHubApiServer> {
  const token = `ghs_${Math.random().toString(36).slice(2)}`;
  const comments = new Map<number, FakeComment[]>();
  const approvals = new Map<string, unknown[]>();
  const heads = new Map<number, string>();
  const requests: GitHubApiServer["requests"] = [];
  const dispatches: GitHubApiServer["dispatches"] = [];
  let nextId = 1000;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push({ method: req.method ?? "", path: url.pathname + url.search, auth: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: "Bad credentials" });
    const runApprovals = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/approvals$/.exec(url.pathname);
    if (runApprovals && runApprovals[1] === repository && req.method === "GET") {
      return send(200, approvals.get(runApprovals[2]!) ?? []);
    }
    // https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event: 204, ref required.
    const dispatch = /^\/repos\/([^/]+\/[^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/.exec(url.pathname);
    if (dispatch && dispatch[1] === repository && req.method === "POST") {
      const body = JSON.parse((await readBody(req)) || "{}") as { ref?: string; inputs?: Record<string, string> };
      if (!body.ref) return send(422, { message: 'Invalid request.\n\n"ref" wasn\'t supplied.' });
      dispatches.push({ workflow: dispatch[2]!, ref: body.ref, ...(body.inputs ? { inputs: body.inputs } : {}) });
      res.writeHead(204);
      return res.end();
    }
    const pull = /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/.exec(url.pathname);
    if (pull && pull[1] === repository && req.method === "GET") {
      const sha = heads.get(Number(pull[2]));
      // The fields of GitHub's pull request object that are read: number, state and head.sha.
      return sha
        ? send(200, { number: Number(pull[2]), state: "open", head: { sha, ref: "feature" } })
        : send(404, { message: "Not Found" });
    }
    const list = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (list && list[1] === repository) {
      const pr = Number(list[2]);
      const all = comments.get(pr) ?? [];
      if (req.method === "GET") {
        const perPage = Number(url.searchParams.get("per_page") ?? 30);
        const page = Number(url.searchParams.get("page") ?? 1);
        return send(200, all.slice((page - 1) * perPage, page * perPage));
      }
      if (req.method === "POST") {
        const { body } = JSON.parse(await readBody(req)) as { body: string };
        const c = {
          id: nextId++,
          body,
          html_url: `https://github.com/${repository}/pull/${pr}#issuecomment-${nextId}`,
        };
        comments.set(pr, [...all, c]);
        return send(201, c);
      }
    }
    if (one && one[1] === repository && req.method === "PATCH") {
      const id = Number(one[2]);
      for (const all of comments.values()) {
        const c = all.find((x) => x.id === id);
        if (c) {
          c.body = (JSON.parse(await readBody(req)) as { body: string }).body;
          return send(200, c);
        }
      }
      return send(404, { message: "Not Found" });
    }
    send(404, { message: "Not Found" });
  };
  // A request the stand-in cannot handle answers 500 instead of leaving the client waiting.
  const server = createServer(
    (req, res) =>
      void handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: String(e) }));
      }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    comments,
    approvals,
    heads,
    requests,
    dispatches,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
