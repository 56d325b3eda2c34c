// The project's docs as a tree (nested names as folders), a filter by name, a new-doc
// form and a delete button per doc.

import * as api from '../api.js';
import { h, notify, replace } from '../dom.js';
import { go, link } from '../router.js';
import * as session from '../session.js';

const kShownMark = 'libsync:doc-list-shown';

/** ['a/b.md', 'a/c/d.md', 'e.md'] -> {folders: {a: {...}}, files: [...]} */
function buildTree(docs) {
  const root = { folders: new Map(), files: [] };
  for (const doc of docs) {
    const parts = doc.fileName.split('/');
    let node = root;
    for (const folder of parts.slice(0, -1)) {
      if (!node.folders.has(folder)) node.folders.set(folder, { folders: new Map(), files: [] });
      node = node.folders.get(folder);
    }
    node.files.push({ doc, label: parts[parts.length - 1] });
  }
  return root;
}

export function renderDocTree(root, state, openName, ctx) {
  const filter = h('input', { type: 'search', name: 'filter', 'aria-label': 'Filter docs by name', placeholder: 'Filter by name' });
  const list = h('div', { class: 'doc-tree' });
  const newName = h('input', { name: 'new-doc', 'aria-label': 'New doc name', placeholder: 'new-doc.md', required: true });
  const newForm = h('form', {
    class: 'new-doc',
    onsubmit: async (event) => {
      event.preventDefault();
      const name = newName.value.trim();
      if (!name) return;
      try {
        await api.putDoc(state.id, name, '', { version: 0, lockToken: state.token() });
        newName.value = '';
        await state.reloadDocs();
        go('projects', state.id, 'docs', name);
      } catch (error) {
        ctx.onAuthError(error);
      }
    },
  }, newName, h('button', { type: 'submit' }, 'New doc'));

  function writable() {
    return session.canWrite() && state.unlockedForMe();
  }

  async function remove(doc) {
    if (!window.confirm(`Delete ${doc.fileName} and its history?`)) return;
    try {
      await api.deleteDoc(state.id, doc.fileName, { version: doc.version, lockToken: state.token() });
      notify(`${doc.fileName} deleted.`);
      await state.reloadDocs();
      if (doc.fileName === openName) go('projects', state.id);
    } catch (error) {
      ctx.onAuthError(error);
    }
  }

  function drawNode(node) {
    const items = [];
    for (const [folder, child] of [...node.folders].sort(([a], [b]) => a.localeCompare(b))) {
      items.push(h('li', { class: 'folder' }, h('span', { class: 'folder-name' }, folder), drawNode(child)));
    }
    for (const { doc, label } of node.files) {
      items.push(h('li', { class: doc.fileName === openName ? 'file open' : 'file', 'data-file': doc.fileName },
        h('a', { href: link('projects', state.id, 'docs', doc.fileName), title: doc.fileName }, label),
        h('button', {
          type: 'button', class: 'delete-doc', disabled: !writable(), title: `Delete ${doc.fileName}`,
          'aria-label': `Delete ${doc.fileName}`, onclick: () => remove(doc),
        }, '×')));
    }
    return h('ul', {}, items);
  }

  let drawn = null; // what the list shows, so a change elsewhere (the lock's expiry) keeps it

  function draw() {
    const needle = filter.value.trim().toLowerCase();
    const docs = state.docs.filter((d) => d.fileName.toLowerCase().includes(needle));
    newName.disabled = !writable();
    newForm.querySelector('button').disabled = !writable();
    const shown = JSON.stringify([writable(), needle, docs.map((d) => [d.fileName, d.version])]);
    if (shown === drawn) return;
    drawn = shown;
    replace(list, docs.length ? drawNode(buildTree(docs)) : h('p', { class: 'muted' }, needle ? 'No doc matches.' : 'No docs yet.'));
    // User Timing: when a page first showed the list (tools/measure.mjs reads it).
    if (docs.length && !performance.getEntriesByName(kShownMark).length) performance.mark(kShownMark);
  }

  filter.addEventListener('input', draw);
  replace(root, filter, list, newForm);
  draw();
  return state.subscribe(draw);
}
