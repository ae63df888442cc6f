// The account page's "Where you are signed in" block: the account's sessions, with a way to sign
// out each of the others, or all of them. Imported by account.js, which guards the page.
import { byId, errorText, getSession, gql, showText } from "./app.js";
import { lang, t } from "./i18n.js";

const SESSIONS = "query Sessions { me { sessions { id createdAt lastUsedAt ipAddress userAgent current } } }";
const REVOKE = "mutation RevokeSession($input: RevokeSessionInput!) { revokeSession(input: $input) { message } }";
const SIGN_OUT_OTHERS = "mutation SignOutOthers { signOut(input: { scope: OTHERS }) { message } }";

const title = byId("sessions-title");
const list = byId("sessions-list");
const message = byId("sessions-message");
const error = byId("sessions-error");
const others = byId("sign-out-others");
const day = new Intl.DateTimeFormat(lang, { dateStyle: "medium" });
const moment = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });

// Names are found in this order: Edge and Opera also say Chrome, Chrome also says Safari, Android
// also says Linux, and iPhones say "like Mac OS X".
const BROWSERS = [
  ["Edg/", "Edge"],
  ["OPR/", "Opera"],
  ["Firefox/", "Firefox"],
  ["FxiOS/", "Firefox"],
  ["CriOS/", "Chrome"],
  ["Chrome/", "Chrome"],
  ["Safari/", "Safari"],
];
const SYSTEMS = [
  ["Windows", "Windows"],
  ["iPhone", "iOS"],
  ["iPad", "iPadOS"],
  ["Android", "Android"],
  ["CrOS", "ChromeOS"],
  ["Mac OS X", "macOS"],
  ["Linux", "Linux"],
];

// deviceName shortens a user agent for people, e.g. "Firefox on Windows"; what it cannot name,
// such as a command-line client, is shown as sent, cut short.
export function deviceName(userAgent) {
  if (!userAgent) return t("js.unknown_browser");
  const find = (table) => (table.find(([mark]) => userAgent.includes(mark)) || [])[1];
  const browser = find(BROWSERS);
  const system = find(SYSTEMS);
  if (browser && system) return t("js.browser_on_system", browser, system);
  if (browser || system) return browser || system;
  return userAgent.length > 40 ? `${userAgent.slice(0, 40)}…` : userAgent;
}

// ago says how long ago a recent moment was, e.g. "5 minutes ago"; a moment ahead of this
// browser's clock is "just now".
function ago(date) {
  const minutes = Math.floor((Date.now() - date.getTime()) / 60000);
  if (minutes < 1) return t("js.just_now");
  if (minutes < 60) return relative.format(-minutes, "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return relative.format(-hours, "hour");
  const days = Math.floor(hours / 24);
  return days < 30 ? relative.format(-days, "day") : day.format(date);
}

// timeElement shows a moment as a day, or with recent set as how long ago; the exact time is in
// its title.
function timeElement(value, recent = false) {
  const element = document.createElement("time");
  element.dateTime = value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    element.textContent = value;
    return element;
  }
  element.textContent = recent ? ago(date) : day.format(date);
  element.title = moment.format(date);
  return element;
}

// row builds one session's list item from text nodes only: the user agent is whatever the other
// client sent.
function row(session, index) {
  const item = document.createElement("li");
  item.className = session.current ? "session current" : "session";
  item.dataset.sessionId = session.id;
  const about = document.createElement("div");
  const name = document.createElement("p");
  name.className = "session-name";
  name.id = `session-${index}-name`;
  const strong = document.createElement("strong");
  strong.textContent = deviceName(session.userAgent);
  if (session.userAgent) strong.title = session.userAgent;
  name.append(strong);
  if (session.current) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = t("js.this_device");
    name.append(" ", badge);
  }
  const detail = document.createElement("p");
  detail.className = "session-detail muted";
  detail.id = `session-${index}-detail`;
  detail.append(t("js.session_signed_in"), " ", timeElement(session.createdAt), ` · ${t("js.session_last_active")} `, timeElement(session.lastUsedAt, true));
  detail.append(` · ${session.ipAddress || t("js.unknown_address")}`);
  about.append(name, detail);
  item.append(about);
  if (!session.current) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary";
    button.textContent = t("js.sign_out");
    button.dataset.busyLabel = t("js.signing_out");
    button.setAttribute("aria-describedby", `${name.id} ${detail.id}`);
    button.addEventListener("click", () => act(button, REVOKE, { input: { id: session.id } }, t("js.signed_out_device", strong.textContent)));
    item.append(button);
  }
  return item;
}

// The session of this page first, then the most recently used, then the newest.
function order(a, b) {
  if (a.current !== b.current) return a.current ? -1 : 1;
  return Date.parse(b.lastUsedAt) - Date.parse(a.lastUsedAt) || Date.parse(b.createdAt) - Date.parse(a.createdAt);
}

async function load() {
  list.setAttribute("aria-busy", "true");
  try {
    const { me } = await gql(SESSIONS, {}, { auth: true });
    const sessions = [...me.sessions].sort(order);
    list.replaceChildren(...sessions.map(row));
    others.hidden = !sessions.some((s) => !s.current);
  } catch (err) {
    showText(error, errorText(err));
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

let busy = false;

// act runs one sign-out, says how it went, and shows the list as it is now; focus goes to the
// block's heading, as the pressed button may be gone.
async function act(button, query, variables, done) {
  if (busy) return;
  busy = true;
  showText(message, "");
  showText(error, "");
  const idle = button.textContent;
  button.disabled = true;
  button.textContent = button.dataset.busyLabel;
  try {
    await gql(query, variables, { auth: true });
    showText(message, done);
  } catch (err) {
    showText(error, errorText(err));
  } finally {
    button.textContent = idle;
    button.disabled = false;
    busy = false;
  }
  await load();
  title.focus();
}

others.addEventListener("click", () =>
  act(others, SIGN_OUT_OTHERS, {}, t("js.signed_out_others")),
);

if (getSession()) load();
