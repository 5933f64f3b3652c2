//! What the dashboard's tests share: a real dev node, funded accounts, keystores, and an HTTP
//! client that behaves like the dashboard's own pages (session cookie, CSRF token, Origin).

#![allow(dead_code)]

use std::{path::Path, time::Duration};

use medchain_client::{
	chain::{Chain, Wait},
	crypto::{keys::Identity, keystore::KeystoreFile},
	roles::{Application, Session},
	storage::{local::LocalStore, no_progress, CidVersion, ContentStore},
	walkthrough::MED,
};
use medchain_dashboard::{Config, Dashboard};
use medchain_node_harness::{wait_finalized, Node};

pub const PASSWORD: &str = "correct horse battery";

/// A dev node, with its first block finalized.
pub async fn dev_node(dir: &Path) -> Node {
	let mut node = Node::dev_fast("dev", dir, &["--no-prometheus"]);
	let rpc = node.rpc().await;
	wait_finalized(&node, &rpc, 1, Duration::from_secs(60)).await;
	node
}

/// The dev chain's sudo and first verifier, over the shared blockstore in `home`.
pub async fn alice(url: &str, home: &Path) -> Session<LocalStore> {
	session(url, home, Identity::from_secret("//Alice").unwrap()).await
}

pub async fn session(url: &str, home: &Path, me: Identity) -> Session<LocalStore> {
	let chain = Chain::connect(url).await.unwrap();
	let store = LocalStore::open(&home.join("ipfs")).unwrap();
	Session::new(chain, me, store, Wait::InBlock, CidVersion::V0)
}

/// Sends 1000 MED from Alice, as a faucet would.
pub async fn fund(url: &str, home: &Path, who: &str) {
	let alice = alice(url, home).await;
	alice.transfer(&who.parse().unwrap(), 1_000 * MED).await.unwrap();
}

/// Seals `me` as keystore `name` in `home`.
pub fn keystore(home: &Path, name: &str, me: &Identity) {
	KeystoreFile::seal(me, PASSWORD)
		.unwrap()
		.save(&home.join("keys").join(format!("{name}.json")))
		.unwrap();
}

/// A verified practitioner made through the library (setup, not the story under test), kept
/// as keystore `name`.
pub async fn practitioner(url: &str, home: &Path, name: &str, role: &str, title: &str) -> String {
	let me = Identity::generate();
	keystore(home, name, &me);
	let account = me.account_id().to_string();
	fund(url, home, &account).await;
	let s = session(url, home, me).await;
	let credentials = s
		.store
		.add(
			Box::new(std::io::Cursor::new(format!("{title} licence").into_bytes())),
			CidVersion::V0,
			no_progress(),
		)
		.await
		.unwrap();
	let application = Application {
		name: title.into(),
		specialization: role.into(),
		licence: format!("LIC-{name}"),
		credentials,
	};
	match role {
		"doctor" => s.doctor().apply(&application).await.unwrap(),
		"hospital" => s.hospital().apply(&application).await.unwrap(),
		_ => s.pharmacy().apply(&application).await.unwrap(),
	}
	alice(url, home).await.verifier().verify(&s.account_id(), None).await.unwrap();
	account
}

/// A dashboard on a free port over `home`, with `tweak` applied to its configuration.
pub async fn dashboard(url: &str, home: &Path, tweak: impl FnOnce(&mut Config)) -> Dashboard {
	let mut config = Config::new(url, home.to_path_buf());
	tweak(&mut config);
	medchain_dashboard::start(config).await.unwrap()
}

/// An HTTP client that acts like the dashboard's pages.
pub struct Web {
	pub client: reqwest::Client,
	pub origin: String,
	pub cookie: Option<String>,
	pub csrf: Option<String>,
}

impl Web {
	pub fn new(dashboard: &Dashboard) -> Self {
		Web {
			client: reqwest::Client::builder()
				.redirect(reqwest::redirect::Policy::none())
				.build()
				.unwrap(),
			origin: dashboard.origin(),
			cookie: None,
			csrf: None,
		}
	}

	/// Follows the one-time link, keeps the cookie and reads the CSRF token off the page.
	pub async fn sign_in(&mut self, login_url: &str) -> reqwest::Response {
		let response = self.client.get(login_url).send().await.unwrap();
		if let Some(set) = response.headers().get("set-cookie") {
			self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_string());
			let page = self.get("/").await.text().await.unwrap();
			self.csrf = csrf_of(&page);
		}
		response
	}

	pub fn get_builder(&self, path: &str) -> reqwest::RequestBuilder {
		let mut request = self.client.get(format!("{}{path}", self.origin));
		if let Some(cookie) = &self.cookie {
			request = request.header("cookie", cookie);
		}
		request
	}

	pub async fn get(&self, path: &str) -> reqwest::Response {
		self.get_builder(path).send().await.unwrap()
	}

	/// A POST as htmx sends it: cookie, CSRF token, same-origin headers.
	pub fn post_builder(&self, path: &str) -> reqwest::RequestBuilder {
		let mut request = self
			.client
			.post(format!("{}{path}", self.origin))
			.header("origin", &self.origin)
			.header("sec-fetch-site", "same-origin")
			.header("hx-request", "true");
		if let Some(cookie) = &self.cookie {
			request = request.header("cookie", cookie);
		}
		if let Some(csrf) = &self.csrf {
			request = request.header("x-csrf-token", csrf);
		}
		request
	}

	pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
		self.post_builder(path).form(form).send().await.unwrap()
	}
}

/// The token the page puts in `<body hx-headers>`.
pub fn csrf_of(page: &str) -> Option<String> {
	let start = page.find("X-CSRF-Token")?;
	let rest = &page[start..];
	let token: String = rest
		.split(':')
		.nth(1)?
		.chars()
		.skip_while(|c| !c.is_ascii_hexdigit())
		.take_while(|c| c.is_ascii_hexdigit())
		.collect();
	(token.len() == 64).then_some(token)
}

/// A share host on a free loopback port, with a funded account of its own.
pub async fn share_host(url: &str, home: &Path) -> medchain_dashboard::share_host::ShareHost {
	let me = Identity::generate();
	fund(url, home, &me.account_id().to_string()).await;
	let config = medchain_dashboard::share_host::HostConfig {
		node: url.into(),
		listen: "127.0.0.1:0".parse().unwrap(),
		public_url: None,
		dir: home.join("share-host"),
	};
	medchain_dashboard::share_host::start(config, me).await.unwrap()
}
