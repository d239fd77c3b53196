//! The `vellum` executable. Everything lives in the library so tests can
//! drive it; this only hands over the command line.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
