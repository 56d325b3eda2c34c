// The 412 panel: the server's newer text beside the lead's, as a diff, and the three ways
// out. Nothing is written until the lead picks one.

import { renderDiff } from '../diff-view.js';
import { formatTime } from '../time.js';
import { h, replace } from '../dom.js';

export function renderConflict(root, { mine, theirs }, { keepMine, takeTheirs, mergeByHand }) {
  const diffBox = h('div');
  const theirsText = h('pre', { class: 'theirs-text', hidden: true }, theirs.content);
  replace(root, h('div', { class: 'conflict', role: 'alert' },
    h('p', {}, `Someone saved this doc first: version ${theirs.version} by `, h('strong', {}, theirs.updatedBy),
      ` at ${formatTime(theirs.updatedAt)}. Your text was not saved.`),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'keep-mine primary', onclick: keepMine }, 'Keep mine (save on top of theirs)'),
      h('button', { type: 'button', class: 'take-theirs', onclick: takeTheirs }, 'Take theirs'),
      h('button', {
        type: 'button', class: 'merge-by-hand',
        onclick: () => {
          theirsText.hidden = false;
          mergeByHand();
        },
      }, 'Merge by hand')),
    diffBox, theirsText));
  return renderDiff(diffBox, theirs.content, mine, { beforeLabel: `theirs (version ${theirs.version})`, afterLabel: 'yours' });
}
