import { batchesInWorker, openDataset, prewarmParseWorker } from "./shared/data";
const path = "/tmp/wt24/prof/data.csv";
const cols = ["f0","f1","f2","f3","f4","f5","f6","f7","label"];
for (const inFlight of [4, 16, 64]) {
  const t = performance.now(); let rows = 0; let first = 0;
  for await (const b of batchesInWorker({ source: path, batch: { columns: cols }, inFlight })) { if (!first) first = performance.now() - t; rows += b.rows; }
  console.log("worker parse inFlight", inFlight, "first batch", (first/1000).toFixed(2), "total", ((performance.now() - t) / 1000).toFixed(2));
}
let t = performance.now(); let rows = 0;
const ds = await openDataset(path);
for await (const b of ds.batches({ columns: cols })) rows += b.rows;
console.log("main parse", rows, ((performance.now() - t) / 1000).toFixed(2));
