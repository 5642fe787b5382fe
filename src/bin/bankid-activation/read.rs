//! `bankid-activation read`: read a chip (the software chip, or a PC/SC reader), write a dump,
//! verify it.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bankid_activation::access::pace::PaceParams;
use bankid_activation::emulator::{AccessMode, EmulatedChip, EmulatorConfig};
use bankid_activation::reader::{
    self, ChipDump, Credentials, LdsFile, Progress, ReadError, ReadOptions,
};
use bankid_activation::transport::Transport;
use bankid_activation::verify::{self, VerificationReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::output::json_line;

/// Which chip to talk to: the software chip serving a dump, or a PC/SC reader (shared by `read`
/// and `activate`).
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("chip").required(true).multiple(false)))]
pub struct ChipArgs {
    /// Serve this dump directory with the project's software chip instead of a reader.
    #[arg(long, value_name = "DIR", group = "chip")]
    pub emulator: Option<PathBuf>,
    /// Read the card in this PC/SC reader (needs the `pcsc` feature).
    #[arg(long, value_name = "NAME", group = "chip")]
    pub reader: Option<String>,
    /// What the software chip offers: `bac`, or `pace:MAPPING:GROUP:CIPHER` (MAPPING `gm|im`,
    /// GROUP e.g. `brainpoolP256r1`, `P-256`, `modp2048-256`, CIPHER `3des|aes128|aes192|aes256`).
    #[arg(
        long,
        value_name = "ACCESS",
        default_value = "bac",
        requires = "emulator"
    )]
    pub access: String,
    /// The software chip's card access number.
    #[arg(
        long,
        value_name = "N",
        default_value = "123456",
        requires = "emulator"
    )]
    pub chip_can: String,
    /// With --reader: how long to wait for a card to be presented, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub wait: u64,
}

/// Arguments of `read`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("password").required(true).multiple(false)))]
pub struct Args {
    #[command(flatten)]
    chip: ChipArgs,
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

/// The software chip configuration for `--access` (`bac` or `pace:MAPPING:GROUP:CIPHER`) and
/// `--chip-can`.
pub fn emulator_config(access: &str, chip_can: &str) -> Result<EmulatorConfig, String> {
    let lower = access.to_ascii_lowercase();
    let mode = if lower == "bac" {
        AccessMode::Bac
    } else if lower.starts_with("pace:") {
        let params: PaceParams = access.parse().map_err(|e| format!("--access: {e}"))?;
        params
            .check_supported()
            .map_err(|e| format!("--access {access}: {e}"))?;
        AccessMode::Pace(params)
    } else {
        return Err(format!(
            "--access {access:?}: expected `bac` or `pace:MAPPING:GROUP:CIPHER`"
        ));
    };
    if chip_can.is_empty() || !chip_can.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("--chip-can {chip_can:?}: expected decimal digits"));
    }
    Ok(EmulatorConfig::default()
        .with_access(mode)
        .with_chip_can(chip_can))
}

/// A progress bar per file on a terminal (stderr); hidden with `--json` or when stderr is not a
/// terminal.
pub struct ProgressPrinter {
    enabled: bool,
    current: Option<(LdsFile, ProgressBar)>,
}

impl ProgressPrinter {
    /// Shows progress only when stderr is a terminal and JSON was not asked for.
    pub fn new(json: bool) -> Self {
        ProgressPrinter {
            enabled: !json && std::io::stderr().is_terminal(),
            current: None,
        }
    }

    /// Called by the reader after every READ BINARY.
    pub fn update(&mut self, p: &Progress) {
        if !self.enabled || p.total == 0 {
            return;
        }
        if self
            .current
            .as_ref()
            .is_none_or(|(file, _)| *file != p.file)
        {
            self.finish();
            let bar =
                ProgressBar::with_draw_target(Some(p.total as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "  {prefix:<14} [{bar:30}] {bytes:>9}/{total_bytes:<9} {elapsed_precise}",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(p.file.to_string());
            self.current = Some((p.file, bar));
        }
        if let Some((_, bar)) = &self.current {
            bar.set_position(p.read as u64);
        }
    }

    /// Leaves the last bar on screen, complete.
    pub fn finish(&mut self) {
        if let Some((_, bar)) = self.current.take() {
            bar.finish();
        }
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
    let dump = reader::read_document(transport, credentials, options, &mut |p| printer.update(p));
    printer.finish();
    dump
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

/// The transport for `--reader` (PC/SC), waiting up to `wait` for a card.
#[cfg(feature = "pcsc")]
pub fn open_reader(name: &str, wait: Duration) -> Result<Box<dyn Transport>, String> {
    bankid_activation::transport::pcsc::open(name, wait)
        .map(|t| Box::new(t) as Box<dyn Transport>)
        .map_err(|e| e.to_string())
}

/// Without the `pcsc` feature there is no PC/SC transport.
#[cfg(not(feature = "pcsc"))]
pub fn open_reader(name: &str, _wait: Duration) -> Result<Box<dyn Transport>, String> {
    Err(format!(
        "--reader {name:?}: this build has no PC/SC support (rebuild with --features pcsc)"
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
        let dump = if let Some(dir) = &args.chip.emulator {
            let config = emulator_config(&args.chip.access, &args.chip.chip_can)?;
            let chip = EmulatedChip::from_dir(dir, config).map_err(|e| e.to_string())?;
            read_chip(chip.into_transport(), &creds, &options, args.json)
        } else {
            let wait = Duration::from_secs(args.chip.wait);
            let transport = open_reader(args.chip.reader.as_deref().unwrap_or_default(), wait)?;
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
        m.insert(
            "pace".into(),
            dump.pace_params().map_or(Value::Null, |p| {
                json!({"mapping": p.mapping_name().to_ascii_uppercase(),
                       "group": p.group.name(), "cipher": p.cipher_name()})
            }),
        );
        m.insert("dg1_mrz".into(), json!(dump.dg1_mrz()));
        m.insert("files".into(), Value::Object(files));
        m.insert("unreadable".into(), Value::Object(unreadable));
        m.insert("apdus".into(), json!(dump.apdu_count()));
        m.insert(
            "active_authentication".into(),
            json!(dump.active_authentication().map(|a| a.to_string())),
        );
        m.insert(
            "clone_check_passed".into(),
            json!(
                dump.active_authentication()
                    .is_some_and(|a| a.is_verified())
            ),
        );
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
    match dump.pace_params() {
        Some(p) => println!(
            "access           {} ({} {} {})",
            dump.access_used(),
            p.mapping_name().to_ascii_uppercase(),
            p.group.name(),
            p.cipher_name()
        ),
        None => println!("access           {}", dump.access_used()),
    }
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
    if let Some(aa) = dump.active_authentication() {
        println!("active auth.     {aa}");
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
