// The first page: one password field for the admin token or a project key. Enter submits.

import { ApiError, whoAmI } from '../api.js';
import { h, replace } from '../dom.js';
import * as session from '../session.js';

export function renderSignIn(root, { message, onSignedIn }) {
  const input = h('input', {
    type: 'password', id: 'secret', name: 'secret', autocomplete: 'current-password', required: true,
    'aria-label': 'Admin token or project key', placeholder: 'Admin token or project key',
  });
  const status = h('p', { class: 'form-error', role: 'alert' }, message || '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'sign-in', onsubmit: submit },
    h('h1', {}, 'libsync'),
    h('label', { for: 'secret' }, 'Admin token or project key'),
    input, button, status,
    h('p', { class: 'hint' }, 'Kept for this browser tab only; "Sign out" forgets it.'));

  async function submit(event) {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    button.disabled = true;
    status.textContent = '';
    session.signIn(value, null);
    try {
      session.setRole(await whoAmI(session.isKey(value)));
      input.value = '';
      onSignedIn();
    } catch (error) {
      session.signOut();
      status.textContent = error instanceof ApiError && error.status === 401
        ? 'Not accepted: check the token or key.' : error.message;
      button.disabled = false;
    }
  }

  replace(root, form);
  input.focus();
}
