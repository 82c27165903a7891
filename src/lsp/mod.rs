//! `nudge lsp`: a Language Server Protocol server over stdio, so that rule
//! authors see `nudge check`'s diagnostics as they type, and get hover,
//! completion, go to definition, references, rename, formatting, quick fixes
//! and an outline.
//!
//! The server works on the whole ruleset directory of each open file (names
//! are global across files): `workspace` keeps the open texts and one
//! analysis per directory, made with the library's own pipeline
//! ([`check_sources`](crate::ruleset::check_sources) and
//! [`parse_file`](crate::syntax::parse_file)); `index` finds every name
//! and its uses in the syntax trees; the other modules answer one kind of
//! request each. Diagnostics are published when a file opens or is saved
//! (or a rule file changes on disk), and [`DEBOUNCE`] after the first change
//! of a burst.

mod actions;
mod completion;
mod diagnostics;
mod hover;
mod index;
mod navigate;
mod text;
mod workspace;

use std::collections::HashSet;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename, Request as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions, OneOf,
    Position, RenameOptions, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentIdentifier,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};
use serde_json::Value as Json;

use crate::syntax::FileId;
use workspace::{uri_to_path, Analysis, Workspace};

/// How long the server waits after a change before checking again, so that
/// a burst of keystrokes is checked once.
pub const DEBOUNCE: Duration = Duration::from_millis(15);

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LspError {
    /// The client broke the protocol (or closed stdin before `initialize`).
    #[error("language server protocol error: {0}")]
    Protocol(#[source] lsp_server::ProtocolError),
    /// The connection to the client is gone.
    #[error("the editor closed the connection")]
    Disconnected,
    /// The I/O threads failed, or the server thread could not start.
    #[error("language server i/o error: {0}")]
    Io(#[source] std::io::Error),
    /// The server thread panicked (a bug in nudge).
    #[error("the language server crashed (a bug in nudge)")]
    Crashed,
}

/// The stack of the thread that parses and checks: a long-running server
/// gets room for deeply nested expressions (pages are only used when
/// touched).
const SERVER_STACK: usize = 256 << 20;

/// Serves one editor over stdin and stdout until it asks to exit.
pub fn run_stdio() -> Result<(), LspError> {
    let (connection, io_threads) = Connection::stdio();
    let served = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("nudge-lsp".to_string())
            .stack_size(SERVER_STACK)
            .spawn_scoped(scope, || serve(&connection))
            .map_err(LspError::Io)?
            .join()
            .unwrap_or(Err(LspError::Crashed))
    });
    // Whatever was sent is written out before an error is reported.
    drop(connection);
    let written = io_threads.join().map_err(LspError::Io);
    served.and(written)
}

/// Serves one editor over a connection until it asks to exit.
pub fn serve(connection: &Connection) -> Result<(), LspError> {
    let (id, params) = connection.initialize_start().map_err(LspError::Protocol)?;
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "nudge".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    connection
        .initialize_finish(id, result)
        .map_err(LspError::Protocol)?;
    let mut workspace = Workspace::default();
    workspace.set_folders(workspace_folders(params));
    let mut server = Server {
        connection,
        workspace,
        published: HashSet::new(),
        due: None,
    };
    server.main_loop()
}

/// The workspace folders of `initialize` (or its older `rootUri`).
fn workspace_folders(params: Json) -> Vec<PathBuf> {
    let Ok(params) = serde_json::from_value::<lsp_types::InitializeParams>(params) else {
        return Vec::new();
    };
    #[allow(deprecated)] // `root_uri` is what older clients send
    let root = params.root_uri;
    params
        .workspace_folders
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.uri)
        .chain(root)
        .filter_map(|uri| uri_to_path(&uri))
        .collect()
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

struct Server<'a> {
    connection: &'a Connection,
    workspace: Workspace,
    /// Files whose last published diagnostics were not empty.
    published: HashSet<PathBuf>,
    /// When the pending diagnostics are due (a change is waiting).
    due: Option<Instant>,
}

/// A request that could not be answered.
struct Refusal(ErrorCode, String);

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), LspError> {
        loop {
            let message = match self.due {
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    match self.connection.receiver.recv_timeout(wait) {
                        Ok(m) => m,
                        Err(RecvTimeoutError::Timeout) => {
                            self.publish()?;
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => return Err(LspError::Disconnected),
                    }
                }
                None => self
                    .connection
                    .receiver
                    .recv()
                    .map_err(|_| LspError::Disconnected)?,
            };
            match message {
                Message::Request(request) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(LspError::Protocol)?
                    {
                        return Ok(());
                    }
                    let id = request.id.clone();
                    let response = match self.request(request) {
                        Ok(result) => Response::new_ok(id, result),
                        Err(Refusal(code, message)) => Response::new_err(id, code as i32, message),
                    };
                    self.send(response.into())?;
                }
                Message::Notification(notification) => self.notification(notification)?,
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) -> Result<(), LspError> {
        self.connection
            .sender
            .send(message)
            .map_err(|_| LspError::Disconnected)
    }

    /// Publishes the diagnostics of every ruleset with an open file.
    fn publish(&mut self) -> Result<(), LspError> {
        self.due = None;
        for root in self.workspace.open_roots() {
            let analysis = self.workspace.analysis_of_root(root);
            for (path, mut params) in diagnostics::publish_all(&analysis) {
                let open = self.workspace.version(&path);
                let had = self.published.contains(&path);
                if params.diagnostics.is_empty() {
                    self.published.remove(&path);
                } else {
                    self.published.insert(path);
                }
                if open.is_none() && !had && params.diagnostics.is_empty() {
                    continue;
                }
                params.version = open;
                let note = Notification::new(PublishDiagnostics::METHOD.to_string(), params);
                self.send(note.into())?;
            }
        }
        Ok(())
    }

    fn notification(&mut self, n: Notification) -> Result<(), LspError> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidOpenTextDocumentParams>(n.params) {
                    if let Some(path) = uri_to_path(&p.text_document.uri) {
                        self.workspace
                            .open(path, p.text_document.text, p.text_document.version);
                        self.publish()?;
                    }
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidChangeTextDocumentParams>(n.params) {
                    let Some(path) = uri_to_path(&p.text_document.uri) else {
                        return Ok(());
                    };
                    if let Some(doc) = self.workspace.document_mut(&path) {
                        for change in p.content_changes {
                            text::apply_change(&mut doc.text, change);
                        }
                        doc.version = p.text_document.version;
                        self.due.get_or_insert_with(|| Instant::now() + DEBOUNCE);
                    }
                }
            }
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => {
                self.workspace.invalidate_all();
                self.publish()?;
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidCloseTextDocumentParams>(n.params) {
                    if let Some(path) = uri_to_path(&p.text_document.uri) {
                        self.workspace.close(&path);
                        let clear = lsp_types::PublishDiagnosticsParams {
                            uri: p.text_document.uri,
                            diagnostics: Vec::new(),
                            version: None,
                        };
                        self.published.remove(&path);
                        let note = Notification::new(PublishDiagnostics::METHOD.to_string(), clear);
                        self.send(note.into())?;
                        // The file's text on disk may differ from the closed
                        // one: the other open files are checked again.
                        self.publish()?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The analysis of a document's ruleset and the document's file in it
    /// (`None` for a document that is not a file, such as an unsaved buffer).
    fn locate(&mut self, doc: &TextDocumentIdentifier) -> Option<(Rc<Analysis>, FileId)> {
        let path = uri_to_path(&doc.uri)?;
        let analysis = self.workspace.analysis(&path);
        let file = analysis.file_of(&path)?;
        Some((analysis, file))
    }

    fn offset(analysis: &Analysis, file: FileId, position: Position) -> usize {
        analysis
            .line_index(file)
            .map_or(0, |index| index.offset(analysis.text(file), position))
    }

    /// Answers a request about a document with `answer`, or with `null` when
    /// the document is not a file of a ruleset.
    fn in_document<T: serde::Serialize>(
        &mut self,
        doc: &TextDocumentIdentifier,
        answer: impl FnOnce(&Analysis, FileId) -> Result<T, Refusal>,
    ) -> Result<Json, Refusal> {
        let Some((a, file)) = self.locate(doc) else {
            return Ok(Json::Null);
        };
        to_json(answer(&a, file)?)
    }

    /// Answers a request at a position in a document with `answer`, given
    /// the position as a byte offset.
    fn at<T: serde::Serialize>(
        &mut self,
        at: &TextDocumentPositionParams,
        answer: impl FnOnce(&Analysis, FileId, usize) -> Result<T, Refusal>,
    ) -> Result<Json, Refusal> {
        self.in_document(&at.text_document, |a, file| {
            answer(a, file, Self::offset(a, file, at.position))
        })
    }

    /// Answers a request that asks about one position and cannot fail
    /// (hover, completion, definition): its parameters flatten a
    /// [`TextDocumentPositionParams`], and the rest of them (progress
    /// tokens, the completion trigger) is not read.
    fn at_position<T: serde::Serialize>(
        &mut self,
        params: Json,
        answer: fn(&Analysis, FileId, usize) -> T,
    ) -> Result<Json, Refusal> {
        let p: TextDocumentPositionParams = parse(params)?;
        self.at(&p, |a, file, offset| Ok(answer(a, file, offset)))
    }

    fn request(&mut self, r: Request) -> Result<Json, Refusal> {
        let refused = |m| Refusal(ErrorCode::RequestFailed, m);
        match r.method.as_str() {
            HoverRequest::METHOD => self.at_position(r.params, hover::hover),
            Completion::METHOD => self.at_position(r.params, completion::complete),
            GotoDefinition::METHOD => self.at_position(r.params, navigate::definition),
            References::METHOD => {
                let p: lsp_types::ReferenceParams = parse(r.params)?;
                let declaration = p.context.include_declaration;
                self.at(&p.text_document_position, |a, file, offset| {
                    Ok(navigate::references(a, file, offset, declaration))
                })
            }
            PrepareRenameRequest::METHOD => {
                let p: TextDocumentPositionParams = parse(r.params)?;
                self.at(&p, |a, file, offset| {
                    navigate::prepare_rename(a, file, offset).map_err(refused)
                })
            }
            Rename::METHOD => {
                let p: lsp_types::RenameParams = parse(r.params)?;
                self.at(&p.text_document_position, |a, file, offset| {
                    navigate::rename(a, file, offset, &p.new_name).map_err(refused)
                })
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = parse(r.params)?;
                self.in_document(&p.text_document, |a, file| {
                    Ok(navigate::document_symbols(a, file))
                })
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = parse(r.params)?;
                self.in_document(&p.text_document, |a, file| Ok(actions::formatting(a, file)))
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = parse(r.params)?;
                self.in_document(&p.text_document, |a, file| {
                    let start = Self::offset(a, file, p.range.start);
                    let end = Self::offset(a, file, p.range.end);
                    Ok(actions::code_actions(a, file, start, end))
                })
            }
            other => Err(Refusal(
                ErrorCode::MethodNotFound,
                format!("nudge lsp does not answer `{other}`"),
            )),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(params: Json) -> Result<T, Refusal> {
    serde_json::from_value(params).map_err(|e| Refusal(ErrorCode::InvalidParams, e.to_string()))
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Json, Refusal> {
    serde_json::to_value(value).map_err(|e| Refusal(ErrorCode::InternalError, e.to_string()))
}
