// reconnect: chat-1to1 while, every few seconds, 20% of the connections are dropped and reopened.
// Sends cut by a drop are retried with the same client message id; a device reconnects with the last
// feed cursor it got (`?cursor=`) and the server replays what it missed before `messages:offline:stop`,
// so the books must balance exactly with no history read: each message once, live or replayed. It
// runs closed loop by default (every user always has a send in flight), so that every drop cuts sends
// and the retry path is exercised:
// at a fixed rate with millisecond acks almost no send is in flight when its connection drops.
import { chatDefaults, runChat } from "../lib/chat.mjs";

export const description = "chat-1to1 while 20% of connections are dropped and reconnected every few seconds";
export const defaults = { ...chatDefaults, users: 500, rate: 0, inflight: 1, duration: 20, warmup: 2, dropPercent: 20, dropEvery: 5, downtimeMs: 500, resume: true };
export const smoke = { users: 10, contacts: 3, duration: 4, warmup: 0, dropEvery: 1, downtimeMs: 200, drainTimeout: 10, workers: 2 };
export const run = (ctx, params, log) => runChat(ctx, params, log);
