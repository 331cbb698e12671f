import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{isUserError}from"./serve-chunks/chunk-3WAO4U4N.js";import"./serve-chunks/chunk-RLHMBC6C.js";import{parentPort,workerData}from"node:worker_threads";var role=parentPort===null?void 0:workerData?.role;role==="inference"?import("./serve-chunks/inference-worker-G7UU26UF.js").then(m=>m.runInferenceWorker()):role==="capture-writer"?import("./serve-chunks/capture-writer-BQEAS3JN.js").then(m=>m.runCaptureWriter()):serve();function serve(){Promise.resolve().then(async()=>{let[{runServe},{parseServeArgs}]=await Promise.all([import("./serve-chunks/run-serve-SGN6O3UL.js"),import("./serve-chunks/serve-args-TLR24YDF.js")]);return runServe(parseServeArgs(process.argv.slice(2),process.env))}).then(code=>process.exit(code),crash)}function crash(e){let user=isUserError(e),msg=user?e.message:e?.stack??String(e);process.stderr.write(`${JSON.stringify({time:new Date().toISOString(),level:"error",msg})}
`),process.exit(user?2:1)}
