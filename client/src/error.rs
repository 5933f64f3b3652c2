//! The client's errors: typed, each saying what went wrong and, where it helps, what to do.

use subxt::utils::AccountId32;

use crate::{crypto::CryptoError, storage::StorageError};

/// Everything a client call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The chain refused the call (a pallet error), with the pallet's own explanation.
	#[error("{pallet}::{error}: {docs}")]
	Dispatch { pallet: String, error: String, docs: String },
	#[error("{role} {who} is not verified (status: {status})")]
	NotVerified { role: String, who: AccountId32, status: String },
	#[error("{who} is not registered on MedChain (run `medchain patient register` or `medchain <role> apply`)")]
	NotRegistered { who: AccountId32 },
	#[error("record {0} does not exist")]
	UnknownRecord(u64),
	#[error("request {0} does not exist")]
	UnknownRequest(u64),
	#[error("appointment {0} does not exist")]
	UnknownAppointment(u64),
	#[error("you hold no key for record {record}: ask the patient for access first")]
	NoEnvelope { record: u64 },
	#[error("the node rejected the transaction: {0}")]
	Rejected(String),
	#[error("cannot reach the MedChain node at {url}: {reason}")]
	Connection { url: String, reason: String },
	#[error("invalid input: {0}")]
	Invalid(String),
	#[error("nothing to add: a batch needs at least one file")]
	EmptyBatch,
	#[error("{given} files are too many for one transaction: at most {max} go in one batch")]
	BatchTooLarge { given: usize, max: u32 },
	#[error(transparent)]
	Crypto(#[from] CryptoError),
	#[error(transparent)]
	Storage(#[from] StorageError),
	#[error("chain: {0}")]
	Chain(String),
	#[error(transparent)]
	Share(#[from] crate::share::ShareError),
	#[error("the share host {url} failed: {reason}")]
	Host { url: String, reason: String },
	#[error("this link is not active: it expired, was revoked, used up or locked; ask the patient for a new one")]
	LinkClosed,
	#[error("wrong passcode: {remaining} attempts left before the link locks")]
	WrongPasscode { remaining: u32 },
	#[error("the validators released no key for record {record}: {reason}")]
	NotReleased { record: u64, reason: String },
}

impl ClientError {
	/// The CLI's exit code for this error: 2 bad input, 3 refused by the chain or not allowed,
	/// 4 integrity (tampered data, wrong password, wrong key), 5 node or storage unreachable
	/// (or the content is not in the store).
	pub fn exit_code(&self) -> i32 {
		match self {
			ClientError::Invalid(_)
			| ClientError::Share(_)
			| ClientError::EmptyBatch
			| ClientError::BatchTooLarge { .. } => 2,
			ClientError::Dispatch { .. }
			| ClientError::NotVerified { .. }
			| ClientError::NotRegistered { .. }
			| ClientError::UnknownRecord(_)
			| ClientError::UnknownRequest(_)
			| ClientError::UnknownAppointment(_)
			| ClientError::NoEnvelope { .. }
			| ClientError::Rejected(_)
			| ClientError::LinkClosed
			| ClientError::WrongPasscode { .. }
			| ClientError::NotReleased { .. } => 3,
			ClientError::Crypto(CryptoError::Io(_)) => 1,
			ClientError::Crypto(_) => 4,
			ClientError::Storage(StorageError::BadUrl { .. } | StorageError::SourceChanged(_)) => 2,
			ClientError::Storage(
				StorageError::Unreachable { .. }
				| StorageError::NotIpfsApi { .. }
				| StorageError::NotFound { .. }
				| StorageError::TimedOut { .. }
				| StorageError::NodeRefused { .. }
				| StorageError::MissingBlock { .. },
			) => 5,
			ClientError::Storage(StorageError::Io(_)) => 1,
			ClientError::Storage(_) => 4,
			ClientError::Connection { .. } | ClientError::Host { .. } => 5,
			ClientError::Chain(_) => 1,
		}
	}

	/// What the user can do about it, where there is something obvious.
	pub fn hint(&self) -> Option<String> {
		Some(match self {
			ClientError::Connection { .. } => {
				"start a node (`scripts/run.sh`, or `medchain-node --dev`) or pass --node ws://HOST:PORT".into()
			},
			ClientError::NotVerified { .. } => "a verifier must verify the application first".into(),
			ClientError::Dispatch { error, .. } if error == "NoAccess" || error == "NoEnvelope" => {
				"ask the patient for access (`request-access` / `request`)".into()
			},
			// Other pallets have an `InsufficientBalance` of their own, for other deposits.
			ClientError::Dispatch { pallet, error, .. } if pallet == "Records" && error == "InsufficientBalance" => {
				"your account cannot pay the record deposit of 0.01 MED per record: top it up (any funded account can send MED with `medchain account transfer`)".into()
			},
			ClientError::Dispatch { pallet, error, .. } if pallet == "Records" && error == "EmptyBatch" => {
				"name at least one record (or file) in a batch".into()
			},
			ClientError::BatchTooLarge { max, .. } => {
				format!("split the files into batches of at most {max}, one transaction each")
			},
			ClientError::Rejected(reason) if reason.contains("Inability to pay") => {
				"the account cannot pay the fee: fund it with `medchain account transfer`".into()
			},
			// Another call from this account took the nonce first (another window or process).
			ClientError::Rejected(reason) if reason.contains("outdated") || reason.contains("Priority is too low") => {
				"another call from this account was counted first: try again".into()
			},
			ClientError::Crypto(CryptoError::WrongPassword { .. }) => {
				"check MEDCHAIN_PASSWORD, or restore the keys with `medchain account import`".into()
			},
			ClientError::Storage(StorageError::MissingBlock { .. }) => {
				"the blocks are elsewhere: import them with `medchain blob import-car`, or use --storage with the IPFS node that holds them".into()
			},
			ClientError::Storage(StorageError::NotFound { .. }) => {
				"the node does not hold it: import the record's CAR file into it (`medchain blob import-car --storage URL`), or connect it to the node that stored it".into()
			},
			ClientError::Storage(StorageError::Unreachable { .. } | StorageError::TimedOut { .. }) => {
				"start the IPFS node (scripts/ipfs-daemon.sh, or `ipfs daemon`), or pass --storage with its RPC API address".into()
			},
			ClientError::Storage(StorageError::NotIpfsApi { .. } | StorageError::BadUrl { .. }) => {
				"--storage takes the node's RPC API address (Kubo: the `Addresses.API` of its config, usually http://127.0.0.1:5001)".into()
			},
			_ => return None,
		})
	}

	/// The pallet error name, if the chain refused the call.
	pub fn dispatch_error(&self) -> Option<&str> {
		match self {
			ClientError::Dispatch { error, .. } => Some(error),
			_ => None,
		}
	}

	pub(crate) fn chain(err: impl std::fmt::Display) -> Self {
		ClientError::Chain(err.to_string())
	}
}

impl From<std::io::Error> for ClientError {
	fn from(err: std::io::Error) -> Self {
		ClientError::Storage(err.into())
	}
}
