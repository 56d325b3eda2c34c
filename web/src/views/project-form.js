// The project settings form, for creating a project and for changing one. The git token
// is write-only: the field is always empty, and left empty it keeps the stored token.

import { h } from '../dom.js';

export function projectForm({ project, submitLabel, onSubmit, onCancel }) {
  const field = (name, label, attrs = {}) => {
    const input = h('input', { name, id: `project-${name}`, ...attrs });
    return { input, row: h('div', { class: 'field' }, h('label', { for: `project-${name}` }, label), input) };
  };
  const name = field('name', 'Name', { required: true, value: project ? project.name : '' });
  const repoUrl = field('repoUrl', 'Repository URL', { required: true, value: project ? project.repoUrl : '' });
  const branch = field('branch', 'Branch', { value: project ? project.branch : 'main' });
  const docsPath = field('docsPath', 'Docs path', { value: project ? project.docsPath : '' });
  const token = field('token', project && project.hasToken ? 'Git token (stored; leave empty to keep it)' : 'Git token',
    { type: 'password', autocomplete: 'new-password' });
  const error = h('p', { class: 'form-error', role: 'alert' });

  const form = h('form', {
    class: 'project-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const fields = { name: name.input.value.trim(), repoUrl: repoUrl.input.value.trim() };
      if (branch.input.value.trim()) fields.branch = branch.input.value.trim();
      if (docsPath.input.value.trim() || project) fields.docsPath = docsPath.input.value.trim();
      if (token.input.value) fields.token = token.input.value;
      error.textContent = '';
      try {
        await onSubmit(fields);
        token.input.value = '';
      } catch (e) {
        error.textContent = e.message;
      }
    },
  },
  name.row, repoUrl.row, branch.row, docsPath.row, token.row,
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary' }, submitLabel),
    onCancel ? h('button', { type: 'button', onclick: onCancel }, 'Cancel') : null),
  error);
  return form;
}
