//! `bankid-activation keys`: BAC and PACE password keys from an MRZ, MRZ information or CAN.

use std::process::ExitCode;

use bankid_activation::crypto::keys::{BacKeys, CipherSuite, PaceKey};
use bankid_activation::mrz;
use serde_json::{Value, json};

use crate::output::json_line;

/// Arguments of `keys`. Exactly one source of the password is given.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("password").required(true).multiple(false)))]
pub struct Args {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The MRZ lines (2 or 3; a single argument may hold them separated by whitespace).
    #[arg(long, num_args = 1.., value_name = "LINE", group = "password")]
    mrz: Option<Vec<String>>,
    /// The MRZ information directly: document number + check digit, date of birth + check digit,
    /// date of expiry + check digit (ICAO 9303 Part 11 §9.7.2), e.g. `L898902C<369080619406236`.
    #[arg(long, value_name = "STR", group = "password")]
    mrz_info: Option<String>,
    /// The card access number printed on the document (PACE only).
    #[arg(long, value_name = "N", group = "password")]
    can: Option<String>,
}

/// Runs `keys`.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    match derive(args) {
        Ok(out) => {
            if args.json {
                json_line(&out)?;
            } else {
                print_text(&out);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if args.json {
                json_line(&json!({"valid": false, "error": e}))?;
            } else {
                eprintln!("error: {e}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// K_π for every cipher suite: its length and parity depend on the suite.
fn pace_keys(make: impl Fn(CipherSuite) -> Result<PaceKey, String>) -> Result<Value, String> {
    Ok(json!({
        "k_pi": make(CipherSuite::Aes128)?.expose_hex(),
        "k_pi_3des": make(CipherSuite::TripleDes)?.expose_hex(),
        "k_pi_aes128": make(CipherSuite::Aes128)?.expose_hex(),
        "k_pi_aes192": make(CipherSuite::Aes192)?.expose_hex(),
        "k_pi_aes256": make(CipherSuite::Aes256)?.expose_hex(),
    }))
}

fn derive(args: &Args) -> Result<Value, String> {
    if let Some(can) = &args.can {
        if can.is_empty() || !can.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "--can {can:?}: a card access number is digits only"
            ));
        }
        let mut out = pace_keys(|s| PaceKey::from_can(can, s).map_err(|e| e.to_string()))?;
        if let Value::Object(o) = &mut out {
            o.insert("password".into(), json!("CAN"));
            o.insert("valid".into(), json!(true));
        }
        return Ok(out);
    }
    let (info, valid) = match (&args.mrz, &args.mrz_info) {
        (Some(lines), _) => {
            let lines: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
            let m = mrz::parse(&lines).map_err(|e| format!("--mrz: {e}"))?;
            (m.mrz_information(), m.is_valid())
        }
        (None, Some(info)) => (info.clone(), true),
        (None, None) => return Err("give --mrz, --mrz-info or --can".into()),
    };
    let bac = BacKeys::from_mrz_information(&info).map_err(|e| format!("MRZ information: {e}"))?;
    let mut out = pace_keys(|s| {
        PaceKey::from_mrz_information(&info, s).map_err(|e| format!("MRZ information: {e}"))
    })?;
    if let Value::Object(o) = &mut out {
        o.insert("password".into(), json!("MRZ"));
        o.insert("mrz_information".into(), json!(info));
        o.insert("k_seed".into(), json!(bac.expose_k_seed_hex()));
        o.insert("k_enc".into(), json!(bac.expose_k_enc_hex()));
        o.insert("k_mac".into(), json!(bac.expose_k_mac_hex()));
        // Keys are derived from the MRZ as printed; a failed check digit is worth knowing.
        o.insert("valid".into(), json!(valid));
    }
    Ok(out)
}

fn print_text(out: &Value) {
    for key in [
        "password",
        "mrz_information",
        "k_seed",
        "k_enc",
        "k_mac",
        "k_pi",
        "k_pi_3des",
        "k_pi_aes192",
        "k_pi_aes256",
    ] {
        if let Some(v) = out.get(key).and_then(Value::as_str) {
            println!("{key:<16} {v}");
        }
    }
    if out.get("valid") == Some(&Value::Bool(false)) {
        eprintln!(
            "warning: the MRZ's check digits do not all hold; keys derived from it as printed"
        );
    }
}
