import { SESSION_FIELDS, bindForm, byId, checkNewPassword, gql, saveSession } from "./app.js";

const REGISTER = `mutation Register($input: RegisterInput!) { register(input: $input) { ${SESSION_FIELDS} } }`;

const form = byId("register-form");
bindForm(form, {
  submit: byId("register-submit"),
  error: byId("register-error"),
  async onSubmit({ username, email, password }) {
    checkNewPassword(form, "password", password);
    const data = await gql(REGISTER, { input: { username, email, password } });
    saveSession(data.register);
    location.assign("/account");
  },
});
