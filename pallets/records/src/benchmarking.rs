//! Benchmarks of the records pallet, each call in its worst case.
//!
//! The signing author's account is whitelisted where the call holds a deposit from it
//! (`author`): the transaction extensions already read and wrote that account in the same
//! extrinsic, and are charged for it, so the call's access hits the block's overlay.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::{traits::Get, BoundedVec};
use frame_system::RawOrigin;
use medchain_primitives::{
	AccessControl, CareRelationship, RecordId, RecordIndex, RecordKind, Role, RoleRegistry, Scope,
};

/// A registered patient, a verified doctor, and a verified `role` named `name` who reads.
fn cast<T: Config>(name: &'static str, role: Role) -> (T::AccountId, T::AccountId, T::AccountId) {
	let patient: T::AccountId = account("patient", 0, 0);
	let doctor: T::AccountId = account("doctor", 0, 0);
	let reader: T::AccountId = account(name, 0, 0);
	T::Registry::register_for_benchmarks(&patient, Role::Patient);
	T::Registry::register_for_benchmarks(&doctor, Role::Doctor);
	T::Registry::register_for_benchmarks(&reader, role);
	(patient, doctor, reader)
}

/// Gives `author` what `records` records' deposits cost, on top of what keeps it alive.
fn fund<T: Config>(author: &T::AccountId, records: u32) {
	use frame_support::traits::fungible::{Inspect, Mutate};
	use sp_runtime::Saturating;
	let deposits = T::RecordDeposit::get().saturating_mul(records.into());
	T::Currency::set_balance(author, T::Currency::minimum_balance().saturating_add(deposits));
}

/// A registered patient and a verified doctor who can pay for `records` records and writes
/// for them under a write grant found among the most grants one patient may give one grantee
/// (`granted`), or in treatment. The doctor signs, so their account is whitelisted: the
/// transaction extensions already read and wrote it in the same extrinsic.
fn author<T: Config>(granted: bool, records: u32) -> (T::AccountId, T::AccountId) {
	let patient: T::AccountId = account("patient", 0, 0);
	let doctor: T::AccountId = account("doctor", 0, 0);
	T::Registry::register_for_benchmarks(&patient, Role::Patient);
	T::Registry::register_for_benchmarks(&doctor, Role::Doctor);
	if granted {
		let most = T::Access::max_grants_per_pair();
		T::Access::grant_for_benchmarks(&patient, &doctor, Scope::Write, &[], false, most);
	} else {
		T::Care::start_treatment_for_benchmarks(&doctor, &patient);
	}
	fund::<T>(&doctor, records);
	whitelist_account!(doctor);
	(patient, doctor)
}

/// `n` partly dispensed prescriptions of `patient` by `doctor`, each to be corrected.
fn prescriptions<T: Config>(
	patient: &T::AccountId,
	doctor: &T::AccountId,
	n: u32,
) -> alloc::vec::Vec<RecordId> {
	(0..n)
		.map(|_| {
			let old = Pallet::<T>::create_for_benchmarks(patient, doctor, RecordKind::Prescription);
			Prescriptions::<T>::mutate(old, |state| {
				if let Some(state) = state {
					state.dispensed = 5;
				}
			});
			old
		})
		.collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A correction of a partly dispensed prescription written under a write grant, found among
	/// the most grants one patient may give one grantee: the author is not in treatment, so
	/// both relationship checks run, a use of the grant is counted, and the old record is
	/// updated. Ending the grant is charged apart (`AccessControl::end_weight`).
	#[benchmark]
	fn add_record(t: Linear<0, { T::MaxTitleLen::get() }>) {
		let (patient, doctor) = author::<T>(true, 1);
		let old = prescriptions::<T>(&patient, &doctor, 1)[0];
		let title = BoundedVec::truncate_from(alloc::vec![7u8; t as usize]);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(doctor),
			patient.clone(),
			RecordKind::Prescription,
			types::benchmark_cid(),
			1 << 20,
			title,
			Some(30),
			[1; 80],
			[2; 80],
			Some(old),
			None,
		);

		assert_eq!(Records::<T>::get(old).and_then(|r| r.superseded_by), Some(old + 1));
	}

	/// `n` records in one batch, each as `add_record`'s worst case with the longest title: a
	/// correction of a partly dispensed prescription written under a write grant, found among
	/// the most grants one patient may give one grantee. Ending the grant is charged apart
	/// (`AccessControl::max_end_weight`).
	#[benchmark]
	fn add_records(n: Linear<1, { T::MaxWriteBatch::get() }>) {
		let (patient, doctor) = author::<T>(true, n);
		let olds = prescriptions::<T>(&patient, &doctor, n);
		let title = BoundedVec::truncate_from(alloc::vec![7u8; T::MaxTitleLen::get() as usize]);
		let batch: alloc::vec::Vec<NewRecord<T::MaxTitleLen>> = olds
			.iter()
			.map(|old| NewRecord {
				kind: RecordKind::Prescription,
				cid: types::benchmark_cid(),
				size: 1 << 20,
				title: title.clone(),
				quantity: Some(30),
				patient_envelope: [1; 80],
				author_envelope: [2; 80],
				supersedes: Some(*old),
				lock: None,
			})
			.collect();
		let last = *olds.last().expect("n >= 1");

		#[extrinsic_call]
		_(RawOrigin::Signed(doctor), patient.clone(), BoundedVec::truncate_from(batch));

		assert!(Records::<T>::get(last).and_then(|r| r.superseded_by).is_some());
	}

	/// A plain record, the cheaper case `add_record` refunds to: a new report (no dispensing
	/// state, no correction) by a treating doctor (`g` = 0, no grant is looked for), or under
	/// a write grant found among the most grants one patient may give one grantee (`g` = 1),
	/// as in `add_record`.
	#[benchmark]
	fn add_report(t: Linear<0, { T::MaxTitleLen::get() }>, g: Linear<0, 1>) {
		let (patient, doctor) = author::<T>(g == 1, 1);
		let title = BoundedVec::truncate_from(alloc::vec![7u8; t as usize]);

		#[block]
		{
			Pallet::<T>::add_record(
				RawOrigin::Signed(doctor).into(),
				patient.clone(),
				RecordKind::Report,
				types::benchmark_cid(),
				1 << 20,
				title,
				None,
				[1; 80],
				[2; 80],
				None,
				None,
			)
			.expect("a report is written");
		}

		assert_eq!(PatientRecords::<T>::iter_key_prefix(&patient).count(), 1);
	}

	/// `n` plain records in one batch (the cheaper case `add_records` refunds to for each
	/// record that is neither a prescription nor a correction): new reports with the longest
	/// title by a treating doctor (`g` = 0) or under a write grant (`g` = 1).
	#[benchmark]
	fn add_reports(n: Linear<1, { T::MaxWriteBatch::get() }>, g: Linear<0, 1>) {
		let (patient, doctor) = author::<T>(g == 1, n);
		let title = BoundedVec::truncate_from(alloc::vec![7u8; T::MaxTitleLen::get() as usize]);
		let batch: alloc::vec::Vec<NewRecord<T::MaxTitleLen>> = (0..n)
			.map(|_| NewRecord {
				kind: RecordKind::Report,
				cid: types::benchmark_cid(),
				size: 1 << 20,
				title: title.clone(),
				quantity: None,
				patient_envelope: [1; 80],
				author_envelope: [2; 80],
				supersedes: None,
				lock: None,
			})
			.collect();

		#[block]
		{
			Pallet::<T>::add_records(
				RawOrigin::Signed(doctor).into(),
				patient.clone(),
				BoundedVec::truncate_from(batch),
			)
			.expect("the reports are written");
		}

		assert_eq!(PatientRecords::<T>::iter_key_prefix(&patient).count(), n as usize);
	}

	/// A grantee's read under a grant found among the `p` grants the patient gave the
	/// grantee, each carrying the most envelopes; a use of the grant is counted. Ending the
	/// grant is charged apart (`AccessControl::end_weight`).
	#[benchmark]
	fn record_read(p: Linear<1, { T::Access::max_grants_per_pair() }>) {
		let (patient, doctor, reader) = cast::<T>("reader", Role::Hospital);
		let record = Pallet::<T>::create_for_benchmarks(&patient, &doctor, RecordKind::Report);
		T::Access::grant_for_benchmarks(&patient, &reader, Scope::Reports, &[record], false, p);

		#[extrinsic_call]
		_(RawOrigin::Signed(reader), record, None);
	}

	/// A partial fill under a grant found among the `p` grants the patient gave the pharmacy,
	/// each carrying the most envelopes; a use of the grant is counted. Ending the grant is
	/// charged apart (`AccessControl::end_weight`).
	#[benchmark]
	fn dispense(p: Linear<1, { T::Access::max_grants_per_pair() }>) {
		let (patient, doctor, pharmacy) = cast::<T>("pharmacy", Role::Pharmacy);
		let record =
			Pallet::<T>::create_for_benchmarks(&patient, &doctor, RecordKind::Prescription);
		T::Access::grant_for_benchmarks(
			&patient,
			&pharmacy,
			Scope::Prescriptions,
			&[record],
			false,
			p,
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(pharmacy), record, 1, None);

		assert_eq!(Prescriptions::<T>::get(record).map(|d| d.dispensed), Some(1));
	}

	/// `n` reads of one patient's records by a grantee, each found under a grant carrying the
	/// most envelopes among the `p` grants the patient gave the grantee, each counting a use
	/// of it. Ending grants is charged apart (`AccessControl::max_end_weight`).
	#[benchmark]
	fn record_reads(
		n: Linear<1, { T::MaxReadBatch::get() }>,
		p: Linear<1, { T::Access::max_grants_per_pair() }>,
	) {
		let (patient, doctor, reader) = cast::<T>("reader", Role::Hospital);
		let records: alloc::vec::Vec<RecordId> = (0..n)
			.map(|_| Pallet::<T>::create_for_benchmarks(&patient, &doctor, RecordKind::Report))
			.collect();
		T::Access::grant_for_benchmarks(&patient, &reader, Scope::Reports, &records, false, p);
		let batch = BoundedVec::truncate_from(records);

		#[extrinsic_call]
		_(RawOrigin::Signed(reader), batch, None);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
