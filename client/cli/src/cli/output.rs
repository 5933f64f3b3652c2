//! Printing results: human text, or one JSON document with `--json`; progress bars on stderr.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use medchain_client::storage::Progress;
use serde::Serialize;

/// Prints `value` as JSON, or `text` for people.
pub fn emit<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) {
	if json {
		println!("{}", serde_json::to_string_pretty(value).expect("serializable"));
	} else {
		println!("{}", text());
	}
}

/// A byte progress bar (hidden with --json or when stderr is not a terminal).
pub fn bar(json: bool, label: &str, total: Option<u64>) -> (ProgressBar, Progress) {
	let bar = if json { ProgressBar::hidden() } else { ProgressBar::new(total.unwrap_or(0)) };
	bar.set_style(
		ProgressStyle::with_template(
			"{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
		)
		.expect("valid template")
		.progress_chars("=> "),
	);
	bar.set_message(label.to_string());
	let handle = bar.clone();
	(bar, Arc::new(move |n| handle.inc(n)))
}

/// A table of rows for people.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
	if rows.is_empty() {
		return "(none)".into();
	}
	let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
	for row in &rows {
		for (w, cell) in widths.iter_mut().zip(row) {
			*w = (*w).max(cell.chars().count());
		}
	}
	let line = |cells: Vec<String>| {
		cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ")
	};
	let mut out = vec![line(header.iter().map(|h| h.to_string()).collect())];
	out.extend(rows.into_iter().map(line));
	out.join("\n")
}
