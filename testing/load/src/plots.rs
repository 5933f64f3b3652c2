//! The report's figures as PNG charts: extrinsics per block over time for each workload,
//! each workload's rate against the transfer baseline, and blocks executed again and again
//! against their weight.

use std::path::Path;

use anyhow::{anyhow, bail};
use plotters::{prelude::*, style::FontStyle};

use crate::report::Figures;

/// Text needs a font file: Debian's DejaVu Sans (`fonts-dejavu-core`, which Chromium pulls in).
pub fn load_font() -> anyhow::Result<()> {
	for path in [
		"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
		"/usr/share/fonts/TTF/DejaVuSans.ttf",
		"/usr/share/fonts/dejavu/DejaVuSans.ttf",
	] {
		if let Ok(bytes) = std::fs::read(path) {
			// plotters keeps fonts for the life of the process.
			let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
			return plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
				.map_err(|_| anyhow!("{path} is not a font plotters can read"));
		}
	}
	bail!("no DejaVu Sans font for the charts: install fonts-dejavu-core")
}

/// One line per workload: successful extrinsics in each block, against seconds since the
/// workload's first block.
pub fn per_block(path: &Path, series: &[(String, Vec<(f64, u32)>)]) -> anyhow::Result<()> {
	let root = BitMapBackend::new(path, (1200, 700)).into_drawing_area();
	root.fill(&WHITE)?;
	let max_x = series.iter().flat_map(|(_, p)| p.iter().map(|(x, _)| *x)).fold(6.0, f64::max);
	let max_y = series.iter().flat_map(|(_, p)| p.iter().map(|(_, y)| *y)).max().unwrap_or(1);
	let mut chart = ChartBuilder::on(&root)
		.caption("Successful extrinsics per finalized block", ("sans-serif", 28))
		.margin(20)
		.x_label_area_size(50)
		.y_label_area_size(70)
		.build_cartesian_2d(0f64..max_x * 1.05, 0u32..max_y + max_y / 10 + 1)?;
	chart
		.configure_mesh()
		.x_desc("seconds since the workload's first block")
		.y_desc("extrinsics in the block")
		.label_style(("sans-serif", 16))
		.draw()?;
	for (i, (name, points)) in series.iter().enumerate() {
		let color = Palette99::pick(i).to_rgba();
		chart
			.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?
			.label(name)
			.legend(move |(x, y)| {
				PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
			});
	}
	chart
		.configure_series_labels()
		.label_font(("sans-serif", 16))
		.background_style(WHITE.mix(0.9))
		.border_style(BLACK)
		.position(SeriesLabelPosition::UpperRight)
		.draw()?;
	root.present()?;
	Ok(())
}

/// A bar per workload: its sustained rate over the transfer rate of the same run.
pub fn ratios(path: &Path, figures: &[Figures]) -> anyhow::Result<()> {
	let bars: Vec<(&str, f64)> =
		figures.iter().filter_map(|f| Some((f.workload.as_str(), f.ratio_to_transfers?))).collect();
	let root = BitMapBackend::new(path, (1200, 120 + 50 * bars.len() as u32)).into_drawing_area();
	root.fill(&WHITE)?;
	let max = bars.iter().map(|(_, r)| *r).fold(1.0, f64::max) * 1.45;
	let mut chart = ChartBuilder::on(&root)
		.caption("Sustained rate of each workload ÷ transfers, same run", ("sans-serif", 28))
		.margin(20)
		.x_label_area_size(40)
		.y_label_area_size(10)
		.build_cartesian_2d(0f64..max, 0f64..bars.len() as f64)?;
	chart
		.configure_mesh()
		.disable_y_mesh()
		.y_labels(0)
		.x_desc("ratio to balances.transfer_keep_alive")
		.label_style(("sans-serif", 16))
		.draw()?;
	for (i, (name, ratio)) in bars.iter().enumerate() {
		let y = (bars.len() - 1 - i) as f64;
		let color = Palette99::pick(i).to_rgba();
		chart.draw_series(std::iter::once(Rectangle::new(
			[(0.0, y + 0.15), (*ratio, y + 0.85)],
			color.filled(),
		)))?;
		chart.draw_series(std::iter::once(Text::new(
			format!("{name}: {ratio:.2}"),
			(ratio + max * 0.01, y + 0.65),
			("sans-serif", 18).into_font(),
		)))?;
	}
	root.present()?;
	Ok(())
}

/// One execution of a block in the drift chart.
#[derive(Clone, Copy)]
pub struct Sample {
	/// Minutes since the probe began.
	pub minute: f64,
	/// Execution time, per cent of the block's weight.
	pub share: f64,
	/// Other work shared the machine meanwhile.
	pub shared: bool,
}

/// One series of points per block: its execution time as a share of its weight, against
/// minutes since the probe began, with the weight itself drawn at 100 %. A point is hollow
/// when other work shared the machine.
pub fn drift(path: &Path, series: &[(String, Vec<Sample>)]) -> anyhow::Result<()> {
	let root = BitMapBackend::new(path, (1200, 700)).into_drawing_area();
	root.fill(&WHITE)?;
	let points = || series.iter().flat_map(|(_, p)| p.iter());
	let max_x = points().map(|p| p.minute).fold(1.0, f64::max);
	let max_y = points().map(|p| p.share).fold(100.0, f64::max);
	let mut chart = ChartBuilder::on(&root)
		.caption("The same blocks executed again and again: time ÷ weight", ("sans-serif", 28))
		.margin(20)
		.x_label_area_size(50)
		.y_label_area_size(70)
		.build_cartesian_2d(0f64..max_x * 1.02, 0f64..max_y * 1.1)?;
	chart
		.configure_mesh()
		.x_desc("minutes since the probe began")
		.y_desc("execution time, % of the block's weight")
		.label_style(("sans-serif", 16))
		.draw()?;
	chart.draw_series(LineSeries::new(
		[(0.0, 100.0), (max_x * 1.02, 100.0)],
		BLACK.stroke_width(2),
	))?;
	for (i, (name, points)) in series.iter().enumerate() {
		let color = Palette99::pick(i).to_rgba();
		chart
			.draw_series(LineSeries::new(
				points.iter().map(|p| (p.minute, p.share)),
				color.stroke_width(1),
			))?
			.label(name)
			.legend(move |(x, y)| {
				PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
			});
		chart.draw_series(points.iter().map(|p| {
			let style = if p.shared { color.stroke_width(1) } else { color.filled() };
			Circle::new((p.minute, p.share), 3, style)
		}))?;
	}
	chart
		.configure_series_labels()
		.label_font(("sans-serif", 14))
		.background_style(WHITE.mix(0.9))
		.border_style(BLACK)
		.position(SeriesLabelPosition::LowerRight)
		.draw()?;
	root.present()?;
	Ok(())
}
