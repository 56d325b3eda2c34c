// The panel over a doc the last import could not merge: why, what the repository holds
// (as a diff against the text in the editor, and whole), and a way to take it. Taking it
// puts the repository's text in the editor; saving it settles the conflict, because the
// next import finds the same text on both sides.

import { renderDiff } from '../diff-view.js';
import { h, replace } from '../dom.js';

export function renderRepoConflict(root, conflict, { localText, takeRepository }) {
  const commit = conflict.commit ? ` at commit ${conflict.commit.slice(0, 12)}` : '';
  if (conflict.remoteContent === null || conflict.remoteContent === undefined) {
    replace(root, h('div', { class: 'repo-conflict', role: 'status' },
      h('p', {}, `The last import could not merge this doc: ${conflict.reason}. The repository has no text for it${commit}.`)));
    return Promise.resolve();
  }
  const diffBox = h('div');
  replace(root, h('div', { class: 'repo-conflict', role: 'status' },
    h('p', {}, `The last import could not merge this doc: ${conflict.reason}. The repository's text${commit} is beside yours.`),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'take-repository', onclick: takeRepository }, 'Take the repository\'s text')),
    diffBox,
    h('details', {}, h('summary', {}, 'The repository\'s text'), h('pre', { class: 'repository-text' }, conflict.remoteContent))));
  return renderDiff(diffBox, localText, conflict.remoteContent, { beforeLabel: 'here', afterLabel: 'repository' });
}
