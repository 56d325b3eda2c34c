// Building DOM nodes. Text always goes in through textContent (strings given as children
// become text nodes), so names, contents, holders and reasons can never become markup.
// The one place HTML is inserted is the sanitized preview (editor/preview.js).

/**
 * h('button', {class: 'primary', onclick: fn, disabled: true}, 'Save') -> HTMLButtonElement.
 * Attributes whose name starts with "on" become listeners; `dataset` and `style` are not
 * taken on purpose: the CSP forbids inline style, and classes cover every case here.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (name === 'value') {
      el.value = value;
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A short-lived notice at the top of the page (errors, confirmations). */
export function notify(message, kind = 'info') {
  let box = document.getElementById('notices');
  if (!box) {
    box = h('div', { id: 'notices', role: 'status' });
    document.body.prepend(box);
  }
  const note = h('p', { class: `notice ${kind}` }, message);
  box.append(note);
  setTimeout(() => note.remove(), kind === 'error' ? 8000 : 4000);
}
