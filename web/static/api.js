// The one way the pages reach the server: a GraphQL operation posted to /graphql. It knows nothing
// of sessions; app.js adds the access token and session.js renews it.
import { serverText, t } from "./i18n.js";

const REQUEST_TIMEOUT_MS = 15000;

// GqlError is what post throws: the first GraphQL error, with its contract code; errors holds
// every error of the answer ({ code, message, field }), as a form shows one beside each field.
export class GqlError extends Error {
  constructor({ code, message, field = null, retryAfter = null, errors = [] }) {
    super(message);
    this.name = "GqlError";
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
    this.errors = errors;
  }
}

// post sends one operation, with token as its Bearer token when given, and returns its data or
// throws a GqlError; a network failure is NETWORK_ERROR.
export async function post(query, variables = {}, { token = null, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new GqlError({ code: "NETWORK_ERROR", message: t("js.network_error") });
  }

  let body = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's error page or an empty body: handled below as a server failure.
  }

  const first = body && Array.isArray(body.errors) ? body.errors[0] : null;
  if (first) {
    const ext = first.extensions || {};
    throw new GqlError({
      code: ext.code || "INTERNAL_SERVER_ERROR",
      message: serverText(first.message || ""),
      field: lastSegment(ext.field),
      retryAfter: toSeconds(ext.retryAfter) ?? toSeconds(response.headers.get("Retry-After")),
      errors: body.errors.map((e) => ({
        code: (e && e.extensions && e.extensions.code) || "INTERNAL_SERVER_ERROR",
        message: serverText((e && e.message) || ""),
        field: lastSegment(e && e.extensions && e.extensions.field),
        retryAfter: toSeconds(e && e.extensions && e.extensions.retryAfter),
      })),
    });
  }
  if (response.status === 429) {
    throw new GqlError({ code: "RATE_LIMITED", message: "", retryAfter: toSeconds(response.headers.get("Retry-After")) });
  }
  if (!response.ok || !body || !body.data) {
    throw new GqlError({ code: "INTERNAL_SERVER_ERROR", message: "" });
  }
  return body.data;
}

// The server may name a nested input ("input.password"); the page only needs the last part.
function lastSegment(field) {
  if (typeof field !== "string" || field === "") return null;
  return field.split(".").pop();
}

function toSeconds(value) {
  const n = Math.ceil(Number(value));
  return value !== null && value !== undefined && value !== "" && Number.isFinite(n) && n > 0 ? n : null;
}
