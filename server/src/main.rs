//! `oauth-spa-server`: see `--help` and server/README.md.

use std::process::ExitCode;

use oauth_spa_server::{parse_args, run, Command, USAGE};

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("oauth-spa-server {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Command::Run(config)) => match run(*config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("oauth-spa-server: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("oauth-spa-server: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
