//! Short texts users write to each other through the chain (request purposes, deny reasons,
//! decline notes): each is sealed to its one reader and bound to its context, so it cannot be
//! replayed under another request or appointment.

use subxt::utils::AccountId32;

/// What a request's purpose is bound to: this requester asking this patient.
pub(crate) fn purpose_context(requester: &AccountId32, patient: &AccountId32) -> Vec<u8> {
	[b"purpose|".as_slice(), &requester.0, &patient.0].concat()
}

/// What a deny reason is bound to: this patient answering this request of this requester.
pub(crate) fn deny_context(
	request: u64,
	patient: &AccountId32,
	requester: &AccountId32,
) -> Vec<u8> {
	[b"deny|".as_slice(), &request.to_le_bytes(), &patient.0, &requester.0].concat()
}

/// What a decline note is bound to: this doctor declining this appointment of this patient.
pub(crate) fn decline_context(
	appointment: u64,
	doctor: &AccountId32,
	patient: &AccountId32,
) -> Vec<u8> {
	[b"decline|".as_slice(), &appointment.to_le_bytes(), &doctor.0, &patient.0].concat()
}

/// Text from the chain as it may be shown: control characters (terminal escape sequences
/// among them) are replaced, so a hostile writer cannot drive the reader's terminal.
pub fn printable(text: &str) -> String {
	text.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn escape_sequences_are_not_printed() {
		assert_eq!(printable("ok\u{1b}[2Jcleared\n"), "ok\u{fffd}[2Jcleared\u{fffd}");
		assert_eq!(printable("Dr. Müller"), "Dr. Müller");
	}
}
