// Git: import from and export to the project's repository, with the result listed.

import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { link } from '../router.js';
import * as session from '../session.js';

export function renderGit(root, state, ctx) {
  const result = h('div', { class: 'git-result' });
  const importButton = h('button', { type: 'button', class: 'primary git-import', onclick: () => run('import') }, 'Import from git');
  const exportButton = h('button', { type: 'button', class: 'git-export', onclick: () => run('export') }, 'Export to git');
  const where = h('p', { class: 'muted' });

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
        state.rememberImport(r);
        replace(result, h('div', { class: 'git-report import' },
          h('p', {}, r.commit ? `Imported from commit ${r.commit}.` : 'Nothing to import.'),
          section('Imported', r.imported, 'imported'), section('Merged', r.updated, 'merged'),
          section('Deleted', r.deleted, 'deleted'),
          r.conflicts.length ? h('div', { class: 'conflicted' }, h('h3', {}, `Conflicts (${r.conflicts.length})`),
            h('p', { class: 'muted' }, 'The local text was kept; open a file to see the repository\'s beside it.'),
            h('ul', {}, r.conflicts.map((c) => h('li', {}, docLink(c.fileName), h('span', { class: 'muted' }, ` ${c.reason}`))))) : null,
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

  function draw() {
    const writable = session.canWrite() && state.unlockedForMe();
    importButton.disabled = exportButton.disabled = !writable;
    if (state.project) where.textContent = `${state.project.repoUrl} (branch ${state.project.branch}, ${state.project.docsPath || 'repository root'})`;
  }

  replace(root, h('section', { class: 'git-view' }, h('h2', {}, 'Git'), where,
    h('div', { class: 'actions' }, importButton, exportButton), result));
  draw();
  return state.subscribe(draw);
}
