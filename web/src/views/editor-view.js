// The editor page: a doc in CodeMirror beside its preview. Editable when the project is
// unlocked or this page holds the lock; read-only otherwise, with the reason shown.
// Ctrl+S / Cmd+S saves with If-Match; a 412 opens the conflict panel, so nothing is
// overwritten silently. A change to this doc on the server shows as a banner, also one the
// event stream could not tell (it restarted at its head: the doc is read again). A conflict
// with the repository shows its own panel (repo-conflict.js); once the lead chose how to
// settle it, the next save carries `resolves`.

import * as api from '../api.js';
import { ApiError } from '../api.js';
import { hasMergeMarkers, mergeStartingPoint, renderDiff } from '../diff-view.js';
import { h, notify, replace } from '../dom.js';
import { go, link, setLeaveGuard } from '../router.js';
import * as session from '../session.js';
import { renderConflict } from './conflict.js';
import { renderRepoConflict } from './repo-conflict.js';

// Why a chosen resolution no longer applies: the server's conflict list moved on.
const kConflictGone = 'The conflict was settled elsewhere meanwhile (or the repository now matches this doc). ' +
  'Your text is still in the editor; saving it now is an ordinary change.';
const kConflictChanged = 'The conflict changed meanwhile: a newer import found another change in the repository, ' +
  'shown below. Your text is still in the editor; choose again.';

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
  let resolving = null; // {conflict, chosen}: the next save settles `conflict` this way
  let repoNotice = null; // why the choice made was dropped, until the next choice
  let missing = false; // the doc does not exist here (a conflict may offer to restore it)
  let drawnRepo = null; // what the conflict panel shows, so unrelated changes keep it
  let refusedSave = false; // a resolving save came back 412: the notice says it was not saved

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
    const resolves = resolving ? resolving.conflict.remoteBlobId : undefined;
    if (resolves && hasMergeMarkers(content) &&
        !window.confirm('The text still has conflict markers (<<<<<<< here, >>>>>>> repository). Save it as it is?')) return;
    saving = true;
    refreshMode();
    try {
      const doc = await api.putDoc(state.id, name, content, { version, lockToken: state.token(), resolves });
      base = { version: doc.version, content: doc.content };
      replace(conflictArea);
      if (resolves) {
        resolving = null;
        repoNotice = null;
        state.settledConflict(name); // the server took it off the list with this write
        notify(`Saved version ${doc.version}; the conflict with the repository is settled.`);
      } else {
        notify(`Saved version ${doc.version}.`);
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await (resolves ? staleResolve() : showConflict());
      else ctx.onAuthError(error);
    } finally {
      saving = false;
      refreshMode();
      if (newestSeen > base.version) announceRemote();
    }
  }

  /**
   * A resolving save refused: either the doc moved on (the same conflict is still listed:
   * the usual 412 panel, the choice kept) or the conflict did (settled elsewhere, raised
   * again): the panel is redrawn from the server's list with why. The editor keeps its text.
   */
  async function staleResolve() {
    refusedSave = true;
    try {
      const [theirs] = await Promise.all([api.getDoc(state.id, name), state.loadConflicts()]);
      drawRepo(); // drops the choice, with why, unless the same conflict is still listed
      if (theirs.version !== base.version) await showConflict(theirs);
    } catch (error) {
      ctx.onAuthError(error);
    } finally {
      refusedSave = false;
    }
  }

  async function showConflict(known = null) {
    const theirs = known || await api.getDoc(state.id, name);
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

  function announceDeleted() {
    remoteBanner.hidden = false;
    replace(remoteBanner, h('span', {}, 'This doc was deleted on the server.'));
    deleted = true;
    refreshMode();
  }

  /**
   * The event stream started again at its head (the server no longer held the events
   * after the last one this page saw, as after a restore from a backup): a change to this
   * doc in between was never an event, so the doc is read again and compared.
   */
  async function compareAfterResync() {
    if (!base || deleted) return;
    try {
      const theirs = await api.getDoc(state.id, name);
      // A save under way ends with the server's answer, which is newer than this read.
      if (closed || saving || deleted) return;
      if (theirs.version !== base.version || theirs.content !== base.content) announceRemote();
    } catch (error) {
      if (closed) return;
      if (error instanceof ApiError && error.status === 404) announceDeleted();
      else ctx.onAuthError(error);
    }
  }

  const offDoc = state.onDocEvent((event) => {
    if (event.type === 'resync') {
      compareAfterResync();
      return;
    }
    if (!event.payload || event.payload.fileName !== name) return;
    if (event.type === 'doc:deleted') {
      announceDeleted();
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
  const offState = state.subscribe(() => {
    refreshMode();
    drawRepo();
  });

  /** Forgets the choice made for a conflict the server no longer lists as it was. */
  function dropChoice(listed) {
    resolving = null;
    repoNotice = `${refusedSave ? 'Not saved. ' : ''}${listed ? kConflictChanged : kConflictGone}`;
  }

  function choose(chosen, conflict) {
    resolving = { conflict, chosen };
    repoNotice = null;
    drawnRepo = null;
    drawRepo();
    refreshMode();
    if (editor) editor.focus();
  }

  // The choices of the repository conflict panel. Each only prepares the editor (and the
  // `resolves` of the next save), except deletions, which are their own requests.
  const repoActions = {
    takeRepository: () => {
      const conflict = state.repoConflicts.get(name);
      if (!editor || readOnlyReason() || !conflict) return;
      editor.setText(conflict.remoteContent);
      choose('repository', conflict);
    },
    keepMine: () => {
      const conflict = state.repoConflicts.get(name);
      if (!editor || readOnlyReason() || !conflict) return;
      choose('mine', conflict);
    },
    mergeByHand: async () => {
      const conflict = state.repoConflicts.get(name);
      if (!editor || readOnlyReason() || !conflict) return;
      editor.setText(await mergeStartingPoint(editor.text(), conflict.remoteContent));
      choose('merge', conflict);
    },
    keepDoc: () => {
      const conflict = state.repoConflicts.get(name);
      if (!editor || readOnlyReason() || !conflict) return;
      choose('keep', conflict);
    },
    deleteHere: async () => {
      if (!base || readOnlyReason() || !window.confirm(`Delete ${name} here too?`)) return;
      try {
        await api.deleteDoc(state.id, name, { version: base.version, lockToken: state.token() });
        base = { version: base.version, content: editor.text() }; // nothing unsaved is left
        notify(`${name} deleted; the next import clears its conflict.`);
        go('projects', state.id, 'git');
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) await showConflict();
        else ctx.onAuthError(error);
      }
    },
    restore: () => recreate(false),
    keepDeleted: () => recreate(true),
    settle: () => save(),
  };

  /**
   * Settles a conflict over a doc deleted here: writes the repository's text again with
   * `resolves`, then, to keep the deletion, deletes it once more (the next export then
   * deletes the file, docs/git-sync.md "Deletions").
   */
  async function recreate(thenDelete) {
    const conflict = state.repoConflicts.get(name);
    if (!conflict || readOnlyReason()) return;
    if (thenDelete && !window.confirm(`Keep ${name} deleted? The next export deletes it from the repository.`)) return;
    try {
      const doc = await api.putDoc(state.id, name, conflict.remoteContent || '',
        { version: 0, lockToken: state.token(), resolves: conflict.remoteBlobId });
      state.settledConflict(name);
      if (thenDelete) {
        await api.deleteDoc(state.id, name, { version: doc.version, lockToken: state.token() });
        notify(`${name} stays deleted; the next export deletes it from the repository.`);
        go('projects', state.id, 'git');
      } else {
        notify(`${name} restored from the repository.`);
        missing = false;
        drawnRepo = null;
        replace(editorHost);
        open();
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        await state.loadConflicts().catch(() => {});
        repoNotice = `Not saved. ${kConflictChanged}`;
        drawnRepo = null;
        drawRepo();
      } else {
        ctx.onAuthError(error);
      }
    }
  }

  /** Draws the repository conflict panel from the state's list, when what it shows changed. */
  function drawRepo() {
    if (!editor && !missing) return;
    const listed = state.repoConflicts.get(name) || null;
    if (resolving && !(listed && listed.remoteBlobId === resolving.conflict.remoteBlobId)) dropChoice(listed);
    const readOnly = Boolean(readOnlyReason());
    const shown = JSON.stringify([listed && [listed.remoteBlobId, listed.detectedAt, listed.localVersion],
      resolving && resolving.chosen, repoNotice, readOnly]);
    if (shown === drawnRepo) return;
    drawnRepo = shown;
    if (!listed) {
      replace(repoArea, repoNotice ? h('div', { class: 'repo-conflict-gone', role: 'alert' },
        h('p', { class: 'stale-resolve' }, repoNotice)) : null);
      return;
    }
    renderRepoConflict(repoArea, listed, {
      // The text here as the server holds it: a fixed reference while the editor changes.
      localText: listed.localContent === null ? (editor ? editor.text() : '') : listed.localContent,
      chosen: resolving && resolving.chosen,
      notice: repoNotice,
      readOnly,
      actions: repoActions,
    });
  }

  async function open() {
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
      drawRepo();
      refreshMode();
      root.classList.add('editor-ready');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        missing = true;
        replace(editorHost, h('p', { class: 'muted' }, 'No such doc.'));
        drawRepo();
      } else {
        ctx.onAuthError(error);
      }
    }
  }
  open();

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
