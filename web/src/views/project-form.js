// The project settings form, for creating a project and for changing one. The git token
// and the webhook secret are write-only: their fields are always empty, and left empty
// they keep what is stored.

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
  const interval = field('syncIntervalSeconds', 'Polling interval (seconds; 0 = off, else 30 or more)',
    { type: 'number', min: 0, step: 1, value: String(project ? project.syncIntervalSeconds || 0 : 0) });
  const secret = webhookSecretField(project);
  const error = h('p', { class: 'form-error', role: 'alert' });

  const form = h('form', {
    class: 'project-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const fields = { name: name.input.value.trim(), repoUrl: repoUrl.input.value.trim() };
      if (branch.input.value.trim()) fields.branch = branch.input.value.trim();
      if (docsPath.input.value.trim() || project) fields.docsPath = docsPath.input.value.trim();
      if (token.input.value) fields.token = token.input.value;
      const seconds = Number(interval.input.value || 0);
      if (project || seconds) fields.syncIntervalSeconds = seconds;
      const webhookSecret = secret.value();
      if (webhookSecret !== undefined) fields.webhookSecret = webhookSecret;
      error.textContent = '';
      try {
        await onSubmit(fields);
        token.input.value = '';
        secret.clear();
      } catch (e) {
        error.textContent = e.message;
      }
    },
  },
  name.row, repoUrl.row, branch.row, docsPath.row, token.row, secret.row, interval.row,
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary' }, submitLabel),
    onCancel ? h('button', { type: 'button', onclick: onCancel }, 'Cancel') : null),
  error);
  return form;
}

/**
 * The push webhooks' shared secret: typed, or made here (32 random bytes, shown so it can be
 * given to the repository's host), or removed. value() is what to send: undefined keeps
 * the stored one, '' removes it.
 */
function webhookSecretField(project) {
  const stored = Boolean(project && project.hasWebhookSecret);
  const input = h('input', {
    name: 'webhookSecret', id: 'project-webhookSecret', type: 'password', autocomplete: 'new-password',
    minlength: 16, maxlength: 256,
  });
  const generate = h('button', {
    type: 'button', class: 'generate-secret',
    onclick: () => {
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      input.value = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      input.type = 'text'; // to be copied into the host's webhook settings
      input.select();
    },
  }, 'Generate');
  // Removing and setting at once would throw the new secret away: ticking the box disables the field.
  const remove = stored ? h('input', {
    type: 'checkbox', name: 'removeWebhookSecret', id: 'project-removeWebhookSecret',
    onchange: () => { input.disabled = generate.disabled = remove.checked; },
  }) : null;
  const label = stored ? 'Webhook secret (stored; leave empty to keep it)' : 'Webhook secret (for push webhooks)';
  const row = h('div', { class: 'field' }, h('label', { for: 'project-webhookSecret' }, label),
    h('div', { class: 'secret-input' }, input, generate,
      remove ? h('label', { class: 'remove-secret' }, remove, ' remove it (webhooks are then refused)') : null));
  return {
    row,
    value: () => (remove && remove.checked ? '' : input.value || undefined),
    clear: () => {
      input.value = '';
      input.type = 'password';
    },
  };
}
