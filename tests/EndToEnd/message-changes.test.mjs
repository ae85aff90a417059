// What happens to a message after it is sent, through the real server: edits, recalls and reactions reach the other
// member's devices with the official SignalR client, a device that was offline catches up on the changes in order, and
// an acknowledged change survives a SIGKILL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, connect, dataDirectory, provision, removeDataDirectory, signIn, start } from "./server.mjs";

const changeEvents = ["message", "conversation:change", "message:updated", "message:recalled", "message:deleted"];

test("edits, reactions and recalls reach the other member live, and an offline device catches up in order", async () => {
  const dataDir = dataDirectory();
  const server = await start(dataDir);
  try {
    const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
    const aliceHub = await connect(server.url, alice.token, changeEvents);
    const bobHub = await connect(server.url, bob.token, changeEvents);
    try {
      const sent = await aliceHub.connection.invoke("SendMessage", { organizationId: orgId, recipientId: bob.id, body: "helo", clientMessageId: "c-1" });
      const { conversationId, sortNumber } = sent;

      await aliceHub.connection.invoke("EditMessage", conversationId, sortNumber, { body: "hello" });
      const edited = await bobHub.next("message:updated", (c) => c.kind === "edited");
      assert.equal(edited.message.body, "hello");

      await bobHub.connection.invoke("AddReaction", conversationId, sortNumber, "👍");
      const reacted = await aliceHub.next("message:updated", (c) => c.kind === "reactionAdded");
      assert.deepEqual(reacted.message.reactions, [{ emoji: "👍", userIds: [bob.id], count: 1 }]);

      // Bob's phone is offline while Alice recalls; it catches up from the last change number it saw.
      const lastSeen = reacted.changeNumber;
      await bobHub.connection.stop();
      await aliceHub.connection.invoke("RecallMessage", conversationId, sortNumber);
      const bobPhone = await connect(server.url, await signIn(server.url, bob.id, bob.password, "bob-phone"), changeEvents);
      try {
        const page = await bobPhone.connection.invoke("GetChanges", conversationId, lastSeen, null);
        assert.deepEqual(page.changes.map((c) => [c.kind, c.changeNumber]), [["recalled", 3]]);
        assert.equal(page.changes[0].message.body, "");
        assert.equal(page.changes[0].message.recalled.byUserId, alice.id);
        assert.equal(page.hasMore, false);
      } finally {
        await bobPhone.connection.stop();
      }

      // Alice deletes the tombstone for herself: her history no longer shows it, Bob's does.
      await alice.api.post(`/v1/conversations/${conversationId}/messages/${sortNumber}/delete-for-me`);
      assert.equal((await alice.api.get(`/v1/conversations/${conversationId}/messages`)).body.length, 0);
      assert.equal((await bob.api.get(`/v1/conversations/${conversationId}/messages`)).body.length, 1);
    } finally {
      await aliceHub.connection.stop();
      await bobHub.connection.stop().catch(() => {});
    }
  } finally {
    await server.stop();
    removeDataDirectory(dataDir);
  }
});

for (const store of ["sqlite", "postgres"]) {
  test(`an acknowledged edit, recall and reaction survive a SIGKILL right after (${store})`, { timeout: 120_000 }, async () => {
    const dataDir = dataDirectory();
    let server = await start(dataDir, { store });
    try {
      const { orgId, users: { alice, bob } } = await provision(server.url, ["alice", "bob"]);
      const send = async (body, clientMessageId) => (await alice.api.post("/v1/messages", { organizationId: orgId, recipientId: bob.id, body, clientMessageId })).body;
      const toEdit = await send("first draft", "k-1");
      const toRecall = await send("sent by mistake", "k-2");
      const toReact = await send("good news", "k-3");
      const path = (m) => `/v1/conversations/${m.conversationId}/messages/${m.sortNumber}`;

      // Three changes in flight at once, then the kill lands right behind their acknowledgements.
      await Promise.all([
        alice.api.patch(path(toEdit), { body: "final text" }),
        alice.api.post(`${path(toRecall)}/recall`),
        bob.api.put(`${path(toReact)}/reactions/${encodeURIComponent("🎉")}`),
      ]);
      await server.kill();

      server = await start(dataDir, { store });
      const bobAfter = api(server.url, await signIn(server.url, bob.id, bob.password, "udid-after-restart"));
      const history = (await bobAfter.get(`/v1/conversations/${toEdit.conversationId}/messages?order=oldest`)).body;
      assert.equal(history[0].body, "final text");
      assert.ok(history[0].editedAt);
      assert.equal(history[1].body, "");
      assert.equal(history[1].recalled.byUserId, alice.id);
      assert.deepEqual(history[2].reactions, [{ emoji: "🎉", userIds: [bob.id], count: 1 }]);

      const changes = (await bobAfter.get(`/v1/conversations/${toEdit.conversationId}/changes`)).body.changes;
      assert.deepEqual(changes.map((c) => c.changeNumber), [1, 2, 3]);
      assert.deepEqual(changes.map((c) => c.kind).sort(), ["edited", "reactionAdded", "recalled"]);
      // The recalled message no longer counts: two unread of three.
      const conversation = (await bobAfter.get(`/v1/conversations/${toEdit.conversationId}`)).body;
      assert.equal(conversation.unreadCount, 2);
      assert.equal(conversation.lastChangeNumber, 3);
    } finally {
      await server.stop();
      removeDataDirectory(dataDir);
    }
  });
}
