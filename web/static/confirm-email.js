import { bindForm, byId, clearSession, gql, lockForm, showText, takeToken } from "./app.js";
import { t } from "./i18n.js";

const CONFIRM = "mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) { confirmEmailChange(input: $input) { message } }";

const form = byId("confirm-form");
const status = byId("confirm-status");
const again = byId("account-link-row");

function showProblem(text) {
  status.classList.add("error");
  showText(status, text);
  again.hidden = false;
  lockForm(form, true);
  byId("account-link").focus();
}

const token = takeToken();

// Pasting a link into this tab while the page is open changes only the fragment; start over.
addEventListener("hashchange", () => location.reload());

// The change waits for a press of the button rather than happening on load: mail scanners that
// open links, scripts and all, must not confirm for the person.
bindForm(form, {
  submit: byId("confirm-submit"),
  error: byId("confirm-error"),
  async onSubmit() {
    try {
      await gql(CONFIRM, { input: { token } });
    } catch (err) {
      if (err.code === "INVALID_VERIFICATION_TOKEN") {
        showProblem(t("js.change_link_invalid"));
        return;
      }
      if (err.code === "BAD_USER_INPUT" && err.field === "token") {
        showProblem(t("js.change_address_taken", err.message));
        return;
      }
      throw err;
    }
    // Every session of the account was revoked, this browser's too.
    clearSession();
    location.assign("/login?email-changed=1");
  },
});

if (!token) {
  showProblem(t("js.change_link_incomplete"));
}
