// Projects (admin): each one's name, lock state and docs count; create, change, delete.

import * as api from '../api.js';
import { h, notify, replace } from '../dom.js';
import { newestOnly } from '../newest.js';
import { link } from '../router.js';
import { formatTime } from '../time.js';
import { projectForm } from './project-form.js';

export function renderProjects(root, { onAuthError }) {
  const list = h('div', { class: 'project-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const createArea = h('div');
  let alive = true;
  const ticket = newestOnly();

  const showCreate = () => replace(createArea, projectForm({
    submitLabel: 'Create project',
    onSubmit: async (fields) => {
      const created = await api.createProject(fields);
      notify(`Project ${created.name} created.`);
      replace(createArea, newButton);
      load();
    },
    onCancel: () => replace(createArea, newButton),
  }));
  const newButton = h('button', { type: 'button', class: 'primary', onclick: showCreate }, 'New project');
  replace(createArea, newButton);

  async function load() {
    const newest = ticket();
    try {
      const projects = await api.listProjectSummaries();
      if (alive && newest()) replace(list, table(projects));
    } catch (error) {
      onAuthError(error);
    }
  }

  function table(projects) {
    if (!projects.length) return h('p', { class: 'muted' }, 'No projects yet.');
    return h('table', { class: 'projects' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Lock'), h('th', {}, 'Docs'), h('th', {}, ''))),
      h('tbody', {}, projects.map((p) => {
        const row = h('tr', { 'data-project': p.id },
          h('td', {}, h('a', { href: link('projects', p.id), class: 'project-name' }, p.name)),
          h('td', { class: 'lock-state' }, p.lock ? `locked by ${p.lock.lockedBy} until ${formatTime(p.lock.expiresAt)}` : 'unlocked'),
          h('td', { class: 'docs-count' }, String(p.docsCount)),
          h('td', { class: 'row-actions' },
            h('button', { type: 'button', onclick: () => edit(p, row) }, 'Settings'),
            h('button', { type: 'button', class: 'danger', onclick: () => remove(p, row) }, 'Delete')));
        return row;
      })));
  }

  function below(row, content) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains('row-form')) next.remove();
    if (content) row.after(h('tr', { class: 'row-form' }, h('td', { colspan: 4 }, content)));
  }

  function edit(p, row) {
    below(row, projectForm({
      project: p,
      submitLabel: 'Save settings',
      onSubmit: async (fields) => {
        await api.updateProject(p.id, fields);
        notify('Settings saved.');
        load();
      },
      onCancel: () => below(row, null),
    }));
  }

  function remove(p, row) {
    const confirmInput = h('input', { name: 'confirm-name', 'aria-label': 'Type the project name to delete it' });
    const button = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Delete for good');
    confirmInput.addEventListener('input', () => { button.disabled = confirmInput.value !== p.name; });
    below(row, h('form', {
      class: 'confirm-delete',
      onsubmit: async (event) => {
        event.preventDefault();
        if (confirmInput.value !== p.name) return;
        try {
          await api.deleteProject(p.id);
          notify('Project deleted.');
          load();
        } catch (error) {
          onAuthError(error);
        }
      },
    }, h('p', {}, 'This deletes the project with its docs, history, lock, keys and events. Type its name to confirm: ',
      h('strong', {}, p.name)), confirmInput, button,
    h('button', { type: 'button', onclick: () => below(row, null) }, 'Cancel')));
  }

  replace(root, h('section', { class: 'projects-view' }, h('h1', {}, 'Projects'), createArea, list));
  load();
  return () => { alive = false; };
}
