//! How values read on screen: short addresses, dates, sizes, blocks as time.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Seconds per block on MedChain (Aura slot duration).
pub const BLOCK_SECONDS: u64 = 6;

/// `5GrwvaEF…utQY`: enough to tell accounts apart; the full address goes in a title.
pub fn short(account: &str) -> String {
	if account.len() <= 14 {
		return account.into();
	}
	format!("{}…{}", &account[..8], &account[account.len() - 4..])
}

/// Unix milliseconds as `2026-12-02 14:30 UTC`.
pub fn when(ms: u64) -> String {
	DateTime::<Utc>::from_timestamp_millis(ms as i64)
		.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
		.unwrap_or_else(|| format!("{ms} ms"))
}

/// Parses a `datetime-local` value (`2026-12-02T14:30`, read as UTC) into Unix milliseconds.
pub fn parse_when(text: &str) -> Option<u64> {
	let t = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
		.or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
		.ok()?;
	u64::try_from(t.and_utc().timestamp_millis()).ok()
}

/// Parses a date (`2027-06-30`, end of that day UTC) into the block that reaches it, counting
/// from block `now` at the current time.
pub fn block_at_date(text: &str, now_block: u32, now_ms: u64) -> Option<u32> {
	let day = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
	let end = day.and_hms_opt(23, 59, 59)?.and_utc().timestamp_millis();
	let ahead = u64::try_from(end).ok()?.checked_sub(now_ms)?;
	let blocks = ahead / 1000 / BLOCK_SECONDS;
	now_block.checked_add(u32::try_from(blocks).ok()?)
}

/// The time now, in Unix milliseconds.
pub fn now_ms() -> u64 {
	Utc::now().timestamp_millis().max(0) as u64
}

/// A block number relative to `now`, in words: "block 1234 (in about 2 h)".
pub fn block(at: u32, now: u32) -> String {
	let (past, blocks) = if at >= now { (false, at - now) } else { (true, now - at) };
	let secs = u64::from(blocks) * BLOCK_SECONDS;
	let span = if secs < 90 {
		format!("{secs} s")
	} else if secs < 90 * 60 {
		format!("{} min", secs / 60)
	} else if secs < 48 * 3600 {
		format!("{} h", secs / 3600)
	} else {
		format!("{} days", secs / 86_400)
	};
	if past {
		format!("block {at} (about {span} ago)")
	} else {
		format!("block {at} (in about {span})")
	}
}

/// Bytes as `1.4 MiB`.
pub fn size(bytes: u64) -> String {
	const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
	let mut value = bytes as f64;
	let mut unit = 0;
	while value >= 1024.0 && unit < UNITS.len() - 1 {
		value /= 1024.0;
		unit += 1;
	}
	if unit == 0 {
		format!("{bytes} bytes")
	} else {
		format!("{value:.1} {}", UNITS[unit])
	}
}

/// Hours of access as blocks.
pub fn hours_to_blocks(hours: u32) -> u32 {
	hours.saturating_mul((3600 / BLOCK_SECONDS) as u32)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dates_round_trip_through_the_form_format() {
		let ms = parse_when("2026-12-02T14:30").unwrap();
		assert_eq!(when(ms), "2026-12-02 14:30 UTC");
		assert_eq!(parse_when("tomorrow"), None);
	}

	#[test]
	fn blocks_read_as_time() {
		assert_eq!(block(110, 100), "block 110 (in about 60 s)");
		assert_eq!(block(100, 700), "block 100 (about 60 min ago)");
		assert_eq!(hours_to_blocks(1), 600);
		assert_eq!(size(1536), "1.5 KiB");
		assert_eq!(short("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"), "5GrwvaEF…utQY");
	}

	#[test]
	fn a_verification_date_becomes_a_future_block() {
		let now = parse_when("2026-12-01T23:59:59").unwrap();
		assert_eq!(block_at_date("2026-12-02", 1000, now), Some(1000 + 86_400 / 6));
		assert_eq!(block_at_date("2020-01-01", 1000, now), None);
	}
}
