import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
import{dirname,resolve,sep}from"node:path";function commonFolder(files){let folders=files.map(f=>dirname(resolve(f)).split(sep)),first=folders[0]??[],n=first.length;for(let f of folders.slice(1)){let i=0;for(;i<n&&i<f.length&&f[i]===first[i];)i++;n=i}return first.slice(0,n).join(sep)||sep}async function uploadArtifact(name,files,ctx,opts={}){if(!ctx.env.ACTIONS_RUNTIME_TOKEN||!ctx.env.ACTIONS_RESULTS_URL){let message=`upload-artifact: skipped, no GitHub artifact service here (artifact "${name}" not uploaded).`;opts.quiet?ctx.logger.info(message):ctx.annotate("notice",message);return}let{DefaultArtifactClient}=await import("./artifact-NWP2CUIC.js"),root=commonFolder(files),{id,size}=await new DefaultArtifactClient().uploadArtifact(name,files,root);ctx.logger.info(`upload-artifact: ${name} (id ${id}, ${size} bytes)`);let gh=ctx.github,url=id!==void 0&&gh.repository&&gh.runId?`${gh.serverUrl}/${gh.repository}/actions/runs/${gh.runId}/artifacts/${id}`:void 0;return{id:id??0,size:size??0,...url?{url}:{}}}export{uploadArtifact};
