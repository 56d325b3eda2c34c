// The secret (admin token or project key) lives in sessionStorage only: it survives a
// reload of the tab, is gone when the tab closes, and never goes into a URL or a log.

const kSecret = 'libsync.secret';
const kName = 'libsync.name';

const kRole = 'libsync.role';

// What the secret may do, found at sign-in (api.whoAmI) and kept for the tab, so a
// reload shows the page without asking again. It only shapes the page: the server
// checks every request, and a 401 signs the page out.
let who = readRole();

function readRole() {
  try {
    return JSON.parse(sessionStorage.getItem(kRole) || 'null');
  } catch {
    return null;
  }
}

export const secret = () => sessionStorage.getItem(kSecret);

/** Project keys start with sk_ (the server tells them apart the same way). */
export const isKey = (value = secret()) => Boolean(value) && value.startsWith('sk_');

export function credentialHeaders() {
  const value = secret();
  if (!value) return {};
  return isKey(value) ? { 'X-API-Key': value } : { Authorization: `Bearer ${value}` };
}

export function signIn(value, role) {
  sessionStorage.setItem(kSecret, value);
  setRole(role);
}

export function setRole(role) {
  who = role;
  if (role) sessionStorage.setItem(kRole, JSON.stringify(role));
  else sessionStorage.removeItem(kRole);
}

export function signOut() {
  sessionStorage.clear(); // the secret and any lock token this tab held
  who = null;
}

export const role = () => who;
export const isAdmin = () => Boolean(who && who.admin);
export const canWrite = () => Boolean(who && (who.admin || who.write));

/** The name this page acquires locks under, remembered for the tab. */
export const displayName = () => sessionStorage.getItem(kName) || (isAdmin() ? 'admin' : 'lead');
export const setDisplayName = (name) => sessionStorage.setItem(kName, name);

/**
 * The lock token this page got when it acquired `lock`, or null. The token is kept with
 * the lock's fence: after a force release and someone else's acquire, the fence differs
 * and the old token is not offered.
 */
export function lockToken(projectId, lock) {
  if (!lock) return null;
  try {
    const held = JSON.parse(sessionStorage.getItem(`libsync.lock.${projectId}`) || 'null');
    return held && held.fence === lock.fence ? held.token : null;
  } catch {
    return null;
  }
}

export function keepLockToken(projectId, token, fence) {
  sessionStorage.setItem(`libsync.lock.${projectId}`, JSON.stringify({ token, fence }));
}

export const forgetLockToken = (projectId) => sessionStorage.removeItem(`libsync.lock.${projectId}`);
