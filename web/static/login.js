import { SESSION_FIELDS, bindForm, byId, deviceToken, gql, queryFlag, saveSession, showText } from "./app.js";
import { t } from "./i18n.js";

const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { ${SESSION_FIELDS} } }`;

const notice = byId("login-notice");
if (queryFlag("reset")) {
  showText(notice, t("js.password_reset_done"));
} else if (queryFlag("email-changed")) {
  showText(notice, t("js.email_changed"));
} else if (queryFlag("expired")) {
  // News, not a success: shown in the neutral style.
  notice.classList.replace("success", "neutral");
  showText(notice, t("js.session_ended"));
}

bindForm(byId("login-form"), {
  submit: byId("login-submit"),
  error: byId("login-error"),
  // The server names no field for wrong credentials, on purpose: it must not tell which was wrong.
  messages: { UNAUTHENTICATED: t("js.bad_credentials") },
  async onSubmit({ email, password }) {
    const data = await gql(LOGIN, { input: { email, password, deviceToken: deviceToken() } });
    saveSession(data.login);
    location.assign("/account");
  },
});
