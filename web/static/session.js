// The stored session, shared by the tabs of one browser: keeping it, renewing its access token
// while the person is active, and ending it. Pages import it through app.js.
import { GqlError, post } from "./api.js";
import { t } from "./i18n.js";

export const SESSION_KEY = "latchkey.session";
// DEVICE_KEY keeps the last session's device token across tabs and restarts: it is no
// credential, only a sign that this browser signed in before, so that strangers' failed logins
// never slow its own.
export const DEVICE_KEY = "latchkey.device";

// SESSION_FIELDS selects everything the pages keep of a Session.
export const SESSION_FIELDS =
  "accessToken tokenType expiresAt refreshToken refreshExpiresAt deviceToken user { id username email createdAt }";
const REFRESH = `mutation RefreshSession($input: RefreshSessionInput!) { refreshSession(input: $input) { ${SESSION_FIELDS} } }`;
const SIGN_OUT = "mutation SignOut($input: SignOutInput) { signOut(input: $input) { message } }";

// An access token is renewed once half its life, at most RENEW_LEAD_MS before it expires, is left,
// but never sooner than MIN_AGE_MS after it came, whatever a skewed clock makes of its expiry.
const RENEW_LEAD_MS = 5 * 60 * 1000;
const MIN_AGE_MS = 10 * 1000;
// Activity this recent counts as "active"; the periodic look renews a due token only then.
const ACTIVE_MS = 5 * 60 * 1000;
const LOOK_EVERY_MS = 10 * 1000;
const SIGN_OUT_TIMEOUT_MS = 5000;
// Held by the one tab that renews; the others wait, then find the pair it stored.
const RENEW_LOCK = "latchkey.renew";

// Earlier versions kept the session per tab; such a leftover has no refresh token.
try {
  sessionStorage.removeItem(SESSION_KEY);
} catch {
  // Storage is unavailable, so there is nothing to remove.
}

function readStored() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY));
  } catch {
    return null;
  }
}

function isWellFormed(session) {
  const text = (v) => typeof v === "string" && v !== "";
  return Boolean(
    session &&
      text(session.accessToken) &&
      text(session.expiresAt) &&
      text(session.refreshToken) &&
      text(session.refreshExpiresAt) &&
      session.user &&
      typeof session.user.username === "string" &&
      typeof session.user.email === "string",
  );
}

// A session lasts as long as its refresh token; an expired access token is only renewed.
function isExpired(session) {
  const expires = Date.parse(session.refreshExpiresAt);
  return !Number.isFinite(expires) || expires <= Date.now();
}

// getSession returns the stored session while it can still be used; an expired or damaged one is
// removed.
export function getSession() {
  const session = readStored();
  if (session === null) return null;
  if (!isWellFormed(session) || isExpired(session)) {
    clearSession();
    return null;
  }
  return session;
}

// saveSession stores a Session as returned by a sign-in, refreshSession or changePassword.
// receivedAt is when its access token came, by this browser's clock.
export function saveSession(session, receivedAt = Date.now()) {
  if (!isWellFormed(session)) throw new GqlError({ code: "INTERNAL_SERVER_ERROR", message: "" });
  try {
    const { deviceToken, ...kept } = session;
    localStorage.setItem(SESSION_KEY, JSON.stringify({ ...kept, receivedAt }));
    if (deviceToken) localStorage.setItem(DEVICE_KEY, deviceToken);
  } catch {
    throw new GqlError({
      code: "STORAGE_ERROR",
      message: t("js.storage_error"),
    });
  }
}

// updateUser replaces the user kept with the session, e.g. after asking `me`.
export function updateUser(user) {
  const session = getSession();
  if (session) saveSession({ ...session, user }, session.receivedAt);
}

// deviceToken returns the device token of this browser's last session, or null.
export function deviceToken() {
  try {
    return localStorage.getItem(DEVICE_KEY);
  } catch {
    return null;
  }
}

// Set once this tab forgets the session itself, so that its own watch does not take the
// navigation that follows for a sign-out in another tab.
let clearedHere = false;

export function clearSession() {
  clearedHere = true;
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch {
    // Storage is unavailable, so there is nothing to clear.
  }
}

function renewAt(session) {
  const expires = Date.parse(session.expiresAt);
  const received = Number(session.receivedAt) || 0;
  const lead = Math.min(Math.max((expires - received) / 2, 0), RENEW_LEAD_MS);
  return Math.max(expires - lead, received + MIN_AGE_MS);
}

function ended() {
  return new GqlError({ code: "UNAUTHENTICATED", message: t("js.session_ended") });
}

let renewing = null;

// renew trades the refresh token for a new pair and stores it. One renewal runs per tab at a time,
// and with Web Locks one per browser; without them the server's grace interval gives two tabs
// that renew at once the same pair. stale is the access token the caller found wanting.
function renew(stale) {
  if (!renewing) {
    const run = () => renewStored(stale);
    renewing = (navigator.locks ? navigator.locks.request(RENEW_LOCK, run) : run()).finally(() => {
      renewing = null;
    });
  }
  return renewing;
}

async function renewStored(stale) {
  const session = getSession();
  if (!session) throw ended();
  // Another tab renewed while this one waited for the lock.
  if (session.accessToken !== stale && Date.now() < renewAt(session)) return session;
  try {
    const data = await post(REFRESH, { input: { refreshToken: session.refreshToken } });
    saveSession(data.refreshSession);
    return getSession() || data.refreshSession;
  } catch (err) {
    // A tab without the lock may have spent this refresh token first, and stored its pair.
    const now = getSession();
    if (err.code === "UNAUTHENTICATED" && now && now.refreshToken !== session.refreshToken) return now;
    throw err;
  }
}

// freshSession returns the stored session, its access token renewed first when due. Should the
// renewal fail for another reason than an ended session, a token not yet expired is still tried.
async function freshSession() {
  const session = getSession();
  if (!session) throw ended();
  if (Date.now() < renewAt(session)) return session;
  try {
    return await renew(session.accessToken);
  } catch (err) {
    if (err.code !== "UNAUTHENTICATED" && Date.now() < Date.parse(session.expiresAt)) return session;
    throw err;
  }
}

// authorized posts an operation as the stored session. A token the server refuses anyway (revoked,
// or this clock runs behind the server's) is renewed once and the operation sent once more; an
// UNAUTHENTICATED that gets through means the session has ended.
export async function authorized(query, variables, options = {}) {
  const session = await freshSession();
  try {
    return await post(query, variables, { ...options, token: session.accessToken });
  } catch (err) {
    if (err.code !== "UNAUTHENTICATED") throw err;
  }
  const renewed = await renew(session.accessToken);
  return post(query, variables, { ...options, token: renewed.accessToken });
}

// signOut ends this browser's session on the server, then forgets it and goes to the sign-in
// page. It forgets the session even when the server cannot be reached.
export async function signOut() {
  try {
    await authorized(SIGN_OUT, { input: { scope: "THIS" } }, { timeoutMs: SIGN_OUT_TIMEOUT_MS });
  } catch {
    // Ended already, or out of reach: what is left to do is below.
  } finally {
    clearSession();
    location.assign("/login");
  }
}

// endSession is for a session the server or the clock has ended, as opposed to signing out.
export function endSession() {
  clearSession();
  location.assign("/login?expired=1");
}

// requireSession returns the session, or sends the browser to the sign-in page and returns null.
// While the page stays open it renews the token as long as the person is active, and ends the
// page with the session, here or in another tab.
export function requireSession() {
  const hadOne = readStored() !== null;
  const session = getSession();
  if (!session) {
    if (hadOne) endSession();
    else location.assign("/login");
    return null;
  }
  watchSession();
  // A page restored from the back-forward cache after signing out must not show the account.
  addEventListener("pageshow", (event) => {
    if (event.persisted && !getSession()) location.replace("/login");
  });
  return session;
}

// Time is read from Date.now() at every look, so a sleeping laptop or a moved clock is seen at
// the next activity or tick rather than by a timer set long ago.
function watchSession() {
  let lastActivity = Date.now();
  let lastLook = 0;
  const look = () => {
    if (clearedHere) return;
    if (readStored() === null) return location.assign("/login");
    const session = getSession();
    if (!session) return endSession();
    if (Date.now() - lastActivity < ACTIVE_MS && Date.now() >= renewAt(session)) {
      renew(session.accessToken).catch((err) => {
        if (err.code === "UNAUTHENTICATED") endSession();
      });
    }
  };
  const onActivity = () => {
    lastActivity = Date.now();
    if (Math.abs(lastActivity - lastLook) < 1000) return;
    lastLook = lastActivity;
    look();
  };
  for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart", "focus"]) {
    addEventListener(type, onActivity, { capture: true, passive: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") onActivity();
  });
  setInterval(look, LOOK_EVERY_MS);
  // Another tab signed out, or signed in as someone else.
  addEventListener("storage", (event) => {
    if (event.key !== SESSION_KEY && event.key !== null) return;
    if (event.newValue === null) location.assign("/login");
    else if (userID(event.oldValue) !== userID(event.newValue)) location.reload();
  });
}

function userID(json) {
  try {
    return JSON.parse(json).user.id;
  } catch {
    return null;
  }
}
