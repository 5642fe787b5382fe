//! The `bankid-activation` command-line tool: a thin layer over the `bankid_activation` library.
//!
//! Every subcommand prints human-readable text by default and, with `--json`, one JSON object per
//! line with the field names fixed by the project's CLI contract (DESIGN.md).

mod keys;
mod mrz;
mod output;
mod read;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Activate a BankID with a passport or national ID card: MRZ, chip access, verification.
#[derive(Parser)]
#[command(name = "bankid-activation", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse MRZ text (2 or 3 lines), check every check digit, correct OCR look-alikes.
    Mrz(mrz::Args),
    /// Derive BAC K_seed/K_enc/K_mac and PACE K_pi from an MRZ, MRZ information or CAN.
    Keys(keys::Args),
    /// Read a chip (software chip or PC/SC reader): access control, every file, a dump, verification.
    Read(read::Args),
    /// Passive authentication of a chip dump: SOD signature, DS → CSCA chain, data-group hashes.
    Verify(verify::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mrz(args) => mrz::run(&args),
        Command::Keys(args) => keys::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Read(args) => read::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
