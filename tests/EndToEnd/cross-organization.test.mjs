// A 1-1 conversation across two organizations, through the real server with the official @microsoft/signalr client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  // Conversations across organizations ask the organizations again after a second instead of a minute.
  server = await start(dataDir, { args: ["--Silo:Conversations:CrossOrganizationRecheck=00:00:01"] });
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

const allow = (orgId, allowCrossOrganization) =>
  api(server.url).admin("PUT", `/v1/admin/organizations/${orgId}/settings`, { allowCrossOrganization });

test("each member has the conversation in their own organization, until an organization disallows it", async () => {
  const { orgId: orgA, users: { alice } } = await provision(server.url, ["alice"]);
  const { orgId: orgB, users: { bob } } = await provision(server.url, ["bob"]);
  assert.equal((await allow(orgA, true)).body.settings.allowCrossOrganization, true);
  await allow(orgB, true);
  const aliceHub = await connect(server.url, alice.token);
  const bobHub = await connect(server.url, bob.token);
  try {
    await bobHub.connection.invoke("ListConversations", orgB, null);
    const send = (clientMessageId) => aliceHub.connection.invoke("SendMessage", {
      organizationId: orgA, recipientId: bob.id, recipientOrganizationId: orgB, body: "hello across", clientMessageId,
    });

    const sent = await send("x-1");
    assert.equal(sent.organizationId, orgA);
    assert.equal(sent.conversationId, `${orgA}:${alice.id}:${orgB}:${bob.id}`);

    const received = await bobHub.next("message", (m) => m.id === sent.id, 2_000);
    assert.equal(received.body, "hello across");
    const change = await bobHub.next("conversation:change", (c) => c.conversation.id === sent.conversationId, 2_000);
    assert.equal(change.conversation.organizationId, orgB);
    assert.equal(change.unread.organizationId, orgB);
    assert.equal(change.unread.unreadCount, 1);
    const bobsList = (await bob.api.get(`/v1/organizations/${orgB}/conversations`)).body.items;
    assert.deepEqual(bobsList.map((c) => [c.id, c.organizationId, c.counterpartyId]), [[sent.conversationId, orgB, alice.id]]);
    const alicesList = (await alice.api.get(`/v1/organizations/${orgA}/conversations`)).body.items;
    assert.deepEqual(alicesList.map((c) => [c.id, c.organizationId]), [[sent.conversationId, orgA]]);

    await allow(orgB, false);
    await new Promise((r) => setTimeout(r, 1_500)); // past the recheck
    await assert.rejects(send("x-2"), /permission-denied/);
    await assert.rejects(bob.api.post(`/v1/conversations/${sent.conversationId}/messages`, { body: "reply", clientMessageId: "y-1" }),
      (error) => error.status === 403 && error.problem.code === "permission-denied");

    // What was said stays readable.
    const history = (await bob.api.get(`/v1/conversations/${sent.conversationId}/messages`)).body;
    assert.deepEqual(history.map((m) => m.body), ["hello across"]);
  } finally {
    await aliceHub.stop();
    await bobHub.stop();
  }
});

test("a send across organizations is refused, storing nothing, when the recipient's organization does not allow it", async () => {
  const { orgId: orgA, users: { alice } } = await provision(server.url, ["alice"]);
  const { orgId: orgB, users: { bob } } = await provision(server.url, ["bob"]);
  await allow(orgA, true);
  await assert.rejects(alice.api.post("/v1/messages", {
    organizationId: orgA, recipientId: bob.id, recipientOrganizationId: orgB, body: "hi", clientMessageId: "n-1",
  }), (error) => error.status === 403 && error.problem.code === "permission-denied");
  assert.deepEqual((await bob.api.get(`/v1/organizations/${orgB}/conversations`)).body.items, []);
});
