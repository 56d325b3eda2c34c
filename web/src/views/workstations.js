// Workstations (admin): which key pulled which docs hash when, and who is behind.

import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { newestOnly } from '../newest.js';
import { formatTime } from '../time.js';

export function renderWorkstations(root, state, ctx) {
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  let alive = true;
  const ticket = newestOnly();

  async function load() {
    const newest = ticket();
    try {
      const rows = await api.consumers(state.id);
      if (!alive || !newest()) return;
      replace(list, rows.length ? h('table', { class: 'consumers' },
        h('thead', {}, h('tr', {}, ['Key', 'Scope', 'Pulled hash', 'Pulled at', 'State'].map((t) => h('th', {}, t)))),
        h('tbody', {}, rows.map((c) => h('tr', { class: c.current ? 'current' : 'behind' },
          h('td', {}, c.name), h('td', {}, c.scope),
          h('td', { class: 'hash' }, c.lastPulledHash ? c.lastPulledHash.slice(0, 12) : '—'),
          h('td', {}, formatTime(c.lastPulledAt)),
          h('td', { class: 'consumer-state' }, !c.lastPulledAt ? 'never pulled' : c.current ? 'current' : 'behind')))))
        : h('p', { class: 'muted' }, 'No workstation keys yet.'));
    } catch (error) {
      ctx.onAuthError(error);
    }
  }

  replace(root, h('section', { class: 'workstations-view' }, h('h2', {}, 'Workstations'), list));
  load();
  // A save changes the docs hash, so who is current changes with it.
  const off = state.onDocEvent(() => load());
  return () => {
    alive = false;
    off();
  };
}
