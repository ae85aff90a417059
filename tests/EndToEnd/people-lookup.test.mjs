// Finding people through the real server with the official @microsoft/signalr client: by name in an organization's
// directory (case and accents ignored, a page at a time) and in batches by id and email, never across organizations.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  server = await start(dataDir);
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

test("members find each other by name, ignoring case and accents, a page at a time", async () => {
  const { orgId, users: { ana, emile, emily, zed } } = await provision(server.url, ["ana", "emile", "emily", "zed"]);
  await emile.api.patch("/v1/me", { displayName: "Émile Zola", privateData: { note: "mine" } });
  await emily.api.patch("/v1/me", { displayName: "Bee", firstName: "EMILY" });
  await zed.api.patch("/v1/me", { displayName: "Zed", lastName: "Émery" });
  const hub = await connect(server.url, ana.token, []);
  try {
    // Over the hub, a page of one: "emery" (Zed's last name) comes before "emile zola".
    const first = await hub.connection.invoke("SearchUsers", orgId, { namePrefix: "ÉM", limit: 1 });
    assert.deepEqual(first.items.map((u) => u.id), [zed.id]);
    assert.ok(first.continuation);

    // The next pages over REST with the continuation: each member once, then no continuation.
    const path = `/v1/organizations/${orgId}/users?name=em&limit=1`;
    const second = (await ana.api.get(`${path}&continuation=${encodeURIComponent(first.continuation)}`)).body;
    assert.deepEqual(second.items.map((u) => [u.id, u.displayName, u.privateData]), [[emile.id, "Émile Zola", null]]);
    const third = (await ana.api.get(`${path}&continuation=${encodeURIComponent(second.continuation)}`)).body;
    assert.deepEqual(third.items.map((u) => u.id), [emily.id]);
    assert.equal(third.continuation, null);

    // A rename is found at once under the new name, no longer under the old one.
    await emily.api.patch("/v1/me", { firstName: "Zoë" });
    assert.deepEqual((await ana.api.get(`/v1/organizations/${orgId}/users?name=zoe`)).body.items.map((u) => u.id), [emily.id]);
    assert.deepEqual((await ana.api.get(`/v1/organizations/${orgId}/users?name=emily`)).body.items, []);
  } finally {
    await hub.stop();
  }
});

test("a batch lookup finds the users I share an organization with, and answers the same for missing and invisible ones", async () => {
  const { orgId: orgA, users: { ana, bob } } = await provision(server.url, ["ana", "bob"]);
  const { orgId: orgB, users: { carl } } = await provision(server.url, ["carl"]);
  await api(server.url).admin("PUT", `/v1/admin/organizations/${orgB}/members/${bob.id}`);
  const ghost = `ghost-${Date.now()}`;
  const request = { userIds: [bob.id, carl.id, ghost], emails: [`${bob.id}@example.test`.toUpperCase(), `${carl.id}@example.test`] };

  // Ana sees Bob (once, with only the organization they share) and not Carl, who is in organization B only.
  const hub = await connect(server.url, ana.token, []);
  try {
    const found = await hub.connection.invoke("LookupUsers", request);
    assert.deepEqual(found.items.map((u) => [u.id, u.organizations]), [[bob.id, [orgA]]]);
  } finally {
    await hub.stop();
  }

  // Carl sees Bob through organization B, and himself, in the order asked.
  const carlSees = (await carl.api.post("/v1/users/lookup", request)).body;
  assert.deepEqual(carlSees.items.map((u) => [u.id, u.organizations]), [[bob.id, [orgB]], [carl.id, [orgB]]]);

  // Invisible and missing users: the same answer, word for word.
  const invisible = (await ana.api.post("/v1/users/lookup", { userIds: [carl.id] })).body;
  const missing = (await ana.api.post("/v1/users/lookup", { userIds: [ghost] })).body;
  assert.deepEqual([invisible, missing], [{ items: [] }, { items: [] }]);
  const single = await Promise.allSettled([ana.api.get(`/v1/users/${carl.id}`), ana.api.get(`/v1/users/${ghost}`)]);
  assert.deepEqual(single.map((r) => r.reason.status), [404, 404]);
  assert.equal(single[0].reason.problem.detail, single[1].reason.problem.detail);

  // Nor can Ana search organization B's directory.
  await assert.rejects(ana.api.get(`/v1/organizations/${orgB}/users?name=bo`), (e) => e.status === 403 && e.problem.code === "permission-denied");
});
