import { bindForm, byId, gql, showText } from "./app.js";

const FORGOT = "mutation ForgotPassword($input: ForgotPasswordInput!) { forgotPassword(input: $input) { message } }";
const GENERIC = "If an account exists with this email, you will receive password reset instructions.";

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
