// The panel over a doc the last import could not bring together with the repository:
// why, what the repository holds (as a diff against the text here, and whole), and the
// ways out. A choice only prepares the editor; the save that follows carries `resolves`
// with the conflict's remoteBlobId, which settles it on the server (the repository's blob
// becomes the doc's base, so the next import raises nothing and the next export pushes
// the saved text). Nothing is written until the lead saves.

import { kDeletedBlobId } from '../api.js';
import { renderDiff } from '../diff-view.js';
import { h, replace } from '../dom.js';
import { formatTime } from '../time.js';

/** Which of the conflict's shapes this is; each has its own wording and choices. */
export function conflictKind(conflict) {
  const deletedHere = conflict.localVersion === null || conflict.localVersion === undefined;
  if (conflict.remoteBlobId === kDeletedBlobId) return deletedHere ? 'deleted-both' : 'deleted-there';
  if (deletedHere) return 'deleted-here';
  if (conflict.remoteContent === null || conflict.remoteContent === undefined) return 'unreadable';
  return 'changed';
}

// What the editor will settle the conflict with, once saved, for each choice.
const kChosen = {
  repository: 'The repository\'s text is in the editor.',
  mine: 'Your text stays as it is in the editor.',
  merge: 'The editor holds both texts, each difference between conflict markers: edit it into one text.',
  keep: 'The doc stays, with the text in the editor.',
};

const button = (cls, label, onclick, primary = false) =>
  h('button', { type: 'button', class: primary ? `${cls} primary` : cls, onclick }, label);

/**
 * Draws `conflict` into `root`. `chosen` names the choice made (a key of kChosen) or is
 * null; `notice` is an explanation to show first (a save refused as stale); `localText`
 * is the text the diff compares with the repository's; `actions` holds a function per
 * button: takeRepository, keepMine, mergeByHand, keepDoc, deleteHere, restore,
 * keepDeleted, settle.
 */
export function renderRepoConflict(root, conflict, { localText, chosen = null, notice = null, readOnly = false, actions }) {
  const at = conflict.commit ? ` at commit ${conflict.commit.slice(0, 12)}` : '';
  const when = conflict.detectedAt ? ` (import of ${formatTime(conflict.detectedAt)})` : '';
  const kind = conflictKind(conflict);
  const parts = [];
  if (notice) parts.push(h('p', { class: 'stale-resolve', role: 'alert' }, notice));
  let choices = [];
  let diffBox = null;
  if (kind === 'changed') {
    parts.push(h('p', {}, `The last import could not merge this doc${when}: ${conflict.reason}. ` +
      `The repository's text${at} is beside yours; choose what to keep, then save.`));
    choices = [
      button('take-repository', 'Take the repository\'s text', actions.takeRepository),
      button('keep-mine', 'Keep mine', actions.keepMine),
      button('merge-repository', 'Merge by hand', actions.mergeByHand),
    ];
    diffBox = h('div');
  } else if (kind === 'unreadable') {
    parts.push(h('p', {}, `The last import could not merge this doc${when}: ${conflict.reason}. ` +
      `The repository's version${at} is not a text this server keeps (not UTF-8, or over the size limit), ` +
      'so it cannot be shown; keeping yours replaces it at the next export.'));
    choices = [button('keep-mine', 'Keep mine', actions.keepMine)];
  } else if (kind === 'deleted-there') {
    parts.push(h('p', {}, `The repository deleted this file${at}, but it was changed here since the last sync${when}. ` +
      'Keep the doc (the next export adds the file again), or delete it here too.'));
    choices = [
      button('keep-doc', 'Keep the doc', actions.keepDoc),
      button('delete-here danger', 'Delete it here', actions.deleteHere),
    ];
  } else if (kind === 'deleted-both') {
    parts.push(h('p', {}, `This doc was deleted here and in the repository${at}: nothing is left to choose, ` +
      'and the next import clears the conflict.'));
  } else {
    parts.push(h('p', {}, `This doc was deleted here, but the repository changed it${at} since the last sync${when}. ` +
      'Restore the repository\'s text, or keep it deleted (the next export deletes the file).'));
    choices = [
      conflict.remoteContent === null ? null : button('restore-repository', 'Restore the repository\'s text', actions.restore),
      button('keep-deleted danger', 'Keep it deleted', actions.keepDeleted),
    ];
  }
  for (const choice of choices) if (choice) choice.disabled = readOnly;
  parts.push(h('div', { class: 'actions' }, choices));
  if (chosen) {
    const settle = button('settle', 'Save and settle', actions.settle, true);
    settle.disabled = readOnly;
    parts.push(h('p', { class: 'chosen' }, `${kChosen[chosen]} Saving settles the conflict. `, settle));
  }
  if (diffBox) parts.push(diffBox);
  if (typeof conflict.remoteContent === 'string') {
    parts.push(h('details', {}, h('summary', {}, 'The repository\'s text'),
      h('pre', { class: 'repository-text' }, conflict.remoteContent)));
  }
  replace(root, h('div', { class: `repo-conflict ${kind}`, role: 'status' }, parts));
  if (!diffBox) return Promise.resolve();
  return renderDiff(diffBox, localText, conflict.remoteContent, { beforeLabel: 'here', afterLabel: 'repository' });
}
