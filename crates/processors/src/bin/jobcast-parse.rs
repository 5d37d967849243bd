//! The parse process on its own (`jobcast_processors::sandbox`), for tests
//! and benchmarks that run without the `jobcast` binary.

fn main() -> std::process::ExitCode {
    jobcast_processors::sandbox::child_main(std::env::args_os().skip(1))
}
