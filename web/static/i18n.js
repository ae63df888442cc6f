// The page's messages in its language: the server renders them into the page as a JSON block
// (not a script, so the CSP still allows only our own files), and the language into <html lang>.

export const lang = document.documentElement.lang || "en";

const block = document.getElementById("messages");
const messages = block ? JSON.parse(block.textContent) : {};
const plurals = new Intl.PluralRules(lang);

// t formats the message key with args: "%[1]s" is the first; a message with plural forms picks
// the form of the first argument. A key the page lacks shows as itself, which the tests catch.
export function t(key, ...args) {
  let text = messages[key];
  if (text === undefined) return key;
  if (typeof text === "object") text = text[plurals.select(args[0])] ?? text.other;
  return text.replace(/%\[(\d+)\][sd]/g, (_, n) => String(args[n - 1]));
}

// serverText says one of the API's messages, which are the contract's English, in the page's
// language when the catalogue has it (key "js.api:" and the English), else as it came.
export function serverText(message) {
  const own = messages["js.api:" + message];
  return typeof own === "string" ? own : message;
}
