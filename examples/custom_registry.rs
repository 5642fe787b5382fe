//! A custom `Registry` over CSV text (people, documents, BankIDs), used by the real policy: run with
//! `cargo run --example custom_registry`. A bank would put its population-registry client here.

use std::collections::BTreeMap;
use std::collections::HashMap;

use bankid_activation::activation::national_id::{NationalId, make_national_id};
use bankid_activation::activation::policy::{
    CloneCheck, Evidence, Outcome, Policy, PolicyConfig, RegistryFacts,
};
use bankid_activation::activation::registry::{
    BankIdAccount, DocumentType, IdentityStatus, Person, RegisteredDocument, Registry,
    RegistryError,
};
use bankid_activation::mrz::{Date, Mrz};
use bankid_activation::verify::{DgStatus, VerificationReport};

/// People: `national_id;status;surname;given_names;birth_date;type:state:number:expiry|...`
/// BankIDs: `id;active;password_set;failed_attempts`
struct CsvRegistry {
    people: HashMap<String, Person>,
    bankids: HashMap<String, BankIdAccount>,
}

fn bad(line: usize, what: &str) -> RegistryError {
    RegistryError::Backend(format!("CSV line {line}: {what}").into())
}

impl CsvRegistry {
    fn parse(people_csv: &str, bankids_csv: &str) -> Result<CsvRegistry, RegistryError> {
        let mut people = HashMap::new();
        for (i, line) in people_csv
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let f: Vec<&str> = line.split(';').collect();
            let [id, status, surname, given, birth, docs] = f[..] else {
                return Err(bad(i + 1, "expected 6 fields"));
            };
            let national_id = NationalId::parse(id).map_err(|e| bad(i + 1, &e.to_string()))?;
            let status = IdentityStatus::from_name(status).ok_or_else(|| bad(i + 1, "status"))?;
            let birth_date = Date::parse_iso(birth).map_err(|e| bad(i + 1, &e.to_string()))?;
            let mut documents = Vec::new();
            for d in docs.split('|').filter(|d| !d.is_empty()) {
                let [t, state, number, expiry] = d.split(':').collect::<Vec<_>>()[..] else {
                    return Err(bad(i + 1, "document needs type:state:number:expiry"));
                };
                documents.push(RegisteredDocument {
                    document_type: DocumentType::from_name(t).ok_or_else(|| bad(i + 1, "type"))?,
                    issuing_state: state.into(),
                    number: number.into(),
                    expiry_date: Date::parse_iso(expiry).map_err(|e| bad(i + 1, &e.to_string()))?,
                });
            }
            people.insert(
                id.to_string(),
                Person {
                    national_id,
                    status,
                    surname: surname.into(),
                    given_names: given.into(),
                    birth_date,
                    documents,
                },
            );
        }
        let mut bankids = HashMap::new();
        for (i, line) in bankids_csv
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let [id, active, password, attempts] = line.split(';').collect::<Vec<_>>()[..] else {
                return Err(bad(i + 1, "expected 4 fields"));
            };
            bankids.insert(
                id.to_string(),
                BankIdAccount {
                    id: id.into(),
                    active: active == "1",
                    password_set: password == "1",
                    failed_password_attempts: attempts
                        .parse()
                        .map_err(|_| bad(i + 1, "attempts"))?,
                    national_id: None,
                },
            );
        }
        Ok(CsvRegistry { people, bankids })
    }
}

impl Registry for CsvRegistry {
    fn person(&self, national_id: &NationalId) -> Result<Option<Person>, RegistryError> {
        Ok(self.people.get(national_id.as_str()).cloned())
    }
    fn bankid(&self, id: &str) -> Result<Option<BankIdAccount>, RegistryError> {
        Ok(self.bankids.get(id).cloned())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The ICAO 9303 Part 4 specimen holder, with a national identity number for her birth date.
    let birth = Date::new(1974, 8, 12)?;
    let id = (0..500)
        .find_map(|i| make_national_id(birth, i, false))
        .ok_or("no identity number")?;
    let people = format!(
        "{};checked;Eriksson;Anna Maria;1974-08-12;passport:UTO:L898902C3:2012-04-15\n",
        id.as_str()
    );
    let registry = CsvRegistry::parse(&people, "bankid-anna;1;1;0\nbankid-locked;1;1;5\n")?;

    let mrz = Mrz::parse_lines(&[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ])?;
    // What the chip step would have produced (here: a DG1 equal to the scan, verified).
    let report = VerificationReport {
        valid: true,
        signature_valid: true,
        chain_valid: true,
        data_groups: BTreeMap::from([(1, DgStatus::Valid)]),
        errors: Vec::new(),
        warnings: Vec::new(),
        signature_algorithm: None,
        lds_hash_algorithm: None,
        document_signer: None,
        csca: None,
        issuing_state: Some("UTO".into()),
        country_match: Some(true),
    };
    let policy = Policy::new(PolicyConfig::default());
    let today = Date::new(2010, 1, 1)?;
    for bankid in ["bankid-anna", "bankid-locked", "bankid-unknown"] {
        let evidence = Evidence {
            bankid_id: bankid.into(),
            national_id: id.as_str().into(),
            chip_dg1: Ok(mrz.lines().to_vec()),
            scanned_mrz: Ok(mrz.clone()),
            passive_auth: Some(report.clone()),
            clone_check: CloneCheck::Passed,
        };
        let facts = RegistryFacts::lookup(&registry, &evidence);
        match policy.decide(&evidence, &facts, today) {
            Outcome::Approved(a) => {
                println!("{bankid}: approved (document {})", a.document_number())
            }
            Outcome::Rejected(r) => println!("{bankid}: rejected {:?}", r.codes()),
        }
    }
    Ok(())
}
