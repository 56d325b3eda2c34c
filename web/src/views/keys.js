// Keys (admin): list with name, scope and last use; create (the secret is shown once,
// with a copy button); revoke.

import * as api from '../api.js';
import { h, notify, replace } from '../dom.js';
import { newestOnly } from '../newest.js';
import { formatTime } from '../time.js';

export function renderKeys(root, state, ctx) {
  const list = h('div');
  const created = h('div', { class: 'created-key' });
  const name = h('input', { name: 'key-name', 'aria-label': 'Key name', placeholder: 'workstation name', required: true });
  const scope = h('select', { name: 'key-scope', 'aria-label': 'Scope' },
    h('option', { value: 'read' }, 'read'), h('option', { value: 'write' }, 'write'));
  let alive = true;
  const ticket = newestOnly();

  async function create(event) {
    event.preventDefault();
    try {
      const key = await api.createKey(state.id, name.value.trim(), scope.value);
      name.value = '';
      const secret = h('code', { class: 'secret' }, key.key);
      replace(created, h('div', { class: 'notice info' },
        h('p', {}, `Key ${key.name} (${key.scope}) created. Copy it now: it is not shown again.`), secret,
        h('button', {
          type: 'button', class: 'copy',
          onclick: async () => {
            await navigator.clipboard.writeText(key.key);
            notify('Copied.');
          },
        }, 'Copy'),
        h('button', { type: 'button', onclick: () => replace(created) }, 'Done')));
      load();
    } catch (error) {
      ctx.onAuthError(error);
    }
  }

  async function revoke(key) {
    if (!window.confirm(`Revoke ${key.name}? It stops working at once.`)) return;
    try {
      await api.revokeKey(key.id);
      notify(`${key.name} revoked.`);
      load();
    } catch (error) {
      ctx.onAuthError(error);
    }
  }

  async function load() {
    const newest = ticket();
    try {
      const keys = await api.listKeys(state.id);
      if (!alive || !newest()) return;
      replace(list, keys.length ? h('table', { class: 'keys' },
        h('thead', {}, h('tr', {}, ['Name', 'Scope', 'Prefix', 'Last used', 'State', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, keys.map((k) => h('tr', { 'data-key': k.id },
          h('td', { class: 'key-name' }, k.name), h('td', {}, k.scope), h('td', {}, k.prefix),
          h('td', {}, formatTime(k.lastUsedAt)), h('td', { class: 'key-state' }, k.isActive ? 'active' : 'revoked'),
          h('td', {}, k.isActive ? h('button', { type: 'button', class: 'danger revoke', onclick: () => revoke(k) }, 'Revoke') : null)))))
        : h('p', { class: 'muted' }, 'No keys yet.'));
    } catch (error) {
      ctx.onAuthError(error);
    }
  }

  replace(root, h('section', { class: 'keys-view' }, h('h2', {}, 'Keys'),
    h('form', { class: 'new-key', onsubmit: create }, name, scope, h('button', { type: 'submit', class: 'primary' }, 'Create key')),
    created, list));
  load();
  return () => { alive = false; };
}
