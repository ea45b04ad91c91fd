// Compose subgraph SDL files with @apollo/composition and print the supergraph SDL.
// usage: node compose.mjs name=file.graphql[@url] ...   (exit 1 with the errors when composition fails)
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((arg) => {
  const [name, rest] = arg.split("=");
  const [file, url] = rest.split("@");
  return { name, url: url || `http://${name}/graphql`, typeDefs: parse(readFileSync(file, "utf8")) };
});
const result = composeServices(services);
if (result.errors && result.errors.length) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
for (const hint of result.hints || []) console.error(`hint: ${hint.definition.code}: ${hint.message}`);
process.stdout.write(result.supergraphSdl);
