import { SESSION_FIELDS, bindForm, byId, gql, lockForm, saveSession, showText, takeToken } from "./app.js";
import { t } from "./i18n.js";

const VERIFY = `mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { ${SESSION_FIELDS} } }`;

// The server's one message for an unknown, used or expired token; any other is shown as it is.
const INVALID = "Invalid or expired verification link";

const form = byId("verify-form");
const status = byId("verify-status");
const usernameField = byId("username-field");

// showProblem says why the link cannot be used, with the ways on, and locks the form.
function showProblem(text) {
  status.classList.add("error");
  showText(status, text);
  byId("verify-links").hidden = false;
  byId("verify-lead").hidden = true;
  lockForm(form, true);
  byId("signup-again").focus();
}

const token = takeToken();

// Pasting a link into this tab changes only the fragment, which loads nothing; start over.
addEventListener("hashchange", () => location.reload());

// The person presses the button: a mail scanner that opens the link, scripts and all, does not,
// and so does not spend the link before its owner can.
bindForm(form, {
  submit: byId("verify-submit"),
  error: byId("verify-error"),
  async onSubmit({ username }) {
    const input = username ? { token, username } : { token };
    let data;
    try {
      data = await gql(VERIFY, { input });
    } catch (err) {
      if (err.code === "INVALID_VERIFICATION_TOKEN") {
        showProblem(
          !err.message || err.message === INVALID
            ? t("js.verify_link_invalid")
            : err.message,
        );
        return;
      }
      if (err.code === "BAD_USER_INPUT" && err.field === "username") {
        usernameField.hidden = false;
        byId("username").required = true;
      }
      throw err;
    }
    saveSession(data.verifyEmail);
    location.assign("/account?verified=1");
  },
});

if (!token) {
  showProblem(t("js.verify_link_incomplete"));
} else {
  byId("verify-submit").focus();
}
