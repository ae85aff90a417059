// What the figures were measured on: they mean nothing without the machine and the build.
import { cpus, totalmem, release } from "node:os";
import { execFileSync } from "node:child_process";
import { repoRoot } from "./server.mjs";

export function describeMachine() {
  const cpu = cpus();
  const run = (cmd, args) => { try { return execFileSync(cmd, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "ignore"] }).toString().trim(); } catch { return null; } };
  return {
    cpuModel: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGB: Math.round(totalmem() / 1073741824),
    kernel: release(),
    node: process.version,
    dotnet: run("dotnet", ["--version"]),
    commit: run("git", ["rev-parse", "--short", "HEAD"]),
    dirty: (run("git", ["status", "--porcelain", "--untracked-files=no"]) ?? "").length > 0,
    fdLimit: Number(run("bash", ["-c", "ulimit -n"])) || null,
    generator: "one Node process (chat workloads: simulated users spread over --workers worker threads), @microsoft/signalr (the official client) over WebSockets, on the same machine as the server",
  };
}
