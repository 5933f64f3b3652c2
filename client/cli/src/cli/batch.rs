//! Several files in one upload: each file paired with its title and quantity.

use std::path::PathBuf;

use medchain_client::{
	roles::{uploads::batch_title, Upload},
	ClientError,
};

/// One value per file, or one for all; anything else is a mistake worth naming.
fn per_file<T: Clone>(values: &[T], files: usize, option: &str) -> Result<Vec<T>, ClientError> {
	match values.len() {
		n if n == files => Ok(values.to_vec()),
		1 => Ok(vec![values[0].clone(); files]),
		n => {
			let s = if files == 1 { "" } else { "s" };
			Err(ClientError::Invalid(format!(
				"give one {option} per file ({n} given for {files} file{s}), or one for all"
			)))
		}
	}
}

/// The uploads of `files`: reports, or prescriptions when `quantities` is given. One title for
/// several files titles each record `<title> (<file name>)`.
pub fn uploads(
	files: &[PathBuf],
	titles: &[String],
	quantities: Option<&[u32]>,
) -> Result<Vec<Upload>, ClientError> {
	let shared = titles.len() == 1 && files.len() > 1;
	let titles = per_file(titles, files.len(), "--title")?;
	let quantities = match quantities {
		Some(q) => per_file(q, files.len(), "--quantity")?.into_iter().map(Some).collect(),
		None => vec![None; files.len()],
	};
	Ok(files
		.iter()
		.zip(titles)
		.zip(quantities)
		.map(|((file, title), quantity)| {
			let title = if shared {
				let name = file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
				batch_title(&title, &name)
			} else {
				title
			};
			Upload { file: file.clone(), title, quantity, supersedes: None }
		})
		.collect())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn titles_and_quantities_pair_with_files_or_apply_to_all() {
		let files = [PathBuf::from("a/glucose.csv"), PathBuf::from("lipids.csv")];
		let shared = uploads(&files, &["Labs".to_string()], None).unwrap();
		assert_eq!(shared[0].title, "Labs (glucose.csv)");
		assert_eq!(shared[1].title, "Labs (lipids.csv)");
		assert!(shared.iter().all(|u| u.quantity.is_none()));
		let (a, b, c) = ("A".to_string(), "B".to_string(), "C".to_string());
		let own = uploads(&files, &[a.clone(), b.clone()], Some(&[3][..])).unwrap();
		assert_eq!((own[1].title.as_str(), own[1].quantity), ("B", Some(3)));
		let err = uploads(&files, &[a, b, c], None).unwrap_err();
		assert!(err.to_string().contains("one --title per file (3 given for 2 files)"), "{err}");
		let one = uploads(&files[..1], &["Chest X-ray".to_string()], None).unwrap();
		assert_eq!(one[0].title, "Chest X-ray", "one file keeps its title as given");
	}
}
