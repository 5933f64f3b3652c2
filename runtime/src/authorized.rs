//! The general transactions that `#[pallet::authorize]` calls travel in: the key generation's
//! messages, which members' nodes send with no account and no fee.

use crate::{Runtime, RuntimeCall, TxExtension, UncheckedExtrinsic};
use frame_system::offchain::{
	CreateAuthorizedTransaction, CreateTransaction, CreateTransactionBase,
};
use sp_runtime::generic::Era;

/// The extensions of an authorized general transaction living for `era`: every other one at
/// its neutral value. With no signer, `CheckNonce` and the fee pass over the transaction and
/// `AuthorizeCall` gives it its origin.
pub fn authorized_extension(era: Era) -> TxExtension {
	(
		frame_system::AuthorizeCall::new(),
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(era),
		frame_system::CheckNonce::from(0),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::new(false),
		frame_system::WeightReclaim::new(),
	)
}

impl<C> CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

impl<C> CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	/// Immortal: the call's authorization sets how long the pool keeps it.
	fn create_extension() -> TxExtension {
		authorized_extension(Era::Immortal)
	}
}
