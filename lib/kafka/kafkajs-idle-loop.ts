import { createRequire } from 'node:module';

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

let patched = false;

/**
 * kafkajs 2.2.4 (its last release) re-arms a timer of 1 ms forever on every broker connection once a request
 * completed: RequestQueue.scheduleCheckPendingRequests computes `throttledUntil - now`, negative when not
 * throttled, and with nothing pending passes it to setTimeout, which runs it after 1 ms and schedules itself
 * again (tulios/kafkajs#1556, #1704; fix PR #1667 never merged). Each connection wakes its thread ~1,000 times
 * a second, idle or not. This skips scheduling when nothing is pending and no throttle is in effect: a request
 * that cannot go out at once is pushed to `pending` and schedules its own check, and a completed request
 * checks the queue itself, so nothing waits on the skipped timer.
 */
export function stopKafkajsIdleLoop(): void {
  if (patched) return;
  patched = true;
  const load = createRequire(__filename);
  const RequestQueue = load('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals };
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
}
