// The project's git sync at a glance: how the last import and export went, the last
// error, and what brings changes in without anyone pressing a button (push webhooks,
// polling), with the address to give the repository's host.

import { h } from '../dom.js';
import { formatTime } from '../time.js';

const kResult = { ok: 'ok', conflicts: 'left conflicts', failed: 'failed', waiting: 'waiting for the lock to end' };

function outcome(last) {
  if (!last) return 'never';
  const commit = last.commit ? ` at commit ${last.commit.slice(0, 12)}` : '';
  return `${kResult[last.result] || last.result}${commit} (${formatTime(last.at)})`;
}

/** The push webhook's address on this server, as the repository's host must call it. */
function webhookUrl(origin, projectId) {
  return `${origin}/api/projects/${encodeURIComponent(projectId)}/git/webhook`;
}

export function syncStatus(project, origin) {
  const sync = project.sync || {};
  const row = (cls, label, ...value) => h('div', { class: `sync-row ${cls}` }, h('dt', {}, label), h('dd', {}, ...value));
  return h('dl', { class: 'sync-status' },
    row('last-import', 'Last import', outcome(sync.lastImport)),
    row('last-export', 'Last export', outcome(sync.lastExport)),
    sync.lastError ? row('last-error', 'Last error', `${sync.lastError.message} (${formatTime(sync.lastError.at)})`) : null,
    project.hasWebhookSecret
      ? row('webhook', 'Push webhook', h('code', { class: 'webhook-url' }, webhookUrl(origin, project.id)),
        ' — push events as JSON, signed with the project\'s webhook secret')
      : row('webhook', 'Push webhook', 'off: set a webhook secret in the project\'s settings'),
    row('polling', 'Polling', project.syncIntervalSeconds
      ? `every ${project.syncIntervalSeconds} s; ${sync.nextPollAt ? `next check ${formatTime(sync.nextPollAt)}` : 'first check pending'}`
      : 'off'));
}
