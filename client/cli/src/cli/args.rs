//! Every `medchain` subcommand and option, with help text and examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use medchain_client::chain::Wait;

const EXAMPLES: &str = "\
Examples:
  medchain walkthrough                         # the whole story on a dev node
  medchain account create --name alice         # new keys, one 24-word phrase
  medchain --account alice patient register
  medchain --account ada doctor upload-report 5Grw… scan.pdf --title \"Chest X-ray\"
  medchain --account ada doctor upload-report 5Grw… a.pdf b.pdf --title Labs  # one transaction
  medchain --account alice patient requests
  medchain --account alice patient grant 3 --hours 24 --once
  medchain --account alice patient audit --json
  medchain blob cid photo.jpg --cid-version 1  # the CID `ipfs add -n -Q` prints
  medchain ui                                  # the web dashboard, on 127.0.0.1

Environment: MEDCHAIN_NODE, MEDCHAIN_HOME, MEDCHAIN_ACCOUNT, MEDCHAIN_STORAGE, MEDCHAIN_PASSWORD.
Exit codes: 0 ok, 1 other failure, 2 bad input, 3 refused by the chain or not allowed,
4 integrity (tampered data, wrong password, wrong key), 5 node or storage unreachable
(or the content is not in the store).";

/// MedChain: patient-controlled medical records on a Substrate chain.
#[derive(Parser, Debug)]
#[command(
	name = "medchain",
	version,
	about = "MedChain: patient-controlled medical records. Keys, encrypted records on IPFS, consent.",
	after_help = EXAMPLES
)]
pub struct Cli {
	/// WebSocket RPC endpoint of a MedChain node.
	#[arg(long, global = true, env = "MEDCHAIN_NODE", default_value = "ws://127.0.0.1:9944")]
	pub node: String,
	/// Where keystores and the embedded blockstore live (default: ~/.medchain).
	#[arg(long, global = true, env = "MEDCHAIN_HOME")]
	pub home: Option<PathBuf>,
	/// The keystore to act as (a name under <home>/keys).
	#[arg(long, short = 'a', global = true, env = "MEDCHAIN_ACCOUNT", default_value = "default")]
	pub account: String,
	/// `local` for the embedded blockstore, or a Kubo RPC API URL (http://127.0.0.1:5001).
	#[arg(long, global = true, env = "MEDCHAIN_STORAGE", default_value = "local")]
	pub storage: String,
	/// CID version for uploads: 0 as `ipfs add`, 1 as `ipfs add --cid-version=1`.
	#[arg(long, global = true, default_value = "0", value_parser = clap::value_parser!(u8).range(0..=1))]
	pub cid_version: u8,
	/// Return once a call is in a block, or once it is final.
	#[arg(long, global = true, value_enum, default_value = "in-block")]
	pub wait: Wait,
	/// Print results as JSON (one document per command), for scripts.
	#[arg(long, global = true)]
	pub json: bool,
	#[command(subcommand)]
	pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
	/// Keys: create, import, show, list, transfer funds.
	#[command(subcommand)]
	Account(AccountCmd),
	/// Patients: register, book, answer requests, view records, audit.
	#[command(subcommand)]
	Patient(PatientCmd),
	/// Doctors: apply, appointments, upload records, request access, view.
	#[command(subcommand)]
	Doctor(DoctorCmd),
	/// Verifiers: review and decide on practitioners.
	#[command(subcommand)]
	Verifier(VerifierCmd),
	/// Hospitals: apply, request prescriptions, view.
	#[command(subcommand)]
	Hospital(InstitutionCmd),
	/// Pharmacies: apply, request prescriptions, view, dispense.
	#[command(subcommand)]
	Pharmacy(PharmacyCmd),
	/// Content-addressed files: CIDs as Kubo computes them, CAR import and export.
	#[command(subcommand)]
	Blob(BlobCmd),
	/// Runs the whole story on the node: five users, every flow, the audit trail.
	Walkthrough {
		/// Working directory for the story's keys, blocks and files (default: a temp dir).
		#[arg(long)]
		dir: Option<PathBuf>,
		/// Afterwards, keep everyone's keys as keystores under <home>/keys (alice, patient,
		/// dr-ada, dr-ben, st-marys, pharmacy), sealed with MEDCHAIN_PASSWORD, to go on in the
		/// dashboard or the CLI.
		#[arg(long)]
		save_accounts: bool,
	},
	/// Serves SMART Health Links publicly: stores the encrypted files patients upload and
	/// answers SHL viewers, recording every opening on chain as the selected account.
	ShareHost {
		/// Address to listen on (put TLS in front of it on a public network).
		#[arg(long, default_value = "127.0.0.1:8090")]
		listen: std::net::SocketAddr,
		/// The URL recipients reach this host at, if not http://LISTEN.
		#[arg(long)]
		public_url: Option<String>,
		/// Where uploaded files are kept (default: <home>/share-host).
		#[arg(long)]
		dir: Option<PathBuf>,
	},
	/// Opens a SMART Health Link as a clinician: writes the FHIR bundle and each shared
	/// document to a directory.
	OpenLink {
		/// The link (`shlink:/...`, or a viewer URL ending in #shlink:/...).
		link: String,
		#[arg(long)]
		passcode: Option<String>,
		/// Who you are, as the patient will see it in their audit trail.
		#[arg(long)]
		recipient: String,
		#[arg(long, short)]
		out: PathBuf,
	},
	/// Serves the web dashboard on 127.0.0.1 and prints a one-time sign-in link.
	Ui {
		/// Port on 127.0.0.1 (0 picks a free one).
		#[arg(long, default_value = "7878")]
		port: u16,
		/// Minutes without activity before an unlocked account locks itself.
		#[arg(long, default_value = "15", value_parser = clap::value_parser!(u64).range(1..=1440))]
		idle_minutes: u64,
		/// The largest file accepted for upload, in MiB.
		#[arg(long, default_value = "256", value_parser = clap::value_parser!(u64).range(1..=4096))]
		max_upload_mib: u64,
		/// Only print the link; do not open a browser.
		#[arg(long)]
		no_open: bool,
		/// The share host the "Share" form offers for SMART Health Links.
		#[arg(long)]
		share_host: Option<String>,
	},
}

#[derive(Subcommand, Debug)]
pub enum AccountCmd {
	/// Creates keys from a fresh 24-word phrase and saves them in a keystore.
	Create {
		#[arg(long, default_value = "default")]
		name: String,
	},
	/// Restores keys from a phrase (or a dev URI such as //Alice) into a keystore.
	Import {
		#[arg(long, default_value = "default")]
		name: String,
		/// The phrase; read from stdin when absent (keeps it out of shell history).
		#[arg(long)]
		phrase: Option<String>,
	},
	/// Shows an account: address, encryption key, role, status and balance.
	Show {
		/// An address to look up instead of the current account.
		who: Option<String>,
	},
	/// Lists the keystores in <home>/keys.
	List,
	/// Sends MED to another account (e.g. to pay a newcomer's fees).
	Transfer { to: String, amount_med: u64 },
}

/// How long a grant or request lasts (default: 24 hours; a grant defaults to what the
/// request asked for).
#[derive(Args, Debug, Clone, Copy)]
pub struct Duration {
	/// Hours (one block every 6 s: 600 blocks an hour).
	#[arg(long, conflicts_with = "blocks")]
	pub hours: Option<u32>,
	/// Blocks, instead of hours.
	#[arg(long)]
	pub blocks: Option<u32>,
}

impl Duration {
	/// The duration in blocks, `default` when neither option was given.
	pub fn blocks_or(&self, default: u32) -> u32 {
		match (self.blocks, self.hours) {
			(Some(blocks), _) => blocks,
			(None, Some(hours)) => hours.saturating_mul(600),
			(None, None) => default,
		}
	}

	pub fn blocks(&self) -> u32 {
		self.blocks_or(24 * 600)
	}
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum ScopeArg {
	Reports,
	Prescriptions,
}

#[derive(Subcommand, Debug)]
pub enum PatientCmd {
	/// Registers the current account as a patient.
	Register,
	/// Books an appointment with a doctor.
	Book {
		doctor: String,
		/// Hours from now.
		#[arg(long, default_value = "24")]
		in_hours: u64,
		#[arg(long)]
		reason: String,
	},
	/// Lists appointments.
	Appointments,
	/// Cancels an appointment.
	Cancel { id: u64 },
	/// Removes a closed appointment from the chain and gets its deposit back.
	Clear { id: u64 },
	/// Lists access requests waiting for an answer.
	Requests,
	/// Grants a request: seals the keys of the records it covers to the requester.
	Grant {
		request: u64,
		#[command(flatten)]
		duration: Duration,
		/// One use only (one read or one dispense).
		#[arg(long, conflicts_with = "uses")]
		once: bool,
		/// At most this many uses.
		#[arg(long)]
		uses: Option<u32>,
		/// Grant only these records (comma-separated ids), each one the request covers,
		/// instead of everything it asked for.
		#[arg(long, value_delimiter = ',', num_args = 1..)]
		only: Vec<u64>,
	},
	/// Grants access without a request.
	GrantAccess {
		grantee: String,
		#[arg(long, value_enum)]
		scope: ScopeArg,
		#[command(flatten)]
		duration: Duration,
		#[arg(long, conflicts_with = "uses")]
		once: bool,
		#[arg(long)]
		uses: Option<u32>,
	},
	/// Shares records. With GRANT: seals to its grantee the keys of records the grant covers
	/// but lacks (records added after it, or an emergency grant). With --record and --host:
	/// creates a SMART Health Link anyone can open in an SHL viewer, and prints it with its QR
	/// code.
	Share {
		#[arg(conflicts_with_all = ["records", "host"], required_unless_present = "records")]
		grant: Option<u64>,
		/// A record to put in the link (repeat for several).
		#[arg(long = "record", requires = "host")]
		records: Vec<u64>,
		/// The share host that serves the link (its base URL).
		#[arg(long)]
		host: Option<String>,
		/// How long the link lives, in hours.
		#[arg(long, default_value = "24", value_parser = clap::value_parser!(u32).range(1..=2160))]
		hours: u32,
		/// How many times it may be opened.
		#[arg(long, default_value = "1", value_parser = clap::value_parser!(u32).range(1..=100))]
		uses: u32,
		/// A passcode the recipient must type (tell it to them apart from the link).
		#[arg(long)]
		passcode: Option<String>,
		/// What a viewer shows, at most 80 characters.
		#[arg(long)]
		label: Option<String>,
		/// A viewer URL to put before the link (ending in #), e.g. your clinic's SHL viewer.
		#[arg(long)]
		viewer: Option<String>,
		/// A direct (U) link: viewers fetch the file without a manifest request. Not with
		/// --passcode.
		#[arg(long, conflicts_with = "passcode")]
		direct: bool,
	},
	/// Lists your live SMART Health Links.
	Links,
	/// Revokes a SMART Health Link now: its host answers 404 from the next block on.
	RevokeLink { id: String },
	/// Denies a request.
	Deny {
		request: u64,
		#[arg(long, default_value = "")]
		reason: String,
	},
	/// Revokes a grant now.
	Revoke { grant: u64 },
	/// Your emergency summary: records a doctor under emergency access can open while you
	/// cannot answer (the validators release their keys).
	#[command(subcommand)]
	Summary(SummaryCmd),
	/// Lists live grants.
	Grants,
	/// Lists records, with their titles decrypted.
	Records,
	/// Decrypts a record to a file.
	View {
		/// One record, or several of one patient's.
		#[arg(required = true)]
		records: Vec<u64>,
		/// The file to write; for several records, the directory that gets `record-<id>`
		/// for each (one transaction records all the reads).
		#[arg(long, short)]
		out: PathBuf,
	},
	/// Exports your history. With --out: all your records, still encrypted, as one CAR file
	/// (one root per record) for `ipfs dag import` on any IPFS node. With --fhir: everything as
	/// one FHIR R4 bundle (you, your practitioners, every record decrypted, consents, the audit
	/// trail dated by block); --reference points to the encrypted files instead.
	Export {
		#[arg(long, short, required_unless_present = "fhir", conflicts_with = "fhir")]
		out: Option<PathBuf>,
		#[arg(long)]
		fhir: Option<PathBuf>,
		#[arg(long, requires = "fhir")]
		reference: bool,
	},
	/// Your profile (name, birth date, sex, phone), sealed to you and to the practitioners who
	/// treat you or hold a grant.
	#[command(subcommand)]
	Profile(ProfileCmd),
	/// Shows who did what with your data.
	Audit,
}

#[derive(Subcommand, Debug)]
pub enum ProfileCmd {
	/// Writes your profile and seals it to its readers.
	Set {
		#[arg(long)]
		name: String,
		/// YYYY-MM-DD.
		#[arg(long)]
		birth_date: String,
		/// male, female, other or unknown.
		#[arg(long)]
		sex: Option<String>,
		#[arg(long)]
		phone: Option<String>,
	},
	/// Shows your profile.
	Show,
	/// Seals your profile again if its readers changed (an appointment accepted, a grant given
	/// or ended).
	Sync,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
	#[arg(long)]
	pub name: String,
	#[arg(long, default_value = "")]
	pub specialization: String,
	#[arg(long)]
	pub licence: String,
	/// A document proving the licence, stored and shown to the verifier by CID.
	#[arg(long)]
	pub credentials: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum DoctorCmd {
	/// Applies as a doctor.
	Apply(ApplyArgs),
	/// Lists appointments.
	Appointments,
	/// Accepts an appointment.
	Accept { id: u64 },
	/// Declines an appointment.
	Decline {
		id: u64,
		#[arg(long)]
		note: Option<String>,
	},
	/// Declines a request from a patient you do not treat as spam; its deposit comes to you.
	ReportSpam { id: u64 },
	/// Completes an appointment.
	Complete { id: u64 },
	/// Encrypts reports and adds them to a patient's records: one file, or several (at most
	/// 16) in one transaction, each its own record.
	UploadReport {
		patient: String,
		/// The files, one record each.
		#[arg(required = true, num_args = 1..)]
		files: Vec<PathBuf>,
		/// One title per file, in order; or one for all, each record then titled
		/// "<title> (<file name>)".
		#[arg(long, required = true)]
		title: Vec<String>,
		/// The record this one corrects (one file only).
		#[arg(long)]
		supersedes: Option<u64>,
	},
	/// Encrypts prescriptions and adds them to a patient's records: one file, or several (at
	/// most 16) in one transaction, each its own record.
	UploadPrescription {
		patient: String,
		/// The files, one record each.
		#[arg(required = true, num_args = 1..)]
		files: Vec<PathBuf>,
		/// One title per file, in order; or one for all, each record then titled
		/// "<title> (<file name>)".
		#[arg(long, required = true)]
		title: Vec<String>,
		/// One quantity per file, in order; or one for all.
		#[arg(long, required = true)]
		quantity: Vec<u32>,
		/// The record this one corrects (one file only).
		#[arg(long)]
		supersedes: Option<u64>,
	},
	/// Asks a patient for access to their records.
	RequestAccess {
		patient: String,
		#[arg(long, value_enum, default_value = "reports")]
		scope: ScopeArg,
		#[arg(long)]
		purpose: String,
		#[command(flatten)]
		duration: Duration,
	},
	/// Decrypts a record you wrote or were granted.
	View {
		/// One record, or several of one patient's.
		#[arg(required = true)]
		records: Vec<u64>,
		/// The file to write; for several records, the directory that gets `record-<id>`
		/// for each (one transaction records all the reads).
		#[arg(long, short)]
		out: PathBuf,
	},
	/// Lists the patients you treat.
	Patients,
	/// Lists the grants you hold.
	Grants,
	/// Withdraws a pending access request.
	CancelRequest { request: u64 },
	/// Removes a closed access request and gets its deposit back.
	ClearRequest { request: u64 },
	/// Gives up a grant you hold (needed before you can deregister).
	Renounce { grant: u64 },
	/// Opens break-glass access to a patient's records (audited).
	Emergency {
		patient: String,
		#[arg(long)]
		justification: String,
	},
}

#[derive(Subcommand, Debug)]
pub enum VerifierCmd {
	/// Lists applications waiting for a decision.
	Pending,
	/// Verifies a practitioner.
	Verify {
		who: String,
		/// Block at which the verification lapses (verified for blocks before it).
		#[arg(long)]
		until: Option<u32>,
	},
	/// Rejects an application.
	Reject {
		who: String,
		#[arg(long)]
		reason: String,
	},
	/// Suspends a practitioner (their grants stop at once).
	Suspend {
		who: String,
		#[arg(long)]
		reason: String,
	},
	/// Revokes a practitioner for good.
	Revoke {
		who: String,
		#[arg(long)]
		reason: String,
	},
	/// Shows an applicant: name, specialization, licence, credentials CID, status.
	Show { who: String },
	/// Appoints a verifier (needs the sudo key).
	Add { who: String },
	/// Removes a verifier (needs the sudo key).
	Remove { who: String },
	/// Lists verifiers.
	List,
}

#[derive(Subcommand, Debug)]
pub enum InstitutionCmd {
	/// Applies (as a hospital or a pharmacy).
	Apply(ApplyArgs),
	/// Asks a patient for their prescriptions.
	Request {
		patient: String,
		#[arg(long)]
		purpose: String,
		#[command(flatten)]
		duration: Duration,
	},
	/// Decrypts a record you were granted.
	View {
		/// One record, or several of one patient's.
		#[arg(required = true)]
		records: Vec<u64>,
		/// The file to write; for several records, the directory that gets `record-<id>`
		/// for each (one transaction records all the reads).
		#[arg(long, short)]
		out: PathBuf,
	},
	/// Removes a closed access request and gets its deposit back.
	ClearRequest { request: u64 },
	/// Gives up a grant you hold (needed before you can deregister).
	Renounce { grant: u64 },
}

#[derive(Subcommand, Debug)]
pub enum PharmacyCmd {
	#[command(flatten)]
	Common(InstitutionCmd),
	/// Dispenses a prescription (once per grant use); decrypts it to --out first.
	Dispense {
		record: u64,
		#[arg(long)]
		quantity: u32,
		#[arg(long, short, default_value = "prescription.txt")]
		out: PathBuf,
	},
}

#[derive(Subcommand, Debug)]
pub enum BlobCmd {
	/// Prints the CID of a file as `ipfs add -n -Q` does (nothing is stored).
	Cid {
		file: PathBuf,
		#[arg(long, default_value = "0", value_parser = clap::value_parser!(u8).range(0..=1))]
		cid_version: u8,
	},
	/// Stores a file as it is (not encrypted) and prints its CID.
	Add { file: PathBuf },
	/// Writes a stored file, verified against its CID.
	Get {
		cid: String,
		#[arg(long, short)]
		out: PathBuf,
	},
	/// Writes the blocks of one or more files as one CARv1 (for `ipfs dag import`), from
	/// the local store or, with --storage URL, as the IPFS node exports them (checked block
	/// by block).
	ExportCar {
		#[arg(required = true, num_args = 1..)]
		cids: Vec<String>,
		#[arg(long, short)]
		out: PathBuf,
	},
	/// Imports the blocks of a CARv1 (from `ipfs dag export`), every block checked, into the
	/// local store or, with --storage URL, into the IPFS node (roots pinned).
	ImportCar { file: PathBuf },
}

/// `patient summary …`.
#[derive(Debug, clap::Subcommand)]
pub enum SummaryCmd {
	/// Adds a record (allergies, medications, problem list). Trade-off: a threshold of
	/// colluding validators could read the records in your summary, and only those.
	Add { record: u64 },
	/// Takes a record out of the summary (its deposit comes back).
	Remove { record: u64 },
	/// Lists the records in your summary.
	List,
}
