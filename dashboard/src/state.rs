//! What the server keeps between requests: the one-time login token, the browser session it
//! became, and the account unlocked in it.

use std::{
	collections::HashMap,
	net::SocketAddr,
	sync::{Arc, Mutex, RwLock},
	time::{Duration, Instant},
};

use medchain_client::{
	chain::{Chain, Wait},
	crypto::keys::Identity,
	roles::Session,
	storage::Backend,
	ClientError,
};
use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{jobs::Job, Config};

/// The account a browser session works as: its keystore name and its role APIs.
pub struct User {
	pub name: String,
	pub session: Session<Backend>,
}

/// One signed-in browser.
pub struct WebSession {
	/// Sent back in `X-CSRF-Token` by every state-changing request.
	pub csrf: String,
	last_seen: Mutex<Instant>,
	user: RwLock<Option<Arc<User>>>,
	/// A phrase just created, shown once and then forgotten.
	fresh_phrase: Mutex<Option<Zeroizing<String>>>,
	pub jobs: Mutex<HashMap<u64, Arc<Job>>>,
	/// Decrypted files waiting for the browser to save them, each served once.
	pub downloads: Mutex<HashMap<String, Download>>,
}

/// A file prepared for one download; deleted when served, or when the session locks.
pub struct Download {
	pub name: String,
	pub file: tempfile::TempPath,
}

impl WebSession {
	fn new() -> Self {
		WebSession {
			csrf: random_token(),
			last_seen: Mutex::new(Instant::now()),
			user: RwLock::new(None),
			fresh_phrase: Mutex::new(None),
			jobs: Mutex::new(HashMap::new()),
			downloads: Mutex::new(HashMap::new()),
		}
	}

	/// The unlocked account, if any.
	pub fn user(&self) -> Option<Arc<User>> {
		self.user.read().unwrap_or_else(|e| e.into_inner()).clone()
	}

	pub fn unlock(&self, user: User) {
		*self.user.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(user));
		self.touch();
	}

	/// Drops the keys (a request still running keeps its own reference until it ends).
	pub fn lock(&self) {
		self.user.write().unwrap_or_else(|e| e.into_inner()).take();
		self.fresh_phrase.lock().unwrap_or_else(|e| e.into_inner()).take();
		self.jobs.lock().unwrap_or_else(|e| e.into_inner()).clear();
		self.downloads.lock().unwrap_or_else(|e| e.into_inner()).clear();
	}

	/// Keeps `file` for one download as `name`; returns the link that serves it.
	pub fn offer(&self, name: String, file: tempfile::TempPath) -> String {
		let id = random_token();
		self.downloads
			.lock()
			.unwrap_or_else(|e| e.into_inner())
			.insert(id.clone(), Download { name, file });
		format!("/downloads/{id}")
	}

	pub fn take_download(&self, id: &str) -> Option<Download> {
		self.downloads.lock().unwrap_or_else(|e| e.into_inner()).remove(id)
	}

	pub fn touch(&self) {
		*self.last_seen.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
	}

	fn idle_for(&self) -> Duration {
		self.last_seen.lock().unwrap_or_else(|e| e.into_inner()).elapsed()
	}

	pub fn set_fresh_phrase(&self, phrase: &str) {
		*self.fresh_phrase.lock().unwrap_or_else(|e| e.into_inner()) =
			Some(Zeroizing::new(phrase.to_string()));
	}

	pub fn take_fresh_phrase(&self) -> Option<Zeroizing<String>> {
		self.fresh_phrase.lock().unwrap_or_else(|e| e.into_inner()).take()
	}
}

/// Everything the handlers share.
pub struct AppState {
	pub config: Config,
	/// `127.0.0.1:<port>`: the only `Host` accepted.
	pub host: String,
	/// `http://127.0.0.1:<port>`: the only `Origin` accepted.
	pub origin: String,
	/// The session cookie's name; it carries the port because cookies ignore ports, and two
	/// dashboards on one machine must not sign each other out.
	pub cookie: String,
	login_token: Mutex<Option<String>>,
	sessions: Mutex<HashMap<String, Arc<WebSession>>>,
	chain: tokio::sync::Mutex<Option<Chain>>,
	pub(crate) next_job: std::sync::atomic::AtomicU64,
}

impl AppState {
	pub(crate) fn new(config: Config, addr: SocketAddr) -> Arc<Self> {
		Arc::new(AppState {
			config,
			host: addr.to_string(),
			origin: format!("http://{addr}"),
			cookie: format!("medchain_{}", addr.port()),
			login_token: Mutex::new(Some(random_token())),
			sessions: Mutex::new(HashMap::new()),
			chain: tokio::sync::Mutex::new(None),
			next_job: Default::default(),
		})
	}

	pub(crate) fn login_token(&self) -> String {
		self.login_token.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
	}

	/// Trades the one-time login token for a new session id; `None` if the token is wrong or
	/// was used already.
	pub(crate) fn redeem(&self, token: &str) -> Option<String> {
		let mut slot = self.login_token.lock().unwrap_or_else(|e| e.into_inner());
		let valid = slot.as_ref().is_some_and(|t| bool::from(t.as_bytes().ct_eq(token.as_bytes())));
		if !valid {
			return None;
		}
		slot.take();
		let id = random_token();
		self.sessions
			.lock()
			.unwrap_or_else(|e| e.into_inner())
			.insert(id.clone(), Arc::new(WebSession::new()));
		Some(id)
	}

	/// The session a cookie value names.
	pub(crate) fn session(&self, id: &str) -> Option<Arc<WebSession>> {
		let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
		sessions
			.iter()
			.find(|(known, _)| bool::from(known.as_bytes().ct_eq(id.as_bytes())))
			.map(|(_, s)| s.clone())
	}

	/// Number of signed-in browsers.
	pub fn session_count(&self) -> usize {
		self.sessions.lock().unwrap_or_else(|e| e.into_inner()).len()
	}

	/// Whether any session has an account unlocked.
	pub fn any_unlocked(&self) -> bool {
		self.sessions.lock().unwrap_or_else(|e| e.into_inner()).values().any(|s| s.user().is_some())
	}

	/// One connection to the node, opened on first use and reused.
	pub(crate) async fn chain(&self) -> Result<Chain, ClientError> {
		let mut slot = self.chain.lock().await;
		if let Some(chain) = slot.as_ref() {
			return Ok(chain.clone());
		}
		let chain = Chain::connect(&self.config.node).await?;
		*slot = Some(chain.clone());
		Ok(chain)
	}

	/// A private scratch file for a decrypted download or an upload on its way.
	pub(crate) fn scratch(&self) -> Result<tempfile::NamedTempFile, ClientError> {
		let dir = self.config.home.join("tmp");
		std::fs::create_dir_all(&dir)?;
		Ok(tempfile::NamedTempFile::new_in(dir)?)
	}

	/// A role session for `me` over the shared connection and the configured storage.
	pub(crate) async fn open_session(&self, me: Identity) -> Result<Session<Backend>, ClientError> {
		let store = Backend::from_option(&self.config.storage, &self.config.home)?;
		Ok(Session::new(self.chain().await?, me, store, Wait::InBlock, self.config.cid_version))
	}
}

/// 256 random bits, hex.
fn random_token() -> String {
	let mut bytes = [0u8; 32];
	OsRng.fill_bytes(&mut bytes);
	hex::encode(bytes)
}

/// Locks every session idle for longer than the configured time.
pub(crate) fn spawn_idle_lock(state: Arc<AppState>) {
	let every =
		(state.config.idle_lock / 10).clamp(Duration::from_millis(200), Duration::from_secs(10));
	let weak = Arc::downgrade(&state);
	drop(state);
	tokio::spawn(async move {
		loop {
			tokio::time::sleep(every).await;
			let Some(state) = weak.upgrade() else { return };
			let sessions: Vec<_> = state
				.sessions
				.lock()
				.unwrap_or_else(|e| e.into_inner())
				.values()
				.cloned()
				.collect();
			for session in sessions {
				if session.user().is_some() && session.idle_for() > state.config.idle_lock {
					session.lock();
				}
			}
		}
	});
}
