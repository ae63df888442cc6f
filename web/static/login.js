import { SESSION_FIELDS, bindForm, byId, deviceToken, gql, queryFlag, saveSession, showText } from "./app.js";

const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { ${SESSION_FIELDS} } }`;

const notice = byId("login-notice");
if (queryFlag("reset")) {
  showText(notice, "Password reset. Sign in with your new password.");
} else if (queryFlag("email-changed")) {
  showText(notice, "Email address changed. Sign in with your new address.");
} else if (queryFlag("expired")) {
  // News, not a success: shown in the neutral style.
  notice.classList.replace("success", "neutral");
  showText(notice, "Your session has ended. Please sign in again.");
}

bindForm(byId("login-form"), {
  submit: byId("login-submit"),
  error: byId("login-error"),
  // The server names no field for wrong credentials, on purpose: it must not tell which was wrong.
  messages: { UNAUTHENTICATED: "Incorrect email or password" },
  async onSubmit({ email, password }) {
    const data = await gql(LOGIN, { input: { email, password, deviceToken: deviceToken() } });
    saveSession(data.login);
    location.assign("/account");
  },
});
