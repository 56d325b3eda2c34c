// What the open project's pages show — the project, its live lock and its docs — kept
// current from the event stream. Views subscribe and redraw; they never poll.

import * as api from './api.js';
import { follow } from './live.js';
import { newestOnly } from './newest.js';
import { lockToken } from './session.js';

const kLockEvents = new Set(['lock:acquired', 'lock:extended']);
const kUnlockEvents = new Set(['lock:released', 'lock:expired']);
const kDocEvents = new Set(['doc:updated', 'doc:deleted', 'sync:completed']);
const kResync = Object.freeze({ type: 'resync' });
// Events after which the repository conflicts may have changed: an import, or a write to
// a conflicted doc (a resolving save elsewhere, a delete).
const kSyncEvents = new Set(['sync:completed', 'sync:conflict']);
// Events after which the project's sync status (last import, export, error) has changed.
const kSyncStatusEvents = new Set(['sync:completed', 'sync:conflict', 'sync:failed']);

export class ProjectState {
  constructor(id) {
    this.id = id;
    this.project = null;
    this.lock = null;
    this.docs = [];
    this.status = 'connecting';
    this.applied = 0; // events applied so far: a read that an event overtook is stale
    // The repository conflicts by file name (GET …/conflicts), with base, local and
    // repository texts, so an opened doc shows them and the Git page lists them.
    this.repoConflicts = new Map();
    this.conflictTicket = newestOnly(); // only the newest read's answer is kept
    this.projectTicket = newestOnly();
    this.listeners = new Set();
    this.docListeners = new Set();
    this.stop = follow(id, {
      onEvent: (event) => this.apply(event),
      onResync: () => {
        this.load().catch(() => {});
        // The stream starts at the head: a change made between a view's own read and
        // now was never an event, so the views that read more than this state read again.
        for (const fn of this.docListeners) fn(kResync);
      },
      onStatus: (status) => {
        this.status = status;
        this.changed();
      },
    });
  }

  /**
   * Reads the project, lock and docs. An event applied while the reads were under way
   * may be newer than what they return (a lock acquired after the lock was read), so
   * then they are read again rather than let an older answer overwrite it.
   */
  async load() {
    for (;;) {
      const seen = this.applied;
      const newestProject = this.projectTicket();
      const [project, lock, docs] = await Promise.all([
        api.getProject(this.id), api.getLock(this.id), api.listDocs(this.id), this.loadConflicts(),
      ]);
      if (seen !== this.applied) continue;
      Object.assign(this, { lock, docs }, newestProject() ? { project } : {});
      this.changed();
      return;
    }
  }

  /**
   * Reads the repository conflicts again. Reads may overlap (an import and its events);
   * an answer is kept only when no later read began, so an older list never wins.
   */
  async loadConflicts() {
    const newest = this.conflictTicket();
    const list = await api.listConflicts(this.id);
    if (!newest()) return;
    this.repoConflicts = new Map(list.map((c) => [c.fileName, c]));
    this.changed();
  }

  /** Drops a conflict this page settled (the server removed it with the write). */
  settledConflict(name) {
    this.conflictTicket(); // a read under way may still list it: its answer is no longer the newest
    this.repoConflicts.delete(name);
    this.changed();
  }

  /**
   * Reads the project again (its sync status moved). load() may be reading it too: the
   * answer of whichever read began last is kept.
   */
  async reloadProject() {
    const newest = this.projectTicket();
    const project = await api.getProject(this.id);
    if (!newest()) return;
    this.project = project;
    this.changed();
  }

  async reloadDocs() {
    for (;;) {
      const seen = this.applied;
      const docs = await api.listDocs(this.id);
      if (seen !== this.applied) continue;
      this.docs = docs;
      this.changed();
      return;
    }
  }

  /** The token this page holds for the live lock, or null. */
  token() {
    return lockToken(this.id, this.lock);
  }

  /** Whether this page may write: the project is unlocked or this page holds the lock. */
  unlockedForMe() {
    return !this.lock || Boolean(this.token());
  }

  apply(event) {
    this.applied += 1;
    if (kLockEvents.has(event.type)) {
      const { lockedBy, lockedAt, expiresAt, reason, fence } = event.payload;
      this.lock = { lockedBy, lockedAt, expiresAt, reason: reason || null, fence };
      this.changed();
    } else if (kUnlockEvents.has(event.type)) {
      if (!this.lock || this.lock.fence === event.payload.fence) this.lock = null;
      this.changed();
    } else if (kDocEvents.has(event.type)) {
      this.reloadDocs().catch(() => {});
      for (const fn of this.docListeners) fn(event);
    }
    const name = event.payload && event.payload.fileName;
    if (kSyncEvents.has(event.type) || (name && this.repoConflicts.has(name))) {
      this.loadConflicts().catch(() => {});
    }
    if (kSyncStatusEvents.has(event.type)) this.reloadProject().catch(() => {});
  }

  /** fn() after any change; returns the unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * fn(event) for each doc event (doc:updated, doc:deleted, sync:completed), and
   * fn({type: 'resync'}) when the event stream (re)starts at its head, having missed what
   * came before: a view then reads again what it shows.
   */
  onDocEvent(fn) {
    this.docListeners.add(fn);
    return () => this.docListeners.delete(fn);
  }

  changed() {
    for (const fn of this.listeners) fn();
  }

  close() {
    this.stop();
    this.listeners.clear();
    this.docListeners.clear();
  }
}
