import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
async function mapBounded(items,limit,fn){let out=new Array(items.length),next=0,failure,worker=async()=>{for(;failure===void 0&&next<items.length;){let i=next++;try{out[i]=await fn(items[i],i)}catch(error){failure??={error}}}},workers=Math.max(1,Math.min(items.length,limit>=1?Math.floor(limit):1));if(await Promise.all(Array.from({length:workers},worker)),failure!==void 0)throw failure.error;return out}export{mapBounded};
