"use strict";
(() => {
  // Headers hold bearer tokens: GraphiQL gets a storage that never keeps them, on top of
  // shouldPersistHeaders: false, and the page never writes anything into its URL.
  const isHeaders = (key) => /(^|:)headers$/.test(key);
  const isTabs = (key) => /(^|:)tabState$/.test(key);
  const withoutHeaders = (value) => {
    try {
      const state = JSON.parse(value);
      for (const tab of state.tabs || []) tab.headers = null;
      return JSON.stringify(state);
    } catch {
      return null;
    }
  };
  const storage = {
    getItem: (key) => (isHeaders(key) ? null : localStorage.getItem(key)),
    setItem(key, value) {
      if (isHeaders(key)) return;
      if (isTabs(key)) value = withoutHeaders(value);
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    },
    removeItem: (key) => localStorage.removeItem(key),
    clear() {
      for (const key of Object.keys(localStorage)) if (key.startsWith("graphiql:")) localStorage.removeItem(key);
    },
    key: (i) => localStorage.key(i),
    get length() { return localStorage.length; },
  };
  // What an older page, which did persist headers, left behind.
  for (const key of Object.keys(localStorage)) {
    if (isHeaders(key)) localStorage.removeItem(key);
    else if (isTabs(key)) storage.setItem(key, localStorage.getItem(key));
  }
  const root = document.getElementById("graphiql");
  // GraphiQL gives the <style> elements it adds this nonce, which the page's CSP allows.
  globalThis.__webpack_nonce__ = root.dataset.styleNonce;
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: location.origin + "/graphql" }),
      defaultQuery: root.dataset.document,
      defaultHeaders: root.dataset.headers,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      storage,
    }),
  );
})();
