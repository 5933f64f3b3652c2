//! The defences of a web server every page in the browser can reach.
//!
//! - `Host` must be exactly `127.0.0.1:<port>`: a rebinding DNS name that resolves to
//!   127.0.0.1 is refused, so no other site can read the dashboard.
//! - A state-changing request must come from the dashboard's own pages: its `Origin` (when
//!   sent) is the dashboard's, its `Sec-Fetch-Site` (when sent) is `same-origin`, and it
//!   carries the session's CSRF token in `X-CSRF-Token`.
//! - Every response forbids framing and foreign scripts, and is never cached.

use std::sync::Arc;

use axum::{
	extract::{FromRequestParts, Request, State},
	http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
	middleware::Next,
	response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;

use crate::{
	page::{self, Problem},
	state::{AppState, User, WebSession},
};

/// The Content-Security-Policy of every page.
pub const CSP: &str =
	"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Header htmx sends the CSRF token in (set on `<body hx-headers>`).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Checks Host and CSRF, then adds the security headers to whatever the handler answers.
pub async fn protect(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
	if let Err(problem) = check(&state, request.method(), request.headers()) {
		return harden(problem.into_response());
	}
	harden(next.run(request).await)
}

fn check(state: &AppState, method: &Method, headers: &HeaderMap) -> Result<(), Problem> {
	let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
	if host != Some(state.host.as_str()) {
		return Err(Problem::new(
			StatusCode::MISDIRECTED_REQUEST,
			"Wrong address",
			format!("The dashboard answers only at {}: open that address.", state.origin),
		));
	}
	if matches!(*method, Method::GET | Method::HEAD) {
		return Ok(());
	}
	let refused = |why: &str| {
		Problem::new(
			StatusCode::FORBIDDEN,
			"Request refused",
			format!("{why}. Use the dashboard's own pages at {}.", state.origin),
		)
	};
	// Every value counts: a request carrying two Origin headers is as foreign as its worst.
	if headers.get_all(header::ORIGIN).iter().any(|o| o.as_bytes() != state.origin.as_bytes()) {
		return Err(refused("The request came from another site"));
	}
	if headers.get_all("sec-fetch-site").iter().any(|s| s.as_bytes() != b"same-origin") {
		return Err(refused("The request came from another site"));
	}
	let session = session_of(state, headers).ok_or_else(|| refused("You are not signed in"))?;
	let mut tokens = headers.get_all(CSRF_HEADER).iter();
	let token = match (tokens.next(), tokens.next()) {
		(Some(token), None) => token.as_bytes(),
		_ => &[],
	};
	if !bool::from(token.ct_eq(session.csrf.as_bytes())) {
		return Err(refused("The request lacked this session's CSRF token"));
	}
	Ok(())
}

fn harden(mut response: Response) -> Response {
	let headers = response.headers_mut();
	// Appended: an attachment's own `sandbox` policy stays, and both apply.
	headers.append(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
	headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
	headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
	headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
	headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
	response
}

/// The session named by this request's cookie.
fn session_of(state: &AppState, headers: &HeaderMap) -> Option<Arc<WebSession>> {
	let prefix = format!("{}=", state.cookie);
	headers
		.get_all(header::COOKIE)
		.iter()
		.filter_map(|v| v.to_str().ok())
		.flat_map(|v| v.split(';'))
		.filter_map(|pair| pair.trim().strip_prefix(prefix.as_str()))
		.find_map(|id| state.session(id))
}

/// The `Set-Cookie` value that makes a session id the browser's.
pub fn session_cookie(state: &AppState, id: &str) -> String {
	format!("{}={id}; HttpOnly; SameSite=Strict; Path=/", state.cookie)
}

/// A signed-in browser (a valid session cookie). Anything else gets the "sign in" page.
pub struct Browser(pub Arc<WebSession>);

impl FromRequestParts<Arc<AppState>> for Browser {
	type Rejection = Response;

	async fn from_request_parts(
		parts: &mut Parts,
		state: &Arc<AppState>,
	) -> Result<Self, Self::Rejection> {
		match session_of(state, &parts.headers) {
			Some(session) => {
				// Live updates are not activity: an open tab must not keep keys unlocked.
				if !parts.uri.path().starts_with("/events") {
					session.touch();
				}
				Ok(Browser(session))
			}
			None => Err(page::signed_out(state)),
		}
	}
}

/// A signed-in browser with an account unlocked.
pub struct Unlocked {
	pub browser: Arc<WebSession>,
	pub user: Arc<User>,
}

impl FromRequestParts<Arc<AppState>> for Unlocked {
	type Rejection = Response;

	async fn from_request_parts(
		parts: &mut Parts,
		state: &Arc<AppState>,
	) -> Result<Self, Self::Rejection> {
		let Browser(browser) = Browser::from_request_parts(parts, state).await?;
		match browser.user() {
			Some(user) => Ok(Unlocked { browser, user }),
			None => Err(page::locked(parts)),
		}
	}
}
