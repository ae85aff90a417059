// Muting a conversation through the real server with the official @microsoft/signalr client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dataDirectory, provision, removeDataDirectory, start } from "./server.mjs";

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

test("a muted conversation keeps its own count but leaves the unread total, until it is unmuted", async () => {
  const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
  const bobHub = await connect(server.url, bob.token);
  try {
    const first = (await alice.api.post("/v1/messages", {
      organizationId: orgId, recipientId: bob.id, body: "before the mute", clientMessageId: "mute-1",
    })).body;
    await bobHub.connection.invoke("ListConversations", orgId, null);

    const muted = await bobHub.connection.invoke("MuteConversation", first.conversationId, 60);
    assert.ok(Date.parse(muted.mutedUntil) > Date.now() + 59 * 60_000, "muted for an hour");
    assert.deepEqual((await bobHub.connection.invoke("ListMuted", orgId)).map((c) => c.id), [first.conversationId]);
    assert.equal((await bob.api.get(`/v1/organizations/${orgId}/unread`)).body.unreadCount, 0);

    const second = (await alice.api.post("/v1/messages", {
      organizationId: orgId, recipientId: bob.id, body: "while muted", clientMessageId: "mute-2",
    })).body;
    const change = await bobHub.next("conversation:change", (c) => c.conversation.lastSortNumber === second.sortNumber, 2_000);
    assert.equal(change.conversation.unreadCount, 2);
    assert.equal(change.conversation.mutedUntil, muted.mutedUntil);
    assert.equal(change.unread.unreadCount, 0, "the total leaves the muted conversation out");
    assert.equal((await bob.api.get(`/v1/organizations/${orgId}/unread`)).body.unreadCount, 0);

    const unmuted = await bobHub.connection.invoke("UnmuteConversation", first.conversationId);
    assert.equal(unmuted.mutedUntil, null);
    assert.deepEqual(await bobHub.connection.invoke("ListMuted", orgId), []);
    assert.equal((await bob.api.get(`/v1/organizations/${orgId}/unread`)).body.unreadCount, 2);
  } finally {
    await bobHub.stop();
  }
});

test("a conversation that is not mine cannot be muted", async () => {
  const { orgId, users: { alice, bob, carol } } = await provision(server.url, ["alice", "bob", "carol"]);
  const theirs = (await alice.api.post("/v1/messages", {
    organizationId: orgId, recipientId: bob.id, body: "private", clientMessageId: "mute-3",
  })).body;
  const carolHub = await connect(server.url, carol.token);
  try {
    await assert.rejects(carolHub.connection.invoke("MuteConversation", theirs.conversationId, 60), /not-found/);
  } finally {
    await carolHub.stop();
  }
});
