#!/usr/bin/env node
// Reads a speedscope file written by `dotnet-trace collect --profile dotnet-sampled-thread-time
// --format Speedscope` (load.mjs --trace does this) and prints where the server's threads spent CPU:
// the functions with the most time on CPU, by self time and by inclusive time. The sampler marks each
// sample CPU_TIME (running managed code) or UNMANAGED_CODE_TIME (native code: waits, but also socket
// and SQLite calls); waits are recognised by their managed caller and left out.
//   node bench/Load/tools/trace-top.mjs trace.speedscope.json [--top=25] [--filter=Orleans.Chat]
import { readFileSync } from "node:fs";
import { parseArgs } from "../lib/args.mjs";

const { positional, options } = parseArgs(process.argv.slice(2));
const top = options.top ?? 25;
const doc = JSON.parse(readFileSync(positional[0], "utf8"));
const names = doc.shared.frames.map((f) => f.name);
const cpuFrame = names.indexOf("CPU_TIME");
const nativeFrame = names.indexOf("UNMANAGED_CODE_TIME");
// Native time under these managed frames is a thread waiting, not working.
const waiting = /LowLevelLifoSemaphore|WaitForSignal|WaitHandle|Monitor\.Wait|Thread\.Sleep|WaitForSocketEvents|SocketAsyncEngine\.EventLoop|Task\.(InternalWait|SpinThenBlockingWait)|ManualResetEventSlim\.Wait|SemaphoreSlim\.Wait\(|TimerQueue|PortableThreadPool\.GateThread|WaitOne|ThreadPoolWorkQueue\.Dispatch\(\)$|WorkerThread\.WorkerThreadStart\(\)$|Interop\+Sys\.(Poll|Read)\(|Console|SignalHandler/;

const self = new Map();
const inclusive = new Map();
let cpuTotal = 0;
let nativeWork = 0;
let nativeWait = 0;
let wallTotal = 0;

const unnamed = (name) => name === "?" || name === "?!?";
const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);

for (const profile of doc.profiles) {
  const stack = [];
  let last = profile.startValue;
  for (const e of profile.events) {
    const dt = e.at - last;
    if (dt > 0 && stack.length) {
      wallTotal += dt;
      const leaf = stack[stack.length - 1];
      let counted = false;
      if (leaf === cpuFrame) { cpuTotal += dt; counted = true; }
      else if (leaf === nativeFrame) {
        // The deepest managed frame that has a name (native frames show as "?").
        let caller = "";
        for (let i = stack.length - 2; i >= 0 && !caller; i--) if (!unnamed(names[stack[i]])) caller = names[stack[i]];
        if (waiting.test(caller)) nativeWait += dt;
        else { nativeWork += dt; counted = true; }
      }
      if (counted) {
        const frames = stack.filter((f) => f !== cpuFrame && f !== nativeFrame && !unnamed(names[f]));
        const leafName = names[frames[frames.length - 1]] ?? "?";
        add(self, leafName + (leaf === nativeFrame ? "  [native]" : ""), dt);
        for (const f of new Set(frames)) add(inclusive, names[f], dt);
      }
    }
    last = e.at;
    if (e.type === "O") stack.push(e.frame);
    else stack.pop();
  }
}

const busy = cpuTotal + nativeWork;
const seconds = Math.max(...doc.profiles.map((p) => p.endValue - p.startValue)) / 1000;
const pct = (ms) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
const short = (n) => n.replace(/\(.*$/, "").replace(/^[^!]*!/, "").slice(0, 150);
console.log(`trace of ${seconds.toFixed(1)} s: ${(busy / 1000 / seconds).toFixed(2)} threads busy on average (managed ${(cpuTotal / 1000 / seconds).toFixed(2)}, native ${(nativeWork / 1000 / seconds).toFixed(2)}; waits left out: ${(nativeWait / 1000 / seconds).toFixed(2)})`);
console.log(`\nself time (share of busy time):`);
for (const [n, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(ms)}  ${short(n)}`);
const filter = options.filter ? new RegExp(String(options.filter)) : undefined;
console.log(`\ninclusive time${filter ? ` (frames matching ${filter})` : ""}:`);
for (const [n, ms] of [...inclusive].filter(([n]) => !filter || filter.test(n)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(ms)}  ${short(n)}`);
