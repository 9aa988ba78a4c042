//! Output that survives a reader that went away: `countersign verify f.pdf | head -1` closes the
//! pipe after one line, and `println!` panics on the next write. Every print of the CLI goes
//! through [`Quiet`] instead: a closed pipe (`BrokenPipe`) ends the output quietly (the rest is
//! dropped and the command finishes with its own exit status); any other write failure (a full
//! disk under `> out.txt`) is remembered and reported once at the end, with exit status 2.

use std::fmt;
use std::io::{self, ErrorKind, Write};
use std::sync::Mutex;

/// The first write failure other than a closed pipe.
static FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// A writer whose `BrokenPipe` errors are a quiet success: nothing is read any more, so nothing
/// needs to be written.
pub struct Quiet<W>(pub W);

fn quiet<T>(result: io::Result<T>, nothing: T) -> io::Result<T> {
    match result {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(nothing),
        other => other,
    }
}

impl<W: Write> Write for Quiet<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        quiet(self.0.write(buf), buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        quiet(self.0.flush(), ())
    }
}

/// Writes one line to stdout (or stderr); used by [`outln!`] and [`errln!`].
pub fn line(to_stderr: bool, args: fmt::Arguments<'_>) {
    let written = if to_stderr {
        writeln!(Quiet(io::stderr().lock()), "{args}")
    } else {
        writeln!(Quiet(io::stdout().lock()), "{args}")
    };
    if let Err(error) = written {
        let mut failure = FAILURE.lock().unwrap_or_else(|poison| poison.into_inner());
        failure.get_or_insert_with(|| error.to_string());
    }
}

/// The first write failure other than a closed pipe, if any.
pub fn take_failure() -> Option<String> {
    FAILURE
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .take()
}

/// `println!` that never panics (see the module).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::console::line(false, format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics (see the module).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::console::line(true, format_args!($($arg)*))
    };
}

pub(crate) use errln;
pub(crate) use outln;

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that went away.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(ErrorKind::BrokenPipe.into())
        }
    }

    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(ErrorKind::StorageFull.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_other_failures_are_not() {
        assert!(writeln!(Quiet(Closed), "line").is_ok());
        assert!(Quiet(Closed).flush().is_ok());
        let full = writeln!(Quiet(Full), "line").unwrap_err();
        assert_eq!(full.kind(), ErrorKind::StorageFull);
    }
}
