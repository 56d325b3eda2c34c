// A doc's history: every version with author, source and time; a diff between any two;
// revert to one (written as a new version).

import * as api from '../api.js';
import { renderDiff } from '../diff-view.js';
import { h, notify, replace } from '../dom.js';
import { newestOnly } from '../newest.js';
import { link } from '../router.js';
import * as session from '../session.js';
import { formatTime } from '../time.js';

export function renderHistory(root, state, name, ctx) {
  const table = h('div');
  const diffBox = h('div', { class: 'history-diff' });
  const from = h('select', { name: 'from', 'aria-label': 'Older version' });
  const to = h('select', { name: 'to', 'aria-label': 'Newer version' });
  let alive = true;
  const ticket = newestOnly();

  replace(root,
    h('div', { class: 'editor-toolbar' }, h('h2', { class: 'doc-name' }, name),
      h('a', { href: link('projects', state.id, 'docs', name) }, 'Back to the editor')),
    table,
    h('div', { class: 'diff-pick' }, h('span', {}, 'Diff from'), from, h('span', {}, 'to'), to),
    diffBox);

  const contents = new Map();
  async function content(n) {
    if (!contents.has(n)) contents.set(n, (await api.version(state.id, name, n)).content);
    return contents.get(n);
  }

  async function showDiff() {
    if (!from.value || !to.value) return;
    try {
      const [a, b] = await Promise.all([content(Number(from.value)), content(Number(to.value))]);
      await renderDiff(diffBox, a, b, { beforeLabel: `version ${from.value}`, afterLabel: `version ${to.value}` });
    } catch (error) {
      ctx.onAuthError(error);
    }
  }
  from.addEventListener('change', showDiff);
  to.addEventListener('change', showDiff);

  async function revertTo(n) {
    try {
      const doc = await api.revert(state.id, name, n, { lockToken: state.token() });
      notify(`Reverted: version ${doc.version} has the text of version ${n}.`);
      load();
    } catch (error) {
      ctx.onAuthError(error);
    }
  }

  async function load() {
    const newest = ticket();
    try {
      const versions = await api.history(state.id, name);
      if (!alive || !newest()) return;
      const writable = session.canWrite() && state.unlockedForMe();
      replace(table, h('table', { class: 'history' },
        h('thead', {}, h('tr', {}, ['Version', 'Author', 'Source', 'Time', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, versions.map((v, i) => h('tr', { 'data-version': v.version },
          h('td', {}, String(v.version)), h('td', {}, v.author), h('td', {}, v.source), h('td', {}, formatTime(v.createdAt)),
          h('td', {}, i === 0 ? h('span', { class: 'muted' }, 'current')
            : h('button', { type: 'button', class: 'revert', disabled: !writable, onclick: () => revertTo(v.version) }, 'Revert to this')))))));
      const options = (select) => replace(select, versions.map((v) => h('option', { value: String(v.version) }, `v${v.version}`)));
      options(from);
      options(to);
      to.value = String(versions[0].version);
      from.value = String((versions[1] || versions[0]).version);
      showDiff();
    } catch (error) {
      ctx.onAuthError(error);
    }
  }

  load();
  const off = state.onDocEvent((event) => {
    if (event.type === 'resync' || (event.payload && event.payload.fileName === name)) load();
  });
  return () => {
    alive = false;
    off();
  };
}
