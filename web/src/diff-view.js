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

export const kMergeMarkers = { here: '<<<<<<< here', between: '=======', repository: '>>>>>>> repository' };

/**
 * A text to merge by hand: the lines both texts share once, and each place they differ
 * as git marks a conflict (`<<<<<<< here`, the lines here, `=======`, the repository's,
 * `>>>>>>> repository`), so the lead edits one text instead of copying between two.
 */
export async function mergeStartingPoint(here, repository) {
  const { diffLines } = await import('diff');
  const asLines = (text) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);
  let out = '';
  let ours = null; // the current hunk's two sides, while the texts differ
  let theirs = null;
  const closeHunk = () => {
    if (ours === null) return;
    out += `${kMergeMarkers.here}\n${asLines(ours)}${kMergeMarkers.between}\n${asLines(theirs)}${kMergeMarkers.repository}\n`;
    ours = theirs = null;
  };
  for (const part of diffLines(here, repository)) {
    if (!part.added && !part.removed) {
      closeHunk();
      out += part.value;
      continue;
    }
    if (ours === null) ours = theirs = '';
    if (part.removed) ours += part.value;
    else theirs += part.value;
  }
  closeHunk();
  return out;
}

/** Whether `text` still holds a line mergeStartingPoint marked. */
export const hasMergeMarkers = (text) =>
  text.split('\n').some((line) => line === kMergeMarkers.here || line === kMergeMarkers.repository);
