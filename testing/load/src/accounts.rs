//! Fresh accounts for every run, so a run never collides with an earlier one on the same chain.

use medchain_client::crypto::keys::Identity;

/// The accounts of one run: `n` of each role, paired by index (patient `i` sees doctor `i`
/// and pharmacy `i`).
pub struct Accounts {
	pub patients: Vec<Identity>,
	pub doctors: Vec<Identity>,
	pub pharmacies: Vec<Identity>,
	/// Where the transfer workload sends its tokens.
	pub sink: Identity,
}

impl Accounts {
	/// Generates `n` accounts per role on every core (each costs a BIP39 seed derivation).
	pub async fn generate(n: usize) -> anyhow::Result<Self> {
		let total = 3 * n + 1;
		let threads = std::thread::available_parallelism().map_or(2, |t| t.get()).min(total);
		let handles: Vec<_> = (0..threads)
			.map(|t| {
				let take = total / threads + usize::from(t < total % threads);
				tokio::task::spawn_blocking(move || {
					(0..take).map(|_| Identity::generate()).collect::<Vec<_>>()
				})
			})
			.collect();
		let mut all: Vec<Identity> = Vec::with_capacity(total);
		for handle in handles {
			all.extend(handle.await?);
		}
		let sink = all.pop().expect("3n + 1 identities");
		let pharmacies = all.split_off(2 * n);
		let doctors = all.split_off(n);
		Ok(Accounts { patients: all, doctors, pharmacies, sink })
	}

	pub fn n(&self) -> usize {
		self.patients.len()
	}
}
