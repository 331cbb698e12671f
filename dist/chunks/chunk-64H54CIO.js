import { createRequire as __mlopsCreateRequire } from "node:module";
import { fileURLToPath as __mlopsFileURLToPath } from "node:url";
import { dirname as __mlopsDirname } from "node:path";
const require = __mlopsCreateRequire(import.meta.url);
const __filename = __mlopsFileURLToPath(import.meta.url);
const __dirname = __mlopsDirname(__filename);
var UNITS={bytes:n=>n>=1048576?`${(n/1048576).toFixed(1)} MB`:n>=1024?`${(n/1024).toFixed(1)} kB`:`${n} B`};function formatAmount(n,unit){let f=UNITS[unit];return f?f(n):`${Math.round(n).toLocaleString("en-US")} ${unit}`}function progressLines(write,intervalMs=5e3,now=Date.now){let started=new Map;return e=>{let t=now(),s=started.get(e.task);if(s||(s={start:t,last:t,printed:!1},started.set(e.task,s)),t-s.last<intervalMs&&!(e.finished&&s.printed)){e.finished&&started.delete(e.task);return}s.last=t,s.printed=!0;let secs=Math.max((t-s.start)/1e3,.001),rate=e.unit==="bytes"?`${formatAmount(e.done/secs,"bytes")}/s`:`${formatAmount(e.done/secs,e.unit)}/s`,pct=e.total?`, ${Math.floor(100*e.done/e.total)}%`:"";write(`${e.task}: ${formatAmount(e.done,e.unit)}${e.total?` of ${formatAmount(e.total,e.unit)}`:""}, ${rate}${pct}${e.finished?", done":""}`),e.finished&&started.delete(e.task)}}export{formatAmount,progressLines};
