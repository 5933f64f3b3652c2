//! Hostile and damaged input at the CLI's edges, through the real `medchain` binary: malformed
//! CIDs, CAR files that lie about their blocks or are cut short, damaged and edited keystores,
//! and files that cannot be read. Each must end in the typed error's message and exit code
//! (never a panic, exit code 101), and leave what was stored before intact. The library-level
//! cases (cycles, deep DAGs, files changing mid-upload) are unit tests of `storage::car`,
//! `storage::unixfs`, `storage::source` and `crypto::keystore`.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

struct Run {
	code: i32,
	stdout: String,
	stderr: String,
}

/// Runs `medchain` with its home in `home`, against a node address nothing listens on (none of
/// these commands may get as far as connecting).
fn medchain(home: &Path, args: &[&str]) -> Run {
	let output = Command::new(env!("CARGO_BIN_EXE_medchain"))
		.arg("--home")
		.arg(home)
		.args(["--node", "ws://127.0.0.1:9"])
		.args(args)
		.env("MEDCHAIN_PASSWORD", "correct horse")
		.env_remove("MEDCHAIN_STORAGE")
		.output()
		.expect("medchain runs");
	let run = Run {
		code: output.status.code().expect("exited, not killed"),
		stdout: String::from_utf8_lossy(&output.stdout).into(),
		stderr: String::from_utf8_lossy(&output.stderr).into(),
	};
	assert!(!run.stderr.contains("panicked"), "{args:?} panicked: {}", run.stderr);
	run
}

/// Asserts the command failed with `code` and a message containing `says`.
fn refused(home: &Path, args: &[&str], code: i32, says: &str) {
	let run = medchain(home, args);
	assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
	assert!(run.stderr.contains(says), "{args:?} should say {says:?}: {}", run.stderr);
}

fn path(p: &Path) -> &str {
	p.to_str().unwrap()
}

/// Stores `data` in `home`'s blockstore; returns its CID.
fn add(home: &Path, file: &Path, data: &[u8]) -> String {
	std::fs::write(file, data).unwrap();
	let run = medchain(home, &["--json", "blob", "add", path(file)]);
	assert_eq!(run.code, 0, "{}", run.stderr);
	let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
	value["cid"].as_str().unwrap().to_string()
}

/// What was stored before still reads back, byte for byte.
fn still_there(home: &Path, cid: &str, data: &[u8], out: &Path) {
	let run = medchain(home, &["blob", "get", cid, "--out", path(out)]);
	assert_eq!(run.code, 0, "{}", run.stderr);
	assert_eq!(std::fs::read(out).unwrap(), data);
}

#[test]
fn malformed_cids_and_missing_files_are_bad_input() {
	let dir = tempfile::tempdir().unwrap();
	let home = dir.path().join("home");
	let out = dir.path().join("out.bin");
	for cid in ["", "not-a-cid", "Qm123", "bafy!!", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"] {
		refused(&home, &["blob", "get", cid, "--out", path(&out)], 2, "is not a CID");
		refused(&home, &["blob", "export-car", cid, "--out", path(&out)], 2, "is not a CID");
	}
	assert!(!out.exists(), "nothing is written for a bad CID");
	// A well-formed CID of content nobody stored: not found, and no output file.
	let absent = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
	refused(&home, &["blob", "get", absent, "--out", path(&out)], 5, "not in the store");
	assert!(!out.exists());

	let gone = dir.path().join("gone.pdf");
	refused(&home, &["blob", "add", path(&gone)], 2, "cannot read");
	refused(&home, &["blob", "add", path(dir.path())], 2, "not a regular file");
	refused(&home, &["blob", "import-car", path(&gone)], 2, "cannot read");
}

#[test]
fn lying_and_cut_car_files_are_refused_and_the_store_keeps_its_blocks() {
	let dir = tempfile::tempdir().unwrap();
	let (home, other) = (dir.path().join("home"), dir.path().join("other"));
	let out = dir.path().join("out.bin");
	let kept = b"a record stored before the hostile imports".repeat(100);
	let kept_cid = add(&home, &dir.path().join("kept.bin"), &kept);

	// A genuine three-chunk file exported from another store.
	let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
	let cid = add(&other, &dir.path().join("big.bin"), &data);
	let car = dir.path().join("big.car");
	let run = medchain(&other, &["blob", "export-car", &cid, "--out", path(&car)]);
	assert_eq!(run.code, 0, "{}", run.stderr);
	let good = std::fs::read(&car).unwrap();

	let write = |name: &str, bytes: &[u8]| -> PathBuf {
		let p = dir.path().join(name);
		std::fs::write(&p, bytes).unwrap();
		p
	};
	// A block whose bytes do not match its CID.
	let mut bent = good.clone();
	let at = good.len() - 1000;
	bent[at] ^= 0x55;
	refused(&home, &["blob", "import-car", path(&write("bent.car", &bent))], 4, "does not match");
	// Cut in the middle of a block, in the header, or empty.
	for (name, cut) in [("cut.car", good.len() - 7), ("head.car", 5), ("empty.car", 0)] {
		let file = write(name, &good[..cut]);
		refused(&home, &["blob", "import-car", path(&file)], 4, "not a CARv1 file");
	}
	// Not a CAR at all, or a section claiming gigabytes.
	refused(&home, &["blob", "import-car", path(&write("pdf.car", b"%PDF-1.7"))], 4, "CARv1");
	let mut huge = good[..good[0] as usize + 1].to_vec();
	huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
	refused(&home, &["blob", "import-car", path(&write("huge.car", &huge))], 4, "section of");

	// The file is not readable from the refused imports, and what was there still is.
	still_there(&home, &kept_cid, &kept, &out);
	// The genuine CAR imports and reads back.
	let run = medchain(&home, &["blob", "import-car", path(&car)]);
	assert_eq!(run.code, 0, "{}", run.stderr);
	still_there(&home, &cid, &data, &out);
}

#[test]
fn damaged_and_edited_keystores_are_refused_and_left_as_they_were() {
	let dir = tempfile::tempdir().unwrap();
	let home = dir.path().join("home");
	let run = medchain(&home, &["account", "import", "--name", "good", "--phrase", "//Alice"]);
	assert_eq!(run.code, 0, "{}", run.stderr);
	let keys = home.join("keys");
	let good = std::fs::read(keys.join("good.json")).unwrap();
	let json: serde_json::Value = serde_json::from_slice(&good).unwrap();

	let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
		("cut", good[..good.len() / 2].to_vec(), "not a MedChain keystore"),
		("empty", Vec::new(), "the file is empty"),
		("binary", vec![0x00, 0xff, 0x13, 0x37], "not a MedChain keystore"),
	];
	let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
		let mut value = json.clone();
		edit(&mut value);
		serde_json::to_vec(&value).unwrap()
	};
	cases.push((
		"flipped",
		edited(&|v| {
			let c = v["ciphertext"].as_str().unwrap();
			let flipped = if c.starts_with('0') { "1" } else { "0" };
			v["ciphertext"] = format!("{flipped}{}", &c[1..]).into();
		}),
		"wrong password",
	));
	cases.push((
		"greedy",
		edited(&|v| v["kdf"]["memory_kib"] = u32::MAX.into()),
		"Argon2 parameters beyond",
	));
	cases.push(("foreign", edited(&|v| v["version"] = 7.into()), "unsupported version"));

	for (name, bytes, says) in cases {
		let file = keys.join(format!("{name}.json"));
		std::fs::write(&file, &bytes).unwrap();
		refused(&home, &["--account", name, "patient", "register"], 4, says);
		assert_eq!(std::fs::read(&file).unwrap(), bytes, "{name} was rewritten");
	}
	// `account list` skips what it cannot read instead of failing.
	let run = medchain(&home, &["--json", "account", "list"]);
	assert_eq!(run.code, 0, "{}", run.stderr);
	assert!(run.stdout.contains("\"good\""), "{}", run.stdout);
	assert_eq!(std::fs::read(keys.join("good.json")).unwrap(), good);
	// The intact keystore still opens: the command gets as far as the (absent) node.
	refused(&home, &["--account", "good", "patient", "register"], 5, "");
}
