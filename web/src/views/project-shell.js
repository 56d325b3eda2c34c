// A project's pages: its name, the tabs, the lock banner (always in view) and the page
// the route names. Keys and workstations are the admin's.

import { h, replace } from '../dom.js';
import { link } from '../router.js';
import * as session from '../session.js';
import { renderLockBanner } from './lock-banner.js';
import { renderDocTree } from './doc-tree.js';
import { renderEditor } from './editor-view.js';
import { renderHistory } from './history.js';
import { renderGit } from './git.js';
import { renderKeys } from './keys.js';
import { renderWorkstations } from './workstations.js';

export function renderProjectShell(root, state, parts, ctx) {
  const title = h('h1', { class: 'project-title' }, state.project ? state.project.name : '…');
  const page = parts[0] || 'docs';
  const section = page === 'history' ? 'docs' : page; // a doc's history is under Docs
  const tab = (name, label, ...route) =>
    h('a', { href: link('projects', state.id, ...route), class: section === name ? 'tab active' : 'tab' }, label);
  const tabs = h('nav', { class: 'tabs' },
    tab('docs', 'Docs'), tab('git', 'Git', 'git'),
    session.isAdmin() ? tab('workstations', 'Workstations', 'workstations') : null,
    session.isAdmin() ? tab('keys', 'Keys', 'keys') : null);
  const banner = h('div');
  const content = h('div', { class: 'project-content' });
  replace(root, h('section', { class: 'project-view' }, title, tabs, banner, content));

  const cleanups = [renderLockBanner(banner, state, ctx)];
  cleanups.push(state.subscribe(() => {
    if (state.project) title.textContent = state.project.name;
  }));
  state.load().catch((error) => ctx.onAuthError(error));

  if (page === 'docs' || page === 'history') {
    const side = h('aside', { class: 'doc-side' });
    const main = h('div', { class: 'doc-main' });
    replace(content, h('div', { class: 'split' }, side, main));
    const name = parts.slice(1).join('/');
    cleanups.push(renderDocTree(side, state, name, ctx));
    if (page === 'history' && name) cleanups.push(renderHistory(main, state, name, ctx));
    else if (name) cleanups.push(renderEditor(main, state, name, ctx));
    else replace(main, h('p', { class: 'muted empty' }, 'Pick a doc on the left, or create one.'));
  } else if (page === 'git') {
    cleanups.push(renderGit(content, state, ctx));
  } else if (page === 'keys' && session.isAdmin()) {
    cleanups.push(renderKeys(content, state, ctx));
  } else if (page === 'workstations' && session.isAdmin()) {
    cleanups.push(renderWorkstations(content, state, ctx));
  } else {
    replace(content, h('p', { class: 'muted' }, 'No such page.'));
  }
  return () => cleanups.forEach((fn) => fn && fn());
}
