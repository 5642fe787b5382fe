//! Output helpers shared by the subcommands: JSON lines and error reporting.

use std::io::Write;

/// Prints one JSON object on its own line (the `--json` contract).
pub fn json_line(value: &serde_json::Value) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value).map_err(|e| format!("writing JSON: {e}"))?;
    writeln!(out).map_err(|e| format!("writing output: {e}"))
}
