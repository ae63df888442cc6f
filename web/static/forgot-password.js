import { bindForm, byId, gql, showText } from "./app.js";
import { t } from "./i18n.js";

const FORGOT = "mutation ForgotPassword($input: ForgotPasswordInput!) { forgotPassword(input: $input) { message } }";
const GENERIC = t("js.forgot_sent");

const message = byId("forgot-message");
bindForm(byId("forgot-form"), {
  submit: byId("forgot-submit"),
  error: byId("forgot-error"),
  async onSubmit({ email }) {
    showText(message, "");
    // The answer is the same whether or not the account exists; so is what the page shows.
    await gql(FORGOT, { input: { email } });
    showText(message, GENERIC);
  },
});
