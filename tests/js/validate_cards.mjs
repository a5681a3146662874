// Checks every card in a folder of samples (tests/unit/adapters/teams/card_samples.cpp writes
// them) with Microsoft's `adaptivecards` parser: any parse or validation event fails, and so do a
// version above 1.5, an action whose `data` is not an object, and a message over 80 KB.
// Usage: node tests/js/validate_cards.mjs FOLDER
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const maxBytes = 80 * 1024;
const maxVersion = [1, 5];

let ac;
try {
  // The package's lib/ is ES modules without file extensions, which node cannot import; its
  // dist/ bundle (UMD) loads as CommonJS.
  ac = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js");
} catch (e) {
  console.error("validate_cards: the adaptivecards package is missing; run `npm ci --prefix tests/js`\n" + e.message);
  process.exit(1);
}

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node validate_cards.mjs FOLDER");
  process.exit(2);
}

// The card inside a message activity or an invoke answer, after checking the wrapper.
function cardOf(name, doc, problems) {
  if (doc.type === "message") {
    if (typeof doc.summary !== "string" || doc.summary.length === 0) problems.push("no plain-text summary");
    if (!Array.isArray(doc.attachments) || doc.attachments.length !== 1) {
      problems.push("not exactly one attachment");
      return undefined;
    }
    const attachment = doc.attachments[0];
    if (attachment.contentType !== "application/vnd.microsoft.card.adaptive") problems.push("content type " + attachment.contentType);
    return attachment.content;
  }
  if (doc.statusCode === 200 && doc.type === "application/vnd.microsoft.card.adaptive") return doc.value;
  problems.push("neither a message activity nor an invoke card answer");
  return undefined;
}

function versionAbove(version, limit) {
  const m = /^(\d+)\.(\d+)$/.exec(String(version));
  if (!m) return true;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > limit[0] || (major === limit[0] && minor > limit[1]);
}

// Every object with an Action.* type, fallbacks included.
function actionsIn(node, out = []) {
  if (Array.isArray(node)) node.forEach((child) => actionsIn(child, out));
  else if (node && typeof node === "object") {
    if (typeof node.type === "string" && node.type.startsWith("Action.")) out.push(node);
    Object.values(node).forEach((child) => actionsIn(child, out));
  }
  return out;
}

function validate(name, text) {
  const problems = [];
  if (Buffer.byteLength(text, "utf8") > maxBytes) problems.push(`${Buffer.byteLength(text, "utf8")} bytes, over ${maxBytes}`);
  const doc = JSON.parse(text);
  const source = cardOf(name, doc, problems);
  if (!source) return problems;
  if (source.type !== "AdaptiveCard") problems.push("card type " + source.type);
  if (versionAbove(source.version, maxVersion)) problems.push("version " + source.version + " above 1.5");
  const actions = actionsIn(source);
  for (const action of actions) {
    if ((action.type === "Action.Execute" || action.type === "Action.Submit") &&
        (action.data === null || typeof action.data !== "object" || Array.isArray(action.data))) {
      problems.push(`${action.type} "${action.title}" has data that is not an object`);
    }
    if (action.type === "Action.Execute" && (!action.fallback || action.fallback.type !== "Action.Submit")) {
      problems.push(`Action.Execute "${action.title}" has no Action.Submit fallback`);
    }
  }

  const context = new ac.SerializationContext(new ac.Version(1, 5));
  const card = new ac.AdaptiveCard();
  card.parse(source, context);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push(`parse: ${ac.ValidationEvent[event.event]}: ${event.message}`);
  }
  const results = card.validateProperties();
  for (const event of results.validationEvents) {
    problems.push(`validate: ${ac.ValidationEvent[event.event]}: ${event.message}`);
  }
  // The parsed card must still hold every action: one that the parser dropped or replaced by its
  // fallback would mean the SDK did not understand it.
  const parsedActions = actionsIn(card.toJSON(context)).filter((a) => a.type === "Action.Execute");
  const sourceExecutes = actions.filter((a) => a.type === "Action.Execute");
  if (parsedActions.length !== sourceExecutes.length) {
    problems.push(`${sourceExecutes.length} Action.Execute in the source, ${parsedActions.length} after parsing`);
  }
  return problems;
}

const files = readdirSync(folder).filter((f) => f.endsWith(".json")).sort();
if (files.length === 0) {
  console.error(`validate_cards: no samples in ${folder}`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  let problems;
  try {
    problems = validate(file, readFileSync(join(folder, file), "utf8"));
  } catch (e) {
    problems = ["unreadable: " + e.message];
  }
  if (problems.length > 0) {
    failed++;
    console.error(`${file}:\n  ${problems.join("\n  ")}`);
  }
}
console.log(`${files.length - failed} of ${files.length} cards valid`);
process.exit(failed === 0 ? 0 : 1);
