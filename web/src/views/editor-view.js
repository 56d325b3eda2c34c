// The editor page: a doc in CodeMirror beside its preview. Editable when the project is
// unlocked or this page holds the lock; read-only otherwise, with the reason shown.
// Ctrl+S / Cmd+S saves with If-Match; a 412 opens the conflict panel, so nothing is
// overwritten silently. A change to this doc on the server shows as a banner.

import * as api from '../api.js';
import { ApiError } from '../api.js';
import { renderDiff } from '../diff-view.js';
import { h, notify, replace } from '../dom.js';
import { link, setLeaveGuard } from '../router.js';
import * as session from '../session.js';
import { renderConflict } from './conflict.js';
import { renderRepoConflict } from './repo-conflict.js';

const kPreviewDelayMs = 120;

export function renderEditor(root, state, name, ctx) {
  const status = h('span', { class: 'editor-status' });
  const saveButton = h('button', { type: 'button', class: 'primary save', onclick: () => save() }, 'Save');
  const remoteBanner = h('div', { class: 'remote-banner', hidden: true });
  const conflictArea = h('div', { class: 'conflict-area' });
  const repoArea = h('div', { class: 'repo-conflict-area' });
  const editorHost = h('div', { class: 'editor-host' });
  const preview = h('article', { class: 'preview', 'aria-label': 'Preview' });
  replace(root,
    h('div', { class: 'editor-toolbar' },
      h('h2', { class: 'doc-name' }, name), saveButton,
      h('a', { href: link('projects', state.id, 'history', name), class: 'history-link' }, 'History'), status),
    remoteBanner, repoArea, conflictArea,
    h('div', { class: 'editor-panes' }, editorHost, preview));

  let editor = null;
  let renderPreview = null;
  let base = null; // the doc as last read or saved: {version, content}
  let saving = false;
  let newestSeen = 0; // the newest version the server announced for this doc
  let closed = false;
  let deleted = false; // the doc was deleted on the server while open
  let previewTimer = null;

  const dirty = () => Boolean(editor && base && editor.text() !== base.content);

  setLeaveGuard((unloading) => !dirty() || (!unloading && window.confirm('Leave without saving your changes?')));

  function readOnlyReason() {
    if (!session.canWrite()) return 'Read-only: this key has read scope.';
    if (!state.unlockedForMe()) {
      const lock = state.lock;
      return `Read-only: locked by ${lock.lockedBy}${lock.reason ? ` (${lock.reason})` : ''}.`;
    }
    return '';
  }

  function refreshMode() {
    const reason = readOnlyReason();
    if (editor) editor.setReadOnly(Boolean(reason));
    saveButton.disabled = Boolean(reason) || saving || deleted;
    status.textContent = reason || (dirty() ? 'Unsaved changes' : base ? `Version ${base.version}` : '');
    status.classList.toggle('read-only', Boolean(reason));
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => renderPreview(preview, editor.text()), kPreviewDelayMs);
  }

  async function save(content = editor && editor.text(), version = base && base.version) {
    if (!editor || saving || readOnlyReason()) return;
    saving = true;
    refreshMode();
    try {
      const doc = await api.putDoc(state.id, name, content, { version, lockToken: state.token() });
      base = { version: doc.version, content: doc.content };
      replace(conflictArea);
      const repo = state.repoConflicts.get(name);
      if (repo && repo.remoteContent === doc.content) {
        state.repoConflicts.delete(name); // settled: the next import finds the same text
        replace(repoArea);
      }
      notify(`Saved version ${doc.version}.`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await showConflict();
      else ctx.onAuthError(error);
    } finally {
      saving = false;
      refreshMode();
      if (newestSeen > base.version) announceRemote();
    }
  }

  async function showConflict() {
    const theirs = await api.getDoc(state.id, name);
    const mine = editor.text();
    renderConflict(conflictArea, { mine, theirs }, {
      keepMine: () => save(mine, theirs.version),
      takeTheirs: () => {
        base = { version: theirs.version, content: theirs.content };
        editor.setText(theirs.content);
        replace(conflictArea);
        refreshMode();
      },
      mergeByHand: () => {
        // Saving now writes on top of their version; their text stays in view meanwhile.
        base = { version: theirs.version, content: theirs.content };
        refreshMode();
        editor.focus();
      },
    });
  }

  // The banner for a newer version on the server, built once and shown when needed.
  const remoteDiff = h('div');
  const remoteText = h('span', {}, 'This doc changed on the server.');
  const remoteButtons = [
    h('button', {
      type: 'button', class: 'show-remote-diff',
      onclick: async () => {
        const theirs = await api.getDoc(state.id, name);
        await renderDiff(remoteDiff, editor.text(), theirs.content, { beforeLabel: 'yours', afterLabel: `server, version ${theirs.version}` });
      },
    }, 'Show diff'),
    h('button', {
      type: 'button', class: 'load-remote',
      onclick: async () => {
        if (dirty() && !window.confirm('Replace your unsaved changes with the server\'s version?')) return;
        const theirs = await api.getDoc(state.id, name);
        base = { version: theirs.version, content: theirs.content };
        editor.setText(theirs.content);
        remoteBanner.hidden = true;
        replace(remoteDiff);
        refreshMode();
      },
    }, 'Load it'),
  ];
  replace(remoteBanner, remoteText, remoteButtons, remoteDiff);

  function announceRemote() {
    remoteBanner.hidden = false;
  }

  const offDoc = state.onDocEvent((event) => {
    if (!event.payload || event.payload.fileName !== name) return;
    if (event.type === 'doc:deleted') {
      remoteBanner.hidden = false;
      replace(remoteBanner, h('span', {}, 'This doc was deleted on the server.'));
      deleted = true;
      refreshMode();
      return;
    }
    newestSeen = Math.max(newestSeen, event.payload.version);
    if (!saving && base && newestSeen > base.version) announceRemote();
  });

  function onKey(event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      save();
    }
  }
  document.addEventListener('keydown', onKey);
  const offState = state.subscribe(refreshMode);

  (async () => {
    try {
      const [doc, chunk] = await Promise.all([api.getDoc(state.id, name), import('../editor/codemirror.js')]);
      if (closed) return;
      base = { version: doc.version, content: doc.content };
      renderPreview = chunk.renderPreview;
      editor = chunk.createEditor(editorHost, {
        text: doc.content,
        readOnly: Boolean(readOnlyReason()),
        onChange: () => {
          refreshMode();
          schedulePreview();
        },
      });
      renderPreview(preview, doc.content);
      const repo = state.repoConflicts.get(name);
      if (repo) {
        renderRepoConflict(repoArea, repo, {
          localText: doc.content,
          takeRepository: () => {
            if (readOnlyReason()) return;
            editor.setText(repo.remoteContent);
            refreshMode();
            editor.focus();
          },
        });
      }
      refreshMode();
      root.classList.add('editor-ready');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) replace(editorHost, h('p', { class: 'muted' }, 'No such doc.'));
      else ctx.onAuthError(error);
    }
  })();

  return () => {
    closed = true;
    clearTimeout(previewTimer);
    document.removeEventListener('keydown', onKey);
    offDoc();
    offState();
    setLeaveGuard(null);
    if (editor) editor.destroy();
  };
}
