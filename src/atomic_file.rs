//! The one atomic file writer: output goes to a temporary file beside the
//! destination, is flushed and synced to disk, and is renamed into place
//! only when complete, so a crash never leaves a truncated file that looks
//! whole. Decision logs, manifests, `nudge fmt` and rule-test snapshots all
//! write through it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file that appears at its path only once [`AtomicFile::commit`]
/// succeeds; dropped without a commit, it leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    /// Renamed into place: nothing to remove.
    committed: bool,
    /// Written straight into a device or FIFO: no temporary file.
    direct: bool,
}

impl AtomicFile {
    /// Starts writing `dest` (through a hidden temporary file beside it).
    ///
    /// A destination that exists and is not a regular file (`/dev/null`, a
    /// FIFO, a terminal) is written straight into: renaming over it would
    /// replace the device with a plain file.
    pub fn create(dest: impl AsRef<Path>) -> io::Result<AtomicFile> {
        let dest = dest.as_ref().to_path_buf();
        if std::fs::metadata(&dest).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = std::fs::OpenOptions::new().write(true).open(&dest)?;
            return Ok(AtomicFile {
                tmp: dest.clone(),
                dest,
                out: Some(BufWriter::with_capacity(1 << 16, file)),
                committed: false,
                direct: true,
            });
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| String::from("out"));
        let tmp = dest.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp)?;
        Ok(AtomicFile {
            dest,
            tmp,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
            committed: false,
            direct: false,
        })
    }

    /// The temporary file written until the commit (e.g. to remove it
    /// from a signal handler).
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// Commits several files together: every one is complete on disk
    /// before the first is renamed, so a failure while writing any of them
    /// leaves none in place (and removes every temporary file).
    pub fn commit_all(files: Vec<AtomicFile>) -> io::Result<()> {
        let named = |f: &AtomicFile, e: io::Error| {
            io::Error::new(e.kind(), format!("{}: {e}", f.dest.display()))
        };
        let mut files = files;
        for f in &mut files {
            if let Err(e) = f.sync() {
                return Err(named(f, e));
            }
        }
        for f in files {
            let dest = f.dest.clone();
            f.rename()
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dest.display())))?;
        }
        Ok(())
    }

    /// Flushes and syncs the temporary file.
    fn sync(&mut self) -> io::Result<()> {
        if let Some(out) = &mut self.out {
            out.flush()?;
            if !self.direct {
                out.get_ref().sync_all()?;
            }
        }
        Ok(())
    }

    /// Flushes, syncs and renames the file into place (then syncs the
    /// directory, where the platform allows it, so the rename is durable).
    pub fn commit(mut self) -> io::Result<()> {
        self.sync()?;
        self.rename()
    }

    /// Closes the (synced) file and renames it into place.
    fn rename(mut self) -> io::Result<()> {
        self.out = None;
        if self.direct {
            self.committed = true;
            return Ok(());
        }
        std::fs::rename(&self.tmp, &self.dest)?;
        self.committed = true;
        #[cfg(unix)]
        if let Some(dir) = self.dest.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically (see [`AtomicFile`]).
pub fn write(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes.as_ref())?;
    file.commit()
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.out {
            Some(out) => out.write(buf),
            None => Err(io::Error::other("file already closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed && !self.direct {
            self.out = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_appears_only_when_committed() {
        let dir = std::env::temp_dir().join(format!("nudge-atomic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"hello").unwrap();
        assert!(!path.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
        drop(AtomicFile::create(dir.join("dropped.txt")).unwrap());
        write(&path, "again").unwrap();
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "again");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_into_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write("/dev/null", "discarded").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(
            meta.file_type().is_char_device(),
            "/dev/null is still a device"
        );
    }
}
