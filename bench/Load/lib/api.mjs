// The REST side of a simulated user: admin provisioning, sign-in and history, as client apps do it.

export class ApiError extends Error {
  constructor(method, path, status, text) {
    super(`${method} ${path} -> ${status} ${text.slice(0, 300)}`);
    this.status = status;
  }
}

export function restClient(url, { token, adminKey } = {}) {
  async function call(method, path, body, extraHeaders) {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...extraHeaders,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new ApiError(method, path, res.status, text);
    return text ? JSON.parse(text) : undefined;
  }
  const admin = adminKey ? { "x-admin-key": adminKey } : {};
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body ?? {}),
    adminPost: (path, body) => call("POST", path, body, admin),
    adminPut: (path, body) => call("PUT", path, body, admin),
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; rejects on the first failure. */
export async function pool(count, concurrency, task) {
  let next = 0;
  let failure;
  async function worker() {
    while (next < count && !failure) {
      const i = next++;
      try { await task(i); } catch (e) { failure ??= e; }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure) throw failure;
}

/**
 * Creates one organization and `count` users in it through the admin API, then signs each in with its
 * own device id. Returns { orgId, users: [{ index, id, password, token }] }.
 */
export async function provision(url, adminKey, count, { concurrency = 32, prefix = "load" } = {}) {
  const run = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const admin = restClient(url, { adminKey });
  const orgId = `org-${run}`;
  await admin.adminPost("/v1/admin/organizations", { id: orgId, name: `Load ${run}` });
  const users = Array.from({ length: count }, (_, index) => ({
    index,
    id: `u${index}-${run}`,
    password: `pw-${run}-${index}-secret`,
    token: "",
  }));
  const started = performance.now();
  await pool(count, concurrency, async (i) => {
    const u = users[i];
    await admin.adminPost("/v1/admin/users", { id: u.id, displayName: `User ${i}`, password: u.password });
    await admin.adminPut(`/v1/admin/organizations/${orgId}/members/${u.id}`);
  });
  const created = performance.now();
  await pool(count, concurrency, async (i) => {
    const u = users[i];
    const body = await restClient(url).post("/v1/auth/sign-in", { userId: u.id, password: u.password, udid: `udid-${u.id}` });
    u.token = body.accessToken;
  });
  const signedIn = performance.now();
  return {
    orgId,
    users,
    timing: { createSeconds: secs(created - started), signInSeconds: secs(signedIn - created) },
  };
}

/** Every message of a conversation, oldest first, read in pages by sortNumber as a catching-up client does. */
export async function readHistory(client, conversationId, pageSize = 200) {
  const all = [];
  let after = 0;
  for (;;) {
    const page = await client.get(`/v1/conversations/${encodeURIComponent(conversationId)}/messages?after=${after}&limit=${pageSize}&order=oldest`);
    const items = Array.isArray(page) ? page : (page.items ?? page.messages ?? []);
    if (items.length === 0) break;
    all.push(...items);
    const last = items[items.length - 1].sortNumber;
    if (last <= after) break; // a server that ignores `after` must not loop forever
    after = last; // no early stop on a short page: the server may cap `limit` below pageSize
  }
  return all;
}

const secs = (ms) => Math.round(ms / 10) / 100;
