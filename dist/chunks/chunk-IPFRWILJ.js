import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{runIdentity}from"./chunk-KWAZAHWH.js";import{readFileSync}from"node:fs";function setOutputs(ctx,values){for(let[name,value]of Object.entries(values))ctx.setOutput(name,value)}function githubContext(env,cwd=process.cwd()){let run=runIdentity(env),event={};if(env.GITHUB_EVENT_PATH)try{event=JSON.parse(readFileSync(env.GITHUB_EVENT_PATH,"utf8"))}catch{event={}}let pr=event.pull_request?.number??event.number;return{serverUrl:run.serverUrl,repository:run.repository,sha:env.GITHUB_SHA||void 0,ref:env.GITHUB_REF||void 0,actor:run.actor,workflow:env.GITHUB_WORKFLOW||void 0,runId:run.runId,runAttempt:run.runAttempt,runUrl:run.runUrl,eventName:env.GITHUB_EVENT_NAME||void 0,event,pullRequest:typeof pr=="number"?pr:void 0,workspace:env.GITHUB_WORKSPACE||cwd,tempDir:env.RUNNER_TEMP||`${env.TMPDIR||"/tmp"}`}}export{setOutputs,githubContext};
