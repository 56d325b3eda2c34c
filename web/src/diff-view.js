// A line diff between two texts, drawn as text (the diff library loads on first use).

import { h, replace } from './dom.js';

export async function renderDiff(root, before, after, { beforeLabel, afterLabel }) {
  const { diffLines } = await import('diff');
  const rows = [];
  for (const part of diffLines(before, after)) {
    const kind = part.added ? 'added' : part.removed ? 'removed' : 'same';
    const sign = part.added ? '+' : part.removed ? '-' : ' ';
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const line of lines) rows.push(h('div', { class: `diff-line ${kind}` }, `${sign} ${line}`));
  }
  replace(root, h('div', { class: 'diff' },
    h('div', { class: 'diff-legend' },
      h('span', { class: 'removed' }, `- ${beforeLabel}`), h('span', { class: 'added' }, `+ ${afterLabel}`)),
    h('pre', { class: 'diff-body' }, rows)));
}
