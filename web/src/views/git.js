// Git: import from and export to the project's repository, with the result listed; how
// the last syncs went, kept current as the server runs them (webhooks, polling); and the
// conflicts the server still holds (GET …/conflicts), each linked to its doc, where the
// editor offers the ways to settle it. Export is refused while any remain.

import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { link } from '../router.js';
import * as session from '../session.js';
import { formatTime } from '../time.js';
import { conflictKind } from './repo-conflict.js';
import { syncStatus } from './sync-status.js';

// How each shape of conflict reads in the list (repo-conflict.js has the full wording).
const kKindLabel = {
  changed: 'changed on both sides',
  unreadable: 'changed on both sides; the repository\'s version is not text',
  'deleted-there': 'deleted in the repository, changed here',
  'deleted-here': 'deleted here, changed in the repository',
  'deleted-both': 'deleted on both sides',
};

export function renderGit(root, state, ctx) {
  const result = h('div', { class: 'git-result' });
  const importButton = h('button', { type: 'button', class: 'primary git-import', onclick: () => run('import') }, 'Import from git');
  const exportButton = h('button', { type: 'button', class: 'git-export', onclick: () => run('export') }, 'Export to git');
  // Holds its line before the project has loaded, so the buttons below do not move under a click.
  const where = h('p', { class: 'muted' }, 'Loading the project…');
  const openConflicts = h('div', { class: 'open-conflicts' });
  const status = h('div', { class: 'sync-area' });

  const docLink = (name) => h('a', { href: link('projects', state.id, 'docs', name) }, name);
  const section = (title, names, cls) => names && names.length
    ? h('div', { class: cls }, h('h3', {}, `${title} (${names.length})`), h('ul', {}, names.map((n) => h('li', {}, docLink(n)))))
    : null;

  async function run(kind) {
    importButton.disabled = exportButton.disabled = true;
    replace(result, h('p', { class: 'muted' }, kind === 'import' ? 'Importing…' : 'Exporting…'));
    try {
      if (kind === 'import') {
        const r = await api.importFromGit(state.id, { lockToken: state.token() });
        state.loadConflicts().catch(() => {});
        replace(result, h('div', { class: 'git-report import' },
          h('p', {}, r.commit ? `Imported from commit ${r.commit}.` : 'Nothing to import.'),
          section('Imported', r.imported, 'imported'), section('Merged', r.updated, 'merged'),
          section('Deleted', r.deleted, 'deleted'),
          r.conflicts.length ? h('div', { class: 'conflicted' }, h('h3', {}, `Conflicts (${r.conflicts.length})`),
            h('p', { class: 'muted' }, 'The local text was kept; open a file to see the repository\'s beside it.'),
            h('ul', {}, r.conflicts.map((c) => h('li', {}, docLink(c.fileName), h('span', { class: 'muted' }, ` ${c.reason}`))))) : null,
          (r.skipped || []).length ? h('div', { class: 'skipped' }, h('h3', {}, `Skipped (${r.skipped.length})`),
            h('p', { class: 'muted' }, 'Files of the repository that no doc may be named after; rename them there.'),
            h('ul', {}, r.skipped.map((c) => h('li', {}, c.fileName, h('span', { class: 'muted' }, ` ${c.reason}`))))) : null,
          h('p', { class: 'muted' }, `${r.unchanged.length} unchanged.`)));
        state.reloadDocs().catch(() => {});
      } else {
        const r = await api.exportToGit(state.id, { lockToken: state.token() });
        // With nothing to push the report names the head the export found, not a new commit.
        const changed = r.pushed.length + (r.deleted || []).length > 0;
        replace(result, h('div', { class: 'git-report export' },
          h('p', {}, changed ? `Pushed commit ${r.commit}.` : 'Nothing to export: the repository is current.'),
          section('Pushed', r.pushed, 'pushed'), section('Deleted', r.deleted, 'deleted')));
      }
    } catch (error) {
      replace(result, h('p', { class: 'form-error' }, error.message));
      if (error.status === 401) ctx.onAuthError(error);
    } finally {
      draw();
    }
  }

  let drawnConflicts = null; // what the list shows, so unrelated changes keep it
  let drawnStatus = null; // likewise for the sync status (a selection in it survives)

  let nextPollTimer = null;
  let timedFor = null; // the project read the timer was set for

  // A poll that finds the branch where it was writes no event, only the next poll's time:
  // the project is read again once the time shown has passed (then once per interval
  // while no newer time comes).
  function rereadAfterNextPoll(p) {
    if (p === timedFor) return;
    timedFor = p;
    clearTimeout(nextPollTimer);
    if (!p.syncIntervalSeconds) return;
    const next = p.sync && p.sync.nextPollAt ? Date.parse(p.sync.nextPollAt) : NaN;
    const wait = next > Date.now() ? next - Date.now() + 5000 : p.syncIntervalSeconds * 1000;
    nextPollTimer = setTimeout(() => state.reloadProject().catch(() => {}), wait);
  }

  function drawStatus() {
    const p = state.project;
    if (!p) return;
    rereadAfterNextPoll(p);
    const shown = JSON.stringify([p.sync, p.hasWebhookSecret, p.syncIntervalSeconds]);
    if (shown === drawnStatus) return;
    drawnStatus = shown;
    replace(status, syncStatus(p, window.location.origin));
  }

  function drawConflicts() {
    const conflicts = [...state.repoConflicts.values()].sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
    const shown = JSON.stringify(conflicts.map((c) => [c.fileName, c.remoteBlobId, c.localVersion, c.detectedAt]));
    if (shown === drawnConflicts) return;
    drawnConflicts = shown;
    replace(openConflicts, conflicts.length
      ? [h('h3', {}, `Conflicts to settle (${conflicts.length})`),
        h('p', { class: 'muted' }, 'Export waits until none remain. Open one to keep your text, take the repository\'s, or merge them.'),
        h('ul', {}, conflicts.map((c) => h('li', { 'data-file': c.fileName }, docLink(c.fileName),
          h('span', { class: 'muted' }, ` ${kKindLabel[conflictKind(c)]}: ${c.reason} (${formatTime(c.detectedAt)})`))))]
      : null);
  }

  function draw() {
    // Until the project (and with it the lock) has been read, whether this page may write is unknown.
    const writable = Boolean(state.project) && session.canWrite() && state.unlockedForMe();
    importButton.disabled = exportButton.disabled = !writable;
    if (state.project) where.textContent = `${state.project.repoUrl} (branch ${state.project.branch}, ${state.project.docsPath || 'repository root'})`;
    drawStatus();
    drawConflicts();
  }

  replace(root, h('section', { class: 'git-view' }, h('h2', {}, 'Git'), where, status,
    h('div', { class: 'actions' }, importButton, exportButton), openConflicts, result));
  draw();
  const unsubscribe = state.subscribe(draw);
  return () => {
    unsubscribe();
    clearTimeout(nextPollTimer);
  };
}
