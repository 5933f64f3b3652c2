//! The runtime API committee members' nodes call: the release decision for a read, and the
//! key generation as the member sees it.

use codec::Codec;
use medchain_primitives::RecordId;

use crate::{DkgView, MemberIndex, Refusal, Release};

sp_api::decl_runtime_apis! {
	/// What a committee member's node asks the runtime. The rules live here; the node only
	/// computes.
	pub trait KeyReleaseApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// What the member may release for `reader`'s read of `record` recorded at block `at`,
		/// judged at the block the call is made at (the node's finalized block).
		fn release(record: RecordId, reader: AccountId, at: BlockNumber) -> Result<Release, Refusal>;

		/// The key generation as the member with key `member` sees it, with its index; `None`
		/// if it is not a member of the current committee.
		fn key_generation(member: [u8; 32]) -> Option<(MemberIndex, DkgView)>;
	}
}
