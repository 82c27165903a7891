// Starts `nudge lsp` for .nudge files and stops it with the editor.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("nudge").get("path") || "nudge";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "nudge",
    "nudge",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "nudge" }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.nudge"),
      },
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
