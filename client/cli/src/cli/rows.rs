//! How each listing prints as a table row for people (`--json` prints the same values whole).

use medchain_client::roles::views::{
	AccountView, AppointmentInfo, AuditInfo, GrantInfo, RecordInfo, RequestInfo,
};

use super::output::table;

/// A value shown as one row of a table.
pub trait Row {
	const HEADER: &'static [&'static str];
	fn cells(&self) -> Vec<String>;
}

/// `items` as a table with a header line.
pub fn rows<T: Row>(items: &[T]) -> String {
	table(T::HEADER, items.iter().map(Row::cells).collect())
}

/// "Name (address)" when the patient's profile opened, else the address.
fn named(name: &Option<String>, account: &str) -> String {
	match name {
		Some(name) => format!("{name} ({account})"),
		None => account.to_string(),
	}
}

fn or_dash(value: &Option<String>) -> String {
	value.clone().unwrap_or_else(|| "-".into())
}

impl Row for RecordInfo {
	const HEADER: &'static [&'static str] =
		&["id", "kind", "title", "author", "block", "cid", "note"];
	fn cells(&self) -> Vec<String> {
		vec![
			self.id.to_string(),
			self.kind.clone(),
			self.title.clone().unwrap_or_else(|| "(sealed)".into()),
			self.author.clone(),
			self.created_at.to_string(),
			self.cid.clone(),
			match (self.supersedes, self.superseded_by) {
				(_, Some(new)) => format!("corrected by {new}"),
				(Some(old), None) => format!("corrects {old}"),
				_ => String::new(),
			},
		]
	}
}

impl Row for AppointmentInfo {
	const HEADER: &'static [&'static str] =
		&["id", "patient", "doctor", "at (unix ms)", "status", "reason"];
	fn cells(&self) -> Vec<String> {
		vec![
			self.id.to_string(),
			named(&self.patient_name, &self.patient),
			self.doctor.clone(),
			self.at.to_string(),
			self.status.clone(),
			self.reason.clone(),
		]
	}
}

impl Row for RequestInfo {
	const HEADER: &'static [&'static str] = &["id", "from", "scope", "purpose", "blocks"];
	fn cells(&self) -> Vec<String> {
		vec![
			self.id.to_string(),
			self.requester.clone(),
			self.scope.clone(),
			self.purpose.clone(),
			self.duration.to_string(),
		]
	}
}

impl Row for GrantInfo {
	const HEADER: &'static [&'static str] =
		&["id", "patient", "grantee", "scope", "expires at", "uses left", "records"];
	fn cells(&self) -> Vec<String> {
		vec![
			self.id.to_string(),
			named(&self.patient_name, &self.patient),
			self.grantee.clone(),
			self.scope.clone(),
			format!("#{}", self.expires_at),
			self.uses_left.map(|u| u.to_string()).unwrap_or_else(|| "unlimited".into()),
			format!("{:?}", self.records),
		]
	}
}

impl Row for AuditInfo {
	const HEADER: &'static [&'static str] = &["block", "who", "what"];
	fn cells(&self) -> Vec<String> {
		vec![format!("#{}", self.block), self.actor.clone(), self.action.clone()]
	}
}

impl Row for AccountView {
	const HEADER: &'static [&'static str] = &["account", "role", "name", "licence", "status"];
	fn cells(&self) -> Vec<String> {
		vec![
			self.account.clone(),
			or_dash(&self.role),
			or_dash(&self.name),
			or_dash(&self.licence),
			or_dash(&self.status),
		]
	}
}
