import {
  SESSION_FIELDS,
  bindForm,
  byId,
  checkNewPassword,
  clearErrors,
  clearSession,
  gql,
  requireSession,
  saveSession,
  showText,
  signOut,
  updateUser,
} from "./app.js";
// The address's verification block and the session list keep to their own modules.
import "./account-verify.js";
import "./account-sessions.js";
import "./account-locale.js";
import { t } from "./i18n.js";

const ME = "query Me { me { id username email createdAt } }";
const CHANGE = `mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) { message session { ${SESSION_FIELDS} } }
}`;
const DELETE = "mutation DeleteAccount($input: DeleteAccountInput!) { deleteAccount(input: $input) { message } }";

function showUser(user) {
  byId("account-username").textContent = user.username;
  byId("account-email").textContent = `(${user.email})`;
  // Password managers tell accounts apart by the username field of a password form; the default
  // value survives form.reset().
  for (const id of ["change-username", "email-username", "delete-username"]) {
    const input = byId(id);
    input.defaultValue = user.email;
    input.value = user.email;
  }
}

const session = requireSession();
if (session) {
  showUser(session.user);
  byId("account-content").hidden = false;
  // The stored user may be stale, and the token may have been revoked since it was stored;
  // an UNAUTHENTICATED answer here ends the session inside gql.
  gql(ME, {}, { auth: true })
    .then(({ me }) => {
      updateUser(me);
      showUser(me);
    })
    .catch(() => {});
}

// Signing out asks the server to end the session, and forgets it whatever the answer.
const signOutButton = byId("sign-out");
signOutButton.addEventListener("click", () => {
  signOutButton.disabled = true;
  signOutButton.textContent = signOutButton.dataset.busyLabel;
  signOut();
});

const changeForm = byId("change-form");
const changeMessage = byId("change-message");
bindForm(changeForm, {
  submit: byId("change-submit"),
  error: byId("change-error"),
  async onSubmit({ currentPassword, newPassword, confirmPassword }) {
    showText(changeMessage, "");
    checkNewPassword(changeForm, "newPassword", newPassword, confirmPassword);
    const data = await gql(CHANGE, { input: { currentPassword, newPassword } }, { auth: true });
    // Every older token, this page's included, is revoked now: keep the fresh one.
    saveSession(data.changePassword.session);
    changeForm.reset();
    showUser(data.changePassword.session.user);
    showText(changeMessage, t("js.password_changed"));
  },
});

// Changing the address: the server answers the same whether or not the new address is taken,
// and mails the rest, so the page only passes the answer on.
const CHANGE_EMAIL = "mutation ChangeEmail($input: ChangeEmailInput!) { changeEmail(input: $input) { message } }";
const emailForm = byId("email-form");
const emailMessage = byId("email-message");
bindForm(emailForm, {
  submit: byId("email-submit"),
  error: byId("email-error"),
  async onSubmit({ newEmail, password }) {
    showText(emailMessage, "");
    // The answer is the contract's one sentence, in English; the page says it in its language.
    await gql(CHANGE_EMAIL, { input: { newEmail, password } }, { auth: true });
    emailForm.reset();
    showText(emailMessage, t("js.change_email_sent"));
  },
});

const deleteOpen = byId("delete-open");
const deleteForm = byId("delete-form");

const deleteError = byId("delete-error");

function setDeleteOpen(open) {
  deleteForm.hidden = !open;
  deleteOpen.setAttribute("aria-expanded", String(open));
  if (open) {
    byId("delete-password").focus();
  } else {
    deleteForm.reset();
    clearErrors(deleteForm, deleteError);
    deleteOpen.focus();
  }
}

deleteOpen.addEventListener("click", () => setDeleteOpen(deleteForm.hidden));
byId("delete-cancel").addEventListener("click", () => setDeleteOpen(false));
deleteForm.addEventListener("keydown", (event) => {
  if (event.key === "Escape") setDeleteOpen(false);
});

bindForm(deleteForm, {
  submit: byId("delete-submit"),
  error: deleteError,
  async onSubmit({ password }) {
    await gql(DELETE, { input: { password } }, { auth: true });
    clearSession();
    location.assign("/?deleted=1");
  },
});
