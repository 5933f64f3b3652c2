//! The dashboard over HTTP, against a real dev node: sign-in, the Host check, CSRF, the
//! session cookie, security headers, limits, idle lock, plain-words errors on every kind of
//! route, several files uploaded in one transaction, and the live event stream.

mod common;

use std::time::{Duration, Instant};

use common::*;
use medchain_client::{chain::Wait, crypto::keys::Identity, runtime::medchain as api};
use medchain_dashboard::guard::CSP;
use medchain_node_harness::{best_height, wait_finalized, Node};
use subxt::rpcs::RpcClient;

/// Every route the dashboard serves, with a harmless argument.
const GETS: &[&str] = &[
	"/panel/records",
	"/jobs/1",
	"/downloads/abc",
	"/credentials/QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
	"/doctors?q=a",
	"/lookup?account=x",
	"/events",
];
const POSTS: &[&str] = &[
	"/account/unlock",
	"/account/create",
	"/account/import",
	"/account/lock",
	"/register/patient",
	"/register/practitioner",
	"/appointments",
	"/appointments/1/cancel",
	"/appointments/1/accept",
	"/appointments/1/decline",
	"/appointments/1/spam",
	"/requests/1/grant",
	"/requests/1/deny",
	"/grants/1/revoke",
	"/records/1/open",
	"/records/1/export",
	"/records/export-all",
	"/records/1/dispense",
	"/upload",
	"/access",
	"/emergency",
	"/prescriptions/request",
	"/practitioners/x/verify",
	"/verifiers",
	"/verifiers/x/remove",
];

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
	response.headers().get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_route_is_guarded_and_answers_in_plain_words() {
	let dir = tempfile::tempdir().unwrap();
	let node = dev_node(dir.path()).await;
	let url = node.rpc_url();
	let home = dir.path().join("home");
	let dashboard = dashboard(&url, &home, |c| c.max_upload = 1024 * 1024).await;
	let mut web = Web::new(&dashboard);

	// Without a session: nothing but the sign-in message, for pages and actions alike.
	let response = web.get("/").await;
	assert_eq!(response.status(), 401);
	assert!(response.text().await.unwrap().contains("Sign in first"));
	assert_eq!(web.post("/account/lock", &[]).await.status(), 403);

	for path in GETS {
		assert_eq!(web.get(path).await.status(), 401, "GET {path} without a session");
	}
	for path in POSTS {
		assert_eq!(web.post(path, &[]).await.status(), 403, "POST {path} without a session");
	}

	// The Host header must be exactly 127.0.0.1:<port> (DNS rebinding).
	for host in ["evil.example", "localhost", "127.0.0.1"] {
		let port = dashboard.addr().port();
		let host =
			if host == "127.0.0.1" { "127.0.0.1:1".to_string() } else { format!("{host}:{port}") };
		let response =
			web.get_builder("/static/style.css").header("host", &host).send().await.unwrap();
		assert_eq!(response.status(), 421, "Host {host} must be refused");
	}

	// The one-time link: a wrong token is refused; the right one works once and gives a
	// strict, script-proof cookie named after the port.
	let wrong = format!("{}/login/{}", dashboard.origin(), "0".repeat(64));
	assert_eq!(web.client.get(&wrong).send().await.unwrap().status(), 403);
	let login = dashboard.login_url().to_string();
	let response = web.sign_in(&login).await;
	assert_eq!(response.status(), 303);
	let cookie = header(&response, "set-cookie");
	assert!(cookie.starts_with(&format!("medchain_{}=", dashboard.addr().port())), "{cookie}");
	assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
	assert!(web.csrf.is_some(), "the page carries the CSRF token");
	assert_eq!(web.client.get(&login).send().await.unwrap().status(), 403, "links work once");
	assert_eq!(dashboard.state().session_count(), 1);

	// Every answer forbids framing and foreign scripts and is never cached.
	let response = web.get("/").await;
	assert_eq!(response.status(), 200);
	assert_eq!(header(&response, "content-security-policy"), CSP);
	assert_eq!(header(&response, "x-frame-options"), "DENY");
	assert_eq!(header(&response, "cache-control"), "no-store");
	assert_eq!(header(&response, "x-content-type-options"), "nosniff");
	let page = response.text().await.unwrap();
	assert!(page.contains("No account on this computer yet"), "the empty state says what to do");
	assert!(!page.contains("<script>"), "no inline script (the CSP forbids it anyway)");
	let script = web.get("/static/htmx.min.js").await;
	assert_eq!(header(&script, "content-type"), "text/javascript");

	// CSRF: a state-changing request needs the token, and no foreign Origin or site.
	let create = [("name", "pat"), ("password", PASSWORD), ("confirm", PASSWORD)];
	let no_token = web
		.client
		.post(format!("{}/account/create", web.origin))
		.header("cookie", web.cookie.clone().unwrap())
		.form(&create)
		.send()
		.await
		.unwrap();
	assert_eq!(no_token.status(), 403);
	assert!(no_token.text().await.unwrap().contains("CSRF token"));
	let foreign = web
		.post_builder("/account/create")
		.header("origin", "http://evil.example")
		.form(&create)
		.send()
		.await
		.unwrap();
	assert_eq!(foreign.status(), 403);
	let cross_site = web
		.post_builder("/account/create")
		.header("sec-fetch-site", "cross-site")
		.form(&create)
		.send()
		.await
		.unwrap();
	assert_eq!(cross_site.status(), 403);
	assert!(!home.join("keys/pat.json").exists(), "nothing was created by refused requests");
	for path in POSTS {
		let response = web
			.client
			.post(format!("{}{path}", web.origin))
			.header("cookie", web.cookie.clone().unwrap())
			.header("origin", &web.origin)
			.header("x-csrf-token", "0".repeat(64))
			.send()
			.await
			.unwrap();
		assert_eq!(response.status(), 403, "POST {path} with a wrong CSRF token");
	}
	// Signed in but locked: pages send the browser to the unlock screen.
	for path in GETS.iter().filter(|p| !p.starts_with("/downloads") && !p.starts_with("/jobs")) {
		let response = web.get(path).await;
		assert_eq!(response.status(), 303, "GET {path} while locked");
		assert_eq!(header(&response, "location"), "/");
	}

	// Bad input is a typed message, and nothing is created.
	let response = web
		.post("/account/create", &[("name", "../x"), ("password", PASSWORD), ("confirm", PASSWORD)])
		.await;
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("letters, digits"));
	let response = web
		.post("/account/create", &[("name", "pat"), ("password", "short"), ("confirm", "short")])
		.await;
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("at least 8"));
	let response = web
		.post(
			"/account/import",
			&[("name", "imp"), ("phrase", "not a phrase"), ("password", PASSWORD)],
		)
		.await;
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("recovery phrase is not valid"));

	// Create: the account unlocks and its phrase shows exactly once.
	let response = web.post("/account/create", &create).await;
	assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
	assert_eq!(header(&response, "hx-redirect"), "/");
	let page = web.get("/").await.text().await.unwrap();
	assert!(page.contains("Your recovery phrase"));
	assert!(page.contains("has no funds yet"), "a new account is told how to get funds");
	let page = web.get("/").await.text().await.unwrap();
	assert!(!page.contains("Your recovery phrase"), "the phrase is shown once");
	let address =
		page.split("id=\"my-address\">").nth(1).unwrap().split('<').next().unwrap().to_string();
	let duplicate = web.post("/account/create", &create).await;
	assert_eq!(duplicate.status(), 400);
	assert!(duplicate.text().await.unwrap().contains("exists already"));

	// A chain refusal is the node's reason in words, with what to do: no funds yet.
	let response = web.post("/register/patient", &[]).await;
	assert!(response.status().is_client_error() || response.status().is_server_error());
	let text = response.text().await.unwrap();
	assert!(!text.contains("Error {"), "no debug output");
	assert!(text.contains("Inability to pay some fees"), "the node's reason: {text}");
	assert!(text.contains("cannot pay the fee"), "what to do: {text}");
	fund(&url, &home, &address).await;
	let response = web.post("/register/patient", &[]).await;
	assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
	let page = web.get("/").await.text().await.unwrap();
	assert!(
		page.contains("Access requests") && page.contains("No one is waiting"),
		"the patient page with its empty states"
	);

	// Patient actions with bad input.
	let response = web
		.post("/appointments", &[("doctor", "5Nope"), ("at", "2030-01-01T10:00"), ("reason", "x")])
		.await;
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("is not a MedChain account address"));
	let response = web.post("/requests/999/grant", &[("hours", "24"), ("uses", "")]).await;
	assert_eq!(response.status(), 409);
	assert!(response.text().await.unwrap().contains("request 999 does not exist"));
	let response = web.post("/requests/1/grant", &[("hours", "many")]).await;
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("whole number"));
	let response = web.post("/grants/77/revoke", &[]).await;
	assert_eq!(response.status(), 409);
	let response = web.post("/records/5/open", &[]).await;
	assert_eq!(response.status(), 409);
	assert!(response.text().await.unwrap().contains("record 5 does not exist"));
	assert_eq!(web.get("/downloads/abc").await.status(), 404);
	// Every other action, with input it must refuse: a status and a message, nothing stored.
	let a = address.as_str();
	let mut wrong = Vec::new();
	for (path, form, status, says) in [
		("/appointments/9/accept", vec![], 400u16, "not a doctor"),
		("/appointments/9/decline", vec![], 409, "Appointments"),
		("/appointments/9/spam", vec![], 400, "not a doctor"),
		("/appointments/9/cancel", vec![], 409, "NotFound"),
		("/requests/9/deny", vec![("reason", "no")], 409, "request 9 does not exist"),
		("/records/9/export", vec![], 409, "record 9 does not exist"),
		("/records/export-all", vec![], 400, "no records yet"),
		("/requests/9/grant", vec![("hours", "1"), ("record-x", "on")], 400, "not a record id"),
		("/requests/9/grant", vec![("hours", "1"), ("record-3", "on")], 409, "request 9"),
		("/records/9/dispense", vec![("quantity", "0")], 400, "at least 1"),
		("/records/9/dispense", vec![("quantity", "1")], 400, "not a pharmacy"),
		(
			"/access",
			vec![("patient", a), ("scope", "everything"), ("purpose", "x"), ("hours", "1")],
			400,
			"not a scope",
		),
		(
			"/access",
			vec![("patient", a), ("scope", "reports"), ("purpose", "x"), ("hours", "0")],
			400,
			"1 hour to 365 days",
		),
		(
			"/access",
			vec![("patient", a), ("scope", "reports"), ("purpose", "x"), ("hours", "1")],
			400,
			"not a doctor",
		),
		("/emergency", vec![("patient", a), ("justification", " ")], 400, "justification"),
		(
			"/emergency",
			vec![("patient", "nobody"), ("justification", "x")],
			400,
			"not a MedChain account",
		),
		(
			"/prescriptions/request",
			vec![("patient", a), ("purpose", "x"), ("hours", "2")],
			400,
			"not a hospital",
		),
		("/practitioners/nobody/verify", vec![], 400, "not a MedChain account"),
		(
			"/practitioners/5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY/promote",
			vec![],
			400,
			"not a decision",
		),
		(
			"/practitioners/5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY/verify",
			vec![("until", "1999-01-01")],
			400,
			"in the future",
		),
		(
			"/practitioners/5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY/verify",
			vec![],
			409,
			"only verifiers decide",
		),
		("/verifiers", vec![("account", "nobody")], 400, "not a MedChain account"),
		(
			"/verifiers",
			vec![("account", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")],
			409,
			"only root",
		),
		(
			"/verifiers/5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY/remove",
			vec![],
			409,
			"only root",
		),
	] {
		let response = web.post(path, &form).await;
		let got = response.status();
		let text = response.text().await.unwrap();
		if got != status || !text.contains(says) || !text.contains("class=\"problem\"") {
			wrong.push(format!("POST {path} {form:?}: {got} {text}"));
		}
	}
	assert!(wrong.is_empty(), "{}", wrong.join("\n"));
	let upload = reqwest::multipart::Form::new()
		.text("patient", address.clone())
		.text("kind", "report")
		.text("title", "t");
	let response = web.post_builder("/upload").multipart(upload).send().await.unwrap();
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("Choose the file"));
	assert_eq!(web.get("/nowhere").await.status(), 404);
	assert_eq!(web.get("/panel/requests").await.status(), 200);
	let response = web.get("/lookup?account=garbage").await;
	assert_eq!(response.status(), 400);

	// Live events: the stream opens with a greeting.
	let mut events = web.get("/events").await;
	assert_eq!(header(&events, "content-type"), "text/event-stream");
	let first = tokio::time::timeout(Duration::from_secs(20), events.chunk())
		.await
		.unwrap()
		.unwrap()
		.unwrap();
	assert!(String::from_utf8_lossy(&first).contains("event: ready"));
	drop(events);

	// Upload limits: a credentials file over the limit is refused with the limit in words.
	let big = reqwest::multipart::Part::bytes(vec![7u8; 2 * 1024 * 1024]).file_name("scan.pdf");
	let form = reqwest::multipart::Form::new()
		.text("role", "doctor")
		.text("name", "Dr. Big")
		.text("specialization", "x")
		.text("licence", "y")
		.part("credentials", big);
	let response = web.post_builder("/register/practitioner").multipart(form).send().await.unwrap();
	assert_eq!(response.status(), 413);
	assert!(response.text().await.unwrap().contains("up to 1 MiB"));

	// Credentials documents come as sandboxed attachments, never inline.
	let doctor = practitioner(&url, &home, "ada", "doctor", "Dr. Ada").await;
	let cid = alice(&url, &home)
		.await
		.account(&doctor.parse().unwrap())
		.await
		.unwrap()
		.credentials
		.unwrap();
	let response = web.get(&format!("/credentials/{cid}")).await;
	assert_eq!(response.status(), 200);
	assert!(header(&response, "content-disposition").starts_with("attachment"));
	assert!(response.headers().get_all("content-security-policy").iter().any(|v| v == "sandbox"));
	assert_eq!(response.bytes().await.unwrap().as_ref(), b"Dr. Ada licence");

	// Lock: keys dropped, back to the unlock screen, actions refused.
	assert!(dashboard.state().any_unlocked());
	assert_eq!(web.post("/account/lock", &[]).await.status(), 200);
	assert!(!dashboard.state().any_unlocked());
	let page = web.get("/").await.text().await.unwrap();
	assert!(page.contains("Unlock an account"));
	let response = web.post("/grants/1/revoke", &[]).await;
	assert_eq!(response.status(), 401);
	assert_eq!(header(&response, "hx-redirect"), "/");

	// Unlock: a wrong password says so; the right one works.
	let response =
		web.post("/account/unlock", &[("name", "pat"), ("password", "wrong password")]).await;
	assert_eq!(response.status(), 401);
	assert!(response.text().await.unwrap().contains("Wrong password"));
	let response = web.post("/account/unlock", &[("name", "nobody"), ("password", PASSWORD)]).await;
	assert_eq!(response.status(), 400);
	let response = web.post("/account/unlock", &[("name", "pat"), ("password", PASSWORD)]).await;
	assert_eq!(response.status(), 200);
	assert!(dashboard.state().any_unlocked());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idle_session_locks_itself() {
	let dir = tempfile::tempdir().unwrap();
	let node = dev_node(dir.path()).await;
	let home = dir.path().join("home");
	keystore(&home, "sleepy", &Identity::generate());
	let dashboard =
		dashboard(&node.rpc_url(), &home, |c| c.idle_lock = Duration::from_secs(2)).await;
	let mut web = Web::new(&dashboard);
	web.sign_in(dashboard.login_url()).await;
	let response = web.post("/account/unlock", &[("name", "sleepy"), ("password", PASSWORD)]).await;
	assert_eq!(response.status(), 200);
	assert!(dashboard.state().any_unlocked());
	// An open event stream is not activity.
	let _events = web.get("/events").await;
	tokio::time::sleep(Duration::from_secs(5)).await;
	assert!(!dashboard.state().any_unlocked(), "the keys were dropped after 2 s idle");
	let page = web.get("/").await.text().await.unwrap();
	assert!(page.contains("Unlock an account"));
}

/// The doctor's upload form as the page sends it, with one `file` part per chosen file.
fn upload_form(
	patient: &str,
	files: &[(&str, Vec<u8>)],
	supersedes: &str,
) -> reqwest::multipart::Form {
	let mut form = reqwest::multipart::Form::new()
		.text("patient", patient.to_string())
		.text("kind", "report")
		.text("title", "Blood panel")
		.text("quantity", "1")
		.text("supersedes", supersedes.to_string());
	for (name, bytes) in files {
		let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string());
		form = form.part("file", part);
	}
	form
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_files_go_in_one_transaction_each_its_own_record() {
	let dir = tempfile::tempdir().unwrap();
	let node = dev_node(dir.path()).await;
	let url = node.rpc_url();
	let home = dir.path().join("home");
	// Set up through the library: a verified doctor, and a patient who booked them.
	let doctor = practitioner(&url, &home, "ada", "doctor", "Dr. Ada").await;
	let me = Identity::generate();
	let address = me.account_id().to_string();
	fund(&url, &home, &address).await;
	let patient = session(&url, &home, me).await;
	patient.patient().register().await.unwrap();
	let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
	let tomorrow = now.as_millis() as u64 + 86_400_000;
	let appointment =
		patient.patient().book(&doctor.parse().unwrap(), tomorrow, "check-up").await.unwrap();

	let dashboard = dashboard(&url, &home, |_| {}).await;
	let mut web = Web::new(&dashboard);
	web.sign_in(dashboard.login_url()).await;
	let response = web.post("/account/unlock", &[("name", "ada"), ("password", PASSWORD)]).await;
	assert_eq!(response.status(), 200);
	let response = web.post(&format!("/appointments/{appointment}/accept"), &[]).await;
	assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

	// More files than one transaction takes, or a correction among several: refused at once.
	let many: Vec<(&str, Vec<u8>)> = (0..17).map(|_| ("scan.pdf", b"scan".to_vec())).collect();
	let response = web
		.post_builder("/upload")
		.multipart(upload_form(&address, &many, ""))
		.send()
		.await
		.unwrap();
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("At most 16 files go in one upload"));
	let files = [
		("glucose.csv", b"glucose,5.4 mmol/L".to_vec()),
		("lipids.csv", b"ldl,2.9 mmol/L\nhdl,1.4 mmol/L".to_vec()),
	];
	let response = web
		.post_builder("/upload")
		.multipart(upload_form(&address, &files, "0"))
		.send()
		.await
		.unwrap();
	assert_eq!(response.status(), 400);
	assert!(response.text().await.unwrap().contains("upload it on its own"));

	// Two files in one go: one job, one transaction, a record each.
	let response = web
		.post_builder("/upload")
		.multipart(upload_form(&address, &files, ""))
		.send()
		.await
		.unwrap();
	assert_eq!(response.status(), 200);
	let started = response.text().await.unwrap();
	assert!(started.contains("2 reports for"), "{started}");
	let job: u64 =
		started.split("id=\"job-").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
	let deadline = Instant::now() + Duration::from_secs(90);
	let page = loop {
		let page = web.get(&format!("/jobs/{job}")).await.text().await.unwrap();
		assert!(!page.contains("Upload failed"), "{page}");
		if page.contains("class=\"done\" id=\"job-final\"") {
			break page;
		}
		assert!(Instant::now() < deadline, "the upload never reached finality: {page}");
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	assert!(page.contains("2 records, one transaction"), "{page}");
	let listed: Vec<u64> = page
		.split("id=\"job-record-")
		.skip(1)
		.map(|rest| rest.split('"').next().unwrap().parse().unwrap())
		.collect();
	assert_eq!(listed, patient.record_ids(&address.parse().unwrap()).await.unwrap());
	assert_eq!(listed.len(), 2, "{page}");

	// Each record is its own: its title names its file, its bytes come back as sent, and both
	// entered the chain in the same block.
	let mut blocks = Vec::new();
	for (id, (name, bytes)) in listed.iter().zip(&files) {
		let record = patient.record(*id).await.unwrap();
		assert_eq!(record.title.as_deref(), Some(format!("Blood panel ({name})").as_str()));
		assert!(page.contains(&format!("Blood panel ({name})")), "{page}");
		let out = dir.path().join(name);
		let read = patient.patient_view(*id, &out).await.unwrap();
		assert_eq!(read.bytes, bytes.len() as u64);
		assert_eq!(&std::fs::read(&out).unwrap(), bytes);
		blocks.push(record.created_at);
	}
	assert_eq!(blocks[0], blocks[1], "one transaction");
}

/// A page's event stream (`/events`), read the way htmx's SSE extension reads it.
struct Events {
	response: reqwest::Response,
	pending: String,
}

impl Events {
	async fn open(web: &Web) -> Self {
		let response = web.get("/events").await;
		assert_eq!(response.status(), 200);
		let mut events = Events { response, pending: String::new() };
		let ready = events.next(Duration::from_secs(10)).await;
		assert_eq!(ready.map(|(name, _)| name).as_deref(), Some("ready"));
		events
	}

	/// The name and data of the next event, or `None` if none comes within `wait`.
	async fn next(&mut self, wait: Duration) -> Option<(String, String)> {
		let deadline = tokio::time::Instant::now() + wait;
		loop {
			if let Some(end) = self.pending.find("\n\n") {
				let frame: String = self.pending.drain(..end + 2).collect();
				let field = |name: &str| {
					frame
						.lines()
						.find_map(|line| line.strip_prefix(name))
						.map(|v| v.trim().to_string())
				};
				match field("event:") {
					Some(name) => return Some((name, field("data:").unwrap_or_default())),
					None => continue, // a keep-alive
				}
			}
			let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?;
			self.pending.push_str(&String::from_utf8_lossy(&chunk.unwrap()?));
		}
	}
}

/// Waits until a block after the best one at the time of the call is finalized.
async fn final_past_best(node: &Node, rpc: &RpcClient) {
	let best = best_height(rpc).await;
	wait_finalized(node, rpc, best + 1, Duration::from_secs(60)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_call_signed_elsewhere_reloads_the_panels_and_the_dashboards_own_only_once() {
	let dir = tempfile::tempdir().unwrap();
	let mut node = dev_node(dir.path()).await;
	let rpc = node.rpc().await;
	let url = node.rpc_url();
	let home = dir.path().join("home");
	let me = Identity::generate();
	keystore(&home, "pat", &me);
	fund(&url, &home, &me.account_id().to_string()).await;
	// The same account in another program: the CLI, say.
	let elsewhere = session(&url, &home, Identity::from_phrase(me.phrase()).unwrap()).await;
	elsewhere.patient().register().await.unwrap();
	// Final, and not the finalized head either: a new stream starts from that head.
	final_past_best(&node, &rpc).await;

	let dashboard = dashboard(&url, &home, |_| {}).await;
	let mut web = Web::new(&dashboard);
	web.sign_in(dashboard.login_url()).await;
	let response = web.post("/account/unlock", &[("name", "pat"), ("password", PASSWORD)]).await;
	assert_eq!(response.status(), 200);
	let mut events = Events::open(&web).await;

	// A call the patient signs elsewhere raises no alert, but once its block is final the page
	// is told to reload its panels.
	let call = api::tx().registry().update_keys(elsewhere.me.encryption_public(), None);
	let signer = elsewhere.me.signer();
	let included = elsewhere.chain.submit(&call, signer, Wait::InBlock).await.unwrap();
	let block = elsewhere.chain.block_number(included.block).await.unwrap();
	let changed = events.next(Duration::from_secs(60)).await;
	assert_eq!(changed, Some(("changed".into(), block.to_string())));

	// The dashboard's own call reloads the panels with its answer, and not a second time when
	// its block is final.
	let profile = [("name", "Pat Doe"), ("birth_date", "1980-04-12"), ("sex", ""), ("phone", "")];
	let response = web.post("/profile", &profile).await;
	assert_eq!(response.status(), 200);
	assert_eq!(header(&response, "hx-trigger-after-swap"), "changed");
	final_past_best(&node, &rpc).await;
	let again = events.next(Duration::from_secs(3)).await;
	assert_eq!(
		again,
		None,
		"the own call (by #{}) reloaded twice",
		elsewhere.chain.best_number().await.unwrap()
	);
}
