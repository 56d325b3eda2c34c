// Hash routes: #/projects, #/projects/<id>, #/projects/<id>/docs/<fileName>, … . Ids and
// file names are percent-encoded segments; nothing secret is ever part of a route.

let leaveGuard = null;
let current = location.hash;

/** parse('#/projects/p1/docs/a%2Fb.md') -> ['projects', 'p1', 'docs', 'a/b.md'] */
export function parse(hash = location.hash) {
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

export const link = (...parts) => '#/' + parts.map((p) => encodeURIComponent(p)).join('/');

export function go(...parts) {
  location.hash = link(...parts);
}

/**
 * `fn()` is asked before the page leaves the current route (or the tab closes); it
 * returns false to stay. One guard at a time: the open editor's.
 */
export function setLeaveGuard(fn) {
  leaveGuard = fn;
}

/** Whether the current page may be left now (asks the guard, if there is one). */
export const mayLeave = () => !leaveGuard || leaveGuard();

export function start(onRoute) {
  window.addEventListener('hashchange', () => {
    if (location.hash === current) return;
    if (leaveGuard && !leaveGuard()) {
      history.replaceState(null, '', current || '#/');
      return;
    }
    leaveGuard = null;
    current = location.hash;
    onRoute(parse());
  });
  window.addEventListener('beforeunload', (event) => {
    if (leaveGuard && !leaveGuard(true)) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
  current = location.hash;
  onRoute(parse());
}

/** Runs the current route again (after sign-in, for instance). */
export function refresh(onRoute) {
  current = location.hash;
  onRoute(parse());
}
