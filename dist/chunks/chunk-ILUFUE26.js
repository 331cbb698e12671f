import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
function lineageTags(l,metrics){let tags={},opt=[["mlops.git-sha",l.gitSha],["mlops.run-url",l.runUrl],["mlops.data-hash",l.dataHash],["mlops.actor",l.actor],["mlops.approvers",l.approvers?.length?l.approvers.join(", "):void 0]];for(let[k,v]of opt)v&&(tags[k]=v);for(let[k,v]of Object.entries(metrics).slice(0,8))tags[`metric.${k}`]=String(v);return tags}export{lineageTags};
