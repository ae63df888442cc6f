import { bindForm, byId, errorText, gql, showText } from "./app.js";
import { t } from "./i18n.js";

const SIGN_UP = "mutation SignUp($input: RegisterInput!) { signUp(input: $input) { message } }";
// The answer is the same whether or not the address has an account; so is what the page shows.
const GENERIC = t("js.signup_sent");

const form = byId("register-form");
const sent = byId("signup-sent");
const message = byId("signup-message");
const resend = byId("resend");
const resendError = byId("resend-error");
const resendAfter = Number(sent.dataset.resendAfter) || 0;

// The details of the last sign-up, to send it again; they never leave this page's memory.
let last = null;
let waitTimer = 0;

// A sign-up sooner than the server's interval after the last would void the link on its way
// and send none, so the button waits as long.
function waitToResend() {
  clearTimeout(waitTimer);
  resend.disabled = resendAfter > 0;
  if (resendAfter > 0) waitTimer = setTimeout(() => (resend.disabled = false), resendAfter * 1000);
}

function showSent(email) {
  form.hidden = true;
  sent.hidden = false;
  byId("signup-email").textContent = email;
  showText(message, GENERIC);
  showText(resendError, "");
  message.focus();
  waitToResend();
}

bindForm(form, {
  submit: byId("register-submit"),
  error: byId("register-error"),
  // The server checks every field at once and names each one at fault; so no check here.
  async onSubmit({ username, email, password }) {
    const input = { username, email, password };
    await gql(SIGN_UP, { input });
    last = input;
    showSent(email);
  },
});

resend.addEventListener("click", async () => {
  if (!last) return;
  resend.disabled = true;
  showText(resendError, "");
  try {
    await gql(SIGN_UP, { input: last });
    showSent(last.email);
  } catch (err) {
    showText(resendError, errorText(err));
    resend.disabled = false;
  }
});

byId("signup-edit").addEventListener("click", () => {
  clearTimeout(waitTimer);
  sent.hidden = true;
  form.hidden = false;
  byId("username").focus();
});
