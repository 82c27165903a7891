//! The editor's view of the rulesets: open documents (their unsaved text wins
//! over the disk), the ruleset directory of each file, and one analysis per
//! directory (sources, syntax trees, `nudge check`'s diagnostics, the index),
//! recomputed when something in that directory changed.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use lsp_types::Uri;

use super::index::Index;
use super::text::LineIndex;
use crate::check;
use crate::diagnostic::Diagnostic;
use crate::program::Program;
use crate::ruleset::{read_sources, LoadError};
use crate::syntax::ast::FileAst;
use crate::syntax::{parse_file, FileId, SourceFile, SourceSet};

/// An open document.
#[derive(Debug, Clone)]
pub struct Document {
    pub text: String,
    pub version: i32,
}

/// Everything known about one ruleset directory at one moment.
#[derive(Debug)]
pub struct Analysis {
    pub sources: SourceSet,
    /// The absolute path of each file, by [`FileId`].
    pub paths: Vec<PathBuf>,
    pub asts: Vec<Rc<FileAst>>,
    pub lines: Vec<LineIndex>,
    /// Exactly what `nudge check` reports for these texts.
    pub diagnostics: Vec<Diagnostic>,
    /// The checked program, or the last one that checked (for types while
    /// the rules have errors).
    pub program: Option<Program>,
    pub index: Index,
}

impl Analysis {
    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        self.paths
            .iter()
            .position(|p| p == path)
            .and_then(|i| u32::try_from(i).ok())
            .map(FileId)
    }

    pub fn text(&self, file: FileId) -> &str {
        self.sources.get(file).map_or("", |f| f.text.as_str())
    }

    pub fn line_index(&self, file: FileId) -> Option<&LineIndex> {
        self.lines.get(file.0 as usize)
    }

    pub fn ast(&self, file: FileId) -> Option<&FileAst> {
        self.asts.get(file.0 as usize).map(Rc::as_ref)
    }

    pub fn path(&self, file: FileId) -> Option<&Path> {
        self.paths.get(file.0 as usize).map(PathBuf::as_path)
    }

    /// The LSP range of a span.
    pub fn range(&self, span: crate::syntax::Span) -> lsp_types::Range {
        let text = self.text(span.file);
        match self.line_index(span.file) {
            Some(index) => index.range(text, span.start, span.end),
            None => lsp_types::Range::default(),
        }
    }

    pub fn location(&self, span: crate::syntax::Span) -> Option<lsp_types::Location> {
        let uri = path_to_uri(self.path(span.file)?)?;
        Some(lsp_types::Location::new(uri, self.range(span)))
    }
}

/// Open documents and cached analyses.
#[derive(Debug, Default)]
pub struct Workspace {
    folders: Vec<PathBuf>,
    docs: HashMap<PathBuf, Document>,
    analyses: HashMap<PathBuf, Rc<Analysis>>,
    last_programs: HashMap<PathBuf, Program>,
    /// The last parse of each file: only files whose text changed are
    /// parsed again.
    parses: HashMap<PathBuf, Parse>,
}

/// One file's syntax tree and syntax diagnostics, for a text and file id.
#[derive(Debug)]
struct Parse {
    id: FileId,
    text: Arc<String>,
    ast: Rc<FileAst>,
    diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    pub fn open(&mut self, path: PathBuf, text: String, version: i32) {
        self.invalidate(&path);
        self.docs.insert(path, Document { text, version });
    }

    pub fn close(&mut self, path: &Path) {
        self.invalidate(path);
        self.docs.remove(path);
    }

    /// The version of an open document.
    pub fn version(&self, path: &Path) -> Option<i32> {
        self.docs.get(path).map(|d| d.version)
    }

    pub fn document_mut(&mut self, path: &Path) -> Option<&mut Document> {
        self.invalidate(path);
        self.docs.get_mut(path)
    }

    /// Forgets the analysis of the directory holding `path`.
    pub fn invalidate(&mut self, path: &Path) {
        self.analyses.retain(|root, _| !path.starts_with(root));
    }

    pub fn invalidate_all(&mut self) {
        self.analyses.clear();
    }

    /// The editor's workspace folders: a ruleset directory is looked for
    /// inside them only.
    pub fn set_folders(&mut self, folders: Vec<PathBuf>) {
        self.folders = folders;
        self.analyses.clear();
    }

    /// The ruleset directory of a file: its folder, or, inside a workspace
    /// folder, the highest folder above it whose every level holds `.nudge`
    /// files (a ruleset may keep files in subfolders; names are global
    /// across all of them).
    pub fn root_of(&self, path: &Path) -> PathBuf {
        let mut root = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        while let Some(parent) = root.parent() {
            let inside = self.folders.iter().any(|f| parent.starts_with(f));
            if !inside || !self.holds_rule_files(parent) {
                break;
            }
            root = parent.to_path_buf();
        }
        root
    }

    fn holds_rule_files(&self, dir: &Path) -> bool {
        let on_disk = std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "nudge"))
        });
        on_disk || self.docs.keys().any(|p| p.parent() == Some(dir))
    }

    /// The roots of every open document.
    pub fn open_roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = self.docs.keys().map(|p| self.root_of(p)).collect();
        roots.sort();
        roots.dedup();
        roots
    }

    /// The analysis of the ruleset holding `path`, computed if stale.
    pub fn analysis(&mut self, path: &Path) -> Rc<Analysis> {
        let root = self.root_of(path);
        self.analysis_of_root(root)
    }

    /// The analysis of a ruleset directory, computed if stale.
    pub fn analysis_of_root(&mut self, root: PathBuf) -> Rc<Analysis> {
        if let Some(a) = self.analyses.get(&root) {
            return Rc::clone(a);
        }
        let analysis = Rc::new(self.analyse(root.clone()));
        self.analyses.insert(root, Rc::clone(&analysis));
        analysis
    }

    fn analyse(&mut self, root: PathBuf) -> Analysis {
        let mut files: Vec<(PathBuf, String)> = match read_sources(&root) {
            Ok(sources) => sources
                .files()
                .map(|(_, f)| (root.join(&f.name), f.text.to_string()))
                .collect(),
            Err(LoadError::Empty { .. } | LoadError::Io { .. } | LoadError::Invalid { .. }) => {
                Vec::new()
            }
        };
        for (path, text) in &mut files {
            if let Some(doc) = self.docs.get(path.as_path()) {
                text.clone_from(&doc.text);
            }
        }
        for (path, doc) in &self.docs {
            if path.starts_with(&root) && !files.iter().any(|(p, _)| p == path) {
                files.push((path.clone(), doc.text.clone()));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut sources = SourceSet::new();
        for (path, text) in &files {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            sources.add(SourceFile::new(name, text.as_str()));
        }
        // What `check_sources` does (parse every file; check names and
        // types once all files parse), with each unchanged file's parse kept.
        let mut diagnostics = Vec::new();
        let mut asts = Vec::new();
        for ((id, file), (path, _)) in sources.files().zip(&files) {
            let parse = match self.parses.entry(path.clone()) {
                Entry::Occupied(kept) if kept.get().id == id && kept.get().text == file.text => {
                    kept.into_mut()
                }
                entry => {
                    let (ast, diagnostics) = parse_file(id, &file.text);
                    let parse = Parse {
                        id,
                        text: Arc::clone(&file.text),
                        ast: Rc::new(ast),
                        diagnostics,
                    };
                    entry.insert_entry(parse).into_mut()
                }
            };
            diagnostics.extend(parse.diagnostics.iter().cloned());
            asts.push(Rc::clone(&parse.ast));
        }
        let checked = if diagnostics.iter().any(Diagnostic::is_error) {
            None
        } else {
            let refs: Vec<_> = sources
                .files()
                .map(|(id, _)| id)
                .zip(asts.iter().map(Rc::as_ref))
                .collect();
            let (program, found) = check::check(&refs);
            diagnostics.extend(found);
            program
        };
        let lines = sources
            .files()
            .map(|(_, f)| LineIndex::new(&f.text))
            .collect();
        let program = match checked {
            Some(p) => {
                self.last_programs.insert(root.clone(), p.clone());
                Some(p)
            }
            None => self.last_programs.get(&root).cloned(),
        };
        let index = Index::build(&sources, asts.iter().map(Rc::as_ref));
        Analysis {
            paths: files.into_iter().map(|(p, _)| p).collect(),
            sources,
            asts,
            lines,
            diagnostics,
            program,
            index,
        }
    }
}

/// The path of a `file:` URI (percent-decoded), or `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///c:/x` on Windows, `file:///x` elsewhere; an authority is ignored.
    let path = rest.get(rest.find('/')?..)?;
    let mut bytes = Vec::with_capacity(path.len());
    let mut iter = path.bytes();
    while let Some(b) = iter.next() {
        if b == b'%' {
            let hex: Vec<u8> = iter.by_ref().take(2).collect();
            let value = std::str::from_utf8(&hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())?;
            bytes.push(value);
        } else {
            bytes.push(b);
        }
    }
    let decoded = String::from_utf8(bytes).ok()?;
    let windows_drive = decoded.get(1..3).is_some_and(|s| s.ends_with(':'));
    Some(PathBuf::from(if windows_drive {
        decoded.get(1..).unwrap_or("")
    } else {
        decoded.as_str()
    }))
}

/// The `file:` URI of an absolute path, percent-encoding what URIs forbid.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_are_check_sources_diagnostics_with_parses_kept() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let onboarding = root.join("onboarding.nudge");
        let mut workspace = Workspace::default();
        let text = std::fs::read_to_string(&onboarding).unwrap();
        for edit in [
            "",
            "\nsegment broken = plann",
            "\nrule r { when",
            "\nsegment x = ",
        ] {
            let edited = format!("{text}{edit}");
            workspace.open(onboarding.clone(), edited.clone(), 1);
            let analysis = workspace.analysis(&onboarding);
            let mut sources = read_sources(&root).unwrap();
            let mut replaced = SourceSet::new();
            for (_, f) in sources.files() {
                let body = if f.name == "onboarding.nudge" {
                    edited.clone()
                } else {
                    f.text.to_string()
                };
                replaced.add(SourceFile::new(f.name.clone(), body));
            }
            sources = replaced;
            let expected = crate::ruleset::check_sources(sources);
            assert_eq!(analysis.diagnostics, expected.diagnostics, "edit {edit:?}");
            assert_eq!(analysis.asts.len(), expected.sources.len());
        }
    }

    #[test]
    fn a_ruleset_directory_holds_subfolders_inside_the_workspace_only() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let nested = repo.join("rules/more/x.nudge");
        let mut workspace = Workspace::default();
        assert_eq!(workspace.root_of(&nested), repo.join("rules/more"));
        workspace.set_folders(vec![repo.to_path_buf()]);
        assert_eq!(workspace.root_of(&nested), repo.join("rules"));
        assert_eq!(
            workspace.root_of(&repo.join("rules/x.nudge")),
            repo.join("rules")
        );
    }

    #[test]
    fn uris_round_trip() {
        let path = PathBuf::from("/tmp/my rules/é.nudge");
        let uri = path_to_uri(&path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/my%20rules/%C3%A9.nudge");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
    }
}
