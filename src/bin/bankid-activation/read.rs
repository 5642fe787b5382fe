//! `bankid-activation read`: read a chip (the software chip, or a PC/SC reader), write a dump,
//! verify it.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use bankid_activation::emulator::{EmulatedChip, EmulatorConfig};
use bankid_activation::reader::{
    self, ChipDump, Credentials, LdsFile, Progress, ReadError, ReadOptions,
};
use bankid_activation::transport::Transport;
use bankid_activation::verify::{self, VerificationReport};
use serde_json::{Value, json};

use crate::output::json_line;

/// Arguments of `read`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("chip").required(true).multiple(false)))]
#[command(group(clap::ArgGroup::new("password").required(true).multiple(false)))]
pub struct Args {
    /// Serve this dump directory with the project's software chip instead of a reader.
    #[arg(long, value_name = "DIR", group = "chip")]
    emulator: Option<PathBuf>,
    /// Read the card in this PC/SC reader (needs the `pcsc` feature).
    #[arg(long, value_name = "NAME", group = "chip")]
    reader: Option<String>,
    /// What the software chip offers: `bac` (PACE mappings arrive with the PACE work).
    #[arg(
        long,
        value_name = "ACCESS",
        default_value = "bac",
        requires = "emulator"
    )]
    access: String,
    /// The software chip's card access number.
    #[arg(
        long,
        value_name = "N",
        default_value = "123456",
        requires = "emulator"
    )]
    chip_can: String,
    /// The MRZ lines (2 or 3; a single argument may hold them separated by whitespace).
    #[arg(long, num_args = 1.., value_name = "LINE", group = "password")]
    mrz: Option<Vec<String>>,
    /// Document number (with --birth-date and --expiry-date instead of --mrz).
    #[arg(long, value_name = "N", group = "password", requires_all = ["birth_date", "expiry_date"])]
    document_number: Option<String>,
    /// Date of birth, YYMMDD.
    #[arg(long, value_name = "YYMMDD", requires = "document_number")]
    birth_date: Option<String>,
    /// Date of expiry, YYMMDD.
    #[arg(long, value_name = "YYMMDD", requires = "document_number")]
    expiry_date: Option<String>,
    /// The card access number (PACE).
    #[arg(long, value_name = "N", group = "password")]
    can: Option<String>,
    /// Write the dump here (created if missing): EF.COM.bin, DG1.bin, …, each as read.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Verify the read against these CSCAs (PEM/DER files, directories, master lists).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    csca: Vec<PathBuf>,
    /// Never use extended-length APDUs.
    #[arg(long)]
    no_extended_length: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The credentials given on the command line.
pub fn credentials(
    mrz: Option<&[String]>,
    document: Option<(&str, &str, &str)>,
    can: Option<&str>,
) -> Result<Credentials, String> {
    let made = if let Some(lines) = mrz {
        let lines: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        Credentials::from_mrz_lines(&lines)
    } else if let Some((number, birth, expiry)) = document {
        Credentials::from_document(number, birth, expiry)
    } else if let Some(can) = can {
        Credentials::from_can(can)
    } else {
        return Err("give --mrz, --document-number/--birth-date/--expiry-date, or --can".into());
    };
    made.map_err(|e| e.to_string())
}

/// The software chip configuration for `--access` (and `--chip-can`).
pub fn emulator_config(access: &str, _chip_can: &str) -> Result<EmulatorConfig, String> {
    match access.to_ascii_lowercase().as_str() {
        "bac" => Ok(EmulatorConfig::default()),
        other if other.starts_with("pace:") => Err(format!(
            "--access {access}: the software chip does not offer PACE yet (only `bac`)"
        )),
        _ => Err(format!(
            "--access {access:?}: expected `bac` or `pace:MAPPING:GROUP:CIPHER`"
        )),
    }
}

/// Prints per-file progress on a terminal (stderr), nothing otherwise.
pub struct ProgressPrinter {
    enabled: bool,
    last: Option<(LdsFile, usize)>,
}

impl ProgressPrinter {
    /// Shows progress only when stderr is a terminal and JSON was not asked for.
    pub fn new(json: bool) -> Self {
        ProgressPrinter {
            enabled: !json && std::io::stderr().is_terminal(),
            last: None,
        }
    }

    /// Called by the reader after every READ BINARY.
    pub fn update(&mut self, p: &Progress) {
        if !self.enabled {
            return;
        }
        if p.total > 0 && p.read >= p.total && self.last != Some((p.file, p.read)) {
            eprintln!("  read {:<14} {:>6} bytes", p.file.to_string(), p.total);
        } else if let Some(pct) = p.read.saturating_mul(100).checked_div(p.total) {
            eprint!(
                "\r  reading {:<11} {:>6}/{:<6} {pct:>3}%\r",
                p.file.to_string(),
                p.read,
                p.total
            );
        }
        self.last = Some((p.file, p.read));
    }
}

/// Reads a chip over `transport`.
pub fn read_chip<T: Transport>(
    transport: T,
    credentials: &Credentials,
    options: &ReadOptions,
    json: bool,
) -> Result<ChipDump, ReadError> {
    let mut printer = ProgressPrinter::new(json);
    reader::read_document(transport, credentials, options, &mut |p| printer.update(p))
}

/// Passive authentication of a dump read in memory.
pub fn verify_read(dump: &ChipDump, csca: &[PathBuf]) -> Result<VerificationReport, String> {
    let trust = crate::verify::load_trust(csca)?;
    let Some(sod) = dump.get(LdsFile::Sod) else {
        return Err("the chip gave no EF.SOD: nothing to verify against".into());
    };
    let data_groups: BTreeMap<u8, Vec<u8>> = (1u8..=16)
        .filter_map(|n| dump.get(LdsFile::DataGroup(n)).map(|b| (n, b.to_vec())))
        .collect();
    Ok(verify::verify(sod, &data_groups, &trust))
}

/// The verify fields for a read without `--csca`: nothing verified, so nothing valid.
fn unverified(dump: &ChipDump, why: &str) -> Value {
    let dgs: serde_json::Map<String, Value> = (1u8..=16)
        .filter(|&n| dump.get(LdsFile::DataGroup(n)).is_some())
        .map(|n| (n.to_string(), json!("unchecked")))
        .collect();
    json!({"valid": false, "signature_valid": false, "chain_valid": false,
           "data_groups": dgs, "errors": [why], "verified": false})
}

/// The transport for `--reader` (PC/SC).
fn open_reader(name: &str) -> Result<Box<dyn Transport>, String> {
    Err(format!(
        "--reader {name:?}: this build has no PC/SC transport (use --emulator DIR)"
    ))
}

/// Runs `read`.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let document = args.document_number.as_deref().map(|n| {
        (
            n,
            args.birth_date.as_deref().unwrap_or(""),
            args.expiry_date.as_deref().unwrap_or(""),
        )
    });
    let outcome = (|| -> Result<(ChipDump, f64), String> {
        let creds = credentials(args.mrz.as_deref(), document, args.can.as_deref())?;
        let options = ReadOptions::default().with_extended_length(!args.no_extended_length);
        let start = Instant::now();
        let dump = if let Some(dir) = &args.emulator {
            let config = emulator_config(&args.access, &args.chip_can)?;
            let chip = EmulatedChip::from_dir(dir, config).map_err(|e| e.to_string())?;
            read_chip(chip.into_transport(), &creds, &options, args.json)
        } else {
            let transport = open_reader(args.reader.as_deref().unwrap_or_default())?;
            read_chip(transport, &creds, &options, args.json)
        }
        .map_err(|e| e.to_string())?;
        Ok((dump, start.elapsed().as_secs_f64() * 1000.0))
    })();
    let (dump, ms) = match outcome {
        Ok(v) => v,
        Err(e) => {
            if args.json {
                json_line(&json!({"valid": false, "error": e}))?;
                return Ok(ExitCode::FAILURE);
            }
            return Err(e);
        }
    };
    if let Some(out) = &args.out {
        dump.write_dir(out).map_err(|e| e.to_string())?;
    }
    let report = if args.csca.is_empty() {
        None
    } else {
        Some(verify_read(&dump, &args.csca))
    };
    let ok = match &report {
        None => true,
        Some(Ok(r)) => r.valid,
        Some(Err(_)) => false,
    };
    if args.json {
        json_line(&to_json(&dump, ms, args.out.as_deref(), report.as_ref()))?;
    } else {
        print_text(&dump, ms, args.out.as_deref(), report.as_ref());
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn to_json(
    dump: &ChipDump,
    ms: f64,
    out: Option<&Path>,
    report: Option<&Result<VerificationReport, String>>,
) -> Value {
    let files: serde_json::Map<String, Value> = dump
        .files()
        .into_iter()
        .map(|(name, bytes)| (name, json!(bytes.len())))
        .collect();
    let unreadable: serde_json::Map<String, Value> = dump
        .unreadable()
        .iter()
        .map(|(file, why)| (file.to_string(), json!(why.to_string())))
        .collect();
    let mut o = match report {
        None => unverified(dump, "passive authentication not run: no --csca given"),
        Some(Ok(r)) => serde_json::to_value(r).unwrap_or_else(
            |e| json!({"valid": false, "errors": [format!("report to JSON: {e}")]}),
        ),
        Some(Err(e)) => unverified(dump, e),
    };
    if let Value::Object(m) = &mut o {
        m.insert("access".into(), json!(dump.access_used().to_string()));
        m.insert("dg1_mrz".into(), json!(dump.dg1_mrz()));
        m.insert("files".into(), Value::Object(files));
        m.insert("unreadable".into(), Value::Object(unreadable));
        m.insert("apdus".into(), json!(dump.apdu_count()));
        m.insert("ms".into(), json!(ms));
        m.insert("out".into(), json!(out.map(|p| p.display().to_string())));
        m.insert("error".into(), Value::Null);
    }
    o
}

fn print_text(
    dump: &ChipDump,
    ms: f64,
    out: Option<&Path>,
    report: Option<&Result<VerificationReport, String>>,
) {
    println!("access           {}", dump.access_used());
    if let Some(lines) = dump.dg1_mrz() {
        for (i, line) in lines.iter().enumerate() {
            println!(
                "{}{line}",
                if i == 0 {
                    "DG1 MRZ          "
                } else {
                    "                 "
                }
            );
        }
    }
    for (name, bytes) in dump.files() {
        println!("  {name:<14} {:>6} bytes", bytes.len());
    }
    for (file, why) in dump.unreadable() {
        println!("  {:<14} not read: {why}", file.to_string());
    }
    println!("{} APDUs in {ms:.1} ms", dump.apdu_count());
    if let Some(dir) = out {
        println!("dump written to  {}", dir.display());
    }
    match report {
        None => println!("not verified (give --csca to run passive authentication)"),
        Some(Ok(r)) => crate::verify::print_text(r),
        Some(Err(e)) => eprintln!("error: {e}"),
    }
}
