//! `bankid-activation readers` (PC/SC reader list) and `bankid-activation emulate` (the software
//! chip served to pcscd through vsmartcard's vpcd driver).

use std::path::PathBuf;
use std::process::ExitCode;

use bankid_activation::emulator::FileSystem;
use bankid_activation::emulator::vpcd::{self, StopHandle, VpcdCard};
use serde_json::json;

use crate::output::json_line;

/// Arguments of `readers`.
#[derive(clap::Args)]
pub struct ReadersArgs {
    /// Print one JSON object per reader instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `readers`.
#[cfg(feature = "pcsc")]
pub fn readers(args: &ReadersArgs) -> Result<ExitCode, String> {
    let list = bankid_activation::transport::pcsc::list_readers().map_err(|e| e.to_string())?;
    if list.is_empty() && !args.json {
        println!("no PC/SC reader connected");
    }
    for r in &list {
        let atr = r.atr.as_deref().map(hex::encode_upper);
        if args.json {
            json_line(&json!({"name": r.name, "card_present": r.card_present, "atr": atr}))?;
        } else {
            let card = match &atr {
                Some(atr) => format!("card present, ATR {atr}"),
                None if r.card_present => "card present".to_owned(),
                None => "no card".to_owned(),
            };
            println!("{}  ({card})", r.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Without the `pcsc` feature there are no readers to list.
#[cfg(not(feature = "pcsc"))]
pub fn readers(args: &ReadersArgs) -> Result<ExitCode, String> {
    let e = "this build has no PC/SC support (rebuild with --features pcsc)";
    if args.json {
        json_line(&json!({"error": e}))?;
        return Ok(ExitCode::FAILURE);
    }
    Err(e.into())
}

/// Arguments of `emulate`.
#[derive(clap::Args)]
pub struct EmulateArgs {
    /// The dump directory the software chip serves.
    dir: PathBuf,
    /// What the chip offers: `bac`, or `pace:MAPPING:GROUP:CIPHER` (see `read --access`).
    #[arg(long, value_name = "ACCESS", default_value = "bac")]
    access: String,
    /// The chip's card access number.
    #[arg(long, value_name = "N", default_value = "123456")]
    chip_can: String,
    /// The vpcd driver of pcscd to connect to (vsmartcard's default slots listen on
    /// 35963 for "Virtual PCD 00 00" and 35964 for "Virtual PCD 00 01").
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:35963")]
    vpcd: String,
}

/// Runs `emulate` until the process is stopped (stopping it is pulling the card).
pub fn emulate(args: &EmulateArgs) -> Result<ExitCode, String> {
    let config = crate::read::emulator_config(&args.access, &args.chip_can)?;
    let fs = FileSystem::load_dir(&args.dir).map_err(|e| format!("{}: {e}", args.dir.display()))?;
    let mut card = VpcdCard::emulated_chip(fs, config).map_err(|e| e.to_string())?;
    eprintln!(
        "serving {} as an eMRTD ({}) through vpcd at {}; stop with Ctrl-C",
        args.dir.display(),
        args.access,
        args.vpcd
    );
    vpcd::serve(&args.vpcd, &mut card, &StopHandle::new()).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
