// forum: one forum of 5,000 members, all connected, 10 of them sending: the broadcast path (each
// message once to the API host, which pushes it to every member's connection).
import { groupDefaults, runGroups } from "../lib/groups.mjs";

export const description = "one forum of --members (5,000), all connected, --senders (10) sending at --rate";
export const defaults = { ...groupDefaults, groups: 1, members: 5000, senders: 10, type: "forum", rate: 2, connectConcurrency: 100, workers: 3 };
export const smoke = { members: 120, senders: 3, rate: 10, duration: 3, warmup: 0, drainTimeout: 10, settle: 13 };
export const run = (ctx, params, log) => runGroups(ctx, params, log);
