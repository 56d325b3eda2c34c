// The lock banner: who holds the project's lock, why, since when and a live countdown,
// with Acquire, Extend and Release for the holder and Force release for an admin. The
// page that acquired the lock keeps its token (session.js); other pages see the holder.

import * as api from '../api.js';
import { h, notify, replace } from '../dom.js';
import * as session from '../session.js';
import { countdown, formatTime } from '../time.js';

const kDefaultMinutes = 30;

export function renderLockBanner(root, state, ctx) {
  const clock = h('span', { class: 'lock-countdown' });
  let drawnFor = undefined; // the lock the banner shows (forms are kept while it is)

  const act = (fn) => async (event) => {
    if (event) event.preventDefault();
    try {
      await fn();
    } catch (error) {
      ctx.onAuthError(error);
    }
  };

  function minutesInput(id) {
    return h('input', { type: 'number', id, name: 'minutes', min: 1, max: 1440, value: kDefaultMinutes, 'aria-label': 'Minutes', class: 'minutes' });
  }

  function acquireForm() {
    const name = h('input', { name: 'lockedBy', 'aria-label': 'Your name', value: session.displayName(), required: true });
    const reason = h('input', { name: 'reason', 'aria-label': 'Reason', placeholder: 'Reason' });
    const minutes = minutesInput('lock-minutes');
    return h('form', {
      class: 'lock-acquire',
      onsubmit: act(async () => {
        session.setDisplayName(name.value.trim());
        const grant = await api.acquireLock(state.id, {
          lockedBy: name.value.trim(), reason: reason.value.trim() || undefined, ttlSeconds: Number(minutes.value) * 60,
        });
        session.keepLockToken(state.id, grant.token, grant.fence);
        state.lock = { lockedBy: grant.lockedBy, lockedAt: grant.lockedAt, expiresAt: grant.expiresAt, reason: grant.reason, fence: grant.fence };
        state.changed();
      }),
    }, name, reason, minutes, h('span', {}, 'min'), h('button', { type: 'submit', class: 'primary' }, 'Acquire lock'));
  }

  function holderControls() {
    const minutes = minutesInput('extend-minutes');
    return h('form', {
      class: 'lock-holder',
      onsubmit: act(async () => {
        const lock = await api.extendLock(state.id, state.token(), Number(minutes.value) * 60);
        state.lock = { ...state.lock, expiresAt: lock.expiresAt };
        state.changed();
      }),
    }, minutes, h('span', {}, 'min'), h('button', { type: 'submit' }, 'Extend'),
    h('button', {
      type: 'button',
      class: 'release',
      onclick: act(async () => {
        await api.releaseLock(state.id, state.token());
        session.forgetLockToken(state.id);
        state.lock = null;
        state.changed();
      }),
    }, 'Release'));
  }

  function forceForm() {
    const reason = h('input', { name: 'force-reason', 'aria-label': 'Reason for the force release', placeholder: 'Reason (required)', required: true });
    return h('form', {
      class: 'lock-force',
      onsubmit: act(async () => {
        if (!reason.value.trim()) return;
        await api.forceReleaseLock(state.id, reason.value.trim());
        state.lock = null;
        state.changed();
      }),
    }, reason, h('button', { type: 'submit', class: 'danger' }, 'Force release'));
  }

  function draw() {
    const lock = state.lock;
    const key = lock ? `${lock.fence}:${lock.expiresAt}:${Boolean(state.token())}` : 'none';
    const live = h('span', { class: `live-status ${state.status}` }, state.status === 'live' ? 'live' : state.status);
    if (key === drawnFor) {
      const old = root.querySelector('.live-status');
      if (old) old.replaceWith(live);
      return;
    }
    drawnFor = key;
    if (!lock) {
      replace(root, h('div', { class: 'lock-banner unlocked', 'data-locked': 'false' },
        h('span', { class: 'lock-title' }, 'Unlocked'), live,
        session.canWrite() ? acquireForm() : null));
      return;
    }
    const mine = Boolean(state.token());
    tick();
    replace(root, h('div', { class: `lock-banner locked${mine ? ' mine' : ''}`, 'data-locked': 'true' },
      h('span', { class: 'lock-title' }, mine ? 'You hold the lock' : 'Locked'),
      h('span', {}, ' by '), h('strong', { class: 'lock-holder-name' }, lock.lockedBy),
      lock.reason ? h('span', { class: 'lock-reason' }, lock.reason) : null,
      h('span', { class: 'lock-since' }, `since ${formatTime(lock.lockedAt)}`),
      h('span', {}, 'expires in '), clock, live,
      mine ? holderControls() : null,
      !mine && session.isAdmin() ? forceForm() : null));
  }

  function tick() {
    if (state.lock) clock.textContent = countdown(state.lock.expiresAt);
  }

  const timer = setInterval(tick, 1000);
  const unsubscribe = state.subscribe(draw);
  draw();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
