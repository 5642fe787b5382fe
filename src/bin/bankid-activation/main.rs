//! The `bankid-activation` command-line tool: a thin layer over the `bankid_activation` library.
//!
//! Every subcommand prints human-readable text by default and, with `--json`, one JSON object per
//! line with the field names fixed by the project's CLI contract (DESIGN.md).

mod activate;
mod activation_cmds;
mod demo;
mod keys;
mod mrz;
mod output;
mod pcsc_cmds;
mod read;
mod scan;
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
    /// Read the MRZ from camera images or photos (native OCR-B recogniser, or Tesseract with `--backend tesseract`).
    Scan(scan::Args),
    /// Parse MRZ text (2 or 3 lines), check every check digit, correct OCR look-alikes.
    Mrz(mrz::Args),
    /// Derive BAC K_seed/K_enc/K_mac and PACE K_pi from an MRZ, MRZ information or CAN.
    Keys(keys::Args),
    /// Read a chip (software chip or PC/SC reader): access control, every file, a dump, verification.
    Read(read::Args),
    /// List PC/SC readers, whether a card is present, and its ATR (feature `pcsc`).
    Readers(pcsc_cmds::ReadersArgs),
    /// Serve a dump with the software chip to pcscd through vsmartcard's vpcd driver.
    Emulate(pcsc_cmds::EmulateArgs),
    /// The embedded population registry (import people and BankIDs from JSON).
    Registry(activation_cmds::RegistryArgs),
    /// Activate a BankID on a device: MRZ, chip, passive authentication, rules, binding.
    Activate(activate::Args),
    /// The whole activation flow on embedded fixtures, two devices, each step timed.
    Demo(demo::Args),
    /// The device bound to a BankID, the binding history and every decision.
    Bindings(activation_cmds::BindingsArgs),
    /// Passive authentication of a chip dump: SOD signature, DS → CSCA chain, data-group hashes.
    Verify(verify::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Mrz(args) => mrz::run(&args),
        Command::Keys(args) => keys::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Read(args) => read::run(&args),
        Command::Registry(args) => activation_cmds::registry(&args),
        Command::Bindings(args) => activation_cmds::bindings(&args),
        Command::Activate(args) => activate::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Readers(args) => pcsc_cmds::readers(&args),
        Command::Emulate(args) => pcsc_cmds::emulate(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
