//! The file being resolved: its path, named in every error, and its
//! directory, against which relative paths are resolved; plus the checks
//! every section shares (files that exist, secrets and stores only the
//! owner can read, numbers greater than zero).

use std::path::{Path, PathBuf};

use super::ConfigError;
use crate::i18n::t;

/// One config file under resolution.
pub(super) struct Source<'a> {
    path: &'a Path,
    dir: &'a Path,
}

impl<'a> Source<'a> {
    pub fn new(path: &'a Path) -> Self {
        Source {
            path,
            dir: path.parent().unwrap_or(Path::new(".")),
        }
    }

    /// The directory relative paths are resolved against.
    pub fn dir(&self) -> &Path {
        self.dir
    }

    /// An error about `key` in this file.
    pub fn err(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.path.to_path_buf(),
            key: key.to_string(),
            reason: reason.into(),
        }
    }

    /// `p` could not be read.
    fn unreadable(&self, key: &str, p: &Path, e: &std::io::Error) -> ConfigError {
        self.err(
            key,
            t!(
                "config-unreadable",
                file = p.display().to_string(),
                error = e.to_string()
            ),
        )
    }

    /// `p` resolved against the file's directory; it must be a file.
    pub fn existing(&self, key: &str, p: &Path) -> Result<PathBuf, ConfigError> {
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        };
        if full.is_file() {
            Ok(full)
        } else {
            Err(self.err(
                key,
                t!("config-not-a-file", file = full.display().to_string()),
            ))
        }
    }

    /// Like [`Source::existing`], for a secret: it must not be readable by
    /// others, as ssh insists for its keys.
    pub fn secret(&self, key: &str, p: &Path) -> Result<PathBuf, ConfigError> {
        let p = self.existing(key, p)?;
        let meta = std::fs::metadata(&p).map_err(|e| self.unreadable(key, &p, &e))?;
        self.owner_only(key, &p, &meta)?;
        Ok(p)
    }

    /// Like [`Source::secret`], for a file or directory that need not
    /// exist yet (a store, created private when it is first opened).
    pub fn private_if_present(&self, key: &str, p: &Path) -> Result<(), ConfigError> {
        match std::fs::metadata(p) {
            Ok(meta) => self.owner_only(key, p, &meta),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.unreadable(key, p, &e)),
        }
    }

    /// Refuses `p` (with metadata `meta`) if group or others have any
    /// access to it, naming the `chmod` that mends it.
    fn owner_only(&self, key: &str, p: &Path, meta: &std::fs::Metadata) -> Result<(), ConfigError> {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o077 == 0 {
            return Ok(());
        }
        let fix = if meta.is_dir() { "700" } else { "600" };
        Err(self.err(
            key,
            t!(
                "config-not-private",
                file = p.display().to_string(),
                mode = format!("{:o}", mode & 0o777),
                fix = fix
            ),
        ))
    }

    /// `v`, which must be greater than 0.
    pub fn nonzero(&self, key: &str, v: u64) -> Result<u64, ConfigError> {
        if v == 0 {
            Err(self.err(key, t!("config-not-positive")))
        } else {
            Ok(v)
        }
    }

    /// `v` if given (then greater than 0), else `default`.
    pub fn positive(&self, key: &str, v: Option<u64>, default: u64) -> Result<u64, ConfigError> {
        v.map_or(Ok(default), |v| self.nonzero(key, v))
    }
}
