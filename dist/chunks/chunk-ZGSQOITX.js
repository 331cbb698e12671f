import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
function parseRetryAfter(value,now){if(value==null)return;let v=value.trim();if(/^\d+(\.\d+)?$/.test(v))return Math.round(Number(v)*1e3);let date=Date.parse(v);if(!Number.isNaN(date))return Math.max(0,date-now)}var realSleep=(ms,signal)=>new Promise((resolve,reject)=>{if(signal?.aborted)return reject(signal.reason);let timer=setTimeout(()=>{signal?.removeEventListener("abort",onAbort),resolve()},ms),onAbort=()=>{clearTimeout(timer),reject(signal?.reason)};signal?.addEventListener("abort",onAbort,{once:!0})});function networkErrorCode(e){return e.cause?.code??e.code??e.name??"error"}export{parseRetryAfter,realSleep,networkErrorCode};
