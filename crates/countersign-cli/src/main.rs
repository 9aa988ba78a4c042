//! The countersign command line; all logic lives in the library and in `cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
