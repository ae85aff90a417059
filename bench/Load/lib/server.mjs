// Starts a fresh embedded server (the Release build of src/Api, SQLite in a temp directory) on a free
// loopback port, and stops it. The generator only ever talks to 127.0.0.1.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const defaultApiDll = process.env.ORLEANS_CHAT_API_DLL || join(repoRoot, "src/Api/bin/Release/net10.0/Orleans.Chat.Api.dll");

export function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/**
 * Configuration every load server gets, because the generator signs in thousands of users from one
 * address: the per-address sign-in limit (30/min by default) is lifted, and passwords are hashed with
 * 1,000 PBKDF2 iterations instead of ASP.NET Core's 100,000, which would otherwise spend minutes of
 * CPU provisioning 10,000 users. The chat paths measured here do not hash passwords.
 */
export const loadServerArgs = ["--RateLimits:SignInPerMinute=1000000", "--Silo:PasswordHasher:IterationCount=1000"];

const running = new Set();
// A generator that dies must not leave a server behind.
process.once("exit", () => { for (const child of running) child.kill("SIGKILL"); });
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => { for (const child of running) child.kill("SIGKILL"); process.exit(130); });
}

/**
 * Starts the server; resolves when /health answers. `extraArgs` are appended to the command line
 * (configuration overrides such as a cheaper password hash for provisioning thousands of users).
 */
export async function startServer({ apiDll = defaultApiDll, adminKey, extraArgs = [], healthTimeoutMs = 60_000 } = {}) {
  if (!existsSync(apiDll)) throw new Error(`${apiDll} is missing: build it first (dotnet build src/Api -c Release)`);
  const dataDir = mkdtempSync(join(tmpdir(), "orleans-chat-load-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [apiDll,
    `--urls=${url}`,
    `--contentRoot=${dirname(apiDll)}`,
    `--Admin:ApiKey=${adminKey}`,
    "--Storage:Provider=Sqlite",
    `--Storage:DataDirectory=${dataDir}`,
    `--Storage:Sqlite:Path=${join(dataDir, "chat.db")}`,
    ...loadServerArgs,
    ...extraArgs];
  const logPath = join(dataDir, "server.log");
  const log = createWriteStream(logPath);
  const child = spawn("dotnet", args, {
    cwd: dataDir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ASPNETCORE_ENVIRONMENT: "Production", DOTNET_CLI_TELEMETRY_OPTOUT: "1" },
  });
  running.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((ok) => child.once("exit", (code, signal) => { running.delete(child); ok({ code, signal }); }));
  const tail = () => { try { return readFileSync(logPath, "utf8").slice(-4000); } catch { return ""; } };

  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${tail()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy in ${healthTimeoutMs / 1000} s:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    port,
    pid: child.pid,
    dataDir,
    args: args.slice(1),
    logTail: tail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      // LOAD_KEEP_DATA=1 keeps the SQLite file for a look at what a run wrote (tools, analysis).
      if (process.env.LOAD_KEEP_DATA) process.stderr.write(`kept ${dataDir}\n`);
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
