//! The pallets that the node's `benchmark pallet` command measures.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_registry, Registry]
	[pallet_appointments, Appointments]
	[pallet_records, Records]
	[pallet_consent, Consent]
);
