//! The story, end to end, in a real Chromium driven over WebDriver, against a real dev node:
//! people register, a verifier verifies, an appointment is booked and accepted, a report, two
//! lab results in one go and a prescription are uploaded, a second doctor asks and the patient
//! sees it live and grants, the report comes back byte-identical, a pharmacy dispenses on a
//! one-time grant, and the patient revokes and reads it all in the audit trail.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test.sh installs them); nothing
//! is downloaded at run time. A failure saves a screenshot and says where.
//! `MEDCHAIN_SCREENSHOTS=<dir>` also saves each role's main page there (docs/screenshots).

mod common;

use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

use common::*;
use medchain_client::{
	crypto::keys::Identity, storage::local::LocalStore, walkthrough::sample_report,
};
use thirtyfour::{components::SelectElement, prelude::*};

type Step<T = ()> = Result<T, String>;

trait Fail<T> {
	fn or_fail(self, what: &str) -> Step<T>;
}

impl<T, E: std::fmt::Display> Fail<T> for Result<T, E> {
	fn or_fail(self, what: &str) -> Step<T> {
		self.map_err(|e| format!("{what}: {e}"))
	}
}

fn ensure(ok: bool, what: impl Into<String>) -> Step {
	if ok {
		Ok(())
	} else {
		Err(what.into())
	}
}

/// ChromeDriver on a free port, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

fn chromedriver() -> (Driver, u16) {
	let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
	let port = medchain_node_harness::free_port();
	let child = Command::new(&binary)
		.arg(format!("--port={port}"))
		.stdout(Stdio::null())
		.stderr(Stdio::null())
		.spawn()
		.unwrap_or_else(|e| {
			panic!("cannot start {binary} ({e}): install Debian's chromium and chromium-driver (scripts/test.sh does)")
		});
	let deadline = Instant::now() + Duration::from_secs(20);
	while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
		assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
		std::thread::sleep(Duration::from_millis(100));
	}
	(Driver(child), port)
}

/// One Chromium, one tab per person (each dashboard is a different port, so a different
/// session cookie).
struct Browser {
	driver: WebDriver,
	downloads: PathBuf,
}

impl Browser {
	async fn start(port: u16, downloads: &Path) -> Browser {
		let mut caps = DesiredCapabilities::chrome();
		caps.set_binary(&std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
			.unwrap();
		for arg in
			["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]
		{
			caps.add_arg(arg).unwrap();
		}
		caps.add_experimental_option(
			"prefs",
			serde_json::json!({
				"download.default_directory": downloads.display().to_string(),
				"download.prompt_for_download": false,
			}),
		)
		.unwrap();
		let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await.unwrap();
		Browser { driver, downloads: downloads.to_path_buf() }
	}

	/// Opens a tab signed in to `dashboard`; returns its handle.
	async fn tab(&self, login_url: &str) -> Step<WindowHandle> {
		let handle = self.driver.new_tab().await.or_fail("new tab")?;
		self.driver.switch_to_window(handle.clone()).await.or_fail("switch tab")?;
		self.driver.goto(login_url).await.or_fail("open the sign-in link")?;
		Ok(handle)
	}

	async fn to(&self, tab: &WindowHandle) -> Step {
		self.driver.switch_to_window(tab.clone()).await.or_fail("switch tab")
	}

	async fn reload(&self) -> Step {
		let url = self.driver.current_url().await.or_fail("url")?;
		let home = format!("{}://{}/", url.scheme(), url.authority());
		self.driver.goto(home).await.or_fail("reload")
	}

	async fn el(&self, css: &str) -> Step<WebElement> {
		self.driver
			.query(By::Css(css))
			.wait(Duration::from_secs(60), Duration::from_millis(200))
			.first()
			.await
			.or_fail(&format!("find {css}"))
	}

	/// Waits until htmx has no request, swap or settle under way, so a click lands on
	/// elements htmx has already wired up.
	async fn quiet(&self) -> Step {
		let deadline = Instant::now() + Duration::from_secs(30);
		loop {
			let busy = self
				.driver
				.execute(
					"return document.querySelectorAll('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added').length",
					Vec::<serde_json::Value>::new(),
				)
				.await
				.or_fail("htmx state")?
				.json()
				.as_u64()
				.unwrap_or(0);
			if busy == 0 {
				return Ok(());
			}
			if Instant::now() > deadline {
				return Err("the page never settled".into());
			}
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}

	/// Runs `op` on `css` once the page has settled, found again if a live refresh replaced it
	/// meanwhile: an operation on a stale element never reaches the page, so trying again
	/// cannot act twice.
	async fn on_fresh<F, Fut>(&self, css: &str, what: &str, op: F) -> Step
	where
		F: Fn(WebElement) -> Fut,
		Fut: std::future::Future<Output = thirtyfour::error::WebDriverResult<()>>,
	{
		let mut tries = 0;
		loop {
			self.quiet().await?;
			match op(self.el(css).await?).await {
				Ok(()) => return Ok(()),
				Err(e)
					if tries < 5
						&& matches!(
							*e,
							thirtyfour::error::WebDriverErrorInner::StaleElementReference(..)
						) =>
				{
					tries += 1
				}
				Err(e) => return Err(format!("{what} {css}: {e}")),
			}
		}
	}

	async fn click(&self, css: &str) -> Step {
		self.on_fresh(css, "click", |el| async move { el.click().await }).await
	}

	/// Clicks `css` once htmx has wired it up. The check and the click run in one script: a
	/// live refresh swapped in between them would leave a form htmx has not processed yet
	/// (for its 20 ms settle), and a click on it submits the form natively.
	async fn press(&self, css: &str) -> Step {
		let deadline = Instant::now() + Duration::from_secs(60);
		loop {
			let pressed = self
				.driver
				.execute(
					"const busy = document.querySelector('.htmx-request, .htmx-swapping, \
					   .htmx-settling, .htmx-added'); \
					 const el = document.querySelector(arguments[0]); \
					 if (busy || !el) return false; el.click(); return true;",
					vec![serde_json::Value::from(css)],
				)
				.await
				.or_fail(&format!("click {css}"))?;
			if pressed.json().as_bool() == Some(true) {
				return Ok(());
			}
			if Instant::now() > deadline {
				return Err(format!("{css} was never there on a settled page"));
			}
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}

	async fn fill(&self, css: &str, text: &str) -> Step {
		self.on_fresh(css, "type into", |el| async move {
			el.clear().await?;
			el.send_keys(text).await
		})
		.await
	}

	/// Reloads every panel, as a live event does, and waits until the element `css` names has
	/// left the page (a reload replaced its panel).
	async fn reload_panels(&self, css: &str) -> Step {
		let replaced = self
			.driver
			.execute_async(
				"const [css, done] = arguments; const old = document.querySelector(css); \
				 htmx.trigger(document.body, 'changed'); \
				 const gone = () => !old || !document.body.contains(old); \
				 const poll = () => gone() ? done(true) : setTimeout(poll, 20); poll();",
				vec![serde_json::Value::from(css)],
			)
			.await
			.or_fail("reload the panels")?;
		ensure(replaced.json().as_bool() == Some(true), format!("a reload replaced {css}"))
	}

	async fn select(&self, css: &str, value: &str) -> Step {
		let el = self.el(css).await?;
		SelectElement::new(&el)
			.await
			.or_fail(css)?
			.select_by_value(value)
			.await
			.or_fail(&format!("choose {value} in {css}"))
	}

	/// The text of `css`, found again if a live refresh replaced it meanwhile.
	async fn text(&self, css: &str) -> Step<String> {
		let mut tries = 0;
		loop {
			match self.el(css).await?.text().await {
				Ok(text) => return Ok(text),
				Err(e) if tries >= 5 => return Err(format!("text of {css}: {e}")),
				Err(_) => tries += 1,
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	/// Waits until `css` reads `needle`.
	async fn wait_text(&self, css: &str, needle: &str) -> Step<String> {
		let deadline = Instant::now() + Duration::from_secs(60);
		loop {
			if let Ok(els) = self.driver.find_all(By::Css(css)).await {
				for el in els {
					if let Ok(text) = el.text().await {
						if text.contains(needle) {
							return Ok(text);
						}
					}
				}
			}
			if Instant::now() > deadline {
				return Err(format!("{css} never read {needle:?}"));
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// Clicks `css` and waits for the action's answer in the message area: its text, or the
	/// problem it reported as the error.
	async fn act(&self, css: &str) -> Step<String> {
		self.clear_answer().await?;
		self.press(css).await?;
		self.answer(css).await
	}

	/// As `act`, but every panel reloads while the action is under way, as when a live event
	/// arrives mid-action: the panel holding the clicked button is replaced before the answer
	/// comes, and the panels must still reload once it does.
	async fn act_amid_refresh(&self, css: &str) -> Step<String> {
		self.clear_answer().await?;
		// What htmx does from here on, printed if the story fails: which panels reloaded, and
		// when, is what tells a lost refresh from a stale read.
		self.driver
			.execute(
				"window.htmxLog = []; \
				 for (const name of ['changed', 'htmx:beforeRequest', 'htmx:afterSwap', \
				   'htmx:sendAbort', 'htmx:responseError', 'htmx:swapError']) \
				   document.addEventListener(name, e => window.htmxLog.push( \
				     `${Math.round(performance.now())} ms ${name} ${e.detail?.pathInfo?.requestPath ?? ''} \
				      ${e.detail?.xhr?.status ?? ''} on ${e.target.id || e.target.tagName}`), true);",
				Vec::<serde_json::Value>::new(),
			)
			.await
			.or_fail("record htmx's events")?;
		self.press(css).await?;
		self.reload_panels(css).await?;
		self.answer(css).await
	}

	async fn clear_answer(&self) -> Step {
		self.driver
			.execute(
				"document.getElementById('flash').innerHTML = ''",
				Vec::<serde_json::Value>::new(),
			)
			.await
			.or_fail("clear")
			.map(drop)
	}

	/// The answer to the action on `css` in the message area, or the problem it reported.
	async fn answer(&self, css: &str) -> Step<String> {
		let answer = self.el("#flash .ok, #flash .problem").await?;
		let text = answer.text().await.or_fail("answer")?;
		match answer.class_name().await.or_fail("class")?.as_deref() {
			Some(c) if c.contains("problem") => Err(format!("{css} was refused: {text}")),
			_ => Ok(text),
		}
	}

	/// Creates an account in the current tab; returns its address.
	async fn create_account(&self, name: &str) -> Step<String> {
		self.fill("#create-name", name).await?;
		self.fill("#create-password", PASSWORD).await?;
		self.fill("#create-confirm", PASSWORD).await?;
		self.click("#create").await?;
		let phrase = self.text("#phrase").await?;
		ensure(phrase.split_whitespace().count() == 24, "the phrase has 24 words")?;
		self.text("#my-address").await
	}

	async fn unlock(&self, name: &str) -> Step {
		self.select("#unlock-name", name).await?;
		self.fill("#unlock-password", PASSWORD).await?;
		self.click("#unlock").await?;
		self.el("#lock").await.map(drop)
	}

	/// Uploads `file` for `patient`; returns the record id once it is finalized.
	async fn upload(
		&self,
		patient: &str,
		kind: &str,
		title: &str,
		quantity: u32,
		file: &Path,
	) -> Step<u64> {
		Ok(self.upload_files(patient, kind, title, quantity, &[file]).await?[0])
	}

	/// Uploads `files` for `patient` in one go (one transaction); returns the record ids, in
	/// the order of `files`, once they are finalized.
	async fn upload_files(
		&self,
		patient: &str,
		kind: &str,
		title: &str,
		quantity: u32,
		files: &[&Path],
	) -> Step<Vec<u64>> {
		self.reload().await?;
		self.select("#upload-patient", patient).await?;
		self.select("#upload-kind", kind).await?;
		self.fill("#upload-title", title).await?;
		self.fill("#upload-quantity", &quantity.to_string()).await?;
		// ChromeDriver takes the files of a `multiple` input as one path per line.
		let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
		self.el("#upload-file")
			.await?
			.send_keys(paths.join("\n"))
			.await
			.or_fail("choose the files")?;
		self.click("#upload").await?;
		// Every stage shows, ending with finality.
		let deadline = Instant::now() + Duration::from_secs(90);
		loop {
			// The progress fragment is replaced as it polls: read its stage in one script, not
			// through an element reference that may go stale.
			let class = self
				.driver
				.execute(
					"const e = document.getElementById('job-final'); return e ? e.className : ''",
					Vec::<serde_json::Value>::new(),
				)
				.await
				.or_fail("stage")?
				.json()
				.as_str()
				.unwrap_or_default()
				.to_string();
			if class == "done" {
				break;
			}
			if let Ok(problem) = self.driver.find(By::Css("#upload-progress .problem")).await {
				return Err(format!("upload failed: {}", problem.text().await.unwrap_or_default()));
			}
			if Instant::now() > deadline {
				let shown = self.text("#upload-progress").await.unwrap_or_else(|e| e);
				return Err(format!(
					"the upload never reached finality; the progress area shows:\n{shown}"
				));
			}
			tokio::time::sleep(Duration::from_millis(300)).await;
		}
		if files.len() == 1 {
			ensure(self.text("#job-cid").await?.starts_with("Qm"), "the CID is shown")?;
			return Ok(vec![self.text("#job-record").await?.parse().or_fail("record id")?]);
		}
		// Several files: each record is listed with its CID.
		let mut ids: Vec<u64> = Vec::new();
		for el in self.driver.find_all(By::Css("#job-records li")).await.or_fail("records")? {
			let id = el.find(By::Css(".job-record")).await.or_fail("record")?;
			ids.push(id.text().await.or_fail("record id")?.parse().or_fail("record id")?);
			let cid = el.find(By::Css(".job-cid")).await.or_fail("CID")?;
			ensure(cid.text().await.or_fail("CID")?.starts_with("Qm"), "each CID is shown")?;
		}
		ensure(
			ids.len() == files.len(),
			format!("{} records listed for {} files", ids.len(), files.len()),
		)?;
		Ok(ids)
	}

	/// Waits for a new file in the download directory and returns its bytes.
	/// Waits for a new finished download. Chromium first creates the file under its final name
	/// empty, beside a `.crdownload` it renames over it, so a file counts as finished only once no
	/// partial download is left and its size has held over two polls.
	async fn downloaded(&self, before: usize) -> Step<Vec<u8>> {
		let deadline = Instant::now() + Duration::from_secs(30);
		let mut last_size = None;
		loop {
			let entries: Vec<_> = std::fs::read_dir(&self.downloads)
				.or_fail("downloads")?
				.flatten()
				.map(|e| e.path())
				.collect();
			let partial = entries.iter().any(|p| {
				p.extension().is_some_and(|e| e == "crdownload")
					|| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
			});
			let newest = entries
				.iter()
				.filter(|p| p.extension().is_none_or(|e| e != "crdownload"))
				.max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok());
			if entries.len() > before && !partial {
				if let Some(newest) = newest {
					let size = newest.metadata().map(|m| m.len()).unwrap_or(0);
					if size > 0 && last_size == Some(size) {
						return std::fs::read(newest).or_fail("read the download");
					}
					last_size = Some(size);
				}
			}
			if Instant::now() > deadline {
				return Err("no file was downloaded".into());
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	async fn shot(&self, dir: &Option<PathBuf>, name: &str) -> Step {
		if let Some(dir) = dir {
			std::fs::create_dir_all(dir).or_fail("screenshot dir")?;
			self.reload().await?;
			self.el("#live-status").await?;
			self.wait_text("#live-status", "live").await?;
			self.driver.screenshot(&dir.join(format!("{name}.png"))).await.or_fail("screenshot")?;
		}
		Ok(())
	}
}

fn number_after(text: &str, word: &str) -> Step<u64> {
	text.split(word)
		.nth(1)
		.and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty()))
		.and_then(|n| n.parse().ok())
		.ok_or_else(|| format!("no number after {word:?} in {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_story_in_a_real_browser() {
	let dir = tempfile::tempdir().unwrap();
	let node = dev_node(dir.path()).await;
	let url = node.rpc_url();
	let home = dir.path().join("home");
	let downloads = dir.path().join("downloads");
	std::fs::create_dir_all(&downloads).unwrap();
	keystore(&home, "alice", &Identity::from_secret("//Alice").unwrap());
	// Set up outside the story: the second doctor, the pharmacy and a hospital, verified.
	practitioner(&url, &home, "ben", "doctor", "Dr. Ben").await;
	practitioner(&url, &home, "pharmacy", "pharmacy", "Corner pharmacy").await;
	practitioner(&url, &home, "hospital", "hospital", "St. Mary's").await;

	let (_chromedriver, port) = chromedriver();
	let browser = Browser::start(port, &downloads).await;
	let result = story(&browser, &url, &home, dir.path()).await;
	if let Err(failure) = result {
		let shot = std::env::temp_dir().join("medchain-browser-failure.png");
		let _ = browser.driver.screenshot(&shot).await;
		let url = browser.driver.current_url().await.map(|u| u.to_string()).unwrap_or_default();
		let flash = match browser.driver.find(By::Id("flash")).await {
			Ok(flash) => flash.inner_html().await.unwrap_or_default(),
			Err(_) => String::new(),
		};
		eprintln!("page {url}; message area: {flash}");
		let htmx = "return (window.htmxLog || []).join('\\n')";
		if let Ok(log) = browser.driver.execute(htmx, Vec::<serde_json::Value>::new()).await {
			eprintln!(
				"htmx events since the last action amid a refresh:\n{}",
				log.json().as_str().unwrap_or("")
			);
		}
		let _ = browser.driver.clone().quit().await;
		panic!(
			"{failure}\nscreenshot of the page: {}\nnode log:\n{}",
			shot.display(),
			node.log_tail()
		);
	}
	browser.driver.clone().quit().await.unwrap();
}

async fn story(b: &Browser, url: &str, home: &Path, dir: &Path) -> Step {
	let shots = std::env::var_os("MEDCHAIN_SCREENSHOTS").map(PathBuf::from);
	let host = share_host(url, home).await;
	let d_patient = dashboard(url, home, |c| c.share_host = Some(host.url().into())).await;
	let d_ada = dashboard(url, home, |_| {}).await;
	let d_alice = dashboard(url, home, |_| {}).await;
	let d_ben = dashboard(url, home, |_| {}).await;
	let d_pharmacy = dashboard(url, home, |_| {}).await;
	let d_hospital = dashboard(url, home, |_| {}).await;

	// 1. A patient and a doctor register.
	let patient_tab = b.tab(d_patient.login_url()).await?;
	let patient = b.create_account("patient").await?;
	fund(url, home, &patient).await;
	b.reload().await?;
	b.click("#register-patient").await?;
	b.el("#p-requests").await?;

	let ada_tab = b.tab(d_ada.login_url()).await?;
	let ada = b.create_account("ada").await?;
	fund(url, home, &ada).await;
	b.reload().await?;
	let credentials = dir.join("gmc-1001.pdf");
	std::fs::write(&credentials, b"GMC-1001 diploma").or_fail("credentials")?;
	b.select("#apply-role", "doctor").await?;
	b.fill("#apply-name", "Dr. Ada").await?;
	b.fill("#apply-specialization", "general practice").await?;
	b.fill("#apply-licence", "GMC-1001").await?;
	b.el("#apply-credentials")
		.await?
		.send_keys(credentials.display().to_string())
		.await
		.or_fail("credentials")?;
	b.click("#apply").await?;
	b.wait_text("#not-verified", "Pending").await?;

	// 2. The verifier verifies the doctor.
	let alice_tab = b.tab(d_alice.login_url()).await?;
	b.unlock("alice").await?;
	b.wait_text(&format!("[id='pending-{ada}']"), "GMC-1001").await?;
	b.act(&format!("[id='verify-{ada}']")).await?;
	b.shot(&shots, "verifier").await?;

	// 3. The patient books with the doctor, found by specialization; the doctor accepts.
	b.to(&patient_tab).await?;
	b.fill("#doctor-search", "general").await?;
	b.wait_text("#doctor", "Dr. Ada").await?;
	b.select("#doctor", &ada).await?;
	let at = b.el("#book-at").await?;
	b.driver
		.execute("arguments[0].value = '2030-01-15T09:30'", vec![at.to_json().or_fail("json")?])
		.await
		.or_fail("date")?;
	b.fill("#book-reason", "persistent cough").await?;
	let booked = b.act("#book").await?;
	let appointment = number_after(&booked, "Appointment")?;
	b.to(&ada_tab).await?;
	b.reload().await?;
	b.wait_text(&format!("#appointment-{appointment}"), "persistent cough").await?;
	b.act(&format!("#accept-{appointment}")).await?;

	// 4. The doctor uploads a report, watching each stage.
	let report_bytes = sample_report(300 * 1024);
	let report_file = dir.join("chest-xray.bin");
	std::fs::write(&report_file, &report_bytes).or_fail("report")?;
	let report = b.upload(&patient, "report", "Chest X-ray", 1, &report_file).await?;
	b.shot(&shots, "doctor").await?;

	// Two lab results in one go: one transaction, a record each, titled after its file.
	let glucose = dir.join("glucose.csv");
	let lipids = dir.join("lipids.csv");
	std::fs::write(&glucose, b"glucose,5.4 mmol/L").or_fail("glucose")?;
	std::fs::write(&lipids, b"ldl,2.9 mmol/L").or_fail("lipids")?;
	let labs = b
		.upload_files(&patient, "report", "Blood panel", 1, &[glucose.as_path(), lipids.as_path()])
		.await?;
	ensure(labs.len() == 2 && labs[1] == labs[0] + 1, format!("two new records, not {labs:?}"))?;

	// 5. A second doctor asks; the patient sees the alert arrive live and grants.
	b.to(&patient_tab).await?;
	b.reload().await?;
	b.wait_text("#live-status", "live").await?;
	let ben_tab = b.tab(d_ben.login_url()).await?;
	b.unlock("ben").await?;
	b.fill("#access-patient", &patient).await?;
	b.select("#access-scope", "reports").await?;
	b.fill("#access-purpose", "second opinion on the X-ray").await?;
	let asked = b.act("#request-access").await?;
	let request = number_after(&asked, "Request")?;
	b.to(&patient_tab).await?;
	b.wait_text("#alerts", &format!("New access request {request}")).await?;
	b.wait_text(&format!("#request-{request}"), "second opinion").await?;
	// Narrowed to the one report, rather than every report the request covers.
	b.click(&format!("#grant-{request}-record-{report}")).await?;
	let granted = b.act(&format!("#grant-{request}")).await?;
	let ben_grant = number_after(&granted, "grant")?;
	ensure(granted.contains(&format!("only record {report}")), granted.clone())?;

	// 6. The second doctor views the report: byte-identical.
	b.to(&ben_tab).await?;
	b.reload().await?;
	let before = std::fs::read_dir(&b.downloads).or_fail("downloads")?.count();
	b.act(&format!("#view-{report}")).await?;
	b.click("#download").await?;
	let got = b.downloaded(before).await?;
	ensure(
		got == report_bytes,
		format!("the report came back changed ({} of {} bytes)", got.len(), report_bytes.len()),
	)?;

	// 7. A pharmacy is granted once and dispenses.
	b.to(&ada_tab).await?;
	let rx_file = dir.join("rx.txt");
	std::fs::write(&rx_file, b"Amoxicillin 500 mg, 3x daily, 7 days").or_fail("rx")?;
	let rx = b.upload(&patient, "prescription", "Amoxicillin", 2, &rx_file).await?;
	let pharmacy_tab = b.tab(d_pharmacy.login_url()).await?;
	b.unlock("pharmacy").await?;
	b.fill("#lookup-account", &patient).await?;
	b.click("#lookup").await?;
	b.fill("#rx-purpose", "dispense the antibiotics").await?;
	let asked = b.act("#request-prescriptions").await?;
	let rx_request = number_after(&asked, "Request")?;
	b.to(&patient_tab).await?;
	b.wait_text(&format!("#request-{rx_request}"), "prescriptions").await?;
	b.fill(&format!("#grant-uses-{rx_request}"), "1").await?;
	b.act(&format!("#grant-{rx_request}")).await?;
	b.to(&pharmacy_tab).await?;
	b.reload().await?;
	b.wait_text(&format!("#held-record-{rx}"), "2 of 2 left").await?;
	b.fill(&format!("#dispense-qty-{rx}"), "2").await?;
	// A live refresh keeps what the pharmacist typed.
	b.reload_panels(&format!("#held-record-{rx}")).await?;
	let dispensed = b.act(&format!("#dispense-{rx}")).await?;
	ensure(dispensed.contains("Dispensed 2") && dispensed.contains("0 left"), dispensed.clone())?;
	b.shot(&shots, "pharmacy").await?;

	// 8. The patient revokes and sees all of it in the audit trail.
	b.to(&patient_tab).await?;
	b.reload().await?;
	b.act_amid_refresh(&format!("#revoke-{ben_grant}")).await?;
	for line in [
		format!("read record {report}"),
		format!("dispensed 2 of prescription {rx}"),
		format!("revoked access (grant {ben_grant})"),
		format!("created record {report}"),
	] {
		b.wait_text("#p-audit", &line).await?;
	}
	ensure(
		b.text(&format!("#record-{report}")).await?.contains("Chest X-ray"),
		"the record's title is decrypted",
	)?;
	for (lab, file) in labs.iter().zip(["glucose.csv", "lipids.csv"]) {
		let title = format!("Blood panel ({file})");
		ensure(b.text(&format!("#record-{lab}")).await?.contains(&title), title)?;
	}
	b.shot(&shots, "patient").await?;

	// The whole history in one CAR: one root per record, importable into another store.
	let before = std::fs::read_dir(&b.downloads).or_fail("downloads")?.count();
	let exported = b.act("#export-all").await?;
	ensure(exported.contains("All 4 records"), exported.clone())?;
	b.click("#download").await?;
	let car = dir.join("history.car");
	std::fs::write(&car, b.downloaded(before).await?).or_fail("write the CAR")?;
	let other = LocalStore::open(&dir.join("elsewhere")).or_fail("open a store")?;
	let roots = other.import_car(car).await.or_fail("import the CAR")?;
	ensure(roots.len() == 4, format!("roots {roots:?}"))?;

	// 9. The patient shares the report through a SMART Health Link; its QR code, decoded
	// from a screenshot, is the link; the hospital opens it; the patient sees who did.
	b.to(&patient_tab).await?;
	b.click(&format!("#share-record-{report}")).await?;
	b.fill("#share-label", "For St. Mary's").await?;
	let shared = b.act("#share").await?;
	ensure(shared.contains("Link created"), shared.clone())?;
	let link = b.el("#share-link").await?.prop("value").await.or_fail("link")?.unwrap_or_default();
	ensure(link.starts_with("shlink:/"), format!("link {link:?}"))?;
	let qr_png = dir.join("share-qr.png");
	b.el("#share-qr").await?.screenshot(&qr_png).await.or_fail("QR screenshot")?;
	let decoded = Command::new("zbarimg")
		.args(["--raw", "-q"])
		.arg(&qr_png)
		.output()
		.or_fail("zbarimg (Debian zbar-tools; scripts/test.sh installs it)")?;
	let decoded = String::from_utf8_lossy(&decoded.stdout).trim().to_string();
	ensure(decoded == link, format!("the QR code reads {decoded:?}, the link is {link:?}"))?;
	if let Some(dir) = &shots {
		// The answer alone: the link and its QR code, as the patient sees them (scrolled into
		// view, since Chromium crops an element shot to the viewport).
		b.driver
			.execute(
				"document.getElementById('flash').scrollIntoView()",
				Vec::<serde_json::Value>::new(),
			)
			.await
			.or_fail("scroll")?;
		b.el("#flash").await?.screenshot(&dir.join("share-link.png")).await.or_fail("shot")?;
	}
	b.wait_text("#p-links", "For St. Mary's").await?;

	let hospital_tab = b.tab(d_hospital.login_url()).await?;
	b.unlock("hospital").await?;
	b.fill("#open-link", &link).await?;
	b.fill("#open-recipient", "St. Mary's emergency room").await?;
	let opened = b.act("#open-link-button").await?;
	ensure(opened.contains("1 document(s)"), opened.clone())?;
	b.shot(&shots, "hospital").await?;

	b.to(&patient_tab).await?;
	b.wait_text("#p-audit", "to \"St. Mary's emergency room\"").await?;
	b.wait_text("#p-links", "No active links").await?;
	let _ = (alice_tab, hospital_tab);
	Ok(())
}
