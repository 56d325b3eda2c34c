// Boots the app: the sign-in form until a secret is accepted, then the route's view.

import { ApiError, whoAmI } from './api.js';
import { h, notify, replace } from './dom.js';
import { ProjectState } from './project-state.js';
import * as router from './router.js';
import * as session from './session.js';
import { renderSignIn } from './views/signin.js';
import { renderProjects } from './views/projects.js';
import { renderProjectShell } from './views/project-shell.js';

const root = document.getElementById('app');
let project = null; // the ProjectState of the open project, kept while its pages change
let cleanup = () => {};

function signOut(message) {
  if (project) project.close();
  project = null;
  session.signOut();
  showSignIn(message);
}

function showSignIn(message) {
  cleanup();
  cleanup = () => {};
  renderSignIn(root, {
    message,
    onSignedIn: () => router.refresh(route),
  });
}

function header() {
  const who = session.role();
  const label = who.admin ? 'admin' : `${who.write ? 'write' : 'read'} key`;
  return h('header', { class: 'top' },
    h('a', { class: 'brand', href: who.admin ? router.link('projects') : router.link('projects', who.projectId) }, 'libsync'),
    h('span', { class: 'who' }, `signed in with ${label}`),
    h('button', { type: 'button', class: 'sign-out', onclick: () => router.mayLeave() && signOut() }, 'Sign out'));
}

function projectState(id) {
  if (project && project.id === id) return project;
  if (project) project.close();
  project = new ProjectState(id);
  return project;
}

function route(parts) {
  if (!session.secret() || !session.role()) return showSignIn();
  cleanup();
  const who = session.role();
  if (parts[0] !== 'projects' || (!who.admin && parts[1] !== who.projectId)) {
    parts = who.admin ? ['projects'] : ['projects', who.projectId];
    history.replaceState(null, '', router.link(...parts));
  }
  const body = h('div', { class: 'page' });
  replace(root, header(), body);
  if (parts.length === 1) {
    if (project) project.close();
    project = null;
    cleanup = renderProjects(body, { onAuthError });
  } else {
    cleanup = renderProjectShell(body, projectState(parts[1]), parts.slice(2), { onAuthError });
  }
}

function onAuthError(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut('The server no longer accepts this secret; sign in again.');
    return true;
  }
  notify(error.message, 'error');
  return false;
}

async function boot() {
  const secret = session.secret();
  if (secret && !session.role()) {
    try {
      session.setRole(await whoAmI(session.isKey(secret)));
    } catch (error) {
      session.signOut();
      if (!(error instanceof ApiError)) notify(error.message, 'error');
    }
  }
  router.start(route);
}

boot();
