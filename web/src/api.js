// Every request the app makes, in one place. The app is written against the API as it is
// today (docs/http.md); where it needs more than that API offers, the workaround lives
// here, next to the request that will replace it, so switching is a change to this file.

import { credentialHeaders, secret } from './session.js';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `request failed with status ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** fileName as one path segment: '/' becomes %2F, so names ending in a sub-route's word
 *  (history, revert, push) are never read as one. */
const file = (name) => encodeURIComponent(name);
const project = (id) => `/api/projects/${encodeURIComponent(id)}`;

async function call(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { ...credentialHeaders(), ...headers }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

const lockHeader = (token) => (token ? { 'X-Lock-Token': token } : {});
const ifMatch = (version) => (version ? { 'If-Match': `"v${version}"` } : {});

// --- who is signed in ----------------------------------------------------------------

/**
 * What the secret may do: {admin: true} or {admin: false, projectId, write}, from
 * GET /api/session ({"role":"admin"} or {"role":"key","projectId","scope"}).
 */
export async function whoAmI() {
  const session = await call('GET', '/api/session');
  if (session.role === 'admin') return { admin: true };
  return { admin: false, projectId: session.projectId, write: session.scope === 'write' };
}

// --- projects --------------------------------------------------------------------------

export const listProjects = () => call('GET', '/api/projects');
export const getProject = (id) => call('GET', project(id));
export const createProject = (fields) => call('POST', '/api/projects', { body: fields });
export const updateProject = (id, fields) => call('PUT', project(id), { body: fields });
export const deleteProject = (id) => call('DELETE', project(id));

/**
 * Projects with their lock and docs count: GET /api/projects answers each project with
 * "lock": null | {lockedBy, lockedAt, expiresAt, reason, fence} and "docsCount": n.
 */
export const listProjectSummaries = listProjects;

// --- docs ------------------------------------------------------------------------------

/**
 * The project's docs without their text: [{fileName, version, hash, updatedAt}], read a
 * page at a time from GET …/docs?fields=meta&limit=500&after=<fileName>, which answers
 * {"docs":[…], "next": <fileName> | null}.
 */
export async function listDocs(projectId) {
  const docs = [];
  let after = null;
  do {
    const query = `fields=meta&limit=500${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const page = await call('GET', `${project(projectId)}/docs?${query}`);
    docs.push(...page.docs);
    after = page.next;
  } while (after !== null);
  return docs;
}

export const getDoc = (projectId, name) => call('GET', `${project(projectId)}/docs/${file(name)}`);

/**
 * Saves `content` if the doc is still at `version` (0: create only). 412 otherwise.
 * `resolves` (a conflict's remoteBlobId) also settles the doc's repository conflict: the
 * server records that blob as the doc's base, and answers 412, writing nothing, when the
 * doc's listed conflict is not with that blob (settled or raised again meanwhile).
 */
export function putDoc(projectId, name, content, { version, lockToken, resolves } = {}) {
  const headers = { ...lockHeader(lockToken) };
  if (version === 0) headers['If-None-Match'] = '*';
  else Object.assign(headers, ifMatch(version));
  // The history records these saves as made in the web app.
  const body = { content, source: 'web' };
  if (resolves) body.resolves = resolves;
  return call('PUT', `${project(projectId)}/docs/${file(name)}`, { body, headers });
}

export const deleteDoc = (projectId, name, { version, lockToken } = {}) =>
  call('DELETE', `${project(projectId)}/docs/${file(name)}`, { headers: { ...ifMatch(version), ...lockHeader(lockToken) } });

export const history = (projectId, name) => call('GET', `${project(projectId)}/docs/${file(name)}/history`);
export const version = (projectId, name, n) => call('GET', `${project(projectId)}/docs/${file(name)}/versions/${n}`);
export const revert = (projectId, name, n, { lockToken } = {}) =>
  call('POST', `${project(projectId)}/docs/${file(name)}/revert`, { body: { version: n }, headers: lockHeader(lockToken) });

// --- lock ------------------------------------------------------------------------------

export const getLock = (projectId) => call('GET', `${project(projectId)}/lock`);
export const acquireLock = (projectId, { lockedBy, reason, ttlSeconds }) =>
  call('POST', `${project(projectId)}/lock`, { body: { lockedBy, reason, ttlSeconds } });
export const extendLock = (projectId, token, ttlSeconds) =>
  call('POST', `${project(projectId)}/lock/extend`, { body: { ttlSeconds }, headers: lockHeader(token) });
export const releaseLock = (projectId, token) =>
  call('DELETE', `${project(projectId)}/lock`, { headers: lockHeader(token) });
export const forceReleaseLock = (projectId, reason) =>
  call('DELETE', `${project(projectId)}/lock?force=true&reason=${encodeURIComponent(reason)}`);

// --- git -------------------------------------------------------------------------------

export const importFromGit = (projectId, { lockToken } = {}) =>
  call('POST', `${project(projectId)}/docs/sync`, { headers: lockHeader(lockToken) });
export const exportToGit = (projectId, { lockToken } = {}) =>
  call('POST', `${project(projectId)}/push`, { headers: lockHeader(lockToken) });

/**
 * The conflicts the last import left, each with its base, local and repository sides:
 * [{fileName, reason, commit, detectedAt, baseBlobId, baseContent, localVersion,
 * localContent, remoteBlobId, remoteContent}], a side that does not exist being null.
 */
export const listConflicts = (projectId) => call('GET', `${project(projectId)}/conflicts`);

/** A conflict's remoteBlobId when the repository deleted the file: git's id for no object. */
export const kDeletedBlobId = '0'.repeat(40);

// --- keys and workstations -------------------------------------------------------------

export const listKeys = (projectId) => call('GET', `${project(projectId)}/api-keys`);
export const createKey = (projectId, name, scope) =>
  call('POST', `${project(projectId)}/api-keys`, { body: { name, scope } });
export const revokeKey = (keyId) => call('DELETE', `/api/projects/api-keys/${encodeURIComponent(keyId)}`);
export const consumers = (projectId) => call('GET', `${project(projectId)}/consumers`);

// --- events ----------------------------------------------------------------------------

/** Bytes as unpadded base64url: the only characters a WebSocket subprotocol may carry. */
function base64url(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * A WebSocket on the project's events after `since` (null: from now on). A browser's
 * WebSocket cannot send headers, and the secret must never be in a URL (where access logs
 * and history keep it), so it travels as the subprotocol `aitk.auth.<base64url>` beside
 * `aitk.v1`; the server answers with `aitk.v1` only (docs/http.md, "Live events").
 */
export function openEvents(projectId, since) {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  let url = `${scheme}//${window.location.host}/api/events?projectId=${encodeURIComponent(projectId)}`;
  if (since !== null && since !== undefined) url += `&since=${since}`;
  const value = secret();
  return new WebSocket(url, value ? ['aitk.v1', `aitk.auth.${base64url(value)}`] : ['aitk.v1']);
}

/** Close code the server ends an event WebSocket with when the log no longer holds `since`. */
export const kEventsGone = 4410;
