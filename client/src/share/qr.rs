//! A link as a QR code, the way SHL viewers expect to scan it: SVG for the dashboard, Unicode
//! half blocks for a terminal. Error correction level M, as the specification's examples use.

use qrcode::{render::svg, render::unicode, EcLevel, QrCode};

use super::ShareError;

fn code(uri: &str) -> Result<QrCode, ShareError> {
	QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)
		.map_err(|e| ShareError::Qr(e.to_string()))
}

/// An SVG image of `uri`'s QR code.
pub fn svg(uri: &str) -> Result<String, ShareError> {
	Ok(code(uri)?
		.render()
		.min_dimensions(256, 256)
		.dark_color(svg::Color("#000000"))
		.light_color(svg::Color("#ffffff"))
		.build())
}

/// `uri`'s QR code drawn with Unicode half blocks, two modules per character cell.
pub fn terminal(uri: &str) -> Result<String, ShareError> {
	Ok(code(uri)?
		.render::<unicode::Dense1x2>()
		.dark_color(unicode::Dense1x2::Light)
		.light_color(unicode::Dense1x2::Dark)
		.build())
}

#[cfg(test)]
mod tests {
	#[test]
	fn a_link_renders_in_both_forms() {
		let uri = "shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnIn0";
		assert!(super::svg(uri).unwrap().starts_with("<?xml"));
		assert!(super::terminal(uri).unwrap().lines().count() > 10);
	}
}
