//! The pallets that the node's `benchmark pallet` command measures.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_transaction_payment, TransactionPayment]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_registry, Registry]
	[pallet_appointments, Appointments]
	[pallet_records, Records]
	[pallet_consent, Consent]
	[pallet_share_links, ShareLinks]
	[pallet_key_release, KeyRelease]
);
