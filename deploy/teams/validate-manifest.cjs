#!/usr/bin/env node
// Validates a built Teams manifest with Microsoft's @microsoft/teams-manifest package.
//
//   node deploy/teams/validate-manifest.cjs <built manifest.json>
//
// The package (pinned in tests/js, installed by `npm ci --prefix tests/js`) would fetch the
// schema named by "$schema" over the network; we hand it the copy in schema/ instead, so this
// runs offline. On top of the schema, it checks what the schema leaves to the Teams docs:
// command titles of at most 32 characters, and no placeholder left unfilled.
// Prints one line per problem and exits 1 if there is any.
"use strict";
const fs = require("fs");
const path = require("path");

const repo = path.resolve(__dirname, "..", "..");
const validatorDir = path.join(repo, "tests", "js", "node_modules", "@microsoft", "teams-manifest");
const schemaUrlPattern = /^https:\/\/developer\.microsoft\.com\/json-schemas\/teams\/v(\d+\.\d+)\/MicrosoftTeams\.schema\.json$/;

function fail(message) {
  console.error(`validate-manifest: ${message}`);
  process.exit(1);
}

async function main() {
  const file = process.argv[2];
  if (!file) fail("usage: validate-manifest.cjs <manifest.json>");
  if (!fs.existsSync(validatorDir)) fail(`${validatorDir} is missing: run npm ci --prefix tests/js`);
  const { ManifestUtil } = require(validatorDir);

  const text = fs.readFileSync(file, "utf8");
  const manifest = JSON.parse(text);
  const version = (manifest.$schema || "").match(schemaUrlPattern);
  if (!version) fail(`"$schema" is not a Teams manifest schema URL: ${manifest.$schema}`);
  if (manifest.manifestVersion !== version[1]) fail(`manifestVersion ${manifest.manifestVersion} does not match the $schema (v${version[1]})`);
  const schemaFile = path.join(__dirname, "schema", `MicrosoftTeams.v${version[1]}.schema.json`);
  if (!fs.existsSync(schemaFile)) fail(`no offline copy of schema v${version[1]} in ${path.dirname(schemaFile)} (see SOURCE.md there)`);
  const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));

  const problems = await ManifestUtil.validateManifestAgainstSchema(manifest, schema);
  for (const bot of manifest.bots || []) {
    for (const list of bot.commandLists || []) {
      for (const command of list.commands || []) {
        if (command.title.length > 32) problems.push(`command title longer than 32 characters: ${command.title}`);
      }
    }
  }
  const leftover = text.match(/\$\{\{[^}]*\}\}/);
  if (leftover) problems.push(`placeholder left unfilled: ${leftover[0]}`);

  if (problems.length > 0) {
    for (const p of problems) console.error(`validate-manifest: ${p}`);
    process.exit(1);
  }
  console.log(`validate-manifest: ${file} is a valid Teams manifest v${version[1]}`);
}

main().catch((e) => fail(e.stack || String(e)));
