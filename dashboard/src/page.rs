//! Rendering: templates to responses, and every failure as a page that says what went wrong
//! and what to do, in plain words.

use askama::Template;
use axum::{
	http::{header, request::Parts, StatusCode},
	response::{Html, IntoResponse, Redirect, Response},
};
use medchain_client::{crypto::CryptoError, ClientError};

use crate::state::AppState;

/// Renders a template as an HTML response.
pub fn html<T: Template>(template: &T) -> Response {
	match template.render() {
		Ok(body) => Html(body).into_response(),
		Err(e) => Problem::new(
			StatusCode::INTERNAL_SERVER_ERROR,
			"Page failed",
			format!("The page could not be rendered ({e})."),
		)
		.into_response(),
	}
}

/// Something that went wrong, as the user should read it.
#[derive(Debug, Template)]
#[template(path = "problem.html")]
pub struct Problem {
	pub status: StatusCode,
	pub title: String,
	pub detail: String,
	pub hint: Option<String>,
}

impl Problem {
	pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> Self {
		Problem { status, title: title.into(), detail: detail.into(), hint: None }
	}

	/// Bad form input: what was wrong and what to do.
	pub fn input(detail: impl Into<String>) -> Self {
		Problem::new(StatusCode::BAD_REQUEST, "Please check the form", detail)
	}
}

impl From<ClientError> for Problem {
	fn from(err: ClientError) -> Self {
		let (status, title) = match err.exit_code() {
			2 => (StatusCode::BAD_REQUEST, "Please check the form"),
			3 => (StatusCode::CONFLICT, "Not allowed"),
			4 if matches!(err, ClientError::Crypto(CryptoError::WrongPassword { .. })) => {
				(StatusCode::UNAUTHORIZED, "Wrong password")
			}
			4 => (StatusCode::UNPROCESSABLE_ENTITY, "Integrity check failed"),
			5 => (StatusCode::BAD_GATEWAY, "Cannot reach the node or the storage"),
			_ => (StatusCode::INTERNAL_SERVER_ERROR, "Something failed"),
		};
		let hint = err.hint();
		Problem { status, title: title.into(), detail: err.to_string(), hint }
	}
}

impl IntoResponse for Problem {
	fn into_response(self) -> Response {
		let status = self.status;
		let body = self.render().unwrap_or_else(|_| self.detail.clone());
		// htmx swaps error answers into the page's message area (see base.html's config).
		(status, [("hx-retarget", "#flash"), ("hx-reswap", "innerHTML")], Html(body))
			.into_response()
	}
}

/// The answer to a browser without a session.
pub fn signed_out(state: &AppState) -> Response {
	let mut problem = Problem::new(
		StatusCode::UNAUTHORIZED,
		"Sign in first",
		"Open the sign-in link that `medchain ui` printed in your terminal. Each link works once; run `medchain ui` again for a new one.",
	);
	problem.hint = Some(format!("The dashboard lives at {}.", state.origin));
	problem.into_response()
}

/// The answer to a request that needs an unlocked account: back to the unlock screen.
pub fn locked(parts: &Parts) -> Response {
	if parts.headers.contains_key("hx-request") {
		(StatusCode::UNAUTHORIZED, [("hx-redirect", "/")], "locked").into_response()
	} else {
		Redirect::to("/").into_response()
	}
}

/// Tells htmx to load `to` as a full page (after a form changed who is signed in).
pub fn go(to: &str) -> Response {
	(StatusCode::OK, [("hx-redirect", to)], "").into_response()
}

/// A file the browser must save, never render: decrypted health data must not run or show on
/// the dashboard's origin.
pub fn attachment(name: &str, bytes: Vec<u8>) -> Response {
	let safe: String = name
		.chars()
		.map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
		.collect();
	(
		[
			(header::CONTENT_TYPE, "application/octet-stream".to_string()),
			(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")),
			(header::CONTENT_SECURITY_POLICY, "sandbox".to_string()),
		],
		bytes,
	)
		.into_response()
}
