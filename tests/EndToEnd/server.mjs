// Starts the real Api process (embedded silo, SQLite) on a free loopback port and talks to it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as signalR from "@microsoft/signalr";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const apiDll = process.env.ORLEANS_CHAT_API_DLL
  ?? join(repo, "src/Api/bin/Release/net10.0/Orleans.Chat.Api.dll");

export const adminKey = "e2e-admin-key";

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

/** A fresh data directory; pass it to several start() calls to restart on the same store. */
export function dataDirectory() {
  return mkdtempSync(join(tmpdir(), "orleans-chat-e2e-"));
}

/**
 * Starts the server on the given data directory. `store` is "sqlite" (a file in dataDir) or "postgres"
 * (the throwaway server scripts/test.sh starts, named by ORLEANS_CHAT_TEST_POSTGRES).
 */
export async function start(dataDir, { port, store = "sqlite", args = [] } = {}) {
  if (!existsSync(apiDll)) {
    throw new Error(`${apiDll} is missing: build the solution in Release first (scripts/test.sh does).`);
  }
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn("dotnet", [apiDll,
    `--urls=${url}`,
    `--contentRoot=${dirname(apiDll)}`,
    `--Admin:ApiKey=${adminKey}`,
    // Every simulated user signs in from this one loopback address: the per-address limit is for real clients.
    "--RateLimits:SignInPerMinute=100000",
    `--Storage:DataDirectory=${dataDir}`,
    ...storeArguments(store, dataDir),
    ...args,
  ], { cwd: dataDir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ASPNETCORE_ENVIRONMENT: "Production" } });
  let output = "";
  child.stdout.on("data", (d) => { output += d; });
  child.stderr.on("data", (d) => { output += d; });
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy in 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url, port, child, output: () => output,
    /** Ends the process the hard way: no shutdown hooks, no flushing. */
    async kill() { child.kill("SIGKILL"); return exited; },
    async stop() { if (child.exitCode === null) child.kill("SIGTERM"); return exited; },
  };
}

function storeArguments(store, dataDir) {
  if (store === "sqlite") {
    return ["--Storage:Provider=Sqlite", `--Storage:Sqlite:Path=${join(dataDir, "chat.db")}`];
  }
  if (store === "postgres") {
    const connectionString = process.env.ORLEANS_CHAT_TEST_POSTGRES;
    if (!connectionString) {
      throw new Error("ORLEANS_CHAT_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL.");
    }
    return ["--Storage:Provider=Postgres", `--ConnectionStrings:Postgres=${connectionString}`];
  }
  throw new Error(`unknown store ${store}`);
}

export function removeDataDirectory(dataDir) {
  rmSync(dataDir, { recursive: true, force: true });
}

/** A small REST client: returns the parsed body and throws with the problem details on an error status. */
export function api(url, token) {
  async function call(method, path, body, headers = {}) {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const error = new Error(`${method} ${path} -> ${res.status} ${text}`);
      error.status = res.status;
      error.problem = json;
      throw error;
    }
    return { status: res.status, body: json };
  }
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body ?? {}),
    put: (path, body) => call("PUT", path, body),
    patch: (path, body) => call("PATCH", path, body),
    delete: (path) => call("DELETE", path),
    admin: (method, path, body) => call(method, path, body, { "x-admin-key": adminKey }),
  };
}

let unique = 0;
/** Provisions an organization with the given users through the admin API and signs each one in. */
export async function provision(url, userNames, { parallel = 1 } = {}) {
  const run = `${Date.now().toString(36)}${(unique++).toString(36)}`;
  const admin = api(url);
  const orgId = `org-${run}`;
  await admin.admin("POST", "/v1/admin/organizations", { id: orgId, name: `Org ${run}` });
  const users = {};
  await inBatches(userNames, parallel, async (name) => {
    const id = `${name}-${run}`;
    const password = `pw-${id}-secret`;
    await admin.admin("POST", "/v1/admin/users", { id, email: `${id}@example.test`, displayName: name, password });
    await admin.admin("PUT", `/v1/admin/organizations/${orgId}/members/${id}`);
    const token = await signIn(url, id, password, `udid-${id}`);
    users[name] = { id, password, token, api: api(url, token) };
  });
  return { orgId, users };
}

/** Runs work over items with at most `parallel` in flight. */
export async function inBatches(items, parallel, work) {
  const queue = [...items];
  const results = [];
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    while (queue.length > 0) {
      const item = queue.shift();
      results.push(await work(item));
    }
  }));
  return results;
}

export async function signIn(url, userId, password, udid) {
  const { body } = await api(url).post("/v1/auth/sign-in", { userId, password, udid });
  return body.accessToken;
}

/** Opens a hub connection with the official client and records every event it receives. */
export async function connect(url, token, events = ["message", "conversation:change", "message:read"]) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${url}/hubs/chat`, {
      accessTokenFactory: () => token,
      transport: signalR.HttpTransportType.WebSockets,
      skipNegotiation: true,
    })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  const received = [];
  const waiters = [];
  for (const name of events) {
    connection.on(name, (payload) => {
      received.push({ name, payload, at: performance.now() });
      for (const w of [...waiters]) {
        if (w.name === name && w.match(payload)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.ok(payload);
        }
      }
    });
  }
  await connection.start();
  return {
    connection,
    received,
    /** Resolves with the first event (past or future) of that name matching the predicate. */
    next(name, match = () => true, timeoutMs = 5_000) {
      const past = received.find((e) => e.name === name && match(e.payload));
      if (past) return Promise.resolve(past.payload);
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no '${name}' event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ name, match, ok: (p) => { clearTimeout(timer); ok(p); } });
      });
    },
    stop: () => connection.stop(),
  };
}
