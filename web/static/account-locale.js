// The account page's "Language" block: the language of the account's mail, which setLocale
// changes. Imported by account.js, which guards the page with the session.
import { bindForm, byId, getSession, gql, showText } from "./app.js";

const CURRENT = "query Locale { me { locale } }";
const SET = "mutation SetLocale($input: SetLocaleInput!) { setLocale(input: $input) { locale } }";

const form = byId("locale-form");
const select = byId("locale");
const message = byId("locale-message");

if (getSession()) {
  gql(CURRENT, {}, { auth: true })
    .then(({ me }) => (select.value = me.locale))
    .catch(() => {});
}

bindForm(form, {
  submit: byId("locale-submit"),
  error: byId("locale-form-error"),
  async onSubmit({ locale }) {
    showText(message, "");
    const data = await gql(SET, { input: { locale } }, { auth: true });
    select.value = data.setLocale.locale;
    showText(message, select.selectedOptions[0].dataset.saved);
  },
});
