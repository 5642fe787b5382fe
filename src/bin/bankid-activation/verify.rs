//! `bankid-activation verify`: passive authentication of a chip dump directory.

use std::path::PathBuf;
use std::process::ExitCode;

use bankid_activation::verify::{self, TrustStore, VerificationReport};
use serde_json::Value;

use crate::output::json_line;

/// Arguments of `verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The dump directory (EF.SOD.bin, DG1.bin, … each as read from the chip).
    dir: PathBuf,
    /// Trusted CSCA certificates: PEM or DER files, directories of them, or ICAO master lists (.ml).
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    csca: Vec<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Loads the trust store for `--csca`.
pub fn load_trust(paths: &[PathBuf]) -> Result<TrustStore, String> {
    let trust = TrustStore::load(paths).map_err(|e| format!("--csca: {e}"))?;
    if trust.is_empty() {
        return Err("--csca: no certificate found in the given paths".into());
    }
    Ok(trust)
}

/// Runs `verify`.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let report = match load_trust(&args.csca) {
        Ok(trust) => verify::verify_dump(&args.dir, &trust),
        Err(e) if args.json => {
            json_line(&serde_json::json!({
                "valid": false, "signature_valid": false, "chain_valid": false,
                "data_groups": {}, "errors": [e],
            }))?;
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e),
    };
    if args.json {
        let value = serde_json::to_value(&report).map_err(|e| format!("report to JSON: {e}"))?;
        json_line(&value)?;
    } else {
        print_text(&report);
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Human-readable report.
pub fn print_text(report: &VerificationReport) {
    let yes = |b: bool| if b { "valid" } else { "NOT VALID" };
    println!("passive authentication  {}", yes(report.valid));
    println!("  SOD signature         {}", yes(report.signature_valid));
    if let Some(alg) = &report.signature_algorithm {
        println!("    algorithm           {alg}");
    }
    if let Some(ds) = &report.document_signer {
        println!("    document signer     {} ({})", ds.subject, ds.key);
    }
    println!("  chain to CSCA         {}", yes(report.chain_valid));
    if let Some(csca) = &report.csca {
        println!("    CSCA                {} ({})", csca.subject, csca.key);
    }
    for (dg, status) in &report.data_groups {
        let status = serde_json::to_value(status).ok();
        let status = status.as_ref().and_then(Value::as_str).unwrap_or("?");
        println!("  DG{dg:<2}                  {status}");
    }
    for w in &report.warnings {
        println!("warning: {w}");
    }
    for e in &report.errors {
        eprintln!("error: {e}");
    }
}
