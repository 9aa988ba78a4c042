//! The PostgreSQL store on a real server started by the test: migrations applied once by replicas
//! starting together, task claims (`FOR UPDATE SKIP LOCKED` + lease) that never hand one task to two
//! workers, reclaim after the lease, give-up after the last attempt, the quota ledger, the
//! shared rate-limit buckets, and the request signatures remembered against replays.

#![cfg(feature = "postgres")]

#[path = "service/pg_support.rs"]
mod pg_support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use countersign_ess::store::{
    ClaimPolicy, FileKind, FileRecord, FileStore, MetadataStore, PostgresStore, QuotaStore,
    TaskRecord, TaskStatus, TaskStore,
};

fn task(id: usize, created_at: i64) -> TaskRecord {
    TaskRecord {
        id: format!("task{id:04}"),
        organization: "org".into(),
        file_id: "upload".into(),
        result_file_id: format!("result{id:04}"),
        status: TaskStatus::Processing,
        error_detail: String::new(),
        created_at,
        updated_at: created_at,
        attempts: 0,
        lease_until: None,
    }
}

fn result(task: &TaskRecord) -> FileRecord {
    FileRecord {
        id: task.result_file_id.clone(),
        organization: task.organization.clone(),
        name: "signed.pdf".into(),
        size: 10,
        kind: FileKind::Result,
        created_at: 1,
        expires_at: None,
    }
}

#[test]
fn replicas_share_tasks_quota_and_rate_limits() {
    let Some(server) = pg_support::PgServer::start("store") else {
        return;
    };
    let url = server.create_database("store_test");
    // Three replicas start at once: each applies the schema or waits for the one that does.
    let stores: Vec<Arc<PostgresStore>> = std::thread::scope(|scope| {
        let opening: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| Arc::new(PostgresStore::open(&url).unwrap())))
            .collect();
        opening.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(stores[0].schema_version().unwrap(), 2);
    PostgresStore::open(&url).unwrap();
    assert_eq!(stores[0].schema_version().unwrap(), 2);

    // Quota: 60 signatures for 50 tasks, then two refused for lack of balance.
    for store in &stores {
        store.ensure_account("org", 60).unwrap();
    }
    for index in 0..62 {
        let accepted = stores[index % 3].create_task(&task(index, 1)).unwrap();
        assert_eq!(accepted, index < 60, "task {index}");
    }
    assert_eq!(stores[1].balance("org").unwrap(), Some(0));
    let policy = ClaimPolicy {
        lease_seconds: 30,
        max_attempts: 2,
    };

    // Twelve workers on three replicas drain the queue: every task is claimed exactly once.
    let claimed = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..12 {
            let store = Arc::clone(&stores[worker % 3]);
            let claimed = &claimed;
            scope.spawn(move || {
                while let Some(task) = store.claim_next(100, &policy).unwrap() {
                    claimed.lock().unwrap().push(task.id.clone());
                    // Leave five tasks unfinished, as if their replica died mid-run.
                    if !task.id.ends_with('0') {
                        store.finish_task(&task.id, &result(&task), 101).unwrap();
                        store.finish_task(&task.id, &result(&task), 102).unwrap();
                    }
                }
            });
        }
    });
    let claimed = claimed.into_inner().unwrap();
    let distinct: HashSet<&String> = claimed.iter().collect();
    assert_eq!((claimed.len(), distinct.len()), (60, 60));

    // The five abandoned tasks come back once their lease has passed, not before.
    assert!(stores[0].claim_next(130, &policy).unwrap().is_none());
    let mut reclaimed = Vec::new();
    while let Some(task) = stores[2].claim_next(131, &policy).unwrap() {
        assert_eq!(task.attempts, 2);
        reclaimed.push(task.id);
    }
    assert_eq!(reclaimed.len(), 6); // task0000, 0010, ..., 0050
    // Their second runner dies too: the next claim gives them up and refunds them.
    assert!(stores[1].claim_next(1000, &policy).unwrap().is_none());
    for id in &reclaimed {
        let given_up = stores[0].task(id).unwrap().unwrap();
        assert_eq!(given_up.status, TaskStatus::Failed);
        assert_eq!(given_up.error_detail, policy.exhausted_detail());
        assert_eq!(stores[0].ledger_of(id).unwrap(), (1, 1));
    }
    for index in (0..60).filter(|i| i % 10 != 0) {
        let done = stores[index % 3]
            .task(&format!("task{index:04}"))
            .unwrap()
            .unwrap();
        assert_eq!(done.status, TaskStatus::Finished);
        assert_eq!(stores[0].ledger_of(&done.id).unwrap(), (1, 0));
        assert!(stores[1].file(&done.result_file_id, 0).unwrap().is_some());
    }
    assert_eq!(stores[0].balance("org").unwrap(), Some(6));
    assert!(stores[0].processing_tasks().unwrap().is_empty());

    // One bucket for all replicas: a burst of 90 requests from three replicas gets 20 tokens.
    let burst_start = Instant::now();
    let granted = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|r| {
                let store = Arc::clone(&stores[r]);
                scope.spawn(move || {
                    (0..30)
                        .filter(|_| {
                            store
                                .take_rate_token("org", "CreateFileCounterSign", 20)
                                .unwrap()
                                .unwrap()
                        })
                        .count()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum::<usize>()
    });
    // 20 in the bucket, plus what refilled while the 90 statements ran (at 20 per second).
    let refilled = (burst_start.elapsed().as_secs_f64() * 20.0).ceil() as usize;
    assert!(
        (20..=20 + refilled).contains(&granted),
        "granted {granted}, refill allowance {refilled}"
    );
    assert!(
        stores[0]
            .take_rate_token("other-org", "CreateFileCounterSign", 20)
            .unwrap()
            .unwrap()
    );

    // One installation key for all replicas (download links work on any of them).
    let key = stores[0].installation_key().unwrap();
    assert_eq!(stores[2].installation_key().unwrap(), key);

    // A signature is new on one replica only, even when all three receive it at once.
    let firsts: Vec<Option<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter()
            .map(|store| {
                scope.spawn(move || {
                    store
                        .remember_signature("AKIDa", "5e1f", "UploadFiles", 1_300, 1_000)
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(firsts.iter().filter(|first| first.is_none()).count(), 1);
    assert_eq!(
        firsts.iter().flatten().collect::<Vec<_>>(),
        ["UploadFiles", "UploadFiles"]
    );
    // Another action under the same signature is reported with the first one; another
    // credential's equal text is another signature.
    assert_eq!(
        stores[1]
            .remember_signature("AKIDa", "5e1f", "CreateFileCounterSign", 1_300, 1_001)
            .unwrap()
            .as_deref(),
        Some("UploadFiles")
    );
    assert_eq!(
        stores[2]
            .remember_signature("AKIDb", "5e1f", "VerifyDigitFile", 1_300, 1_001)
            .unwrap(),
        None
    );
    // After its window the signature is forgotten by the sweep (or replaced when seen again).
    assert_eq!(stores[0].forget_expired_signatures(1_300).unwrap(), 0);
    assert_eq!(
        stores[0]
            .remember_signature("AKIDb", "5e1f", "VerifyDigitFile", 1_700, 1_301)
            .unwrap(),
        None
    );
    assert_eq!(stores[1].forget_expired_signatures(1_301).unwrap(), 1);
    assert_eq!(
        stores[2]
            .remember_signature("AKIDa", "5e1f", "UploadFiles", 1_700, 1_302)
            .unwrap(),
        None
    );
}

/// A running task's heartbeat on PostgreSQL: only the run holding the latest claim renews its
/// lease; a renewed lease keeps other replicas off; once renewals stop, the task is taken over.
#[test]
fn only_the_run_holding_a_claim_renews_its_lease() {
    let Some(server) = pg_support::PgServer::start("renew") else {
        return;
    };
    let url = server.create_database("renew_test");
    let (first_replica, second_replica) = (
        PostgresStore::open(&url).unwrap(),
        PostgresStore::open(&url).unwrap(),
    );
    first_replica.ensure_account("org", 5).unwrap();
    assert!(first_replica.create_task(&task(1, 1)).unwrap());
    let id = task(1, 1).id;
    let policy = ClaimPolicy {
        lease_seconds: 10,
        max_attempts: 3,
    };
    assert!(!first_replica.renew_lease(&id, 0, 150).unwrap());
    let first = first_replica
        .claim_task(&id, 100, &policy)
        .unwrap()
        .unwrap();
    // The run outlives its first lease (110), renewing every few seconds.
    for at in [103, 106, 109, 112, 115] {
        assert!(
            first_replica
                .renew_lease(&id, first.attempts, at + 10)
                .unwrap()
        );
        assert!(
            second_replica
                .claim_next(at + 1, &policy)
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(
        second_replica.task(&id).unwrap().unwrap().lease_until,
        Some(125)
    );
    // Its replica dies: renewals stop, and after the last lease the task is taken over.
    assert!(second_replica.claim_next(125, &policy).unwrap().is_none());
    let second = second_replica.claim_next(126, &policy).unwrap().unwrap();
    assert_eq!(second.attempts, 2);
    // A late renewal of the dead run changes nothing.
    assert!(!first_replica.renew_lease(&id, first.attempts, 500).unwrap());
    assert_eq!(
        second_replica.task(&id).unwrap().unwrap().lease_until,
        Some(136)
    );
    assert!(
        second_replica
            .renew_lease(&id, second.attempts, 140)
            .unwrap()
    );
    second_replica
        .finish_task(&id, &result(&second), 130)
        .unwrap();
    assert!(
        !second_replica
            .renew_lease(&id, second.attempts, 150)
            .unwrap()
    );
    assert_eq!(second_replica.ledger_of(&id).unwrap(), (1, 0));
}
