// The account page's "Email address" block: whether the address is verified, and a button that
// mails a link to verify it. Imported by account.js, which guards the page with the session.
import { byId, errorText, getSession, gql, queryFlag, showText } from "./app.js";
import { t } from "./i18n.js";

const STATUS = "query EmailStatus { me { email emailVerified } }";
const SEND = "mutation SendVerificationEmail { sendVerificationEmail { message } }";

const state = byId("verify-state");
const message = byId("verify-message");
const sendError = byId("verify-send-error");
const send = byId("send-verification");
// A second request sooner than this after the first sends nothing, so the button waits as long.
const resendAfter = Number(send.dataset.resendAfter) || 0;

function showStatus({ email, emailVerified }) {
  state.textContent = emailVerified
    ? t("js.email_is_verified", email)
    : t("js.email_not_verified", email);
  send.hidden = emailVerified;
}

if (getSession()) {
  if (queryFlag("verified")) showText(message, t("js.email_verified"));
  gql(STATUS, {}, { auth: true })
    .then(({ me }) => showStatus(me))
    .catch(() => {});
}

send.addEventListener("click", async () => {
  send.disabled = true;
  showText(sendError, "");
  showText(message, "");
  try {
    await gql(SEND, {}, { auth: true });
    showText(message, t("js.verification_sent"));
    setTimeout(() => (send.disabled = false), resendAfter * 1000);
  } catch (err) {
    showText(sendError, errorText(err));
    send.disabled = false;
  }
});
