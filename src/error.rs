//! The one error type, as `just` has it: every failure scaffold reports, one `Display` (the
//! whole cause chain on one line, each part saying what to do) and one exit code.
//!
//! Library errors (io, git2, toml, ...) convert into it with `?`; `.context(...)` adds what
//! scaffold was doing. Written here rather than taken from anyhow so that the exit code lives
//! in the type: a usage error stays a usage error through every added context.

use std::fmt;

/// A failure, with what the user should do about it.
pub enum Error {
    /// The command line or the answers cannot be used as given: exit 2.
    Usage(String),
    /// The command could not run at all (doctor could not read the repo): exit 2.
    CannotRun(String),
    /// Checks found problems and said which (`sync --check`, `doctor`): exit 1.
    Problems(String),
    /// Anything else that stops a command: exit 1.
    Failed(String),
    /// A library's error (io, git2, toml, ...), with its own causes.
    Source(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// What scaffold was doing when `inner` happened.
    Context { message: String, inner: Box<Error> },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A plain failure (exit 1) with this message.
    pub fn msg(message: impl fmt::Display) -> Error {
        Error::Failed(message.to_string())
    }

    /// The process exit code for this error: 2 for usage and could-not-run, else 1.
    pub fn code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::CannotRun(_) => 2,
            Error::Problems(_) | Error::Failed(_) | Error::Source(_) => 1,
            Error::Context { inner, .. } => inner.code(),
        }
    }

    /// This error, with what scaffold was doing when it happened.
    pub fn context(self, message: impl fmt::Display) -> Error {
        wrap(message.to_string(), self)
    }

    /// Whether the innermost error is a library error of type `T`.
    pub fn is<T: std::error::Error + 'static>(&self) -> bool {
        matches!(self.root(), Error::Source(e) if e.is::<T>())
    }

    /// The innermost error, past every added context.
    pub fn root(&self) -> &Error {
        match self {
            Error::Context { inner, .. } => inner.root(),
            other => other,
        }
    }

    /// True when stdout (or another pipe) was closed by the reader (`scaffold ... | head -1`):
    /// the program then ends quietly, as ripgrep does, with nothing more to say.
    pub fn is_broken_pipe(&self) -> bool {
        match self.root() {
            Error::Source(e) => e
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe),
            _ => false,
        }
    }

    /// A stable name of the kind of error, for `--json` output.
    pub fn kind(&self) -> &'static str {
        match self.root() {
            Error::Usage(_) => "usage",
            Error::CannotRun(_) => "cannot_run",
            Error::Problems(_) => "problems",
            Error::Failed(_) | Error::Source(_) | Error::Context { .. } => "failed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::CannotRun(m) | Error::Problems(m) | Error::Failed(m) => {
                f.write_str(m)
            }
            Error::Source(e) => {
                write!(f, "{e}")?;
                let mut cause = e.source();
                while let Some(c) = cause {
                    write!(f, ": {c}")?;
                    cause = c.source();
                }
                Ok(())
            }
            Error::Context { message, inner } => write!(f, "{message}: {inner}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self} (exit {})", self.code())
    }
}

/// Any library error converts with `?`. (The enum itself is not a `std::error::Error`, which
/// is what lets this impl exist beside the reflexive `From<Error> for Error`.)
impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(e: E) -> Error {
        Error::Source(Box::new(e))
    }
}

/// `.context(...)` and `.with_context(|| ...)` on results and options: says what scaffold was
/// doing, keeping the inner error's exit code.
pub trait Context<T> {
    fn context(self, message: impl fmt::Display) -> Result<T>;
    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, message: impl fmt::Display) -> Result<T> {
        self.map_err(|e| wrap(message.to_string(), e.into()))
    }

    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.map_err(|e| wrap(message().to_string(), e.into()))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, message: impl fmt::Display) -> Result<T> {
        self.ok_or_else(|| Error::Failed(message.to_string()))
    }

    fn with_context<M: fmt::Display>(self, message: impl FnOnce() -> M) -> Result<T> {
        self.ok_or_else(|| Error::Failed(message().to_string()))
    }
}

fn wrap(message: String, inner: Error) -> Error {
    Error::Context {
        message,
        inner: Box::new(inner),
    }
}

/// `bail!("...")`: return a plain failure (exit 1) with a formatted message.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::Failed(format!($($arg)*)))
    };
}

/// `err!("...")`: a plain failure (exit 1) with a formatted message, as a value.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::error::Error::Failed(format!($($arg)*))
    };
}

pub(crate) use bail;
pub(crate) use err;

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> Result<()> {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, "gone"))?
    }

    #[test]
    fn context_chains_on_one_line_and_keeps_the_code() {
        let e = io().context("reading go.mod").unwrap_err();
        assert_eq!(e.to_string(), "reading go.mod: gone");
        assert_eq!(e.code(), 1);
        let usage: Result<()> = Err(Error::Usage("pass --module".into()));
        let e = usage.context("new").unwrap_err();
        assert_eq!(e.code(), 2);
        assert_eq!(e.kind(), "usage");
        assert_eq!(
            None::<u8>.context("no value").unwrap_err().to_string(),
            "no value"
        );
    }

    #[test]
    fn a_closed_pipe_is_known_through_contexts() {
        let pipe: Result<()> = Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into());
        assert!(pipe.context("printing").unwrap_err().is_broken_pipe());
        assert!(!io().unwrap_err().is_broken_pipe());
        assert!(!Error::Usage("x".into()).is_broken_pipe());
    }

    #[test]
    fn bail_formats() {
        fn f(x: u8) -> Result<()> {
            bail!("bad {x}; pass another")
        }
        assert_eq!(f(3).unwrap_err().to_string(), "bad 3; pass another");
        assert_eq!(err!("x{}", 1).code(), 1);
    }
}
