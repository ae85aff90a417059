// A group of three on separate devices, through the real server with the official @microsoft/signalr client: messages,
// membership changes and read receipts arrive live on every member's device.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, dataDirectory, provision, removeDataDirectory, signIn, start } from "./server.mjs";

const events = ["message", "conversation:change", "message:read", "message:delivered", "group:membership:change"];
let server;
let dataDir;

before(async () => {
  dataDir = dataDirectory();
  // A group that turns broadcast keeps pushing through rosters for a second, not the default 12 s, while hosts subscribe.
  server = await start(dataDir, { args: ["--Silo:Groups:BroadcastGrace=00:00:01"] });
});

after(async () => {
  await server?.stop();
  removeDataDirectory(dataDir);
});

test("a group of three sees its messages, membership changes, delivered and read receipts live", async () => {
  const { orgId, users: { owner, ann, ben, cat } } = await provision(server.url, ["owner", "ann", "ben", "cat"]);
  const hubs = {
    owner: await connect(server.url, owner.token, events),
    ann: await connect(server.url, ann.token, events),
    ben: await connect(server.url, ben.token, events),
  };
  try {
    const { group, firstMessage } = await hubs.owner.connection.invoke("CreateGroup", orgId, {
      name: "Launch", memberIds: [ann.id, ben.id], firstMessage: { body: "welcome", clientMessageId: "w-1" },
    });
    assert.equal(firstMessage.sortNumber, 2);
    for (const name of ["ann", "ben"]) {
      const added = await hubs[name].next("group:membership:change", (m) => m.conversationId === group.id);
      assert.deepEqual([added.membership.action, added.membership.userIds], ["add", [owner.id, ann.id, ben.id]]);
      await hubs[name].next("message", (m) => m.id === firstMessage.id);
    }

    // A member sends over the hub to the group's conversation id: the others get it live, the sender's device does not.
    const fromAnn = await hubs.ann.connection.invoke("SendToConversation", group.id, { body: "hi all", clientMessageId: "a-1" });
    for (const name of ["owner", "ben"]) await hubs[name].next("message", (m) => m.id === fromAnn.id, 2_000);
    assert.ok(!hubs.ann.received.some((e) => e.name === "message" && e.payload.id === fromAnn.id), "no echo to the sending device");
    const benEntry = await hubs.ben.next("conversation:change", (c) => c.conversation.id === group.id && c.conversation.lastSortNumber === fromAnn.sortNumber);
    assert.deepEqual([benEntry.conversation.kind, benEntry.conversation.name, benEntry.conversation.unreadCount], ["group", "Launch", 2]);

    // Their devices got it, so without any call Ann's devices learn it was delivered to each of them.
    for (const recipient of [owner, ben]) {
      await hubs.ann.next("message:delivered", (d) => d.conversationId === group.id && d.recipientId === recipient.id && d.sortNumber >= fromAnn.sortNumber, 5_000);
    }

    // Ben reads: the others get his receipt; once everyone but the owner has read, the owner sees it as the floor.
    await hubs.ben.connection.invoke("MarkRead", group.id, fromAnn.sortNumber);
    for (const name of ["owner", "ann"]) {
      const read = await hubs[name].next("message:read", (r) => r.conversationId === group.id && r.readerId === ben.id, 2_000);
      assert.equal(read.sortNumber, fromAnn.sortNumber);
    }
    await hubs.ann.connection.invoke("MarkRead", group.id, fromAnn.sortNumber);
    await hubs.owner.next("conversation:change", (c) => c.conversation.id === group.id && c.conversation.counterpartyReadSortNumber === fromAnn.sortNumber, 2_000);

    // Cat is added over REST; everyone, Cat included once connected, sees the change in the timeline.
    const catHub = await connect(server.url, cat.token, events);
    hubs.cat = catHub;
    const [, groupId] = group.id.split(":");
    const added = await owner.api.post(`/v1/organizations/${orgId}/groups/${groupId}/members`, { userIds: [cat.id] });
    assert.equal(added.status, 200);
    for (const name of ["owner", "ann", "ben", "cat"]) {
      const change = await hubs[name].next("group:membership:change", (m) => m.conversationId === group.id && m.membership.userIds.includes(cat.id), 2_000);
      assert.equal(change.membership.action, "add");
    }

    // Ben leaves: the rest see it, and Ben gets nothing after his own leave.
    await hubs.ben.connection.invoke("RemoveGroupMember", group.id, ben.id);
    for (const name of ["owner", "ann", "cat"]) {
      await hubs[name].next("group:membership:change", (m) => m.membership.action === "leave" && m.senderId === ben.id, 2_000);
    }
    const afterLeave = await hubs.cat.connection.invoke("SendToConversation", group.id, { body: "bye ben", clientMessageId: "c-1" });
    await hubs.owner.next("message", (m) => m.id === afterLeave.id, 2_000);
    assert.ok(!hubs.ben.received.some((e) => e.name === "message" && e.payload.id === afterLeave.id), "a member who left gets nothing after");
    const benHistory = (await ben.api.get(`/v1/conversations/${group.id}/messages?order=oldest&limit=200`)).body;
    assert.equal(benHistory.at(-1).membership.action, "leave");
  } finally {
    for (const hub of Object.values(hubs)) await hub.stop();
  }
});

test("a forum past the broadcast limit reaches every connected member once, with receipts and counts from the cursors", async () => {
  // 101 members: one more than the limit past which a group sends each message once per API host.
  const names = Array.from({ length: 101 }, (_, i) => `m${i}`);
  const { orgId, users } = await provision(server.url, names, { parallel: 8 });
  const [owner, ann, ben] = [users.m0, users.m1, users.m2];
  const created = await owner.api.post(`/v1/organizations/${orgId}/groups`, {
    name: "Everyone", type: "forum", memberIds: names.slice(1, 100).map((n) => users[n].id),
  });
  const forum = created.body.group;
  const [, groupId] = forum.id.split(":");
  const hubs = {
    owner: await connect(server.url, owner.token, events),
    ann: await connect(server.url, ann.token, events),
    ben: await connect(server.url, ben.token, events),
  };
  try {
    // The 101st member joins: the forum turns to broadcast, and every roster (so every host) learns of it.
    const last = users.m100;
    await last.api.post(`/v1/organizations/${orgId}/groups/${groupId}/join`, {});
    for (const name of ["ann", "ben"]) {
      const change = await hubs[name].next("conversation:change", (c) => c.conversation.id === forum.id && c.conversation.broadcast, 5_000);
      assert.equal(change.conversation.isMember, true);
    }

    // Ann's second device joins the host's broadcast group for her; then the grace second passes.
    hubs.annTablet = await connect(server.url, await signIn(server.url, ann.id, ann.password, "ann-tablet"), events);
    await new Promise((ok) => setTimeout(ok, 1_500));

    // Messages now come through the host subscribed to the forum, once each, not echoed to the sending device.
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push(await hubs.owner.connection.invoke("SendToConversation", forum.id, { body: `news ${i}`, clientMessageId: `n-${i}` }));
    }
    for (const name of ["ann", "annTablet", "ben"]) {
      for (const message of sent) await hubs[name].next("message", (m) => m.id === message.id, 5_000);
      const copies = hubs[name].received.filter((e) => e.name === "message" && sent.some((s) => s.id === e.payload.id));
      assert.equal(copies.length, sent.length, `${name} got each message once`);
    }
    assert.ok(!hubs.owner.received.some((e) => e.name === "message" && sent.some((s) => s.id === e.payload.id)), "no echo to the sending device");
    assert.ok(!hubs.ben.received.some((e) => e.name === "conversation:change" && e.payload.conversation.id === forum.id && e.payload.conversation.lastSortNumber >= sent[0].sortNumber),
      "broadcast messages came through the host, not through Ben's roster");

    // The host reports what it pushed as delivered; the cursors answer the statuses per recipient.
    await hubs.ann.connection.invoke("MarkRead", forum.id, sent[2].sortNumber);
    const lastSent = sent.at(-1);
    let receipts;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((ok) => setTimeout(ok, 100))) {
      receipts = (await owner.api.get(`/v1/conversations/${forum.id}/messages/${lastSent.sortNumber}/receipts`)).body;
      if (receipts.deliveredTo.length === 2) break;
    }
    assert.deepEqual([...receipts.deliveredTo].sort(), [ann.id, ben.id].sort());
    assert.equal(receipts.pending.length, 98);
    const third = (await owner.api.get(`/v1/conversations/${forum.id}/messages/${sent[2].sortNumber}/receipts`)).body;
    assert.deepEqual(third.readBy, [ann.id]);

    // Counts are derived when asked: Ann read up to the third message; Ben and an offline member have the last
    // member's join and the five messages unread.
    const unreadOf = async (user) => (await user.api.get(`/v1/organizations/${orgId}/conversations`)).body.items.find((c) => c.id === forum.id).unreadCount;
    assert.deepEqual([await unreadOf(ann), await unreadOf(ben), await unreadOf(users.m50)], [2, 6, 6]);
    assert.equal((await users.m50.api.get(`/v1/organizations/${orgId}/unread`)).body.unreadCount, 6);

    // Ben leaves: his devices hear of it from his roster, and get nothing after.
    await hubs.ben.connection.invoke("RemoveGroupMember", forum.id, ben.id);
    await hubs.ben.next("group:membership:change", (m) => m.membership.action === "leave", 5_000);
    await hubs.ann.next("group:membership:change", (m) => m.membership.action === "leave" && m.senderId === ben.id, 5_000);
    const afterLeave = await hubs.owner.connection.invoke("SendToConversation", forum.id, { body: "after ben", clientMessageId: "n-after" });
    await hubs.ann.next("message", (m) => m.id === afterLeave.id, 5_000);
    await new Promise((ok) => setTimeout(ok, 300));
    assert.ok(!hubs.ben.received.some((e) => e.name === "message" && e.payload.id === afterLeave.id), "a member who left gets nothing after");
  } finally {
    for (const hub of Object.values(hubs)) await hub.stop();
  }
});
