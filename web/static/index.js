import { byId, getSession, queryFlag, showText } from "./app.js";
import { t } from "./i18n.js";

if (queryFlag("deleted")) showText(byId("home-notice"), t("js.account_deleted"));

const session = getSession();
if (session) {
  byId("home-user").textContent = session.user.username;
  byId("home-signed-out").hidden = true;
  byId("home-signed-in").hidden = false;
}
