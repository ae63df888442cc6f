// Shared by every page: the GraphQL call, the stored session (kept by session.js) and the form
// helpers.
import { post } from "./api.js";
import { authorized, endSession } from "./session.js";
import { t } from "./i18n.js";

export { GqlError } from "./api.js";
export {
  DEVICE_KEY,
  SESSION_FIELDS,
  SESSION_KEY,
  clearSession,
  deviceToken,
  getSession,
  requireSession,
  saveSession,
  signOut,
  updateUser,
} from "./session.js";

// gql posts one operation to /graphql and returns its data, or throws a GqlError. With auth, it
// goes as the stored session, renewed when due; a session that has ended sends the browser to
// the sign-in page.
export async function gql(query, variables = {}, { auth = false } = {}) {
  if (!auth) return post(query, variables);
  try {
    return await authorized(query, variables);
  } catch (err) {
    if (err.code === "UNAUTHENTICATED") endSession();
    throw err;
  }
}

// errorText turns an error into the sentence a person reads.
export function errorText(error) {
  switch (error && error.code) {
    case "RATE_LIMITED":
      if (!error.retryAfter) return t("js.rate_limited");
      return t("js.rate_limited_for", error.retryAfter);
    case "NETWORK_ERROR":
    case "STORAGE_ERROR":
      return error.message;
    case "INVALID_RESET_TOKEN":
      return t("js.reset_link_invalid");
    case "INVALID_VERIFICATION_TOKEN":
      return t("js.link_invalid");
    case "BAD_USER_INPUT":
    case "UNAUTHENTICATED":
    case "FORBIDDEN":
      if (error.message) return error.message;
      break;
  }
  return t("js.internal_error");
}

// --- Pages and forms ---------------------------------------------------------------------

// takeToken returns the token a mailed link carries in its fragment (or, for older reset links
// when fromQuery is set, in its query) and takes it out of the address bar at once, so that it
// stays out of history, bookmarks and screenshots. The fragment never reaches a server.
export function takeToken({ fromQuery = false } = {}) {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  const query = fromQuery ? new URLSearchParams(location.search).get("token") : null;
  if (location.hash || location.search) history.replaceState(null, "", location.pathname);
  return (fromHash || query || "").trim();
}

export function byId(id) {
  return document.getElementById(id);
}

// showText puts text in an element and shows it, or hides it when text is empty.
export function showText(element, text) {
  if (!element) return;
  element.textContent = text || "";
  element.hidden = !text;
}

// queryFlag reads a marker such as ?reset=1 from the address.
export function queryFlag(name) {
  return new URLSearchParams(location.search).get(name) === "1";
}

// codePoints counts characters the way the server does, so an emoji is one character.
export function codePoints(text) {
  return [...text].length;
}

// FieldError is a problem with one input, found before anything is sent.
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.name = "FieldError";
    this.code = "BAD_USER_INPUT";
    this.field = field;
  }
}

// checkNewPassword applies the contract's length rule and, when a confirmation is given, the match.
// field is the data-field of the new-password input; the form carries the limits as data attributes.
export function checkNewPassword(form, field, password, confirmation) {
  const min = Number(form.dataset.minLength) || 8;
  const max = Number(form.dataset.maxLength) || 128;
  const length = codePoints(password);
  if (length < min) throw new FieldError(field, t("js.password_too_short", min));
  if (length > max) throw new FieldError(field, t("js.password_too_long", max));
  if (confirmation !== undefined && password !== confirmation) {
    throw new FieldError("confirmPassword", t("js.passwords_differ"));
  }
}

function fieldInput(form, field) {
  if (!field) return null;
  return [...form.querySelectorAll("[data-field]")].find((input) => input.dataset.field === field) || null;
}

function fieldErrorElement(input) {
  return input && input.id ? byId(`${input.id}-error`) : null;
}

function setFieldError(input, message) {
  const slot = fieldErrorElement(input);
  input.setAttribute("aria-invalid", "true");
  showText(slot, message);
}

// clearErrors empties the form's alert and every field message.
export function clearErrors(form, errorElement) {
  showText(errorElement, "");
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    showText(fieldErrorElement(input), "");
  }
}

// MissingFields lists every required input left empty, so that all are marked at once.
class MissingFields extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join(" "));
    this.name = "MissingFields";
    this.code = "BAD_USER_INPUT";
    this.errors = errors;
  }
}

// showError writes a form's errors, each once: one about an input beside that input, any other
// in the form's alert. The first input at fault gets focus, so a keyboard user lands where the
// fix is. An error may carry several (errors: every field the server or the page found wrong).
export function showError(form, errorElement, error, messages = {}) {
  const list = error && Array.isArray(error.errors) && error.errors.length > 0 ? error.errors : [error];
  const elsewhere = [];
  let first = null;
  for (const e of list) {
    const message = (e && messages[e.code]) || errorText(e);
    const input = fieldInput(form, e && e.field);
    if (!input) {
      if (!elsewhere.includes(message)) elsewhere.push(message);
      continue;
    }
    setFieldError(input, message);
    first = first || input;
  }
  showText(errorElement, elsewhere.join(" "));
  if (first) first.focus();
}

// lockForm disables or re-enables every control of a form, for a state the page
// decides (such as an unusable reset link) rather than a request in flight.
export function lockForm(form, locked) {
  form.dataset.locked = locked ? "true" : "";
  for (const control of form.elements) control.disabled = locked;
}

function setBusy(form, button, busy) {
  form.setAttribute("aria-busy", busy ? "true" : "false");
  if (busy) {
    button.dataset.idleLabel = button.textContent;
    if (button.dataset.busyLabel) button.textContent = button.dataset.busyLabel;
  } else if (button.dataset.idleLabel) {
    button.textContent = button.dataset.idleLabel;
  }
  button.disabled = busy || form.dataset.locked === "true";
}

// bindForm runs onSubmit(values) when the form is sent, with the submit button disabled
// meanwhile, and shows what it throws. values maps each input's data-field to its value.
// messages replaces the shown text for given error codes. The button starts disabled in the
// HTML and is enabled here, so nothing can be pressed before the script is ready.
export function bindForm(form, { submit, error, onSubmit, messages = {} }) {
  let running = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (running || form.dataset.locked === "true") return;
    running = true;
    clearErrors(form, error);
    setBusy(form, submit, true);
    try {
      hidePasswords(form);
      const values = {};
      const missing = [];
      for (const input of form.querySelectorAll("[data-field]")) {
        // Spaces around an email or a name are typing slips; in a password they are the password.
        const value = "password" in input.dataset ? input.value : input.value.trim();
        if (input.required && value === "") {
          missing.push(new FieldError(input.dataset.field, input.dataset.missing || t("js.fill_in")));
        }
        values[input.dataset.field] = value;
      }
      if (missing.length > 0) throw new MissingFields(missing);
      await onSubmit(values);
    } catch (err) {
      showError(form, error, err, messages);
    } finally {
      running = false;
      setBusy(form, submit, false);
    }
  });
  for (const input of form.querySelectorAll("[data-field]")) {
    // A field's message goes away once the person edits that field.
    input.addEventListener("input", () => {
      if (input.getAttribute("aria-invalid")) {
        input.removeAttribute("aria-invalid");
        showText(fieldErrorElement(input), "");
      }
    });
  }
  const toggle = form.querySelector("[data-show-passwords]");
  if (toggle) {
    toggle.disabled = form.dataset.locked === "true";
    toggle.addEventListener("change", () => {
      for (const input of form.querySelectorAll("[data-password]")) {
        input.type = toggle.checked ? "text" : "password";
      }
    });
  }
  submit.disabled = form.dataset.locked === "true";
}

// Password managers only save what sits in a password field, so fields shown as text go back
// to hidden when the form is sent.
function hidePasswords(form) {
  const toggle = form.querySelector("[data-show-passwords]");
  if (!toggle || !toggle.checked) return;
  toggle.checked = false;
  for (const input of form.querySelectorAll("[data-password]")) input.type = "password";
}
