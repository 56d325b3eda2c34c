// Follows a project's events and survives drops: after a lost connection (a network
// blip, a server restart) it reconnects with the last seq it saw, and the server replays
// everything after it from its durable log, so no event is missed or seen twice.

import { ApiError, openEvents } from './api.js';

const kFirstRetryMs = 100;
const kLastRetryMs = 2000;

/** Calls `onFrame` with each complete server-sent event's fields. */
async function readFrames(body, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const data = frame.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart());
      if (data.length) onFrame(data.join('\n'));
    }
  }
}

/**
 * Starts following `projectId`. Handlers:
 *   onEvent({seq, type, projectId, createdAt, payload}) for each event, in order;
 *   onResync() when the page must re-read the state (first connect, or the server no
 *     longer holds the events since the last seen seq: 410);
 *   onStatus('live' | 'reconnecting' | 'denied').
 * Returns a function that stops following.
 */
export function follow(projectId, { onEvent, onResync, onStatus }) {
  let lastSeq = null;
  let stopped = false;
  let controller = null;

  async function run() {
    let delay = kFirstRetryMs;
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await openEvents(projectId, lastSeq, controller.signal);
        onStatus('live');
        delay = kFirstRetryMs;
        // Without a seq the stream starts at the head: what happened before is read fresh.
        if (lastSeq === null) onResync();
        await readFrames(response.body, (data) => {
          const event = JSON.parse(data);
          if (lastSeq !== null && event.seq <= lastSeq) return;
          lastSeq = event.seq;
          onEvent(event);
        });
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.status === 410) {
          lastSeq = null; // re-list, then follow from the head
          continue;
        }
        if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
          onStatus('denied');
          return;
        }
      }
      if (stopped) return;
      onStatus('reconnecting');
      // Jittered, so the pages of a whole team do not all come back in the same instant
      // when a restarted server starts answering.
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
      delay = Math.min(delay * 2, kLastRetryMs);
    }
  }

  run();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
