// Short access tokens with the official @microsoft/signalr client: the hub warns before expiry, takes a new token
// without reconnecting, and closes a connection that gets none.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, connect, dataDirectory, provision, removeDataDirectory, signIn, start } from "./server.mjs";

const lifetimeMs = 6_000;
let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  server = await start(dataDir, { args: ["--Auth:AccessTokenLifetime=00:00:06", "--Realtime:TokenExpiryWarning=00:00:03"] });
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

test("a client that refreshes on token:aboutToExpire keeps its connection and its messages past the first expiry", async () => {
  const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  let tokens = (await api(server.url).post("/v1/auth/sign-in", { userId: alice.id, password: alice.password, udid: "e2e-phone" })).body;
  const hub = await connect(server.url, tokens.accessToken, ["message", "token:aboutToExpire"]);
  let closed = false;
  hub.connection.onclose(() => { closed = true; });
  try {
    const firstExpiry = Date.parse(tokens.accessTokenExpiresAt);
    const warning = await hub.next("token:aboutToExpire", () => true, lifetimeMs);
    assert.equal(Date.parse(warning.expiresAt), firstExpiry);

    tokens = (await api(server.url).post("/v1/auth/refresh", { refreshToken: tokens.refreshToken })).body;
    const extended = await hub.connection.invoke("RefreshToken", tokens.accessToken);
    assert.ok(Date.parse(extended.expiresAt) > firstExpiry);

    await new Promise((ok) => setTimeout(ok, firstExpiry - Date.now() + 1_000));
    assert.equal(closed, false, "the refreshed connection must stay open past the first expiry");

    const bobApi = api(server.url, await signIn(server.url, bob.id, bob.password, "e2e-bob-2"));
    const sent = (await bobApi.post("/v1/messages", { organizationId: orgId, recipientId: alice.id, body: "past expiry", clientMessageId: "e2e-s-1" })).body;
    const received = await hub.next("message", (m) => m.id === sent.id, 2_000);
    assert.equal(received.body, "past expiry");
  } finally {
    await hub.connection.stop();
  }
});

test("a client that does not refresh is warned, then closed at expiry; its expired token answers reason expired", async () => {
  const { users: { carol } } = await provision(server.url, ["carol"]);
  const hub = await connect(server.url, carol.token, ["token:aboutToExpire"]);
  const closed = new Promise((ok) => hub.connection.onclose(() => ok(Date.now())));
  const warning = await hub.next("token:aboutToExpire", () => true, lifetimeMs);
  const closedAt = await closed;
  assert.ok(closedAt >= Date.parse(warning.expiresAt) - 100, "closed at expiry, not before");

  const refused = await carol.api.get("/v1/me").then(() => undefined, (e) => e);
  assert.equal(refused.status, 401);
  assert.deepEqual([refused.problem.code, refused.problem.reason], ["unauthenticated", "expired"]);
});
