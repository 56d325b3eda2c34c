// Follows a project's events over a WebSocket and survives drops: after a lost connection
// (a network blip, a server restart) it reconnects with the last seq it saw, and the
// server replays everything after it from its durable log, so no event is missed or seen
// twice.

import * as api from './api.js';

const kFirstRetryMs = 100;
const kLastRetryMs = 2000;

/**
 * Starts following `projectId`. Handlers:
 *   onEvent({seq, type, projectId, createdAt, payload}) for each event, in order;
 *   onResync() when the page must re-read the state (first connect, or the server no
 *     longer holds the events since the last seen seq: close code 4410);
 *   onStatus('live' | 'reconnecting' | 'denied').
 * Returns a function that stops following.
 */
export function follow(projectId, { onEvent, onResync, onStatus }) {
  let lastSeq = null;
  let stopped = false;
  let socket = null;
  let retry = null;
  let delay = kFirstRetryMs;

  function connect() {
    retry = null;
    if (stopped) return;
    const resuming = lastSeq !== null;
    let opened = false;
    socket = api.openEvents(projectId, lastSeq);
    socket.onopen = () => {
      opened = true;
      delay = kFirstRetryMs;
      onStatus('live');
      // Without a seq the stream starts at the head: what happened before is read fresh.
      if (!resuming) onResync();
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (lastSeq !== null && event.seq <= lastSeq) return;
      lastSeq = event.seq;
      onEvent(event);
    };
    socket.onclose = (close) => {
      socket = null;
      if (stopped) return;
      if (close.code === api.kEventsGone) {
        lastSeq = null; // re-list, then follow from the head
        connect();
        return;
      }
      onStatus('reconnecting');
      if (opened) schedule();
      else whyRefused().then((denied) => (denied ? onStatus('denied') : schedule()));
    };
  }

  // A refused handshake's status is hidden from a browser's WebSocket, so one plain read
  // of the project tells a revoked key or a deleted project from a server that is down.
  async function whyRefused() {
    try {
      await api.getProject(projectId);
      return false;
    } catch (error) {
      return error instanceof api.ApiError && [401, 403, 404].includes(error.status);
    }
  }

  function schedule() {
    if (stopped) return;
    // Jittered, so the pages of a whole team do not all come back in the same instant
    // when a restarted server starts answering.
    retry = setTimeout(connect, delay * (0.5 + Math.random() / 2));
    delay = Math.min(delay * 2, kLastRetryMs);
  }

  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    if (socket) socket.close();
  };
}
