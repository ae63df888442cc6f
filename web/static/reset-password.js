import { bindForm, byId, checkNewPassword, gql, lockForm, showText, takeToken } from "./app.js";
import { lang, t } from "./i18n.js";

const CHECK = "query CheckResetToken($token: String!) { checkResetToken(token: $token) { valid expiresAt } }";
const RESET = "mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }";

const form = byId("reset-form");
const status = byId("reset-status");
const newLink = byId("request-new-link-row");

function showProblem(text) {
  status.classList.remove("info");
  status.classList.add("error");
  showText(status, text);
  newLink.hidden = false;
  lockForm(form, true);
  byId("request-new-link").focus();
}

function showInfo(text) {
  status.classList.remove("error");
  status.classList.add("info");
  showText(status, text);
}

const token = takeToken({ fromQuery: true });

// Pasting a link into this tab while the page is open changes only the fragment, which loads
// nothing; start over so the new token is read.
addEventListener("hashchange", () => location.reload());

bindForm(form, {
  submit: byId("reset-submit"),
  error: byId("reset-error"),
  async onSubmit({ newPassword, confirmPassword }) {
    checkNewPassword(form, "newPassword", newPassword, confirmPassword);
    try {
      await gql(RESET, { input: { token, newPassword } });
    } catch (err) {
      if (err.code === "INVALID_RESET_TOKEN" || (err.code === "BAD_USER_INPUT" && err.field === "token")) {
        showProblem(t("js.reset_link_invalid"));
        return;
      }
      throw err;
    }
    location.assign("/login?reset=1");
  },
});

if (!token) {
  showProblem(t("js.reset_link_incomplete"));
} else {
  lockForm(form, true);
  showInfo(t("js.checking_link"));
  try {
    const { checkResetToken: check } = await gql(CHECK, { token });
    if (check.valid) {
      const until = check.expiresAt ? new Date(check.expiresAt) : null;
      showInfo(
        until && !Number.isNaN(until.getTime())
          ? t("js.reset_until", until.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }))
          : "",
      );
      lockForm(form, false);
      byId("new-password").focus();
    } else {
      showProblem(t("js.reset_link_invalid"));
    }
  } catch {
    // The check only spares the person a form that cannot work; when it cannot be made,
    // the form stays usable and the reset itself gives the answer.
    showInfo("");
    lockForm(form, false);
  }
}
