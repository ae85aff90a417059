// Issue 3's proof: 100 concurrent senders, 10,000 messages over 1,000 conversations, SIGKILL in the middle,
// restart on the same store. Nothing acknowledged is lost, no sortNumber gap or duplicate, a retry of every
// unacknowledged send yields exactly one message, and every unread counter equals the log and the cursors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { api, dataDirectory, inBatches, provision, removeDataDirectory, start } from "./server.mjs";

const senders = 100;
const conversationsPerSender = 10;
const messagesPerConversation = 10;

for (const store of ["sqlite", "postgres"]) {
  test(`no acknowledged message is lost when the server is killed mid-load (${store})`, { timeout: 300_000 }, async () => {
    const dataDir = dataDirectory();
    let server = await start(dataDir, { store });
    try {
      const names = Array.from({ length: senders }, (_, i) => `u${i}`);
      const { orgId, users } = await provision(server.url, names, { parallel: 8 });
      const people = names.map((n) => users[n]);

      // Sender i talks to the users 7, 14, … 70 places after it (mod 100): 1,000 distinct pairs, none in both directions.
      const plan = people.map((sender, i) => {
        const sends = [];
        for (let m = 0; m < messagesPerConversation; m++) {
          for (let c = 1; c <= conversationsPerSender; c++) {
            const recipient = people[(i + c * 7) % senders];
            sends.push({ sender, recipient, clientMessageId: `crash-${i}-${c}-${m}`, body: `m${m} from ${sender.id}` });
          }
        }
        return sends;
      });

      const acknowledged = new Map();   // clientMessageId -> stored message
      const unacknowledged = [];
      const reads = new Map();          // conversationId|reader -> highest sortNumber acknowledged as read
      const possibleReads = new Map();  // conversationId|reader -> every sortNumber a read was sent for
      let killed = false;
      const total = senders * conversationsPerSender * messagesPerConversation;
      const killAt = Math.floor(total / 2);
      let kill;

      await Promise.all(plan.map(async (sends) => {
        for (const send of sends) {
          if (killed) { unacknowledged.push(send); continue; }
          try {
            const { body } = await send.sender.api.post("/v1/messages", {
              organizationId: orgId, recipientId: send.recipient.id, body: send.body, clientMessageId: send.clientMessageId,
            });
            acknowledged.set(send.clientMessageId, { ...body, senderId: send.sender.id, recipientId: send.recipient.id });
          } catch {
            unacknowledged.push(send);
            continue;
          }
          const stored = acknowledged.get(send.clientMessageId);
          // Now and then the recipient reads up to this message: its cursor must survive too. A read cut off
          // by the kill may or may not have been stored, so it is remembered as a possible cursor.
          if (stored.sortNumber % 4 === 0 && !killed) {
            const key = `${stored.conversationId}|${send.recipient.id}`;
            if (!possibleReads.has(key)) possibleReads.set(key, new Set());
            possibleReads.get(key).add(stored.sortNumber);
            try {
              await send.recipient.api.post(`/v1/conversations/${stored.conversationId}/read`, { sortNumber: stored.sortNumber });
              reads.set(key, Math.max(reads.get(key) ?? 0, stored.sortNumber));
            } catch { /* unacknowledged read */ }
          }
          if (!killed && acknowledged.size >= killAt) {
            killed = true;
            kill = server.kill();
          }
        }
      }));
      await kill;
      assert.ok(acknowledged.size >= killAt, "the kill happened mid-load");
      assert.ok(unacknowledged.length > 0, "some sends were cut off by the kill");

      server = await start(dataDir, { store });
      const again = (user) => api(server.url, user.token);

      // Every unacknowledged send is retried with its client message id.
      await inBatches(unacknowledged, 32, async (send) => {
        const { body } = await again(send.sender).post("/v1/messages", {
          organizationId: orgId, recipientId: send.recipient.id, body: send.body, clientMessageId: send.clientMessageId,
        });
        assert.equal(body.clientMessageId, send.clientMessageId);
      });

      // Every conversation's log: gap-free, no duplicates, every acknowledged message as acknowledged.
      const byConversation = new Map();
      for (const sends of plan) {
        for (const send of sends) {
          const conversationKey = [send.sender.id, send.recipient.id].sort().join("|");
          if (!byConversation.has(conversationKey)) byConversation.set(conversationKey, { a: send.sender, b: send.recipient, sends: [] });
          byConversation.get(conversationKey).sends.push(send);
        }
      }
      const histories = new Map();
      const conversationIds = new Map();
      for (const message of acknowledged.values()) {
        conversationIds.set([message.senderId, message.recipientId].sort().join("|"), message.conversationId);
      }
      await inBatches([...byConversation.entries()], 16, async ([key, { a, sends }]) => {
        let conversationId = conversationIds.get(key);
        if (!conversationId) {
          // Nothing in it was acknowledged before the kill: find it through the retried message.
          const list = (await again(a).get(`/v1/organizations/${orgId}/conversations`)).body.items;
          const other = sends[0].sender.id === a.id ? sends[0].recipient.id : sends[0].sender.id;
          conversationId = list.find((c) => c.counterparty?.id === other || c.counterpartyId === other)?.id;
          assert.ok(conversationId, `conversation ${key} not in ${a.id}'s list`);
        }
        const history = [];
        let after = 0;
        for (;;) {
          const page = (await again(a).get(`/v1/conversations/${conversationId}/messages?after=${after}&limit=200&order=oldest`)).body;
          if (page.length === 0) break;
          history.push(...page);
          after = Math.max(...page.map((m) => m.sortNumber));
        }
        history.sort((x, y) => x.sortNumber - y.sortNumber);
        assert.deepEqual(history.map((m) => m.sortNumber), history.map((_, i) => i + 1), `${conversationId}: gap or duplicate`);
        const clientIds = history.map((m) => m.clientMessageId);
        assert.equal(new Set(clientIds).size, clientIds.length, `${conversationId}: a client message id twice`);
        assert.equal(history.length, sends.length, `${conversationId}: after retries every send is there exactly once`);
        for (const send of sends) {
          const stored = history.find((m) => m.clientMessageId === send.clientMessageId);
          assert.ok(stored, `${send.clientMessageId} missing`);
          const ack = acknowledged.get(send.clientMessageId);
          if (ack) assert.equal(stored.id, ack.id, `${send.clientMessageId} changed identity`);
        }
        histories.set(conversationId, history);
      });

      // Unread counters: each user's roster equals what the log and the acknowledged read cursors say.
      await inBatches(people, 16, async (user) => {
        const roster = (await again(user).get(`/v1/organizations/${orgId}/conversations`)).body.items;
        let total = 0;
        for (const entry of roster) {
          const history = histories.get(entry.id);
          assert.ok(history, `${user.id} lists an unknown conversation ${entry.id}`);
          // The cursor is the highest acknowledged read, or a later read that the kill cut off but was stored.
          const key = `${entry.id}|${user.id}`;
          const acked = reads.get(key) ?? 0;
          const cursors = [acked, ...[...(possibleReads.get(key) ?? [])].filter((n) => n > acked)];
          const unreadAt = (cursor) => history.filter((m) => m.senderId !== user.id && m.sortNumber > cursor).length;
          const allowed = cursors.map(unreadAt);
          assert.ok(allowed.includes(entry.unreadCount), `${user.id} unread in ${entry.id}: ${entry.unreadCount}, expected one of ${allowed}`);
          const expected = entry.unreadCount;
          total += expected;
        }
        const unread = (await again(user).get(`/v1/organizations/${orgId}/unread`)).body;
        assert.equal(unread.unreadCount, total, `${user.id} organization unread`);
      });
    } finally {
      await server.stop();
      removeDataDirectory(dataDir);
    }
  });
}
