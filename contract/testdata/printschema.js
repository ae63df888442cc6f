// The schema test's use of graphql-js: `node printschema.js query` prints graphql-js's
// introspection query as a JSON request body; `node printschema.js print` reads the server's
// answer to it on standard input and prints the schema it describes, as printSchema prints it.
"use strict";
const { getIntrospectionQuery } = require("./npm/graphql/utilities/getIntrospectionQuery.js");
const { buildClientSchema } = require("./npm/graphql/utilities/buildClientSchema.js");
const { printSchema } = require("./npm/graphql/utilities/printSchema.js");

if (process.argv[2] === "query") {
  process.stdout.write(JSON.stringify({ query: getIntrospectionQuery() }));
} else {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (input += chunk));
  process.stdin.on("end", () => {
    const { data, errors } = JSON.parse(input);
    if (errors) throw new Error("introspection failed: " + JSON.stringify(errors));
    process.stdout.write(printSchema(buildClientSchema(data)) + "\n");
  });
}
