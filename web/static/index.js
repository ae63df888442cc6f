import { byId, getSession, queryFlag, showText } from "./app.js";

if (queryFlag("deleted")) showText(byId("home-notice"), "Your account has been deleted.");

const session = getSession();
if (session) {
  byId("home-user").textContent = session.user.username;
  byId("home-signed-out").hidden = true;
  byId("home-signed-in").hidden = false;
}
