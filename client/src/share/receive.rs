//! Opening a SMART Health Link as its recipient: the manifest request, the files (embedded or
//! fetched from their one-time location), decryption with the key from the link. What a
//! clinician's `medchain open-link` and the dashboard's "Open a SMART Health Link" do; any
//! other SHL viewer does the same.

use serde::{Deserialize, Serialize};

use super::{jwe, ShLink};
use crate::ClientError;

/// The manifest request body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestRequest<'a> {
	recipient: &'a str,
	#[serde(skip_serializing_if = "Option::is_none")]
	passcode: Option<&'a str>,
	#[serde(skip_serializing_if = "Option::is_none")]
	embedded_length_max: Option<u64>,
}

/// One file of a manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestFile {
	pub content_type: String,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub embedded: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub location: Option<String>,
}

/// A manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
	pub files: Vec<ManifestFile>,
}

/// The 401 body of a wrong passcode.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasscodeRefused {
	pub remaining_attempts: u32,
}

/// A file received and decrypted.
#[derive(Debug, Clone)]
pub struct Received {
	pub content_type: String,
	pub plaintext: Vec<u8>,
}

/// Opens `link` as `recipient`, with `passcode` when the link asks for one.
pub async fn open(
	link: &ShLink,
	recipient: &str,
	passcode: Option<&str>,
) -> Result<Vec<Received>, ClientError> {
	if link.flags.passcode && passcode.is_none() {
		return Err(ClientError::Invalid(
			"this link is protected by a passcode: ask the patient for it and pass --passcode"
				.into(),
		));
	}
	if let Some(exp) = link.exp {
		let now = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_secs())
			.unwrap_or(0);
		if exp <= now {
			return Err(ClientError::LinkClosed);
		}
	}
	let host = host_of(&link.url);
	let unreachable =
		|e: reqwest::Error| ClientError::Host { url: host.clone(), reason: e.to_string() };
	let http = reqwest::Client::new();
	if link.flags.direct {
		// A `U` link: its one file, directly, with the recipient named in the query.
		let response = http
			.get(&link.url)
			.query(&[("recipient", recipient)])
			.send()
			.await
			.map_err(unreachable)?;
		return match response.status().as_u16() {
			200 => {
				let compact = response.text().await.map_err(unreachable)?;
				let decrypted = jwe::decrypt(&link.key, compact.trim())?;
				Ok(vec![Received {
					content_type: decrypted.cty.unwrap_or_else(|| super::bundle::FHIR_JSON.into()),
					plaintext: decrypted.plaintext,
				}])
			}
			404 => Err(ClientError::LinkClosed),
			other => Err(ClientError::Host {
				url: host,
				reason: format!("the file request was answered with {other}"),
			}),
		};
	}
	let response = http
		.post(&link.url)
		.json(&ManifestRequest { recipient, passcode, embedded_length_max: None })
		.send()
		.await
		.map_err(unreachable)?;
	match response.status().as_u16() {
		200 => {}
		404 => return Err(ClientError::LinkClosed),
		401 => {
			let refused: PasscodeRefused = response.json().await.map_err(unreachable)?;
			return Err(ClientError::WrongPasscode { remaining: refused.remaining_attempts });
		}
		other => {
			return Err(ClientError::Host {
				url: host,
				reason: format!("the manifest request was answered with {other}"),
			})
		}
	}
	let manifest: Manifest = response.json().await.map_err(unreachable)?;
	let mut received = Vec::new();
	for file in manifest.files {
		let compact = match (file.embedded, file.location) {
			(Some(embedded), None) => embedded,
			(None, Some(location)) => {
				let response = http.get(&location).send().await.map_err(unreachable)?;
				if !response.status().is_success() {
					return Err(ClientError::Host {
						url: host,
						reason: format!("a file's location answered {}", response.status()),
					});
				}
				response.text().await.map_err(unreachable)?
			}
			_ => {
				return Err(ClientError::Host {
					url: host,
					reason: "a manifest file must carry exactly one of embedded and location"
						.into(),
				})
			}
		};
		let decrypted = jwe::decrypt(&link.key, compact.trim())?;
		received.push(Received { content_type: file.content_type, plaintext: decrypted.plaintext });
	}
	Ok(received)
}

/// The scheme and authority of `url`, for messages: never the path, which is a capability.
fn host_of(url: &str) -> String {
	let after_scheme = url.find("://").map_or(0, |i| i + 3);
	let end = url[after_scheme..].find('/').map_or(url.len(), |i| after_scheme + i);
	url[..end].to_string()
}

#[cfg(test)]
mod tests {
	#[test]
	fn messages_name_the_host_never_the_manifest_path() {
		assert_eq!(super::host_of("https://h.example:8443/shl/secret"), "https://h.example:8443");
		assert_eq!(super::host_of("http://127.0.0.1:9/shl/x"), "http://127.0.0.1:9");
	}
}
