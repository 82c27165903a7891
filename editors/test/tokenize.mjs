// Tokenizes every .nudge file under the given directories with the engine
// VS Code uses (vscode-textmate + oniguruma) and the grammar in
// ../vscode/syntaxes. Fails when text other than blanks is left with only
// the root scope, or when a known construct gets the wrong scope.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import textmate from "vscode-textmate";
import oniguruma from "vscode-oniguruma";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
await oniguruma.loadWASM(wasm.buffer);

const grammarPath = join(here, "../vscode/syntaxes/nudge.tmLanguage.json");
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scope) =>
    scope === "source.nudge"
      ? textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath)
      : null,
});
const grammar = await registry.loadGrammar("source.nudge");

/** Every token of a text: [line number, text, scopes]. */
function tokenize(text) {
  const out = [];
  let state = textmate.INITIAL;
  text.split("\n").forEach((line, i) => {
    const result = grammar.tokenizeLine(line, state);
    for (const t of result.tokens) {
      out.push([i + 1, line.slice(t.startIndex, t.endIndex), t.scopes]);
    }
    state = result.ruleStack;
  });
  return out;
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith(".nudge") ? [path] : [];
  });
}

let failures = 0;
let tokens = 0;
const fail = (message) => {
  failures += 1;
  console.error(message);
};

const dirs = process.argv.slice(2);
const paths = dirs.flatMap(files);
if (paths.length === 0) fail(`no .nudge files under ${dirs.join(", ")}`);
for (const path of paths) {
  for (const [line, text, scopes] of tokenize(readFileSync(path, "utf8"))) {
    tokens += 1;
    if (scopes.length === 1 && text.trim() !== "") {
      fail(`${path}:${line}: unscoped text ${JSON.stringify(text)}`);
    }
  }
}

// Known constructs get the scopes themes colour.
const sample = `# a comment
segment trial = plan == "trial\\n"
rule welcome {
  when trial and signed_up_at within 7 days and count(logged_in) >= 3
  send email "welcome" with { name: first_name ?? "there" }
  holdout 10%
}
policy { quiet hours 21:00 to 08:00 }
schema { seats: int  tags: list<string> }
`;
const expected = [
  ["# a comment", "comment.line.number-sign.nudge"],
  ["segment", "storage.type.segment.nudge"],
  ["trial", "entity.name.variable.segment.nudge"],
  ["\\n", "constant.character.escape.nudge"],
  ["welcome", "entity.name.function.rule.nudge"],
  ["when", "keyword.other.clause.nudge"],
  ["within", "keyword.operator.word.nudge"],
  ["7", "constant.numeric.duration.nudge"],
  ["days", "keyword.other.unit.nudge"],
  ["count", "support.function.builtin.nudge"],
  ["3", "constant.numeric.nudge"],
  ["??", "keyword.operator.nudge"],
  ["10%", "constant.numeric.percent.nudge"],
  ["21:00", "constant.numeric.clock.nudge"],
  ["int", "support.type.nudge"],
  ["list", "support.type.nudge"],
  ["string", "support.type.nudge"],
];
const sampleTokens = tokenize(sample);
for (const [text, scope] of expected) {
  const found = sampleTokens.find(([, t, scopes]) => t === text && scopes.includes(scope));
  if (!found) {
    const seen = sampleTokens.filter(([, t]) => t === text).map(([, , s]) => s.join(" "));
    fail(`\`${text}\` is not scoped ${scope} (got: ${seen.join("; ") || "no such token"})`);
  }
}

if (failures > 0) {
  console.error(`grammar: ${failures} problem(s)`);
  process.exit(1);
}
console.log(`grammar: ${paths.length} files, ${tokens} tokens, none unscoped; ${expected.length} scope checks pass`);
