//! The grants one patient gave one reader, read once for all the reads of an extrinsic.
//!
//! A batch of reads looks each read up among the same few grants. Reading and decoding those
//! grants from storage for every read cost most of a read's execution; [`PairGrants`] holds
//! them for the extrinsic, and the uses it counts are written back once per grant.

use crate::{GrantId, ReadRefusal, RecordId, RecordKind, Scope};
use alloc::vec::Vec;

/// One effective grant of a pair, as the reads of one extrinsic see it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PairGrant {
	/// The grant.
	pub id: GrantId,
	/// What it covers.
	pub scope: Scope,
	/// The records for which it holds the reader's envelope.
	pub keys: Vec<RecordId>,
	/// How many more uses it allows, if limited.
	pub uses_left: Option<u32>,
	/// Opened through emergency access.
	pub emergency: bool,
}

/// What taking one use of a grant did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Use {
	/// The grant has uses left (or no limit).
	Counted,
	/// That was its last use: the caller ends it by consuming `uses` at once, now, so the trail
	/// shows its end right after the read that used it up.
	Last { uses: u32 },
}

/// The effective grants (live, their grantee verified in the grant's role) that one patient
/// gave one reader, in the order a lookup prefers them (expiring first), and the uses the
/// reads of one extrinsic took from them.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct PairGrants {
	/// Each grant with the uses taken from it and not yet consumed in storage.
	grants: Vec<(PairGrant, u32)>,
	/// How many of the pair's grants were read to find them.
	read: u32,
}

impl PairGrants {
	/// `grants` in the order a lookup prefers them; `read` grants were read to find them.
	pub fn new(grants: Vec<PairGrant>, read: u32) -> Self {
		Self { grants: grants.into_iter().map(|grant| (grant, 0)).collect(), read }
	}

	/// How many of the pair's grants were read to find the effective ones.
	pub fn read(&self) -> u32 {
		self.read
	}

	/// The grant to read `record` (of `kind`) under: the first covering it that holds the
	/// reader's envelope for it. Failing that, why there is none.
	pub fn lookup(&self, record: RecordId, kind: RecordKind) -> Result<GrantId, ReadRefusal> {
		let mut covering = self.live().filter(|g| g.scope.covers_record(record, kind)).peekable();
		let first = covering.peek().map(|g| g.id);
		match (covering.find(|g| g.keys.contains(&record)), first) {
			(Some(keyed), _) => Ok(keyed.id),
			(None, Some(grant)) => Err(ReadRefusal::NoEnvelope { grant }),
			(None, None) => Err(ReadRefusal::NoGrant),
		}
	}

	/// The first emergency grant, if any.
	pub fn emergency(&self) -> Option<GrantId> {
		self.live().find(|g| g.emergency).map(|g| g.id)
	}

	/// Takes one use of `grant`. A grant whose last use this was is no longer looked up.
	pub fn take_use(&mut self, grant: GrantId) -> Use {
		let Some(index) = self.grants.iter().position(|(g, _)| g.id == grant) else {
			return Use::Counted;
		};
		let (entry, taken) = &mut self.grants[index];
		let Some(left) = entry.uses_left.as_mut() else { return Use::Counted };
		*left = left.saturating_sub(1);
		*taken = taken.saturating_add(1);
		if *left > 0 {
			return Use::Counted;
		}
		let uses = *taken;
		self.grants.remove(index);
		Use::Last { uses }
	}

	/// The uses taken from grants that still have some left, for the caller to consume.
	pub fn pending(&self) -> impl Iterator<Item = (GrantId, u32)> + '_ {
		self.grants.iter().filter(|(_, taken)| *taken > 0).map(|(g, taken)| (g.id, *taken))
	}

	fn live(&self) -> impl Iterator<Item = &PairGrant> {
		self.grants.iter().map(|(grant, _)| grant)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn grant(id: GrantId, scope: Scope, keys: &[RecordId], uses_left: Option<u32>) -> PairGrant {
		PairGrant { id, scope, keys: keys.to_vec(), uses_left, emergency: false }
	}

	#[test]
	fn lookup_prefers_the_first_grant_holding_the_key() {
		let pair = PairGrants::new(
			alloc::vec![
				grant(1, Scope::Prescriptions, &[7], None),
				grant(2, Scope::Reports, &[], None),
				grant(3, Scope::Reports, &[7], None),
				grant(4, Scope::Reports, &[7], None),
			],
			5,
		);
		assert_eq!(pair.lookup(7, RecordKind::Report), Ok(3));
		assert_eq!(pair.lookup(8, RecordKind::Report), Err(ReadRefusal::NoEnvelope { grant: 2 }));
		assert_eq!(pair.lookup(7, RecordKind::Prescription), Ok(1));
		assert_eq!(
			pair.lookup(8, RecordKind::Prescription),
			Err(ReadRefusal::NoEnvelope { grant: 1 })
		);
		assert_eq!(PairGrants::default().lookup(7, RecordKind::Report), Err(ReadRefusal::NoGrant));
		assert_eq!(pair.read(), 5);
		assert_eq!(pair.emergency(), None);
	}

	#[test]
	fn uses_are_counted_until_the_last_one_ends_the_grant() {
		let mut pair = PairGrants::new(
			alloc::vec![
				grant(1, Scope::Reports, &[7], Some(2)),
				grant(2, Scope::Reports, &[7], None)
			],
			2,
		);
		assert_eq!(pair.take_use(1), Use::Counted);
		assert_eq!(pair.pending().collect::<Vec<_>>(), [(1, 1)]);
		assert_eq!(pair.take_use(2), Use::Counted);
		assert_eq!(pair.take_use(1), Use::Last { uses: 2 });
		// The ended grant is neither looked up nor written back.
		assert_eq!(pair.lookup(7, RecordKind::Report), Ok(2));
		assert_eq!(pair.pending().count(), 0);
	}
}
