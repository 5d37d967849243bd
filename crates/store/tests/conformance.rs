//! The `Store` conformance suite: every case in `suite/` runs against SQLite
//! always, and against PostgreSQL when the `postgres-tests` feature is on
//! (`JOBCAST_TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`;
//! each case gets a fresh schema, dropped afterwards). With the feature on,
//! an unreachable server fails the run: it is never skipped.

mod suite;

/// One `#[tokio::test]` per case and backend, named `<backend>::<case>`.
macro_rules! conformance {
    ($($module:ident::$case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::suite::harness::on_sqlite(crate::suite::$module::$case).await;
                }
            )*
        }

        #[cfg(feature = "postgres-tests")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::suite::harness::on_postgres(crate::suite::$module::$case).await;
                }
            )*
        }
    };
}

conformance!(
    create::backend_identifies_itself,
    create::create_get_and_input_round_trip,
    create::idempotency_key_returns_the_first_jobs,
    create::idempotency_keys_belong_to_their_owner,
    create::concurrent_creates_with_one_key_agree,
    create::batch_create_is_all_or_nothing,
    list::list_filters_by_owner_status_and_kind,
    list::list_pages_newest_first_without_gaps,
    list::list_limit_is_clamped,
    list::jobs_of_answers_only_the_owners_jobs,
    events::append_numbers_events_without_gaps,
    events::append_to_a_missing_job_is_not_found,
    events::terminal_states_are_final,
    events::progress_never_decreases,
    events::concurrent_appends_get_contiguous_seqs,
    events::a_stale_attempt_cannot_append,
    events::concurrent_appends_across_jobs_stay_whole,
    claim::claims_are_exclusive,
    claim::claim_honours_kinds,
    claim::claim_takes_the_oldest_first,
    claim::retried_job_waits_for_run_after,
    claim::explicit_retry_is_claimable_at_once,
    leases::renew_lease_extends_only_the_current_attempt,
    leases::leased_jobs_with_and_without_expiry,
    attempts::a_hand_back_uses_no_attempt,
    attempts::only_a_live_attempt_is_handed_back,
    invoices::saved_invoices_read_back_whole,
    invoices::an_unknown_invoice_is_none,
    invoices::each_save_is_a_new_invoice,
    invoices::an_invoice_belongs_to_its_jobs_owner,
    journal::a_write_whose_caller_stops_waiting_is_published,
);

mod durability {
    use super::suite::durability;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_reopen_keeps_jobs_and_events() {
        durability::sqlite_reopen_keeps_jobs_and_events().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_upgrades_a_version_1_database() {
        durability::sqlite_upgrades_a_version_1_database().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite_survives_kill_9() {
        durability::sqlite_survives_kill_9().await;
    }

    /// Not a test of its own: the process `sqlite_survives_kill_9` kills.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    #[ignore = "the child process of sqlite_survives_kill_9"]
    async fn kill_9_child() {
        if let Some(path) = std::env::var_os(durability::CHILD_DB_VAR) {
            durability::write_and_wait_to_be_killed(std::path::Path::new(&path)).await;
        }
    }
}

mod entry {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn connect_chooses_the_backend_by_scheme() {
        super::suite::connect::connect_chooses_the_backend_by_scheme().await;
    }
}
