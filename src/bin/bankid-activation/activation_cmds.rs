//! `bankid-activation registry import` and `bankid-activation bindings`: the embedded registry and
//! the device-binding store.

use std::path::PathBuf;
use std::process::ExitCode;

use bankid_activation::activation::flow;
use bankid_activation::activation::registry;
use serde_json::json;

use crate::output::json_line;

/// Arguments of `registry`.
#[derive(clap::Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(clap::Subcommand)]
enum RegistryCommand {
    /// Load people and BankIDs from a JSON file into the embedded registry, all or nothing.
    Import {
        /// The JSON file (`{"people": [...], "bankids": [...]}`).
        file: PathBuf,
        /// The registry database (created if missing).
        #[arg(long, value_name = "PATH")]
        db: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `registry ...`.
pub fn registry(args: &RegistryArgs) -> Result<ExitCode, String> {
    match &args.command {
        RegistryCommand::Import { file, db, json } => match registry::import_file(file, db) {
            Ok(summary) => {
                if *json {
                    json_line(&json!({"imported": true, "people": summary.people,
                            "documents": summary.documents, "bankids": summary.bankids,
                            "error": null}))?;
                } else {
                    println!(
                        "imported {} people, {} documents, {} BankIDs into {}",
                        summary.people,
                        summary.documents,
                        summary.bankids,
                        db.display()
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                let msg = format!("{}: {e} (nothing was written)", file.display());
                if *json {
                    json_line(&json!({"imported": false, "error": msg}))?;
                    Ok(ExitCode::FAILURE)
                } else {
                    Err(msg)
                }
            }
        },
    }
}

/// Arguments of `bindings`.
#[derive(clap::Args)]
pub struct BindingsArgs {
    /// The binding store database.
    #[arg(long, value_name = "DB")]
    store: PathBuf,
    /// The BankID.
    #[arg(long, value_name = "ID")]
    bankid: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `bindings`.
pub fn bindings(args: &BindingsArgs) -> Result<ExitCode, String> {
    let report = flow::bindings_report_file(&args.store, &args.bankid)
        .map_err(|e| format!("{}: {e}", args.store.display()))?;
    if args.json {
        let value = serde_json::to_value(&report).map_err(|e| format!("report to JSON: {e}"))?;
        json_line(&value)?;
    } else {
        print!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}
