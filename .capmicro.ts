import { CaptureTable, planCapture } from "./shared/capture/capture-table";
const names = ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]", "Torque [Nm]", "Tool wear [min]"];
const model = { name: "failure-predictor", version: "3", inputs: [{name:"Type",datatype:"BYTES",shape:[-1,1]}, ...names.map(n=>({name:n,datatype:"FP32",shape:[-1,1]}))], outputs:[{name:"label",datatype:"INT64",shape:[-1]},{name:"probabilities",datatype:"FP32",shape:[-1,2]}], classLabels:[0,1] };
const { plans } = planCapture(model);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (const n of [1, 64]) {
  const req = { inputs: [{name:"Type",datatype:"BYTES",shape:[n,1],data:Array.from({length:n},(_, i)=>["L","M","H"][i%3])}, ...names.map(nm=>({name:nm,datatype:"FP32",shape:[n,1],data:Float32Array.from({length:n},(_, i)=>300+i)}))],
    outputs: [{name:"label",datatype:"INT64",shape:[n],data:new BigInt64Array(n)},{name:"probabilities",datatype:"FP32",shape:[n,2],data:new Float32Array(2*n)}] };
  for (let rep=0;rep<3;rep++){
    let t = new CaptureTable(model, plans, "bench");
    const reqs = Math.round(400000 / n * 4);
    let tEnc = 0;
    const a = cpu();
    for (let i = 0; i < reqs; i++) {
      t.append(req, n, "0f8fad5b-d9cb-469f-a165-70867728950e"+(i%1000), Date.now());
      if (t.bytes > 8*1024*1024) { const b = cpu(); t.encode(); tEnc += cpu()-b; t = new CaptureTable(model, plans, "bench"); }
    }
    const b = cpu(); t.encode(); tEnc += cpu()-b;
    const total = cpu() - a;
    console.log(n, "total µs/req", (total/reqs*1000).toFixed(2), "of which encode", (tEnc/reqs*1000).toFixed(2));
  }
}
