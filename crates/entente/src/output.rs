//! Terminal concerns: the progress bar (shown on a terminal, silent when piped) and writing to stdout.

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--quiet`: no progress bar and no "wrote …" notes; errors are still printed.
pub fn set_quiet(q: bool) {
    QUIET.store(q, std::sync::atomic::Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// A note on stderr (what was written where), unless `--quiet`.
pub fn note(s: &str) {
    if !quiet() {
        eprintln!("{s}");
    }
}

/// A progress bar over `total` chunks, drawn on stderr only when it is a terminal and `--quiet` is not given.
pub fn progress(total: usize, what: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() && !quiet() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(total as u64), target);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}% {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// The application's progress, drawn as a bar on a terminal (one bar per stage) and not at all when piped or
/// `--quiet`.
#[derive(Default)]
pub struct Bar(std::sync::Mutex<Option<ProgressBar>>);

impl Bar {
    pub fn new() -> Self {
        Self::default()
    }

    fn with(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        // a poisoned lock only means another thread panicked while drawing: keep drawing
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }
}

impl entente_app::Progress for Bar {
    fn start(&self, total: usize, what: &str) {
        self.with(|b| {
            if let Some(old) = b.take() {
                old.finish_and_clear();
            }
            *b = Some(progress(total, what));
        })
    }

    fn inc(&self, n: usize) {
        self.with(|b| {
            if let Some(b) = b {
                b.inc(n as u64)
            }
        })
    }

    fn finish(&self) {
        self.with(|b| {
            if let Some(b) = b.take() {
                b.finish_and_clear()
            }
        })
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn print(s: &str) -> anyhow::Result<()> {
    print_bytes(s.as_bytes())
}

/// Writes bytes to stdout; a closed pipe (`| head`) is not an error.
pub fn print_bytes(b: &[u8]) -> anyhow::Result<()> {
    if let Some(e) = entente_report::csv_table_missing() {
        bail!(e);
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(b).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// Whether an error is, at its root, a write to a closed pipe (from any command, including those of other
/// crates that print for themselves): the reader has gone, which is how `| head` ends a run.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
        || e.chain().any(|c| c.to_string().contains("Broken pipe (os error 32)"))
}

/// The width terminal tables fit: `COLUMNS` when set, else the terminal's when stdout is one; unlimited when piped.
pub fn set_table_width() {
    let cols = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|c| *c > 0);
    let cols = cols.or_else(|| {
        if std::io::stdout().is_terminal() {
            terminal_size::terminal_size().map(|(w, _)| w.0 as usize)
        } else {
            None
        }
    });
    entente_report::set_table_width(cols);
}

/// Where a command writes a file it was given with `-o`: standard output for `-`, else a regular file.
#[derive(Debug, Clone)]
pub enum OutputTarget {
    Stdout,
    /// `shown` is the path as given (for messages); `real` is where the bytes go: a symbolic link is followed, so
    /// writing through it keeps the link and changes the file it points at.
    File {
        shown: PathBuf,
        real: PathBuf,
    },
}

/// Most symbolic links followed before giving up (as the kernel's `ELOOP` limit).
const MAX_LINKS: usize = 40;

impl OutputTarget {
    /// Checks an output path before any work, so that a bad one fails at once with exit 2: `-` is standard output;
    /// a symbolic link is followed (a dangling one creates its target); a folder, FIFO, device or socket is refused,
    /// as is a path whose folder does not exist.
    pub fn check(path: &Path, what: &str) -> anyhow::Result<Self> {
        if path.as_os_str() == "-" {
            return Ok(Self::Stdout);
        }
        let mut real = path.to_path_buf();
        for _ in 0..=MAX_LINKS {
            match std::fs::symlink_metadata(&real) {
                Ok(m) if m.file_type().is_symlink() => {
                    let to = std::fs::read_link(&real)
                        .with_context(|| format!("cannot write the {what} to {}", path.display()))?;
                    real = match real.parent() {
                        Some(dir) if to.is_relative() => dir.join(to),
                        _ => to,
                    };
                }
                Ok(m) => {
                    let kind = m.file_type();
                    if kind.is_dir() {
                        bail!("cannot write the {what} to {}: it is a folder (give a file name)", path.display());
                    }
                    if !kind.is_file() {
                        bail!(
                            "cannot write the {what} to {}: it is {}, not a regular file (use `-o -` to write to \
                             standard output)",
                            path.display(),
                            special_kind(&kind)
                        );
                    }
                    return Ok(Self::File { shown: path.to_path_buf(), real });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let dir = parent(&real);
                    if !dir.is_dir() {
                        bail!(
                            "cannot write the {what} to {}: {} is not an existing folder",
                            path.display(),
                            dir.display()
                        );
                    }
                    return Ok(Self::File { shown: path.to_path_buf(), real });
                }
                Err(e) => return Err(e).with_context(|| format!("cannot write the {what} to {}", path.display())),
            }
        }
        bail!("cannot write the {what} to {}: too many levels of symbolic links", path.display())
    }

    /// The path as given, or `-`.
    pub fn shown(&self) -> String {
        match self {
            Self::Stdout => "standard output".into(),
            Self::File { shown, .. } => shown.display().to_string(),
        }
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self, Self::Stdout)
    }

    /// Writes `bytes`. A regular file is replaced atomically (a temporary file beside the real target, renamed
    /// over it), keeping the permissions of the file it replaces, so a failure never leaves half a file; the
    /// target is checked again first, in case it changed while the command ran.
    pub fn write(&self, bytes: &[u8], what: &str) -> anyhow::Result<()> {
        let (shown, real) = match self {
            Self::Stdout => {
                let mut out = std::io::stdout().lock();
                return match out.write_all(bytes).and_then(|_| out.flush()) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    r => Ok(r?),
                };
            }
            Self::File { shown, real } => (shown, real),
        };
        let again = Self::check(shown, what)?;
        let real = match &again {
            Self::File { real: r, .. } if r == real => real,
            _ => bail!("cannot write the {what} to {}: it changed while the {what} was computed", shown.display()),
        };
        let ctx = || format!("cannot write the {what} to {}", shown.display());
        let mode = std::fs::metadata(real).ok().map(|m| m.permissions());
        let mut tmp = tempfile::Builder::new().prefix(".entente-").tempfile_in(parent(real)).with_context(ctx)?;
        tmp.write_all(bytes).and_then(|_| tmp.flush()).with_context(ctx)?;
        // a temporary file is private (0600); an output is a document to share, readable like any other file
        let perms = match mode {
            Some(p) => p,
            None => default_permissions(tmp.as_file()).with_context(ctx)?,
        };
        std::fs::set_permissions(tmp.path(), perms).with_context(ctx)?;
        tmp.persist(real).map_err(|e| anyhow::anyhow!("{}: {}", ctx(), e.error))?;
        Ok(())
    }
}

fn parent(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
fn default_permissions(_: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(f: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(f.metadata()?.permissions())
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}
