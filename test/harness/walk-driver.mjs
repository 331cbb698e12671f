// Runs many CLI invocations of the bundled `mlops` in one Node process, as a runner would see them
// (GITHUB_ACTIONS=true in each case's env, so errors are `::error::` lines): imports <root>/dist/cli.js,
// calls its main(argv, env) once per case with stdout and stderr captured, and writes the results as JSON.
// One process per action instead of one per case keeps the walk over every input affordable.
//
//   node walk-driver.mjs <bundle root> <cases.json> <results.json>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import dns from "node:dns";

const [root, casesFile, resultsFile] = process.argv.slice(2);

// Tests talk only to 127.0.0.1: a name that would leave the machine (a hostile value read as docker.io/...)
// is not found, at once, instead of being looked up.
const local = (host) => host === "localhost" || /^127\./.test(host) || host === "::1";
const refuse = (host) =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND", hostname: host });
const lookup = dns.lookup;
dns.lookup = (host, options, callback) => {
  const cb = typeof options === "function" ? options : callback;
  if (!local(String(host))) return process.nextTick(() => cb(refuse(host)));
  return lookup.call(dns, host, options, callback);
};
const lookupAsync = dns.promises.lookup;
dns.promises.lookup = (host, options) =>
  local(String(host)) ? lookupAsync.call(dns.promises, host, options) : Promise.reject(refuse(host));
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const { main } = await import(pathToFileURL(join(root, "dist", "cli.js")).href);

const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);
let current;
const capture = (key) => (chunk, encoding, cb) => {
  if (current) current[key] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  if (typeof encoding === "function") encoding();
  else if (typeof cb === "function") cb();
  return true;
};
// A promise the action forgot (a rejection after it returned) is a bug too: it is recorded on the case.
process.on("unhandledRejection", (reason) => {
  if (current) current.stderr += `\nunhandled rejection: ${reason?.stack ?? reason}\n`;
});
// An uncaught exception would end the action with a stack trace: recorded, and the walk goes on.
process.on("uncaughtException", (e) => {
  if (current) current.stderr += `\nuncaught exception: ${e?.stack ?? e}\n`;
});

const results = [];
for (const c of cases) {
  current = { id: c.id, stdout: "", stderr: "", code: null, ms: 0 };
  const began = performance.now();
  process.stdout.write = capture("stdout");
  process.stderr.write = capture("stderr");
  const previousCwd = process.cwd();
  let timer;
  try {
    process.chdir(c.cwd);
    current.code = await Promise.race([
      main(c.argv, c.env),
      new Promise((done) => {
        timer = setTimeout(() => done("timeout"), c.timeoutMs ?? 60_000);
      }),
    ]);
  } catch (e) {
    current.stderr += `\ndriver: main threw: ${e?.stack ?? e}\n`;
    current.code = "threw";
  } finally {
    clearTimeout(timer);
    current.ms = Math.round(performance.now() - began);
    process.chdir(previousCwd);
    process.stdout.write = out;
    process.stderr.write = err;
  }
  results.push(current);
}
current = undefined;
writeFileSync(resultsFile, JSON.stringify(results));
// Servers or timers an action left behind must not keep the walk alive.
process.exit(0);
