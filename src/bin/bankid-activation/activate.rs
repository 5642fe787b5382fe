//! `bankid-activation activate`: one activation attempt — MRZ (photo or text) → chip (software chip
//! or PC/SC reader, through the library's reader) → passive authentication → rules → device binding.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use bankid_activation::activation::chip_reader;
use bankid_activation::activation::flow::{
    self, ActivateFiles, ActivationResult, ChipAccess, ChipData, ChipProgress, ChipReader,
    MrzSource, Progress, Step,
};
use bankid_activation::activation::policy::{CloneCheck, CloneCheckRequirement, PolicyConfig};
use bankid_activation::emulator::EmulatedChip;
use bankid_activation::mrz::{Date, Mrz};
use bankid_activation::ocr;
use bankid_activation::reader::{self, Credentials, LdsFile, ReadOptions};
use bankid_activation::transport::Transport;
use serde_json::{Value, json};

use crate::output::json_line;

/// How much of a clone check the rules demand (`--clone-check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CloneCheckArg {
    /// Only a passed chip/active authentication is accepted.
    Required,
    /// A passed check, or a chip that offers none.
    WhenSupported,
    /// Anything but a failed check.
    Optional,
}

impl CloneCheckArg {
    fn requirement(self) -> CloneCheckRequirement {
        match self {
            CloneCheckArg::Required => CloneCheckRequirement::Required,
            CloneCheckArg::WhenSupported => CloneCheckRequirement::WhenSupported,
            CloneCheckArg::Optional => CloneCheckRequirement::Optional,
        }
    }
}

/// Arguments of `activate`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("mrz_source").required(true).multiple(false)))]
pub struct Args {
    /// The BankID to activate.
    #[arg(long, value_name = "ID")]
    bankid: String,
    /// A photo of the document's MRZ (JPEG/PNG), read by the OCR.
    #[arg(long, value_name = "IMAGE", group = "mrz_source")]
    image: Option<PathBuf>,
    /// The MRZ as text instead of a photo (2 or 3 lines; one argument may hold them separated by
    /// whitespace).
    #[arg(long, num_args = 1.., value_name = "LINE", group = "mrz_source")]
    mrz: Option<Vec<String>>,
    #[command(flatten)]
    chip: crate::read::ChipArgs,
    /// Trusted CSCAs (PEM/DER files, directories, ICAO master lists).
    #[arg(long, num_args = 1.., required = true, value_name = "PATH")]
    csca: Vec<PathBuf>,
    /// The embedded registry database (`registry import`).
    #[arg(long, value_name = "DB")]
    registry: PathBuf,
    /// The device-binding store database (created if missing).
    #[arg(long, value_name = "DB")]
    store: PathBuf,
    /// The device to bind.
    #[arg(long, value_name = "ID")]
    device_id: String,
    /// The device's public key (PEM SubjectPublicKeyInfo).
    #[arg(long, value_name = "FILE")]
    device_key: PathBuf,
    /// "Today" for the rules, YYYY-MM-DD (default: today in UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// The national identity number the person typed (default: the BankID's registered holder).
    #[arg(long, value_name = "N")]
    national_id: Option<String>,
    /// How much of a clone check the rules demand.
    #[arg(long, value_enum, default_value = "required")]
    clone_check: CloneCheckArg,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Where the MRZ of an attempt comes from.
#[derive(Debug, Clone)]
pub enum MrzInput {
    /// A photo, read by the OCR.
    Image(PathBuf),
    /// MRZ text.
    Text(String),
}

/// Which chip an attempt reads.
#[derive(Debug, Clone)]
pub enum ChipInput {
    /// The software chip serving a dump.
    Emulator {
        /// The dump directory.
        dir: PathBuf,
        /// `--access`.
        access: String,
        /// `--chip-can`.
        can: String,
    },
    /// A PC/SC reader.
    Reader {
        /// Its name.
        name: String,
        /// How long to wait for a card.
        wait: Duration,
    },
}

/// One attempt, as the CLI (and `demo`) describe it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The BankID.
    pub bankid: String,
    /// The MRZ source.
    pub mrz: MrzInput,
    /// The chip.
    pub chip: ChipInput,
    /// CSCAs.
    pub csca: Vec<PathBuf>,
    /// Registry database.
    pub registry: PathBuf,
    /// Binding store database.
    pub store: PathBuf,
    /// Device id.
    pub device_id: String,
    /// Device public key file.
    pub device_key: PathBuf,
    /// The rules' today.
    pub date: Option<Date>,
    /// The typed national identity number.
    pub national_id: Option<String>,
    /// Clone check demand.
    pub clone_check: CloneCheckRequirement,
}

/// Largest MRZ photo read.
const MAX_IMAGE_LEN: u64 = 32 * 1024 * 1024;

/// The MRZ of a photo, read by the native OCR (`ocr::read_mrz`).
struct ImageMrz<'a>(&'a Path);

impl MrzSource for ImageMrz<'_> {
    fn read_mrz(&mut self) -> Result<Mrz, String> {
        let path = self.0.display();
        let len = std::fs::metadata(self.0)
            .map_err(|e| format!("{path}: {e}"))?
            .len();
        if len > MAX_IMAGE_LEN {
            return Err(format!("{path}: larger than {MAX_IMAGE_LEN} bytes"));
        }
        let bytes = std::fs::read(self.0).map_err(|e| format!("{path}: {e}"))?;
        let image = ocr::decode_image(&bytes).map_err(|e| format!("{path}: {e}"))?;
        let reading = ocr::read_mrz(&image)
            .map_err(|e| format!("{path}: {e}"))?
            .ok_or_else(|| format!("{path}: no MRZ found in the image"))?;
        Mrz::parse_lines(&reading.lines).map_err(|e| format!("{path}: MRZ as read: {e}"))
    }
}

/// A [`ChipReader`] over the library's `reader::read_document` on any transport (opened when the
/// read starts), like [`TransportChipReader`](bankid_activation::activation::TransportChipReader)
/// (Active Authentication as the clone check, judged by the same
/// [`chip_reader::clone_check`]) but opening the transport lazily and keeping the APDU count and
/// the access protocol for the report.
pub struct TransportReader<F> {
    open: F,
    apdus: u64,
    access_used: Option<String>,
    clone_check: Option<CloneCheck>,
}

impl<F: FnMut() -> Result<Box<dyn Transport>, String>> TransportReader<F> {
    /// A reader that opens its transport with `open`.
    pub fn new(open: F) -> Self {
        TransportReader {
            open,
            apdus: 0,
            access_used: None,
            clone_check: None,
        }
    }
}

impl<F: FnMut() -> Result<Box<dyn Transport>, String>> ChipReader for TransportReader<F> {
    fn read_chip(
        &mut self,
        access: &ChipAccess,
        progress: &mut dyn FnMut(ChipProgress),
    ) -> Result<ChipData, String> {
        let credentials = Credentials::from_mrz_information(access.mrz_information())
            .map_err(|e| e.to_string())?;
        let transport = (self.open)()?;
        let dump =
            reader::read_document(transport, &credentials, &ReadOptions::default(), &mut |p| {
                progress(ChipProgress {
                    step: p.file.to_string(),
                    done: p.read,
                    total: (p.total > 0).then_some(p.total),
                })
            })
            .map_err(|e| e.to_string())?;
        self.apdus = dump.apdu_count();
        self.access_used = Some(dump.access_used().to_string());
        let ef_sod = dump
            .get(LdsFile::Sod)
            .ok_or("the chip gave no EF.SOD")?
            .to_vec();
        let data_groups: BTreeMap<u8, Vec<u8>> = (1u8..=16)
            .filter_map(|n| dump.get(LdsFile::DataGroup(n)).map(|b| (n, b.to_vec())))
            .collect();
        let clone_check = chip_reader::clone_check(&dump);
        self.clone_check = Some(clone_check.clone());
        Ok(ChipData {
            ef_sod,
            data_groups,
            clone_check,
        })
    }
}

/// What an attempt returns besides the library's result: chip facts for the report.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    /// The library's result (DESIGN.md fields).
    pub result: ActivationResult,
    /// APDUs exchanged with the chip.
    pub apdus: u64,
    /// The access protocol used (`BAC`, `PACE`), if the chip was opened.
    pub access: Option<String>,
    /// The clone check (Active Authentication) outcome, if the chip was read.
    pub clone_check: Option<CloneCheck>,
}

impl AttemptOutcome {
    /// The `activate --json` object.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.result).unwrap_or_else(
            |e| json!({"activated": false, "error": format!("result to JSON: {e}")}),
        );
        if let Value::Object(m) = &mut v {
            m.insert("apdus".into(), json!(self.apdus));
            m.insert("access".into(), json!(self.access));
            m.insert(
                "clone_check".into(),
                json!(self.clone_check.as_ref().map(clone_check_name)),
            );
            m.insert("error".into(), Value::Null);
        }
        v
    }
}

/// Runs one attempt, reporting progress to `events`.
pub fn attempt(a: &Attempt, events: &mut dyn FnMut(&Progress)) -> Result<AttemptOutcome, String> {
    let config = match &a.chip {
        ChipInput::Emulator { access, can, .. } => Some(crate::read::emulator_config(access, can)?),
        ChipInput::Reader { .. } => None,
    };
    let chip = a.chip.clone();
    let mut reader = TransportReader::new(move || -> Result<Box<dyn Transport>, String> {
        match &chip {
            ChipInput::Emulator { dir, .. } => {
                let config = config.clone().unwrap_or_default();
                let chip = EmulatedChip::from_dir(dir, config)
                    .map_err(|e| format!("{}: {e}", dir.display()))?;
                Ok(Box::new(chip.into_transport()))
            }
            ChipInput::Reader { name, wait } => crate::read::open_reader(name, *wait),
        }
    });
    let mut text;
    let mut image;
    let source: &mut dyn MrzSource = match &a.mrz {
        MrzInput::Text(t) => {
            text = flow::MrzText(t.clone());
            &mut text
        }
        MrzInput::Image(p) => {
            image = ImageMrz(p);
            &mut image
        }
    };
    let policy = PolicyConfig {
        clone_check: a.clone_check,
        ..PolicyConfig::default()
    };
    let request = ActivateFiles {
        bankid_id: &a.bankid,
        national_id: a.national_id.as_deref(),
        registry_db: &a.registry,
        store_db: &a.store,
        device_id: &a.device_id,
        device_key_file: &a.device_key,
        csca: &a.csca,
        date: a.date,
        policy,
    };
    let result =
        flow::activate_files(&request, source, &mut reader, events).map_err(|e| e.to_string())?;
    Ok(AttemptOutcome {
        result,
        apdus: reader.apdus,
        access: reader.access_used,
        clone_check: reader.clone_check,
    })
}

/// The clone check outcome as reported (`passed`, `failed: why`, `not_supported`, `not_performed`).
pub fn clone_check_name(c: &CloneCheck) -> String {
    match c {
        CloneCheck::Passed => "passed".into(),
        CloneCheck::Failed(why) => format!("failed: {why}"),
        CloneCheck::NotSupportedByChip => "not_supported".into(),
        CloneCheck::NotPerformed => "not_performed".into(),
        other => format!("{other:?}"),
    }
}

/// The name of a step as printed.
pub fn step_name(step: Step) -> &'static str {
    match step {
        Step::Mrz => "MRZ",
        Step::Chip => "chip read",
        Step::Verify => "passive authentication",
        Step::Decide => "registry + rules",
        Step::Bind => "binding",
    }
}

/// Prints a finished step (text mode).
pub fn print_step(p: &Progress) {
    if let Progress::StepDone {
        step,
        ok,
        detail,
        elapsed,
    } = p
    {
        println!(
            "  {:<24} {:>9.2} ms  {}  {detail}",
            step_name(*step),
            elapsed.as_secs_f64() * 1000.0,
            if *ok { "ok  " } else { "FAIL" },
        );
    }
}

/// Prints an attempt's result (text mode).
pub fn print_result(o: &AttemptOutcome) {
    let r = &o.result;
    if r.activated {
        match &r.replaced_device_id {
            Some(old) => println!(
                "activated: BankID {} bound to device {} (replaced {old})",
                r.bankid_id, r.device_id
            ),
            None => println!(
                "activated: BankID {} bound to device {}",
                r.bankid_id, r.device_id
            ),
        }
    } else {
        println!("NOT activated: {}", r.reasons.join(" "));
        for d in &r.details {
            println!("  - {d}");
        }
    }
}

/// Runs `activate`. Exit code 0 only when the device was bound.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let outcome = (|| -> Result<AttemptOutcome, String> {
        let date = match &args.date {
            Some(d) => Some(Date::parse_iso(d).map_err(|e| format!("--date {d:?}: {e}"))?),
            None => None,
        };
        let mrz = match (&args.image, &args.mrz) {
            (Some(p), _) => MrzInput::Image(p.clone()),
            (None, Some(lines)) => MrzInput::Text(lines.join("\n")),
            (None, None) => return Err("give --image or --mrz".into()),
        };
        let chip = match (&args.chip.emulator, &args.chip.reader) {
            (Some(dir), _) => ChipInput::Emulator {
                dir: dir.clone(),
                access: args.chip.access.clone(),
                can: args.chip.chip_can.clone(),
            },
            (None, Some(name)) => ChipInput::Reader {
                name: name.clone(),
                wait: Duration::from_secs(args.chip.wait),
            },
            (None, None) => return Err("give --emulator or --reader".into()),
        };
        let a = Attempt {
            bankid: args.bankid.clone(),
            mrz,
            chip,
            csca: args.csca.clone(),
            registry: args.registry.clone(),
            store: args.store.clone(),
            device_id: args.device_id.clone(),
            device_key: args.device_key.clone(),
            date,
            national_id: args.national_id.clone(),
            clone_check: args.clone_check.requirement(),
        };
        let json = args.json;
        attempt(&a, &mut |p| {
            if !json {
                print_step(p)
            }
        })
    })();
    match outcome {
        Ok(o) => {
            if args.json {
                json_line(&o.to_json())?;
            } else {
                print_result(&o);
            }
            Ok(if o.result.activated {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(e) if args.json => {
            json_line(
                &json!({"activated": false, "reasons": [], "device_id": args.device_id,
                "replaced_device_id": null, "error": e}),
            )?;
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e),
    }
}
